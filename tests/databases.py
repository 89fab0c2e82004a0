"""Empty, migrated databases for the tests and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from repository import migrate
from repository.db import make_engine


def migrated(url: str, schema: str | None = None) -> str:
    """Migrate an empty database to head and return the URL to reach it: on SQLite a new file
    (`schema` None), on PostgreSQL the schema `schema`, dropped first if it exists."""
    if schema is None:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        _run(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE', f'CREATE SCHEMA "{schema}"')
        if schema != "public":
            url = in_schema(url, schema)
    migrate.upgrade(url)
    return url


def in_schema(url: str, schema: str) -> str:
    """The URL of the PostgreSQL database `url` whose connections work in `schema`."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    _run(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _run(url: str, *statements: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def empty_postgres_database(server_url: str, name: str) -> str:
    """The URL of the PostgreSQL database `name` beside the one `server_url` names, dropped and
    made again (empty), through that connection."""
    engine = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def new_postgres_database(server_url: str, suffix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database beside the one `server_url` names (its name plus
    `suffix`); yields its URL and drops it afterwards."""
    url = make_url(server_url)
    name = f"{url.database}_{suffix}"
    try:
        yield (
            make_url(empty_postgres_database(server_url, name))
            .set(query={})
            .render_as_string(hide_password=False)
        )
    finally:
        engine = make_engine(server_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
