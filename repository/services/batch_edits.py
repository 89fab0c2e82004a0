"""Batch edits of items: the items an item search matches (or the rows of a sheet keyed by
barcode) take the same changes a curator makes one item at a time — a status (found, missing,
destroyed) or a lower quantity (used) — checked by the same rules (`inventory.check_status`,
`inventory.check_use`). A preview changes nothing: per item its values before and after, or why
it is refused, and the counts. A commit writes every change in one transaction with the events
and audit of a single edit, and records the batch (who, when, the SHA-256 of its search or
sheet and changes, the counts) with each item's values before and after; an undo puts them
back, refused for items changed since unless only the others are asked for. What batches of
items and of materials share (outcomes, preview pages, refusals, the batch record, the steps of
an undo) is `batch_engine`'s."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import barcodes
from ..audit import plain
from ..errors import DomainError
from ..exchange.batch_sheets import Sheet
from ..models import Item, ItemBatch, ItemBatchRow, StorageUnit
from ..models.storage import position_label
from ..schemas.batch_edits import PAGE_SIZE, BatchEdit, Changes, Undo
from ..schemas.search import ItemQuery
from ..sql import chunked, insert_many
from ..visibility import items_filter
from ..vocabulary import GONE, EventType, ItemStatus, Unit
from . import batch_engine as engine
from . import item_search
from .accounts import Principal
from .batch_engine import MOST, Outcome, Preview, paged, reason
from .events import record_events
from .inventory import check_status, check_use
from .storage import Place, Rewrite, at_positions, rewrite_items

KIND = "item"
_LEAVES = GONE | {ItemStatus.MISSING}  # an item with one of these statuses has no place
_EVENT_OF = {
    ItemStatus.DESTROYED: EventType.DESTROYED,
    ItemStatus.MISSING: EventType.MISSING,
    ItemStatus.AVAILABLE: EventType.FOUND,
}


@dataclass(frozen=True)
class Held:
    """An item's values as a batch reads them."""

    id: int
    barcode: str
    status: ItemStatus
    quantity: Decimal
    unit: Unit


@dataclass(frozen=True)
class Line:
    """One item of a batch: its values before and after, or why it is refused (then after is
    before). `item_id` is None for a sheet's code of no item; `line` is the sheet's line."""

    barcode: str
    outcome: Outcome
    old_status: ItemStatus | None
    new_status: ItemStatus | None
    old_quantity: Decimal | None
    new_quantity: Decimal | None
    unit: Unit | None
    reason: str | None = None
    item_id: int | None = None
    line: int | None = None

    @property
    def code(self) -> str:
        return self.barcode


def line_of(held: Held, changes: Changes, line: int | None = None) -> Line:
    """What `changes` do to one item, by the rules of a single edit: the quantity first (used;
    none left, the item is consumed), then the status."""
    status, quantity = held.status, held.quantity
    try:
        if changes.quantity is not None and changes.quantity != quantity:
            check_use(held.barcode, status, quantity, held.unit, quantity - changes.quantity)
            quantity = changes.quantity
            if quantity == 0:
                status = ItemStatus.CONSUMED
        if changes.status is not None and changes.status != status:
            check_status(held.barcode, status, changes.status, changes.note)
            status = changes.status
    except DomainError as refusal:
        return Line(
            held.barcode,
            Outcome.REFUSED,
            held.status,
            held.status,
            held.quantity,
            held.quantity,
            held.unit,
            reason(refusal),
            held.id,
            line,
        )
    same = (status, quantity) == (held.status, held.quantity)
    return Line(
        held.barcode,
        Outcome.UNCHANGED if same else Outcome.UPDATED,
        held.status,
        status,
        held.quantity,
        quantity,
        held.unit,
        None,
        held.id,
        line,
    )


# --- choosing the items ----------------------------------------------------------------------


def _matched_ids(session: Session, who: Principal, command: BatchEdit) -> list[int]:
    """The ids of the items the batch's search matches (at most MOST, or refused)."""
    ids = list(session.scalars(item_search.matching(session, who, command.search).limit(MOST + 1)))
    engine.at_most(len(ids), "search", "items", "narrow the search.")
    return ids


