"""The audit log: every change of every record, before and after, chained by SHA-256.

ORM changes are captured after each flush; bulk statements report theirs with `record()`.
The entries of a transaction are chained and written just before it commits, under a
PostgreSQL advisory lock (SQLite writers are serial already), so the chain follows commit
order and never forks."""

from __future__ import annotations

import enum
import hashlib
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring as _quoted
from typing import Any

from sqlalchemy import Connection, Table, event, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from .actor import actor_id
from .models import AuditEntry, Barcode, Event, PrintJob
from .models.base import utcnow
from .sql import insert_many

GENESIS = "0" * 64
_CHAIN_LOCK = 7_302_025  # advisory lock key guarding the head of the chain
PENDING = "audit_pending"  # session.info key: entries not yet written
_NOT_AUDITED = (AuditEntry, Event, Barcode, PrintJob)  # print jobs: an operational queue
_SECRETS = frozenset({"password_hash", "token_hash"})  # logged as changed, never as values
_ENCODED = frozenset({"before", "after"})  # written as the JSON text that was hashed
_BATCH = 5000
SPOOL_MEMORY = 4 << 20  # bytes of entries a transaction keeps in memory before using a file


def plain(value: Any) -> Any:
    """A JSON-safe form of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 2000000, 0.5: no exponent, no trailing zeros
    if isinstance(value, bytes):  # derived binary data (a sequence's 8-mers): its digest
        return f"sha256:{hashlib.sha256(value).hexdigest()}"
    return value


def as_utc(moment: datetime) -> datetime:
    """Naive UTC, whichever way the database returned it."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


Entry = tuple[str, str, str, str | None, str | None]  # table, row id, action, before, after


def entry(
    table: str,
    row_id: Any,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> Entry:
    """An audit entry: the row's columns before and after as JSON text, as they are hashed."""
    key = str(row_id)
    if not key.isprintable():
        raise ValueError(f"An audited key must be printable: {key!r}")
    return table, key, str(action), _encoded(before), _encoded(after)


def _encoded(columns: Mapping[str, Any] | None) -> str | None:
    if columns is None:
        return None
    if not _SECRETS.isdisjoint(columns):
        columns = {k: "(secret)" if k in _SECRETS else v for k, v in columns.items()}
    return as_json(columns)


def as_json(value: Any) -> str:
    """The one JSON text of a value (keys sorted, compact; dates, decimals and enums as
    `plain` writes them): what an audit entry hashes, and what bulk writers store."""
    return _ENCODER.encode(value)


def _json_default(value: Any) -> Any:
    try:
        converted = _plain_remembered(value)
    except TypeError:  # unhashable: not a value plain() converts either
        converted = value
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return converted


# The rows of a bulk insert share their timestamps and quantities: each converted once. Equal
# values of one type convert alike (Decimal 1.0 and 1 are both "1"; naive and aware times are
# never equal).
_plain_remembered = lru_cache(maxsize=4096, typed=True)(plain)


# The one JSON form of an entry's columns (keys sorted, compact), as they are hashed.
_ENCODER = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
)


class Pending:
    """The entries of a transaction, queued until it commits: in memory while few, then in a
    temporary file, so that a bulk import of a million rows does not hold a million entries."""

    def __init__(self, memory: int | None = None) -> None:
        # closed by close(), at commit or rollback
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=SPOOL_MEMORY if memory is None else memory, mode="w+", encoding="utf-8"
        )
        self._count = 0

    def extend(self, entries: Iterable[Entry]) -> None:
        write = self._file.write
        for table, row_id, action, before, after in entries:
            write(f"{table}\t{row_id}\t{action}\t{before or ''}\t{after or ''}\n")
            self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Entry]:
        self._file.seek(0)
        for line in self._file:
            table, row_id, action, before, after = line[:-1].split("\t")
            yield table, row_id, action, before or None, after or None

    def close(self) -> None:
        self._file.close()


def record(session: Session, entries: Iterable[Entry]) -> None:
    """Queue audit entries (made by `entry`) to be chained and written at commit."""
    pending = session.info.get(PENDING)
    if pending is None:
        pending = session.info[PENDING] = Pending()
    pending.extend(entries)


