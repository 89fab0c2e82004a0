"""Hostile restore files: truncated, not a backup, from a newer schema, from the other engine, or
into a database that is not empty. Each is refused with a clear error by `biorepo restore`, and
the target is left as it was."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from repository import backup, migrate
from repository.db import make_engine, session_factory, unit_of_work
from tests.clients import CliRunner
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.databases import new_postgres_database
from tests.factories import make_collection, make_lot, make_strain

NEWER = "9999_from_the_future"


def restore(url: str, source: Path, *more: str):
    return CliRunner().invoke(["restore", str(source), *more], env={"DATABASE_URL": url})


def tables(url: str) -> list[str]:
    return backup._tables(url)


@pytest.fixture(scope="module", params=BACKENDS)
def made(request, tmp_path_factory) -> Iterator[tuple[str, Path, Path]]:
    """(backend, a backup of a small database, a backup of the same at a newer schema)."""
    folder = tmp_path_factory.mktemp("backups")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'source.db'}"
        yield from _made(request.param, url, folder)
        return
    assert POSTGRES_URL
    with new_postgres_database(POSTGRES_URL, "hostile_backups") as url:
        yield from _made(request.param, url, folder)


def _made(backend: str, url: str, folder: Path) -> Iterator[tuple[str, Path, Path]]:
    migrate.upgrade(url)
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        make_collection(db, "HOS")
        make_lot(db, make_strain(db, "HOS"), items=3)
    good = folder / "good.backup"
    backup.backup(url, good)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": NEWER})
    newer = folder / "newer.backup"
    backup.backup(url, newer)
    engine.dispose()
    yield backend, good, newer


@pytest.fixture
def target(made, tmp_path) -> Iterator[str]:
    """A new, empty database of the backend."""
    if made[0] == "sqlite":
        yield f"sqlite:///{tmp_path / 'target.db'}"
        return
    assert POSTGRES_URL
    with new_postgres_database(POSTGRES_URL, "hostile_target") as url:
        yield url


def refused(url: str, source: Path, words: str) -> None:
    result = restore(url, source)
    assert result.exit_code == 1, result.output
    assert words in result.output, result.output
    assert "Traceback" not in result.output
    assert tables(url) == []  # nothing half-done


@pytest.mark.parametrize("keep", [0.02, 0.5, 0.97])
def test_a_truncated_backup_is_refused(made, target, tmp_path, keep):
    _, good, _ = made
    cut = tmp_path / "cut.backup"
    data = good.read_bytes()
    cut.write_bytes(data[: int(len(data) * keep)])
    refused(target, cut, "truncated")


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, I am a backup", b"PGDMP" + b"\x00" * 40, b"SQLite format 3\x00" + b"\xff" * 200],
)
def test_a_file_that_is_no_backup_is_refused(made, target, tmp_path, content):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(content)
    result = restore(target, junk)
    assert result.exit_code == 1 and "Error:" in result.output, result.output
    assert "Traceback" not in result.output
    assert tables(target) == []


def test_a_sqlite_database_that_is_not_biorepo_is_refused(target, tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    refused(target, other, "not a biorepo backup")


def test_a_backup_from_a_newer_schema_is_refused(made, target):
    _, _, newer = made
    refused(target, newer, NEWER)
    assert "upgrade biorepo" in restore(target, newer).output


def test_a_missing_file_is_refused(target, tmp_path):
    refused(target, tmp_path / "nothing.backup", "Cannot read")


def test_a_database_that_is_not_empty_is_refused_unless_forced(made, target):
    _, good, _ = made
    first = restore(target, good)
    assert first.exit_code == 0, first.output
    assert "chain intact" in first.output and "strain 1" in first.output
    before = tables(target)
    again = restore(target, good)
    assert again.exit_code == 1 and "not empty" in again.output
    assert tables(target) == before
    forced = restore(target, good, "--force")
    assert forced.exit_code == 0, forced.output
    assert "strain 1" in forced.output and "available 3" in forced.output


def test_pg_tools_missing_is_said_clearly(made, target, monkeypatch, tmp_path):
    if made[0] == "sqlite":
        pytest.skip("SQLite needs no outside program")
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without PostgreSQL's client programs
    refused(target, made[1], "pg_restore is not installed")


def test_verify_finds_an_altered_record(made, target):
    """After a restore (or a point-in-time recovery), `biorepo verify` re-checks the chain: a row
    altered behind the audit log's back is found."""
    _, good, _ = made
    assert restore(target, good).exit_code == 0
    check = CliRunner().invoke(["verify"], env={"DATABASE_URL": target})
    assert check.exit_code == 0 and "chain intact" in check.output
    engine = make_engine(target)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_log SET after = :a WHERE id = (SELECT min(id) FROM audit_log)"),
            {"a": '{"forged": true}'},
        )
    engine.dispose()
    altered = CliRunner().invoke(["verify"], env={"DATABASE_URL": target})
    assert altered.exit_code == 1 and "broken at row" in altered.output, altered.output


def test_a_backup_never_overwrites_nor_writes_into_nowhere(made, tmp_path):
    _, good, _ = made
    before = good.read_bytes()
    source = f"sqlite:///{tmp_path / 'none.db'}"  # the check comes before any database
    taken = CliRunner().invoke(["backup", str(good)], env={"DATABASE_URL": source})
    assert taken.exit_code == 1 and "exists" in taken.output
    assert good.read_bytes() == before
    nowhere = CliRunner().invoke(
        ["backup", str(tmp_path / "no" / "such" / "x.backup")], env={"DATABASE_URL": source}
    )
    assert nowhere.exit_code == 1 and "no folder" in nowhere.output
