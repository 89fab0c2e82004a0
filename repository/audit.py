"""The audit log: every change of every record, before and after, chained by SHA-256.

ORM changes are captured after each flush; bulk statements report theirs with `record()`. A
bulk registration records one entry per batch of rows it inserts into a table (`record_batch`):
the ids and a SHA-256 over the rows as written, which `verify` recomputes from the rows (undoing
the changes audited after it). The entries of a transaction are chained and written just before
it commits, under a PostgreSQL advisory lock (SQLite writers are serial already), so the chain
follows commit order and never forks."""

from __future__ import annotations

import enum
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring as _quoted
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Float,
    Numeric,
    Table,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy import Enum as Choice
from sqlalchemy.orm import Session, sessionmaker

from .actor import actor_id
from .models import AuditEntry, Barcode, Event, PrintJob
from .models.base import Base, utcnow
from .sql import insert_many

GENESIS = "0" * 64
_CHAIN_LOCK = 7_302_025  # advisory lock key guarding the head of the chain
PENDING = "audit_pending"  # session.info key: entries not yet written
UNSEEN = "audit_unseen"  # session.info key: stored values of columns changed unread, by object
_NOT_AUDITED = (AuditEntry, Event, Barcode, PrintJob)  # print jobs: an operational queue
_SECRETS = frozenset({"password_hash", "token_hash"})  # logged as changed, never as values
_ENCODED = frozenset({"before", "after"})  # written as the JSON text that was hashed
_BATCH = 5000
BATCH_INSERT = "batch_insert"  # the action of an entry for a batch of inserted rows
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
    if _C_ENCODE is None or isinstance(value, str):
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


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
# The same encoder's C core, made once: `JSONEncoder.encode` makes it anew for every value, which
# cost a third of the time of the JSON of a bulk import's 100,000 events and digests. It keeps no
# record of the containers it is in (our values never hold themselves); None where the C
# accelerator is missing.
_MAKE = getattr(json.encoder, "c_make_encoder", None)  # not in the module's declared names
_C_ENCODE = (
    _MAKE(None, _json_default, _quoted, None, ":", ",", True, False, True) if _MAKE else None
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


# --- bulk inserts: one entry per batch -----------------------------------------------------------


def record_batch(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]],
    source: Mapping[str, Any],
    names: Sequence[str] | None = None,
) -> None:
    """Queue one audit entry for a bulk insert of `rows` (each with every column named alike,
    keyed by `id`; or, with `names`, tuples of the values of those columns, `id` among them)
    into `table`: `source` (the import job and its files' SHA-256), the ids written (as runs),
    the columns and a SHA-256 over the rows as written, which `verify` recomputes from the
    table."""
    if not rows:
        return
    if names is None:
        names = list(cast("Mapping[str, Any]", rows[0]))
        rows = [[row[name] for name in names] for row in cast("Sequence[Mapping]", rows)]
    # a column the database sets on every update (updated_at) is no part of what was written
    kept = [i for i, name in enumerate(names) if table.c[name].onupdate is None]
    columns = [names[i] for i in kept]
    tuples = cast("Sequence[Sequence[Any]]", rows)
    at = names.index("id")
    ids = [row[at] for row in tuples]
    if len(kept) < len(names):
        tuples = [[row[i] for i in kept] for row in tuples]
    after = {
        **source,
        "ids": _runs(ids),
        "rows": len(ids),
        "columns": columns,
        "sha256": rows_digest(table, columns, tuples),
    }
    record(session, [entry(table.name, f"{ids[0]}-{ids[-1]}", BATCH_INSERT, None, after)])


