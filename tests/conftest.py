"""Fixtures: a migrated database per backend (SQLite always, PostgreSQL when
BIOREPO_TEST_POSTGRES_URL is set), a session factory per test whose work is rolled back, and
factories for records."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from repository import audit
from repository.db import make_engine, session_factory, unit_of_work
from repository.models import Material, StorageUnit
from repository.services import collections, inventory, materials, storage
from tests.databases import drop_schema, migrated

POSTGRES_URL = os.environ.get("BIOREPO_TEST_POSTGRES_URL")
SECRET_KEY = secrets.token_urlsafe(48)  # the apps' cookie key in tests (a strong one)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


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


# --- factories ---------------------------------------------------------------------------------


@pytest.fixture
def collection(db):
    return make_collection(db)


def make_collection(db, code: str = "TST"):
    return collections.create_collection(
        db, {"code": code, "name": "Test collection", "kind": "culture_collection"}
    )


def make_strain(db, code: str = "TST", **fields) -> Material:
    data = {
        "kind": "strain",
        "designation": "K-12 MG1655",
        "taxon_name": "Escherichia coli",
        "taxon_id": 511145,
        **fields,
    }
    return materials.register_material(db, code, data)


def make_box(
    db,
    parent: StorageUnit | None = None,
    rows: int = 9,
    cols: int = 9,
    temperature: float = -80,
    name: str = "Box",
) -> StorageUnit:
    if parent is None:
        site = storage.create_unit(db, {"kind": "site", "name": "Site"})
        room = storage.create_unit(db, {"kind": "room", "name": "Room"}, site)
        freezer = storage.create_unit(
            db, {"kind": "freezer", "name": "Freezer", "temperature_c": temperature}, room
        )
        parent = storage.create_unit(db, {"kind": "rack", "name": "Rack"}, freezer)
    return storage.create_unit(
        db, {"kind": "box", "name": name, "rows": rows, "cols": cols}, parent
    )


def make_lot(db, material: Material, items: int = 3, **fields):
    data = {
        "method": "glycerol_minus80",
        "preserved_on": date(2025, 1, 2).isoformat(),
        "items": items,
        "quantity": "1.0",
        "unit": "ml",
        "form": "cryovial",
        **fields,
    }
    return inventory.create_lot(db, material, data)