def _held(session: Session, ids: Sequence[int]) -> list[Held]:
    """The values of these items (read, not locked: a preview)."""
    found: list[Held] = []
    for chunk in chunked(sorted(ids)):
        found.extend(
            Held(*row)
            for row in session.execute(
                select(Item.id, Item.barcode, Item.status, Item.quantity, Item.unit).where(
                    Item.id.in_(chunk)
                )
            )
        )
    return found


@dataclass(frozen=True)
class Current:
    """An item's values as a batch about to write reads them (locked)."""

    id: int
    barcode: str
    status: ItemStatus
    quantity: Decimal
    unit: Unit
    lot_id: int
    container_id: int | None
    row: int | None
    col: int | None
    grid_rows: int | None
    grid_cols: int | None

    @property
    def held(self) -> Held:
        return Held(self.id, self.barcode, self.status, self.quantity, self.unit)


_CURRENT = select(
    Item.id,
    Item.barcode,
    Item.status,
    Item.quantity,
    Item.unit,
    Item.lot_id,
    Item.container_id,
    Item.row,
    Item.col,
    Item.grid_rows,
    Item.grid_cols,
)


def _locked(
    session: Session, who: Principal, ids: Sequence[Any], column: Any = Item.id
) -> dict[int, Current]:
    """The items of these ids (or codes, by `column`) that `who` sees, locked until the
    transaction ends (a commit or an undo)."""
    found: dict[int, Current] = {}
    for chunk in chunked(sorted(ids)):
        for row in session.execute(
            _CURRENT.where(column.in_(chunk), items_filter(who)).order_by(Item.id).with_for_update()
        ):
            found[row.id] = Current(*row)
    return found


def _changes_of(changes: Changes) -> dict[str, Any]:
    return {k: plain(v) for k, v in vars(changes).items() if v is not None}


def preview(session: Session, who: Principal, command: BatchEdit) -> Preview[Line]:
    """What the batch would do to each item the search matches; nothing is written."""
    held = _held(session, _matched_ids(session, who, command))
    return paged([line_of(h, command.changes) for h in held], command.page, command.page_size)


def commit(session: Session, who: Principal, command: BatchEdit) -> ItemBatch:
    """Apply the batch to every item the search matches, in this transaction; refused (nothing
    written, each refusal named) if an item cannot take the changes, unless those are left out
    (`skip_refused`)."""
    search = item_search.resolved(session, who, command.search)
    items = _locked(session, who, _matched_ids(session, who, command))
    lines = [line_of(item.held, command.changes) for item in items.values()]
    query = ItemQuery().canonical(search)
    changes = _changes_of(command.changes)
    return write(
        session,
        items,
        lines,
        skip_refused=command.skip_refused,
        source="search",
        query=query,
        changes=changes,
        digest=engine.digest(query, changes),
        note=command.changes.note,
    )


def _sheet_lines(
    session: Session, who: Principal, sheet: Sheet, *, lock: bool
) -> tuple[dict[int, Current], list[Line]]:
    """Each line of a sheet against its item (those `who` sees; locked when about to write):
    what its changes do, or why it is refused (a code of no item, too)."""
    codes = [line.code for line in sheet.lines]
    items: dict[int, Current] = {}
    held: dict[str, Held] = {}
    if lock:
        items = _locked(session, who, codes, Item.barcode)
        held = {item.barcode: item.held for item in items.values()}
    else:
        for chunk in chunked(codes):
            held.update(
                (row[1], Held(*row))
                for row in session.execute(
                    select(Item.id, Item.barcode, Item.status, Item.quantity, Item.unit).where(
                        Item.barcode.in_(chunk), items_filter(who)
                    )
                )
            )
    lines = []
    for line in sheet.lines:
        found = held.get(line.code)
        if found is None:
            missing = barcodes.not_found(session, line.code, "item", "barcode").detail
            lines.append(
                Line(
                    line.code,
                    Outcome.REFUSED,
                    None,
                    None,
                    None,
                    None,
                    None,
                    missing,
                    None,
                    line.line,
                )
            )
        else:
            lines.append(line_of(found, line.changes, line.line))
    return items, lines


