"""Fixtures: a migrated database per backend (SQLite always, PostgreSQL when
BIOREPO_TEST_POSTGRES_URL is set), a session factory per test whose work is rolled back,
factories for records, and the API tests' world (tests/world.py) with its app, a test client
and a runner of the `biorepo` command."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from repository import audit
from repository.db import make_engine, session_factory, unit_of_work
from tests.clients import ApiClient, CliRunner
from tests.databases import drop_schema, empty_postgres_database, migrated
from tests.factories import make_box, make_collection, make_lot, make_strain
from tests.world import build_world


def _postgres_url() -> str | None:
    """The PostgreSQL database the tests may wipe. Under pytest-xdist each worker takes one of
    its own beside it (the name plus the worker's id, e.g. test_gw1), made empty as the worker
    starts, so that workers never share a schema, a queue or a database made beside it."""
    url = os.environ.get("BIOREPO_TEST_POSTGRES_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    return empty_postgres_database(url, f"{make_url(url).database}_{worker}")


POSTGRES_URL = _postgres_url()
SECRET_KEY = secrets.token_urlsafe(48)  # the apps' cookie key in tests (a strong one)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that uses the world runs once per backend, on a world per module and backend."""
    if "world" in metafunc.fixturenames:
        metafunc.parametrize("world", BACKENDS, indirect=True, scope="module")


def pytest_collection_modifyitems(config, items) -> None:
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="PostgreSQL not configured (set BIOREPO_TEST_POSTGRES_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def fresh_database(backend: str, tmp_path_factory, schema: str = "public") -> str:
    """The URL of an empty database of `backend` (on PostgreSQL: an emptied schema), migrated
    to head."""
    if backend == "sqlite":
        return migrated(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}")
    return migrated(POSTGRES_URL, schema)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> str:
    return fresh_database(request.param, tmp_path_factory)


@pytest.fixture(params=BACKENDS)
def committing_factory(request, tmp_path_factory) -> Iterator[sessionmaker[Session]]:
    """Sessions on a database of their own whose commits are real (for races between
    connections); the database is dropped afterwards."""
    schema = f"commits_{os.getpid()}"
    url = fresh_database(request.param, tmp_path_factory, schema)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()
    if request.param == "postgresql":
        drop_schema(POSTGRES_URL, schema)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions joined to one outer transaction that is rolled back after the test: each
    unit of work commits a savepoint, so services run exactly as in production."""
    connection = engine.connect()
    outer = connection.begin()
    made = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    audit.install(made)
    yield made
    outer.rollback()
    connection.close()


@pytest.fixture
def db(factory) -> Iterator[Session]:
    """One session for a test that calls services directly."""
    with unit_of_work(factory) as session:
        yield session


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    """The world of tests/world.py on a database of its own, built once per test module and
    backend (building it per test is too slow): tests read it and must not change it."""
    schema = "world_" + request.module.__name__.rsplit(".", 1)[-1]
    built = build_world(fresh_database(request.param, tmp_path_factory, schema), SECRET_KEY)
    yield built
    built.app.extensions["biorepo.engine"].dispose()
    if request.param == "postgresql":
        drop_schema(POSTGRES_URL, schema)


@pytest.fixture
def app(world) -> Flask:
    """The Flask app on the world's database."""
    return world.app


@pytest.fixture
def client(app: Flask) -> ApiClient:
    """The app's test client (it takes `token=` for a bearer token)."""
    return ApiClient(app, app.response_class)


@pytest.fixture
def runner() -> CliRunner:
    """A runner of the `biorepo` command (on the database DATABASE_URL names)."""
    return CliRunner()


@pytest.fixture
def collection(db):
    """Collection TST."""
    return make_collection(db)


# The factories, for the modules that import them from here.
__all__ = ["make_box", "make_collection", "make_lot", "make_strain"]
