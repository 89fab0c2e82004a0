"""Items set aside for requests: the proposal (oldest lot first, keeping the minimum stock),
curator's picks (neither from a lot the cell culture rules hold back), reservation that holds
in the database (materials locked, a conditional UPDATE checked by its row count, a unique
item per allocation), release, dispatch, and the regeneration or re-culture alerts when stock
runs low."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, barcodes
from ..db import conflict_from
from ..errors import Conflict, InvalidState, NotFound, ValidationFailed
from ..models import Allocation, Item, Lot, Material, MaterialRequest, RequestLine, Seed, StockAlert
from ..models.base import utcnow
from ..sql import day_of, rows_changed
from ..vocabulary import AlertKind, EventType, ItemForm, ItemStatus
from . import due_line
from .cell_culture import holds
from .due_line import DueLine
from .events import record_events
from .storage import relocate


def available_counts(
    session: Session, keys: Iterable[tuple[int, ItemForm]]
) -> dict[tuple[int, ItemForm], int]:
    """Available items per (material, form)."""
    material_ids = {material_id for material_id, _ in keys}
    if not material_ids:
        return {}
    rows = session.execute(
        select(Lot.material_id, Item.form, func.count())
        .join(Lot, Lot.id == Item.lot_id)
        .where(Lot.material_id.in_(material_ids), Item.status == ItemStatus.AVAILABLE)
        .group_by(Lot.material_id, Item.form)
    )
    return {(material_id, ItemForm(form)): count for material_id, form, count in rows}


def propose(session: Session, line: RequestLine, *, lock: bool = False) -> list[Item]:
    """The items a line would get: the oldest lots first, so that the newest (the minimum
    stock) stay, and none of a lot the cell culture rules hold back. With `lock`, the rows are
    locked and rows locked by others skipped."""
    held = holds(session, [line.material_id])
    query = (
        select(Item)
        .join(Lot, Lot.id == Item.lot_id)
        .where(
            Lot.material_id == line.material_id,
            Item.form == line.form,
            Item.status == ItemStatus.AVAILABLE,
            Lot.id.not_in(list(held)),
        )
        .order_by(Lot.preserved_on, Lot.number, Item.id)
        .limit(line.quantity)
    )
    if lock:
        query = query.with_for_update(of=Item, skip_locked=True)
    return list(session.scalars(query))


def reserve(
    session: Session,
    request: MaterialRequest,
    lines: Sequence[RequestLine],
    picks: dict[int, list[str]],
) -> list[Allocation]:
    """Reserve items for each line (the curator's picks, else the proposal), all or none.
    The lines' materials are locked first (in id order), so concurrent approvals of one
    material queue and the minimum stock holds; the items change status only where they are
    still available, and the count of changed rows must match."""
    material_ids = sorted({line.material_id for line in lines})
    session.execute(
        select(Material.id)
        .where(Material.id.in_(material_ids))
        .order_by(Material.id)
        .with_for_update(of=Material.__table__)
    )
    counts = available_counts(session, [(line.material_id, line.form) for line in lines])
    chosen: list[tuple[RequestLine, Item]] = []
    for line in lines:
        where = f"Line {request.lines.index(line) + 1} ({line.material.accession_number})"
        available = counts.get((line.material_id, line.form), 0)
        kept = line.material.minimum_stock
        if line.quantity > available - kept:
            raise Conflict(
                f"{where}: {line.quantity} {line.form.value} asked, {available} available"
                + (f" and the last {kept} are kept." if kept else "."),
                field="quantity",
            )
        items = (
            _picked(session, line, picks[line.id], where)
            if line.id in picks
            else propose(session, line, lock=True)
        )
        if len(items) < line.quantity:
            raise Conflict(
                f"{where}: the available items were reserved by other requests meanwhile.",
                field="items",
            )
        chosen.extend((line, item) for item in items)
    _set_status(session, [item for _, item in chosen], ItemStatus.AVAILABLE, ItemStatus.RESERVED)
    allocations = [Allocation(request=request, line=line, item=item) for line, item in chosen]
    session.add_all(allocations)
    try:
        session.flush()
    except IntegrityError as error:  # the unique item id: someone else holds it
        raise conflict_from(error) from error
    _events(session, EventType.RESERVED, [i for _, i in chosen], {"request": request.number})
    _alert_low_stock(session, [line.material for line in lines])
    return allocations


def _picked(session: Session, line: RequestLine, codes: list[str], where: str) -> list[Item]:
    wanted = [barcodes.normalise(code) for code in codes]
    held = holds(session, [line.material_id])
    if len(wanted) != line.quantity or len(set(wanted)) != len(wanted):
        raise ValidationFailed(
            {"items": [f"{where}: pick {line.quantity} different items, one per unit asked."]}
        )
    found = {
        item.barcode: item
        for item in session.scalars(
            select(Item).where(Item.barcode.in_(wanted)).with_for_update(of=Item)
        )
    }
    items = []
    for code in wanted:
        item = found.get(code)
        if item is None:
            raise NotFound(f"{where}: no item with barcode {code}.", field="items")
        session.refresh(item, ["status"])
        if item.lot.material_id != line.material_id or item.form is not line.form:
            raise ValidationFailed(
                {"items": [f"{where}: {code} is not a {line.form.value} of this material."]}
            )
        if item.status is not ItemStatus.AVAILABLE:
            raise Conflict(f"{where}: {code} is {item.status.value}.", field="items")
        if item.lot_id in held:
            errors: dict[str, list[str]] = {}
            for hold in held[item.lot_id]:
                errors.setdefault(hold.rule, []).append(f"{where}: {code}: {hold.detail}")
            raise ValidationFailed(errors)
        items.append(item)
    return items


def _set_status(session: Session, items: list[Item], old: ItemStatus, new: ItemStatus) -> None:
    """Change the items' status where it is still `old`; refuse unless every row changed."""
    if not items:
        return
    ids = [item.id for item in items]
    result = session.execute(
        update(Item)
        .where(Item.id.in_(ids), Item.status == old)
        .values(status=new)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(result) != len(ids):
        raise Conflict(
            "An item was reserved or shipped by another request meanwhile; nothing was changed.",
            field="items",
        )
    for item in items:
        session.expire(item, ["status"])
    audit.record(
        session,
        (audit.entry("items", i, "update", {"status": old}, {"status": new}) for i in ids),
    )


def release(session: Session, request: MaterialRequest, note: str | None = None) -> None:
    """Give the request's reserved items back to the stock."""
    allocations = list(request.allocations)
    if not allocations:
        return
    items = [a.item for a in allocations]
    _set_status(session, items, ItemStatus.RESERVED, ItemStatus.AVAILABLE)
    for allocation in allocations:
        session.delete(allocation)
    session.flush()
    session.expire(request, ["allocations"])
    _events(session, EventType.ANNOTATED, items, {"released": request.number}, note)


def dispatch(session: Session, request: MaterialRequest, note: str | None = None) -> list[Item]:
    """The reserved items leave their positions and become distributed, keeping their
    history."""
    items = [a.item for a in request.allocations]
    relocate(session, [(item, None) for item in items], note)
    _set_status(session, items, ItemStatus.RESERVED, ItemStatus.DISTRIBUTED)
    _events(session, EventType.SHIPPED, items, {"request": request.number}, note)
    return items


def _events(
    session: Session, type_: EventType, items: list[Item], data: dict, note: str | None = None
) -> None:
    record_events(
        session, type_, ({"item_id": i.id, "lot_id": i.lot_id, "data": data} for i in items), note
    )


def _alert_low_stock(session: Session, materials: Iterable[Material]) -> None:
    """An open alert per material whose available stock fell below its threshold."""
    watched = {m.id: m for m in materials if m.regeneration_threshold is not None}
    if not watched:
        return
    left = dict(
        session.execute(
            select(Lot.material_id, func.count())
            .join(Item, Item.lot_id == Lot.id)
            .where(Lot.material_id.in_(watched), Item.status == ItemStatus.AVAILABLE)
            .group_by(Lot.material_id)
        ).all()
    )
    open_alerts = set(
        session.scalars(
            select(StockAlert.material_id).where(
                StockAlert.material_id.in_(watched), StockAlert.resolved_at.is_(None)
            )
        )
    )
    for material_id, material in watched.items():
        available = left.get(material_id, 0)
        threshold = material.regeneration_threshold
        if threshold is not None and available < threshold and material_id not in open_alerts:
            kind = AlertKind.REGENERATION if isinstance(material, Seed) else AlertKind.RE_CULTURE
            session.add(
                StockAlert(
                    material_id=material_id,
                    kind=kind,
                    available=available,
                    threshold=material.regeneration_threshold,
                )
            )
    session.flush()


def resolve_alert(session: Session, alert: StockAlert) -> StockAlert:
    """A stock alert dealt with (a new lot was made, the seed regenerated); the next fall
    below the threshold raises a new one."""
    if alert.resolved_at is not None:
        raise InvalidState(f"Alert {alert.id} was resolved on {alert.resolved_at:%Y-%m-%d}.")
    alert.resolved_at = utcnow()
    session.flush()
    return alert


def _alert_rows(today: date) -> Select[Any]:
    """The open stock alerts raised by `today`: regenerate or re-culture the material, due
    since the alert was raised (a material's alerts by their order)."""
    raised = day_of(StockAlert.raised_at)
    return (
        select(
            *due_line.key(
                raised, "low_stock", StockAlert.material_id, Material.collection_id, StockAlert.id
            ),
            Material.accession_number,
            Material.designation,
            StockAlert.available,
            StockAlert.threshold,
            StockAlert.kind.label("alert"),
        )
        .join(Material, Material.id == StockAlert.material_id)
        .where(StockAlert.resolved_at.is_(None), raised <= today)
    )


def _alert_line(row: Any) -> DueLine:
    return due_line.line(
        "low_stock",
        "material",
        row.record_id,
        f"{row.accession_number} {row.designation or ''}".strip(),
        row.due_on,
        row.collection_id,
        "low_stock",
        available=row.available,
        threshold=row.threshold,
        alert=str(row.alert),
    )


due = due_line.Rule(_alert_rows, _alert_line)