def preview_sheet(
    session: Session, who: Principal, sheet: Sheet, page: int = 1, page_size: int = PAGE_SIZE
) -> Preview[Line]:
    """What a sheet of changes would do to each item it names; nothing is written."""
    engine.at_most(len(sheet.lines), "file", "items")
    return paged(_sheet_lines(session, who, sheet, lock=False)[1], page, page_size)


def commit_sheet(
    session: Session, who: Principal, sheet: Sheet, skip_refused: bool = False
) -> ItemBatch:
    """Apply a sheet of changes, each line to its item, in this transaction; refused (nothing
    written, each refusal named, codes of no item too) unless those are left out."""
    engine.at_most(len(sheet.lines), "file", "items")
    items, lines = _sheet_lines(session, who, sheet, lock=True)
    by_code = {line.code: line.changes.note for line in sheet.lines}
    notes = {item.id: by_code.get(item.barcode) for item in items.values()}
    return write(
        session,
        items,
        lines,
        skip_refused=skip_refused,
        source="sheet",
        query=None,
        changes=None,
        digest=sheet.digest,
        note=None,
        notes=notes,
    )


def write(
    session: Session,
    items: dict[int, Current],
    lines: Sequence[Line],
    *,
    skip_refused: bool,
    source: str,
    query: dict[str, Any] | None,
    changes: dict[str, Any] | None,
    digest: str,
    note: str | None,
    notes: dict[int, str | None] | None = None,
) -> ItemBatch:
    """Write the lines of a batch (their items locked in `items`), record the batch and each
    item's values before and after; `notes` gives an item its own note (a sheet's rows)."""
    batch, updating = engine.record(
        session,
        KIND,
        lines,
        skip_refused=skip_refused,
        source=source,
        query=query,
        changes=changes,
        digest=digest,
    )
    _apply(
        session,
        batch.id,
        [(items[line.item_id], line) for line in updating if line.item_id],
        note,
        notes or {},
    )
    return batch


def _apply(
    session: Session,
    batch_id: int,
    changing: Sequence[tuple[Current, Line]],
    note: str | None,
    notes: dict[int, str | None],
) -> None:
    """Write the changes: each item's status, quantity and place (out of storage when it
    leaves it, as a single edit does) with its events and audit, and the batch's rows."""
    rows: list[dict[str, Any]] = []
    used: dict[str, list[dict[str, Any]]] = {}
    by_note: dict[tuple[EventType, str | None], list[dict[str, Any]]] = {}
    rewrites: list[Rewrite] = []
    for item, line in changing:
        assert line.new_status is not None and line.new_quantity is not None
        own = notes.get(item.id, note)
        leaves = line.new_status in _LEAVES and item.container_id is not None
        rows.append(
            {
                "batch_id": batch_id,
                "item_id": item.id,
                "old_status": item.status,
                "new_status": line.new_status,
                "old_quantity": item.quantity,
                "new_quantity": line.new_quantity,
                "old_container_id": item.container_id,
                "old_row": item.row,
                "old_col": item.col,
                "new_container_id": None if leaves else item.container_id,
                "new_row": None if leaves else item.row,
                "new_col": None if leaves else item.col,
                "undone": False,
            }
        )
        rewrites.append(
            Rewrite(
                id=item.id,
                barcode=item.barcode,
                lot_id=item.lot_id,
                old_status=item.status,
                old_quantity=item.quantity,
                old_container_id=item.container_id,
                old_row=item.row,
                old_col=item.col,
                new_status=line.new_status,
                new_quantity=line.new_quantity,
                place=None,
                note=own,
                keep_place=not leaves,
                old_grid_rows=item.grid_rows,
                old_grid_cols=item.grid_cols,
            )
        )
        if line.new_quantity != item.quantity:
            taken = (item.quantity - line.new_quantity).normalize()
            event = {"quantity": taken, "left": line.new_quantity, "batch": batch_id}
            used.setdefault(own or "", []).append(
                {"item_id": item.id, "lot_id": item.lot_id, "data": event}
            )
        if line.new_status in _EVENT_OF and line.new_status != item.status:
            by_note.setdefault((_EVENT_OF[line.new_status], own), []).append(
                {"item_id": item.id, "lot_id": item.lot_id, "data": {"batch": batch_id}}
            )
    rewrite_items(session, rewrites)
    for own_note, events in used.items():
        record_events(session, EventType.CONSUMED, events, own_note or None)
    for (type_, own), events in by_note.items():
        record_events(session, type_, events, own)
    insert_many(session, ItemBatchRow.__table__, rows)


