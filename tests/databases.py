"""Empty, migrated databases for the tests and the benchmarks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

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
            url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    migrate.upgrade(url)
    return url


def drop_schema(url: str, schema: str) -> None:
    _run(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _run(url: str, *statements: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()