def record_inserts(session: Session, table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    """Queue the audit of a bulk insert into `table` (a Core write, which no flush sees): one
    entry per row, keyed by its `id`, its columns as the ORM's flush records a new row's."""
    name = table.name
    record(session, (entry(name, row["id"], "insert", None, row) for row in rows))


def _head(at: datetime, actor: int | None) -> str:
    """The part of the hashed payload that a transaction's entries share: when, and who."""
    return f"{_quoted(as_utc(at).isoformat(timespec='microseconds'))},{json.dumps(actor)}"


def _hash(prev: str, head: str, entry: Entry) -> str:
    """SHA-256 of [prev hash, at, actor, table, row id, action, before, after] as compact JSON,
    written from parts already in JSON."""
    table, row_id, action, before, after = entry
    payload = (
        f'["{prev}",{head},{_quoted(table)},{_quoted(row_id)},{_quoted(action)},'
        f"{before or 'null'},{after or 'null'}]"
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def verify(session: Session, batch: int = 5000) -> int | None:
    """Recompute the chain; the id of the first row that does not match, or None if intact."""
    prev = GENESIS
    last_id = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.id > last_id)
                .order_by(AuditEntry.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return None
        for row in rows:
            stored = entry(row.table_name, row.row_id, row.action, row.before, row.after)
            if row.prev_hash != prev or row.hash != _hash(
                prev, _head(row.at, row.actor_id), stored
            ):
                return row.id
            prev = row.hash
            last_id = row.id
        session.expunge_all()


def _columns(obj: Any, *, changed_only: bool) -> tuple[dict, dict]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if changed_only and not history.has_changes():
            continue
        if history.deleted:
            before[attr.key] = history.deleted[0]
        elif history.unchanged:
            before[attr.key] = history.unchanged[0]
        after[attr.key] = getattr(obj, attr.key)
    return before, after


def _after_flush(session: Session, _context) -> None:
    entries = []
    for obj in session.new:
        if isinstance(obj, _NOT_AUDITED):
            continue
        _, after = _columns(obj, changed_only=False)
        entries.append(entry(_table(obj), _key(obj), "insert", None, after))
    for obj in session.dirty:
        if isinstance(obj, _NOT_AUDITED) or not session.is_modified(obj):
            continue
        before, after = _columns(obj, changed_only=True)
        if after:
            entries.append(entry(_table(obj), _key(obj), "update", before, after))
    for obj in session.deleted:
        if isinstance(obj, _NOT_AUDITED):
            continue
        before, _ = _columns(obj, changed_only=False)
        entries.append(entry(_table(obj), _key(obj), "delete", before, None))
    record(session, entries)


def _table(obj: Any) -> str:
    return inspect(obj).mapper.base_mapper.local_table.name


def _key(obj: Any) -> str:
    """The row's primary key (a new row's is known only after the flush, as here)."""
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in key)


def _before_commit(session: Session) -> None:
    session.flush()
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    try:
        _write_chained(session.connection(), pending, utcnow(), actor_id(session))
    finally:
        pending.close()


def _write_chained(connection: Connection, entries: Pending, at: datetime, actor: int | None):
    """Chain the entries onto the head of the log and insert them, in batches."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    prev = (
        connection.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
        or GENESIS
    )
    head = _head(at, actor)
    rows: list[dict] = []
    for item in entries:
        hash_ = _hash(prev, head, item)
        table, row_id, action, before, after = item
        rows.append(
            {
                "at": at,
                "actor_id": actor,
                "table_name": table,
                "row_id": row_id,
                "action": action,
                "before": before,
                "after": after,
                "prev_hash": prev,
                "hash": hash_,
            }
        )
        prev = hash_
        if len(rows) == _BATCH:
            insert_many(connection, AuditEntry.__table__, rows, encoded=_ENCODED)
            rows = []
    insert_many(connection, AuditEntry.__table__, rows, encoded=_ENCODED)


def _forget(session: Session, *_args) -> None:
    pending = session.info.pop(PENDING, None)
    if pending is not None:
        pending.close()


def install(factory: sessionmaker[Session]) -> None:
    """Audit every session the factory makes."""
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_rollback", _forget)