# --- reading and undoing a batch ---------------------------------------------------------------


def get_batch(session: Session, batch_id: int) -> ItemBatch:
    return engine.get_batch(session, batch_id, KIND)


@dataclass(frozen=True)
class BatchLine:
    """One item a batch changed: its values before and after, whether it changed again since
    (and how), and whether an undo put it back."""

    barcode: str
    old_status: ItemStatus
    new_status: ItemStatus
    old_quantity: Decimal
    new_quantity: Decimal
    unit: Unit
    old_place: str | None
    undone: bool
    changed_since: str | None


@dataclass(frozen=True)
class BatchView:
    batch: ItemBatch
    lines: list[BatchLine]
    total: int
    changed_since: int
    page: int
    page_size: int


_ROWS = (
    select(ItemBatchRow, Item).join(Item, Item.id == ItemBatchRow.item_id).order_by(Item.barcode)
)


def _since(row: ItemBatchRow, item: Item | Current) -> str | None:
    """How the item differs from what the batch left (None: it does not)."""
    if row.undone:
        return None
    differs = []
    if item.status != row.new_status:
        differs.append(f"now {item.status.value}, the batch left it {row.new_status.value}")
    if item.quantity != row.new_quantity:
        differs.append(
            f"now {item.quantity.normalize()} {item.unit.value}, the batch left "
            f"{row.new_quantity.normalize()}"
        )
    if (item.container_id, item.row, item.col) != (
        row.new_container_id,
        row.new_row,
        row.new_col,
    ):
        differs.append("moved since")
    return "; ".join(differs) or None


def view(
    session: Session, who: Principal, batch_id: int, page: int = 1, page_size: int = 50
) -> BatchView:
    """A batch, how many of its items changed since, and one page of its items."""
    batch = get_batch(session, batch_id)
    every = session.execute(_ROWS.where(ItemBatchRow.batch_id == batch.id, items_filter(who))).all()
    since = [_since(row, item) for row, item in every]
    start = (page - 1) * page_size
    units = _units(session, {row.old_container_id for row, _ in every[start : start + page_size]})
    lines = [
        BatchLine(
            item.barcode,
            row.old_status,
            row.new_status,
            row.old_quantity,
            row.new_quantity,
            item.unit,
            _place(units, row.old_container_id, row.old_row, row.old_col),
            row.undone,
            changed,
        )
        for (row, item), changed in zip(
            every[start : start + page_size], since[start : start + page_size], strict=True
        )
    ]
    return BatchView(batch, lines, len(every), sum(1 for s in since if s), page, page_size)


def _units(session: Session, ids: Iterable[int | None]) -> dict[int, StorageUnit]:
    wanted = sorted(i for i in ids if i is not None)
    found: dict[int, StorageUnit] = {}
    for chunk in chunked(wanted):
        found.update(
            (unit.id, unit)
            for unit in session.scalars(select(StorageUnit).where(StorageUnit.id.in_(chunk)))
        )
    return found


def _place(
    units: dict[int, StorageUnit], unit_id: int | None, row: int | None, col: int | None
) -> str | None:
    if unit_id is None:
        return None
    label = position_label(row, col)
    return f"{units[unit_id].name} {label}".strip() if unit_id in units else None


