"""Lots and items: preserve a lot of N items, passage, aliquot and derive, QC results,
consume, destroy, missing and found."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import barcodes
from ..errors import InvalidState, ValidationFailed
from ..models import Animal, Item, Lot, Material, QcResult
from ..models.base import QUANTUM
from ..schemas import ItemsSchema, LotSchema, QcSchema
from ..sql import chunked, one_of
from ..vocabulary import GONE, EventType, ItemStatus, MaterialKind
from .events import record_event, record_events
from .storage import Place, place_items, relocate


def get_item(session: Session, barcode: str, field: str = "barcode") -> Item:
    """The item a scanned code names; the error names `field` (the input it came from)."""
    code = barcodes.scanned(barcode, field)
    item = session.scalar(select(Item).where(Item.barcode == code))
    if item is None:
        raise barcodes.not_found(session, barcode, "item", field)
    return item


def next_lot_numbers(session: Session, material_ids: Iterable[int]) -> dict[int, int]:
    """The next lot number of each material (1 for one without lots), for lots written in this
    transaction. The materials' rows are locked until it ends (FOR NO KEY UPDATE on
    PostgreSQL; a SQLite writer holds the database's write lock already), so that parallel lots
    of one material take the next numbers one after another instead of the same one. The
    single lot and the bulk importer both number their lots here."""
    connection = session.connection()
    materials, lots = Material.__table__, Lot.__table__
    numbers: dict[int, int] = {}
    for chunk in chunked(sorted(set(material_ids))):
        locked = select(materials.c.id).where(one_of(materials.c.id, chunk, connection.dialect))
        numbers.update(
            (id_, 1)
            for id_ in connection.scalars(
                locked.order_by(materials.c.id).with_for_update(key_share=True)
            )
        )
        numbers.update(
            (material_id, last + 1)
            for material_id, last in connection.execute(
                select(lots.c.material_id, func.max(lots.c.number))
                .where(one_of(lots.c.material_id, chunk, connection.dialect))
                .group_by(lots.c.material_id)
            )
        )
    return numbers


def create_lot(
    session: Session,
    material: Material,
    data: Any,
    *,
    parent_lot: Lot | None = None,
    place: Place | None = None,
    positions: Sequence[tuple[int, int]] | None = None,
) -> Lot:
    """Preserve a lot of N items of `material`; optionally place them in a container (at the
    given positions, or the first free ones)."""
    lot, new = _preserve(session, material, LotSchema().load_or_fail(data), parent_lot)
    if place is not None:
        place_items(session, new, place.container, positions)
    return lot


def _preserve(
    session: Session, material: Material, fields: dict, parent_lot: Lot | None
) -> tuple[Lot, list[Item]]:
    """A lot and its items from validated fields, with one `preserved` event per item."""
    fields = dict(fields)
    animals = fields.pop("animals", None)
    count, quantity, form = fields.pop("items"), fields.pop("quantity"), fields.pop("form")
    if material.kind is MaterialKind.CELL_LINE and fields.get("passage_number") is None:
        raise ValidationFailed({"passage_number": ["A cell-line lot needs its passage number."]})
    session.flush()  # the material, if new, has its row (and id) to lock
    number = next_lot_numbers(session, [material.id])[material.id]
    lot = Lot(
        material=material,
        number=number,
        parent_lot=parent_lot,
        initial_quantity=(quantity * count).quantize(QUANTUM),
        **fields,
    )
    session.add(lot)
    new = [
        Item(
            barcode=code,
            lot=lot,
            form=form,
            quantity=quantity,
            unit=lot.unit,
            status=ItemStatus.AVAILABLE,
        )
        for code in barcodes.allocate(session, count, "item")
    ]
    session.add_all(new)
    session.flush()
    if animals:
        _add_animals(session, new, animals)
    record_events(
        session,
        EventType.PRESERVED,
        (
            {
                "item_id": i.id,
                "lot_id": lot.id,
                "material_id": material.id,
                "data": {
                    "lot": lot.number,
                    "method": lot.method,
                    "quantity": i.quantity,
                    "unit": i.unit,
                },
            }
            for i in new
        ),
    )
    return lot, new


def _add_animals(session: Session, new: list[Item], animals: list[dict]) -> None:
    for item, animal in zip(new, animals, strict=True):
        parents = {}
        for role in ("sire", "dam"):
            if animal.get(role):
                parents[f"{role}_id"] = get_item(session, animal[role]).id
        session.add(
            Animal(
                item_id=item.id,
                sex=animal["sex"],
                birth_date=animal.get("birth_date"),
                ear_tag=animal.get("ear_tag"),
                **parents,
            )
        )
    session.flush()


def passage(
    session: Session, lot: Lot, data: Any, *, source: Item | None = None, place: Place | None = None
) -> Lot:
    """A new lot of a cell line at passage + 1; the thawed source vial, if named, is used up."""
    if lot.material.kind is not MaterialKind.CELL_LINE:
        raise InvalidState("Only cell lines are passaged.", field="lot")
    if source is not None:
        if source.lot_id != lot.id:
            raise ValidationFailed({"source": [f"{source.barcode} is not of this lot."]})
        consume(session, source)
    data = {"method": lot.method.value, **data, "passage_number": (lot.passage_number or 0) + 1}
    new = create_lot(session, lot.material, data, parent_lot=lot, place=place)
    record_event(
        session,
        EventType.PASSAGED,
        material_id=lot.material_id,
        lot_id=new.id,
        data={
            "from_lot": lot.number,
            "to_lot": new.number,
            "passage_number": new.passage_number,
            "thawed": source.barcode if source is not None else None,
        },
    )
    return new


def _check_divisible(item: Item) -> None:
    if item.status in GONE or item.status is ItemStatus.MISSING:
        raise InvalidState(
            f"Item {item.barcode} is {item.status.value}; it cannot be divided.", field="status"
        )


def split(session: Session, parent: Item, data: Any, *, place: Place | None = None) -> list[Item]:
    """Aliquot (same lot, same unit) or derive (`method` given: a derivative lot, e.g. DNA from
    blood) `count` child items from `parent`, taking the quantity from it."""
    fields = ItemsSchema().load_or_fail(data)
    _check_divisible(parent)
    count, quantity = fields["count"], fields["quantity"]
    derived = "method" in fields
    taken = fields.get("taken", quantity * count if not derived else None)
    if taken is None:
        raise ValidationFailed({"taken": ["Say how much of the parent the derivation used."]})
    if taken > parent.quantity:
        raise InvalidState(
            f"{parent.barcode} holds {parent.quantity} {parent.unit.value}; {taken} were asked.",
            field="quantity",
        )
    if derived:
        _, children = _preserve(
            session,
            parent.lot.material,
            {
                "method": fields["method"],
                "preserved_on": date.today(),
                "items": count,
                "quantity": quantity,
                "unit": fields.get("unit", parent.unit),
                "form": fields.get("form", parent.form),
                "passage_number": parent.lot.passage_number,
            },
            parent.lot,
        )
    else:
        if fields.get("unit", parent.unit) != parent.unit:
            raise ValidationFailed({"unit": ["Aliquots keep the parent's unit."]})
        children = [
            Item(
                barcode=code,
                lot_id=parent.lot_id,
                form=fields.get("form", parent.form),
                quantity=quantity,
                unit=parent.unit,
                status=ItemStatus.AVAILABLE,
            )
            for code in barcodes.allocate(session, count, "item")
        ]
        session.add_all(children)
    parent.quantity = (parent.quantity - taken).quantize(QUANTUM)
    for child in children:
        child.parent_id = parent.id
    session.flush()
    kind = EventType.DERIVED if derived else EventType.ALIQUOTED
    record_events(
        session,
        kind,
        [
            {
                "item_id": parent.id,
                "lot_id": parent.lot_id,
                "data": {"taken": taken, "children": [c.barcode for c in children]},
            }
        ],
        fields.get("note"),
    )
    record_events(
        session,
        kind,
        (
            {
                "item_id": c.id,
                "lot_id": c.lot_id,
                "data": {"parent": parent.barcode, "quantity": c.quantity},
            }
            for c in children
        ),
        fields.get("note"),
    )
    if place is not None:
        place_items(session, children, place.container)
    return children


def record_qc(session: Session, lot: Lot, data: Any, item: Item | None = None) -> QcResult:
    """A QC or viability result (post-thaw viability, germination, mycoplasma, ...)."""
    fields = QcSchema().load_or_fail(data)
    if item is not None and item.lot_id != lot.id:
        raise ValidationFailed({"item": [f"{item.barcode} is not of this lot."]})
    note = fields.pop("note", None)
    event = record_event(
        session,
        EventType.QC,
        material_id=lot.material_id,
        lot_id=lot.id,
        item_id=item.id if item else None,
        data=fields,
        note=note,
    )
    result = QcResult(event_id=event.id, lot_id=lot.id, item_id=item.id if item else None, **fields)
    session.add(result)
    session.flush()
    return result


def consume(
    session: Session, item: Item, quantity: Decimal | None = None, note: str | None = None
) -> Item:
    """Use up some (or, without a quantity, all) of an item; empty, it leaves storage."""
    _check_divisible(item)
    used = item.quantity if quantity is None else Decimal(quantity).quantize(QUANTUM)
    if used <= 0 or used > item.quantity:
        raise ValidationFailed(
            {"quantity": [f"Between 0 and {item.quantity} {item.unit.value} can be used."]}
        )
    item.quantity = (item.quantity - used).quantize(QUANTUM)
    if item.quantity == 0:
        relocate(session, [(item, None)])
        item.status = ItemStatus.CONSUMED
    session.flush()
    record_event(
        session,
        EventType.CONSUMED,
        lot_id=item.lot_id,
        item_id=item.id,
        data={"quantity": used, "left": item.quantity},
        note=note,
    )
    return item


def _leave_storage(
    session: Session, item: Item, status: ItemStatus, event: EventType, note: str | None
) -> Item:
    relocate(session, [(item, None)], note)
    item.status = status
    session.flush()
    record_event(session, event, lot_id=item.lot_id, item_id=item.id, note=note)
    return item


def destroy(session: Session, item: Item, reason: str) -> Item:
    if item.status in GONE:
        raise InvalidState(f"Item {item.barcode} is already {item.status.value}.", field="status")
    if not reason.strip():
        raise ValidationFailed({"reason": ["Say why the item is destroyed."]})
    return _leave_storage(session, item, ItemStatus.DESTROYED, EventType.DESTROYED, reason)


def mark_missing(session: Session, item: Item, note: str | None = None) -> Item:
    if item.status in GONE or item.status is ItemStatus.MISSING:
        raise InvalidState(f"Item {item.barcode} is {item.status.value}.", field="status")
    return _leave_storage(session, item, ItemStatus.MISSING, EventType.MISSING, note)


def mark_found(
    session: Session, item: Item, place: Place | None = None, note: str | None = None
) -> Item:
    if item.status is not ItemStatus.MISSING:
        raise InvalidState(f"Item {item.barcode} is not missing.", field="status")
    item.status = ItemStatus.AVAILABLE
    session.flush()
    record_event(session, EventType.FOUND, lot_id=item.lot_id, item_id=item.id, note=note)
    if place is not None:
        relocate(session, [(item, place)], note)
    return item
