"""Engines, sessions and the unit of work: one transaction per use case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from . import audit
from .actor import set_actor
from .errors import Conflict

_writing: ContextVar[bool] = ContextVar("biorepo_writing", default=False)

# Unique and check constraints a racing or careless write can hit, with what they mean to a user.
CONSTRAINT_MESSAGES = {
    "uq_items_container_id_row_col": ("position", "That position is already occupied."),
    "uq_materials_collection_id_accession_number": (
        "accession_number",
        "That accession number is already used in this collection.",
    ),
    "pk_barcodes": ("barcode", "That barcode is already in use."),
    "ck_storage_units_occupied": ("container", "The storage unit is full."),
    "ck_items_quantity": ("quantity", "The quantity would fall below zero."),
    "uq_collections_code": ("code", "A collection with that code already exists."),
    "uq_storage_units_parent_id_slot": ("slot", "That slot of the parent is already taken."),
    "uq_allocations_item_id": ("items", "An item was reserved by another request meanwhile."),
    "allocations.item_id": ("items", "An item was reserved by another request meanwhile."),
    "uq_requests_requester_id_idempotency_key": (
        "idempotency_key",
        "A request with that idempotency key was made at the same moment.",
    ),
    "requests.requester_id, requests.idempotency_key": (
        "idempotency_key",
        "A request with that idempotency key was made at the same moment.",
    ),
}


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout and write locks taken
    at the start of write transactions (BEGIN IMMEDIATE), so concurrent writers queue."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite+pysqlite://"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Reads straight from the OS page cache (no copy per page), and a bigger private
            # cache: a scan touches a dozen B-tree pages of a million-item database.
            cursor.execute("PRAGMA mmap_size=1073741824")
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on `engine`, each audited."""
    factory = sessionmaker(engine, expire_on_commit=False)
    audit.install(factory)
    return factory


def conflict_from(error: IntegrityError) -> Conflict:
    """A domain conflict naming the field behind a violated constraint."""
    text = str(error.orig)
    for name, (field, message) in CONSTRAINT_MESSAGES.items():
        if name in text:
            return Conflict(message, field=field)
    if "UNIQUE constraint failed: items.container_id, items.row, items.col" in text:
        return Conflict(CONSTRAINT_MESSAGES["uq_items_container_id_row_col"][1], field="position")
    if "UNIQUE constraint failed: barcodes.value" in text:
        return Conflict(CONSTRAINT_MESSAGES["pk_barcodes"][1], field="barcode")
    return Conflict(f"The change breaks a rule of the database: {text.splitlines()[0]}")


class Work:
    """One use case, one transaction, opened and finished in separate steps (a web request
    opens it before its view and finishes it after); `unit_of_work` wraps it for code."""

    def __init__(self, factory: sessionmaker[Session], *, actor: int | None, write: bool):
        self.write = write
        self._token = _writing.set(write)
        self.session = factory()
        set_actor(self.session, actor)

    def finish(self, ok: bool) -> None:
        """Commit (if it writes and all went well) or roll back, then close. Constraint
        violations surface as `Conflict`, so a race lost in the database reads like the same
        conflict found by a service."""
        try:
            if ok and (self.write or not self.session.info.get(audit.PENDING)):
                # A read-only unit ends with COMMIT too: the same as a rollback when nothing
                # was written, but it keeps psycopg's prepared statements (a ROLLBACK clears
                # them, and every request would plan its statements anew).
                self.session.commit()
            else:
                self.session.rollback()
        except (IntegrityError, OperationalError) as error:
            self.session.rollback()
            raise as_domain_error(error) from error
        finally:
            self.session.close()
            _writing.reset(self._token)


def as_domain_error(error: IntegrityError | OperationalError) -> Exception:
    """A violated constraint as the `Conflict` a service would raise; a locked SQLite
    database as a conflict to retry; anything else unchanged."""
    if isinstance(error, IntegrityError):
        return conflict_from(error)
    if "database is locked" in str(error.orig):
        return Conflict("The database is busy with another change; try again.")
    return error


@contextmanager
def unit_of_work(
    factory: sessionmaker[Session], *, actor: int | None = None, write: bool = True
) -> Iterator[Session]:
    """One use case, one transaction: commit at the end, roll back on any error."""
    work = Work(factory, actor=actor, write=write)
    try:
        yield work.session
    except (IntegrityError, OperationalError) as error:
        work.finish(ok=False)
        raise as_domain_error(error) from error
    except BaseException:
        work.finish(ok=False)
        raise
    work.finish(ok=True)