def undo(session: Session, who: Principal, batch_id: int, command: Undo) -> ItemBatch:
    """Put every item of a batch back to its values before it, in this transaction (back in
    its place too). Refused, naming them, when items changed since (or their place is taken),
    unless only the others are asked for (`only_unchanged`)."""
    batch = engine.undoing(session, batch_id, KIND)
    rows = list(
        session.scalars(
            select(ItemBatchRow).where(ItemBatchRow.batch_id == batch.id, ~ItemBatchRow.undone)
        )
    )
    items = _locked(session, who, [row.item_id for row in rows])
    changed: list[tuple[str, str]] = []
    back: list[tuple[ItemBatchRow, Current]] = []
    for row in rows:
        item = items.get(row.item_id)
        if item is None:  # an item the asker does not see is not theirs to undo
            continue
        since = _since(row, item)
        if since is not None:
            changed.append((item.barcode, since))
        else:
            back.append((row, item))
    back, taken = _place_free(session, back)
    changed += taken
    engine.check_undo(batch, changed, len(back), command.only_unchanged)
    _restore(session, batch.id, back)
    return engine.undone(session, batch, len(back))


def _place_free(
    session: Session, back: list[tuple[ItemBatchRow, Current]]
) -> tuple[list[tuple[ItemBatchRow, Current]], list[tuple[str, str]]]:
    """The items whose old position is still free, and those whose position another item took
    (with which)."""
    wanted = [(r.old_container_id, r.old_row, r.old_col) for r, _ in back if r.old_row is not None]
    taken: dict[tuple[Any, Any, Any], str] = {}
    for chunk in chunked(wanted):
        for code, unit_id, at_row, at_col in session.execute(
            select(Item.barcode, Item.container_id, Item.row, Item.col).where(*at_positions(chunk))
        ):
            taken[(unit_id, at_row, at_col)] = code
    free, refused = [], []
    for row, item in back:
        other = taken.get((row.old_container_id, row.old_row, row.old_col))
        if other is not None and other != item.barcode:
            where = position_label(row.old_row, row.old_col)
            refused.append((item.barcode, f"its position {where} now holds {other}"))
        else:
            free.append((row, item))
    return free, refused


def _restore(session: Session, batch_id: int, back: Sequence[tuple[ItemBatchRow, Current]]) -> None:
    """Every item back to its values before the batch (back in its place, checked as any
    placing is), with its events and audit."""
    units = _units(session, {row.old_container_id for row, _ in back})
    note = f"Batch edit {batch_id} undone."
    rewrites = []
    for row, item in back:
        returns = row.old_container_id is not None and row.new_container_id is None
        rewrites.append(
            Rewrite(
                id=item.id,
                barcode=item.barcode,
                lot_id=item.lot_id,
                old_status=item.status,
                old_quantity=item.quantity,
                old_container_id=item.container_id,
                old_row=item.row,
                old_col=item.col,
                new_status=row.old_status,
                new_quantity=row.old_quantity,
                place=(
                    Place(units[row.old_container_id], row.old_row, row.old_col)
                    if returns and row.old_container_id is not None
                    else None
                ),
                note=note,
                keep_place=not returns,
                old_grid_rows=item.grid_rows,
                old_grid_cols=item.grid_cols,
            )
        )
    rewrite_items(session, rewrites)
    record_events(
        session,
        EventType.ANNOTATED,
        (
            {
                "item_id": item.id,
                "lot_id": item.lot_id,
                "data": {
                    "batch_undone": batch_id,
                    "status": row.old_status,
                    "quantity": row.old_quantity,
                },
            }
            for row, item in back
        ),
    )
    for chunk in chunked([item.id for _, item in back]):
        session.execute(
            update(ItemBatchRow)
            .where(ItemBatchRow.batch_id == batch_id, ItemBatchRow.item_id.in_(chunk))
            .values(undone=True)
            .execution_options(synchronize_session=False)
        )
    for row, _ in back:
        session.expire(row, ["undone"])
