"""The audit log: every change of every record, before and after, chained by SHA-256.

ORM changes are captured after each flush; bulk statements report theirs with `record()`.
The entries of a transaction are chained and written just before it commits, under a
PostgreSQL advisory lock (SQLite writers are serial already), so the chain follows commit
order and never forks."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect, select, text
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
    return value


def as_utc(moment: datetime) -> datetime:
    """Naive UTC, whichever way the database returned it."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def entry(table: str, row_id: Any, action: str, before: dict | None, after: dict | None) -> dict:
    def values(columns: dict | None) -> dict | None:
        if columns is None:
            return None
        return {k: "(secret)" if k in _SECRETS else plain(v) for k, v in columns.items()}

    return {
        "table_name": table,
        "row_id": str(row_id),
        "action": action,
        "before": values(before),
        "after": values(after),
    }


def record(session: Session, entries: Iterable[dict]) -> None:
    """Queue audit entries (made by `entry`) to be chained and written at commit."""
    session.info.setdefault(PENDING, []).extend(entries)


def digest(prev_hash: str, row: dict) -> str:
    payload = json.dumps(
        [
            prev_hash,
            as_utc(row["at"]).isoformat(timespec="microseconds"),
            row["actor_id"],
            row["table_name"],
            row["row_id"],
            plain(row["action"]),
            row["before"],
            row["after"],
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
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
            fields = {
                c: getattr(row, c)
                for c in ("at", "actor_id", "table_name", "row_id", "action", "before", "after")
            }
            if row.prev_hash != prev or row.hash != digest(prev, fields):
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
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    prev = (
        connection.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
        or GENESIS
    )
    at, actor = utcnow(), actor_id(session)
    rows = []
    for item in pending:
        row = {"at": at, "actor_id": actor, **item}
        row["prev_hash"] = prev
        row["hash"] = prev = digest(prev, row)
        rows.append(row)
    insert_many(connection, AuditEntry.__table__, rows)


def _forget(session: Session, *_args) -> None:
    session.info.pop(PENDING, None)


def install(factory: sessionmaker[Session]) -> None:
    """Audit every session the factory makes."""
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_rollback", _forget)
