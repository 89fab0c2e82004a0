"""Engines, sessions and the unit of work: one transaction per use case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from . import audit
from .actor import set_actor
from .db_errors import as_domain_error, conflict_from

__all__ = ["Work", "conflict_from", "make_engine", "session_factory", "unit_of_work"]

_writing: ContextVar[bool] = ContextVar("biorepo_writing", default=False)

# How long a SQLite writer waits for another's write lock before it gives up with ServiceBusy
# (a 503 with Retry-After): well inside a web worker's timeout, so a waiting request answers
# rather than being killed.
BUSY_TIMEOUT_S = 10.0


def make_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT_S, **kwargs) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout (seconds a writer
    waits for the write lock) and write locks taken at the start of write transactions
    (BEGIN IMMEDIATE), so concurrent writers queue; PostgreSQL does not JIT-compile."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout}, **kwargs)

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
    engine = create_engine(url, pool_pre_ping=True, **kwargs)

    @event.listens_for(engine, "connect", insert=True)
    def _postgres_connect(dbapi_connection, _record) -> None:
        # No JIT compiling: it pays off for long analytic queries, but a page's statements are
        # short, and a large planned cost (the due list's union of every rule, at ten million
        # items) made PostgreSQL spend 640 ms of a 1.05 s request compiling it.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.autocommit = autocommit

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on `engine`, each audited."""
    factory = sessionmaker(engine, expire_on_commit=False)
    audit.install(factory)
    return factory


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
        except DBAPIError as error:
            self.session.rollback()
            _raise_as_domain_error(error)
        finally:
            self.session.close()
            _writing.reset(self._token)


def _raise_as_domain_error(error: DBAPIError) -> None:
    """Raise the domain error `error` stands for (a lost race, a busy database), else itself."""
    domain = as_domain_error(error)
    if domain is None:
        raise error
    raise domain from error


@contextmanager
def unit_of_work(
    factory: sessionmaker[Session], *, actor: int | None = None, write: bool = True
) -> Iterator[Session]:
    """One use case, one transaction: commit at the end, roll back on any error."""
    work = Work(factory, actor=actor, write=write)
    try:
        yield work.session
    except DBAPIError as error:
        work.finish(ok=False)
        _raise_as_domain_error(error)
    except BaseException:
        work.finish(ok=False)
        raise
    work.finish(ok=True)
