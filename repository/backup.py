"""Backups and restores of the whole database: SQLite through its online backup API (safe while
the servers write), PostgreSQL through `pg_dump --format=custom` and `pg_restore`. A restore goes
into an empty database only (or over one, when forced), all or nothing, and is verified: the
audit chain and the counts by kind."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import audit, migrate
from .db import make_engine
from .models import AuditEntry, Item, Material

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
PG_TIMEOUT_S = 3600  # a dump or restore that takes longer is stuck


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; nothing was changed. The message says why."""


@dataclass
class Verified:
    """What a restored (or backed-up) database holds, and whether its audit chain is whole."""

    revision: str | None
    materials: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)
    audit_entries: int = 0
    broken_at: int | None = None  # the first audit row that does not match, None if intact

    def lines(self) -> list[str]:
        def shown(counts: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"

        chain = "intact" if self.broken_at is None else f"BROKEN at row {self.broken_at}"
        return [
            f"schema revision: {self.revision}",
            f"materials by kind: {shown(self.materials)}",
            f"items by status: {shown(self.items)}",
            f"audit entries: {self.audit_entries}, chain {chain}",
        ]


def counts(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    """Materials by kind and items by status (what the health check and a restore report)."""
    kinds = session.execute(select(Material.kind, func.count()).group_by(Material.kind)).all()
    items = session.execute(select(Item.status, func.count()).group_by(Item.status)).all()
    return (
        {kind.value: n for kind, n in kinds},
        {status.value: n for status, n in items},
    )


def verify(url: str) -> Verified:
    """The revision, counts and audit chain of the database at `url`."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            materials, items = counts(session)
            return Verified(
                revision=_revision(session),
                materials=materials,
                items=items,
                audit_entries=session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
                broken_at=audit.verify(session),
            )
    finally:
        engine.dispose()


def _revision(session: Session) -> str | None:
    return session.connection().exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def known_revisions() -> set[str]:
    """Every schema revision this code's migrations know."""
    scripts = ScriptDirectory(str(migrate.SCRIPTS))
    return {script.revision for script in scripts.walk_revisions()}


def head_revision() -> str:
    return ScriptDirectory(str(migrate.SCRIPTS)).get_current_head() or ""


def backup(url: str, out: Path) -> Verified:
    """Write a backup of the database at `url` to `out` (never a half-written file: it is
    written beside it, then renamed); what it holds."""
    if out.exists():
        raise BackupError(f"{out} exists: choose a new name (a backup never overwrites).")
    if not out.parent.is_dir():
        raise BackupError(f"There is no folder {out.parent} to write {out.name} in.")
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if _is_sqlite(url):
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _pg_dump(url, partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return _inspect_backup(out)


def restore(url: str, source: Path, *, force: bool = False) -> Verified:
    """Restore the backup `source` into the database at `url`, which must be empty unless
    `force`; checked first (a backup, whole, of a schema this code knows), restored all or
    nothing, migrated to this code's head, then verified."""
    found = _inspect_backup(source)
    if found.revision not in known_revisions():
        raise BackupError(
            f"{source} is from schema revision {found.revision!r}, which this version of biorepo"
            f" does not know (its newest is {head_revision()}): restore it with the version that"
            " made it, or upgrade biorepo first."
        )
    engine_of_backup = _engine_of(source)
    if engine_of_backup != ("sqlite" if _is_sqlite(url) else "postgresql"):
        raise BackupError(
            f"{source} is a {engine_of_backup} backup; DATABASE_URL names a"
            f" {'SQLite' if _is_sqlite(url) else 'PostgreSQL'} database. Restore a backup into"
            " the engine it was made on (biorepo export/import moves data between engines)."
        )
    tables = _tables(url)
    if tables and not force:
        raise BackupError(
            f"The target database is not empty ({len(tables)} tables): restore into a new,"
            " empty database, or add --force to replace everything in it."
        )
    if _is_sqlite(url):
        _sqlite_restore(source, _sqlite_path(url))
    else:
        _pg_restore(source, url, clean=bool(tables))
    migrate.upgrade(url)
    return verify(url)


# -- what a file is --------------------------------------------------------------------------


def _engine_of(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            start = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from None
    if start == SQLITE_MAGIC:
        return "sqlite"
    if start.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(
        f"{path} is not a biorepo backup (neither a SQLite database nor a pg_dump custom-format"
        " archive)."
    )


def _inspect_backup(path: Path) -> Verified:
    """The schema revision of a backup file, after checking that it is one and is whole."""
    engine = _engine_of(path)
    if engine == "sqlite":
        return Verified(revision=_sqlite_revision(path))
    return Verified(revision=_pg_revision(path))


# -- SQLite ----------------------------------------------------------------------------------


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up or restore into.")
    return Path(database)


def _sqlite_backup(source: Path, out: Path) -> None:
    """Copy a live database with SQLite's online backup API, in one step: one consistent
    snapshot, while other connections go on writing (WAL)."""
    if not source.exists():
        raise BackupError(f"There is no database at {source}.")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(out)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    except sqlite3.Error as error:
        raise BackupError(f"The backup failed: {error}.") from None
    finally:
        dst.close()
        src.close()


def _sqlite_revision(path: Path) -> str | None:
    """Check a SQLite backup (as long as its header says, and whole), and its revision."""
    header = path.read_bytes()[:100] if path.stat().st_size >= 100 else b""
    if len(header) < 100:
        raise BackupError(f"{path} is truncated (shorter than a SQLite header).")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    size = path.stat().st_size
    if pages and size != page_size * pages:
        raise BackupError(
            f"{path} is truncated or damaged: {size} bytes where its header says"
            f" {page_size * pages}."
        )
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            check = connection.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"{path} is damaged: {check}")
            known = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            if known is None:
                raise BackupError(f"{path} is a SQLite database, but not a biorepo backup.")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a whole biorepo backup: {error}.") from None
    if row is None:
        raise BackupError(f"{path} holds no schema revision: not a biorepo backup.")
    return str(row[0])


def _sqlite_restore(source: Path, target: Path) -> None:
    """Copy the backup into the target file through the backup API: one transaction on the
    target, so it holds either all of the backup or what it held before."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro&immutable=1", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    except sqlite3.Error as error:
        raise BackupError(f"The restore failed and changed nothing: {error}.") from None
    finally:
        dst.close()
        src.close()


# -- PostgreSQL ------------------------------------------------------------------------------


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed (or not on PATH): install PostgreSQL's client programs of"
            " the server's major version or newer, e.g. `apt install postgresql-client`."
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for `url` (the password passed in the environment, not on a
    command line others can read) and that environment."""
    parsed: URL = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(args, env=env, capture_output=True, timeout=PG_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise BackupError(f"{what} took longer than {PG_TIMEOUT_S} s and was stopped.") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()
        if "end of file" in detail:  # pg_restore ran out of archive: a cut-off copy
            raise BackupError(
                f"{what} failed: the archive is truncated ({detail.splitlines()[-1]})"
            )
        shown = " / ".join(detail.splitlines()[-3:]) or f"exit status {done.returncode}"
        raise BackupError(f"{what} failed: {shown}")
    return done.stdout.decode(errors="replace")


def _pg_dump(url: str, out: Path) -> None:
    """A consistent snapshot of the whole database (pg_dump reads in one transaction)."""
    uri, env = _libpq(url)
    _run([_binary("pg_dump"), "--format=custom", f"--file={out}", uri], env, "pg_dump")


def _pg_revision(path: Path) -> str | None:
    """The revision in a pg_dump archive, read without any database: the data of its
    alembic_version table, as pg_restore writes it out."""
    env = {**os.environ}
    text = _run(
        [_binary("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
        env,
        f"Reading {path}",
    )
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
            value = lines[number + 1].strip()
            if value and value != "\\.":
                return value
    raise BackupError(f"{path} holds no schema revision: not a biorepo backup.")


def _pg_restore(source: Path, url: str, *, clean: bool) -> None:
    """Restore in one transaction: any error (a truncated archive included) leaves the target
    as it was."""
    uri, env = _libpq(url)
    args = [
        _binary("pg_restore"),
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        f"--dbname={uri}",
    ]
    if clean:
        args += ["--clean", "--if-exists"]
    _run([*args, str(source)], env, "pg_restore (nothing was restored)")


def _tables(url: str) -> list[str]:
    """The tables of the target database (its current schema); [] for a new SQLite file."""
    if _is_sqlite(url) and not _sqlite_path(url).exists():
        return []
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(inspect(connection).get_table_names())
    except SQLAlchemyError as error:
        raise BackupError(f"Cannot reach the target database: {type(error).__name__}.") from None
    finally:
        engine.dispose()