def rows_digest(table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """SHA-256 over rows of `table` (their values in the order of `columns`), one compact JSON
    line each, every value in one form whether given to an insert, read back from either
    database or taken from an audit entry's JSON."""
    converters = [(i, f) for i, f in enumerate(_canonical(table, c) for c in columns) if f]
    digest = hashlib.sha256()
    lines: list[str] = []
    for row in rows:
        values = list(row)
        for i, convert in converters:
            if values[i] is not None:
                values[i] = convert(values[i])
        lines.append(as_json(values))
        if len(lines) == _BATCH:
            digest.update(("\n".join(lines) + "\n").encode())
            lines.clear()
    if lines:
        digest.update(("\n".join(lines) + "\n").encode())
    return digest.hexdigest()


@lru_cache(maxsize=4096, typed=True)
def _decimal(value: Any, scale: int | None) -> str:
    number = Decimal(str(value))
    if scale is not None:
        number = number.quantize(Decimal(1).scaleb(-scale))
    return format(number.normalize(), "f")


def _as_given(value: Any) -> Any:
    """A date, time or vocabulary value as `plain` writes it (what an audit entry holds)."""
    return str(value) if isinstance(value, str) else _plain_remembered(value)


@lru_cache
def _canonical(table: Table, name: str) -> Callable[[Any], Any] | None:
    """How a value of the column is made canonical for a digest, None when it is the same
    Python value however it was found (text, whole numbers, flags, JSON)."""
    type_ = table.c[name].type
    if isinstance(type_, Float):
        return float
    if isinstance(type_, Numeric):
        scale = type_.scale
        return lambda value: _decimal(value, scale)
    if isinstance(type_, Choice) and issubclass(type_.enum_class or str, str):
        return None  # a str enum's member is written as its value, as it is stored
    if isinstance(type_, DateTime | Date | Choice):
        return _as_given
    return None


def _runs(ids: Sequence[int]) -> list[list[int]]:
    """Ids as runs of consecutive numbers, [first, last] each."""
    runs: list[list[int]] = []
    for id_ in ids:
        if runs and id_ == runs[-1][1] + 1:
            runs[-1][1] = id_
        else:
            runs.append([id_, id_])
    return runs


def _ids(runs: Iterable[Sequence[int]]) -> Iterator[int]:
    for first, last in runs:
        yield from range(first, last + 1)


@lru_cache
def _audited_as(table_name: str) -> tuple[str, ...]:
    """The names the changes of a table's rows are audited under: its own, and that of the
    base table of a joined inheritance (a strain's columns are audited as the material's)."""
    names = {table_name}
    for mapper in Base.registry.mappers:
        base = mapper.base_mapper.local_table
        if isinstance(base, Table) and table_name in {t.name for t in mapper.tables}:
            names.add(base.name)
    return tuple(sorted(names))


def _batch_intact(session: Session, batch: AuditEntry) -> bool:
    """Whether the rows a batch entry names still give its digest, once the changes audited
    after it (updates, deletions) are undone."""
    after = batch.after or {}
    table = Base.metadata.tables.get(batch.table_name)
    columns: list[str] = after.get("columns") or []
    if table is None or "id" not in columns or not set(columns) <= set(table.c.keys()):
        return False
    ids = list(_ids(after.get("ids") or []))
    if len(ids) != after.get("rows"):
        return False
    key = columns.index("id")
    digest = rows_digest(table, columns, _rows_as_written(session, batch, table, columns, ids, key))
    return digest == after.get("sha256")


def _rows_as_written(
    session: Session, batch: AuditEntry, table: Table, columns: list[str], ids: list[int], key: int
) -> Iterator[list[Any]]:
    """The rows a batch entry names as they were written: read now, then the changes audited
    after the entry undone, newest first (an update's `before`, a deletion's whole row)."""
    selected = [table.c[name] for name in columns]
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        rows: dict[int, dict[str, Any]] = {
            row[key]: dict(zip(columns, row, strict=True))
            for row in session.execute(select(*selected).where(table.c.id.in_(chunk)))
        }
        later = session.execute(
            select(AuditEntry.row_id, AuditEntry.action, AuditEntry.before)
            .where(
                AuditEntry.table_name.in_(_audited_as(table.name)),
                AuditEntry.row_id.in_([str(i) for i in chunk]),
                AuditEntry.id > batch.id,
            )
            .order_by(AuditEntry.id.desc())
        )
        for row_id, action, before in later:
            if action not in ("update", "delete") or not before:
                continue
            row = rows.setdefault(int(row_id), {})
            row.update((k, v) for k, v in before.items() if k in row or action == "delete")
        for id_ in chunk:
            # a row gone without an audited deletion reads blank (no row written is)
            found = rows.get(id_, {"id": id_})
            yield [found.get(name) for name in columns]


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
    """Recompute the chain, and the digest of each batch entry over the rows it names; the id
    of the first entry that does not match (a batch whose rows were altered names itself), or
    None if intact."""
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
            if row.action == BATCH_INSERT and not _batch_intact(session, row):
                return row.id
            prev = row.hash
            last_id = row.id
        session.expunge_all()


def _columns(
    obj: Any, *, changed_only: bool, unseen: Mapping[str, Any] | None = None
) -> tuple[dict, dict]:
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
        elif unseen and attr.key in unseen:
            before[attr.key] = unseen[attr.key]
        after[attr.key] = getattr(obj, attr.key)
    return before, after


def _inserted(obj: Any) -> dict[str, Any]:
    """A new row's columns as written (a new row has no history to read a `before` from)."""
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


def _before_flush(session: Session, _context, _instances) -> None:
    """Read the stored values of the columns set without being read first (a joined kind's
    columns of a material loaded as a material, say), so that their update's `before` holds
    them: `verify` undoes updates by it."""
    unseen: dict[Any, dict[str, Any]] = {}
    session.info[UNSEEN] = unseen
    for obj in session.dirty:
        state = inspect(obj)
        if isinstance(obj, _NOT_AUDITED) or state.identity is None:
            continue
        attrs = [
            attr
            for attr in state.mapper.column_attrs
            if (h := state.attrs[attr.key].history).added and not h.deleted and not h.unchanged
        ]
        if not attrs:
            continue
        model = state.mapper.class_
        stored = session.execute(
            select(*(getattr(model, attr.key) for attr in attrs))
            .select_from(model)
            .where(*(c == v for c, v in zip(state.mapper.primary_key, state.identity, strict=True)))
            .execution_options(autoflush=False)
        ).one_or_none()
        if stored is not None:
            unseen[state] = dict(zip((attr.key for attr in attrs), stored, strict=True))


def _after_flush(session: Session, _context) -> None:
    entries = []
    for obj in session.new:
        if isinstance(obj, _NOT_AUDITED):
            continue
        entries.append(entry(_table(obj), _key(obj), "insert", None, _inserted(obj)))
    unseen = session.info.pop(UNSEEN, {})
    for obj in session.dirty:
        if isinstance(obj, _NOT_AUDITED) or not session.is_modified(obj):
            continue
        before, after = _columns(obj, changed_only=True, unseen=unseen.get(inspect(obj)))
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
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_rollback", _forget)
