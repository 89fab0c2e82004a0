"""Lots and items: preserve a lot of N items, passage, aliquot and derive, QC results,
consume, destroy, missing and found."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .. import barcodes
from ..errors import Conflict, InvalidState, NotFound, ValidationFailed
from ..models import Animal, Item, Lot, Material, QcResult
from ..models.base import QUANTUM
from ..schemas.fields import given
from ..schemas.inventory import (
    Consume,
    Destroy,
    Found,
    MoveItems,
    NewItems,
    NewLot,
    NewQc,
    Note,
    Passage,
    PreserveLot,
)
from ..sql import chunked, one_of
from ..vocabulary import GONE, EventType, ItemStatus, MaterialKind, Unit
from .cell_culture import check_tier, passage_override, quarantine
from .events import preserved_event, record_event, record_events
from .protocols import enrol, get_protocol
from .storage import Place, get_unit, place_items, relocate


def get_item(session: Session, barcode: str, field: str = "barcode") -> Item:
    """The item a scanned code names (its barcode or its tube code); the error names `field`
    (the input it came from)."""
    code = barcodes.scanned(barcode, field)
    item = session.scalar(select(Item).where(Item.barcode == code))
    if item is None and (of_tube := barcodes.of_tube(session, code)) is not None:
        item = session.scalar(select(Item).where(Item.barcode == of_tube))
    if item is None:
        raise barcodes.not_found(session, barcode, "item", field)
    return item


def get_lot(session: Session, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"No lot with id {lot_id}.", field="lot_id")
    return lot


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


def number_lots(session: Session, material_ids: Sequence[int]) -> list[int]:
    """The numbers of new lots, one per material id given (a material may come more than once),
    in order: each material's next number (next_lot_numbers), then the ones after it. A
    material no longer there is a Conflict."""
    next_number = next_lot_numbers(session, material_ids)
    if gone := set(material_ids) - next_number.keys():
        raise Conflict(f"material {min(gone)}, which new lots join, was deleted")
    numbers = []
    for material_id in material_ids:
        numbers.append(next_number[material_id])
        next_number[material_id] += 1
    return numbers


def lot_errors(kind: MaterialKind, fields: Mapping[str, Any]) -> dict[str, list[str]]:
    """What a lot's validated fields lack for its material's kind, as {field: [message]}
    (empty if nothing): a cell line's lot needs its passage number; only a cell line's lot has
    a cell bank tier."""
    if kind is MaterialKind.CELL_LINE and fields.get("passage_number") is None:
        return {"passage_number": ["A cell-line lot needs its passage number."]}
    if kind is not MaterialKind.CELL_LINE and fields.get("tier") is not None:
        return {"tier": ["Only a cell line's lots belong to a master or working cell bank."]}
    return {}


def preserve_lot(session: Session, command: PreserveLot) -> Lot:
    """Preserve a lot of N items of the material (NotFound if there is none of that id);
    optionally place them in a container (at the given positions, or the first free ones)."""
    material = session.get(Material, command.material_id)
    if material is None:
        raise NotFound(f"No material with id {command.material_id}.", field="material_id")
    place = Place(get_unit(session, command.container)) if command.container else None
    return create_lot(session, material, command.lot, place=place, positions=command.positions)


def create_lot(
    session: Session,
    material: Material,
    new_lot: NewLot,
    *,
    parent_lot: Lot | None = None,
    place: Place | None = None,
    positions: Sequence[tuple[int, int]] | None = None,
) -> Lot:
    """Preserve a lot of N items of `material`; optionally place them in a container (at the
    given positions, or the first free ones)."""
    fields = given(new_lot, "animals")
    if new_lot.animals:
        fields["animals"] = [given(animal) for animal in new_lot.animals]
    lot, new = _preserve(session, material, fields, parent_lot)
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
    if errors := lot_errors(material.kind, fields):
        raise ValidationFailed(errors)
    check_tier(fields.get("tier"), parent_lot)
    session.flush()  # the material, if new, has its row (and id) to lock
    number = number_lots(session, [material.id])[0]
    codes = barcodes.allocate(session, count, "item")  # first: one flush writes lot and items
    lot = Lot(
        material=material,
        number=number,
        parent_lot=parent_lot,
        initial_quantity=(quantity * count).quantize(QUANTUM),
        # a lot that comes from a quarantined one is quarantined too
        quarantined_at=parent_lot.quarantined_at if parent_lot is not None else None,
        quarantine_reason=parent_lot.quarantine_reason if parent_lot is not None else None,
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
        for code in codes
    ]
    session.add_all(new)
    session.flush()
    _known_new(lot, new)
    if animals:
        _add_animals(session, lot, new, animals)
    record_events(
        session,
        EventType.PRESERVED,
        (
            preserved_event(i.id, lot.id, material.id, lot.number, lot.method, i.quantity, i.unit)
            for i in new
        ),
    )
    return lot, new


def _known_new(lot: Lot, new: list[Item]) -> None:
    """Set what a new lot's answer reads without reading it back: its items are the ones just
    made, and none of them has a tube code yet."""
    set_committed_value(lot, "items", sorted(new, key=lambda item: item.id))
    for item in new:
        set_committed_value(item, "tube", None)


def _add_animals(session: Session, lot: Lot, new: list[Item], animals: list[dict]) -> None:
    """The animals of a live lot's items; those under a welfare protocol are counted against
    its approval on the day the lot is made (refused beyond it)."""
    under: dict[str, int] = {}
    for animal in animals:
        if animal.get("protocol"):
            under[animal["protocol"]] = under.get(animal["protocol"], 0) + 1
    protocols_ = {number: get_protocol(session, number) for number in under}
    for number, count in under.items():
        enrol(session, protocols_[number], lot.material_id, count, lot.preserved_on)
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
                protocol_id=protocols_[animal["protocol"]].id if animal.get("protocol") else None,
                **parents,
            )
        )
    session.flush()


def passage(session: Session, lot_id: int, command: Passage, *, place: Place | None = None) -> Lot:
    """A new lot of a cell line at passage + 1; the thawed source vial, if named, is used up.
    A passage beyond the cell line's limit needs an override reason, recorded in the event."""
    lot = get_lot(session, lot_id)
    source = get_item(session, command.source) if command.source else None
    if lot.material.kind is not MaterialKind.CELL_LINE:
        raise InvalidState("Only cell lines are passaged.", field="lot")
    passage_number = (lot.passage_number or 0) + 1
    override = passage_override(lot, passage_number, command.override_reason)
    if source is not None:
        if source.lot_id != lot.id:
            raise ValidationFailed({"source": [f"{source.barcode} is not of this lot."]})
        _use_up(session, source)
    new_lot = NewLot(
        **given(command, "method", "source", "override_reason"),
        method=command.method or lot.method,
        passage_number=passage_number,
    )
    new = create_lot(session, lot.material, new_lot, parent_lot=lot, place=place)
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
            **({"tier": new.tier.value} if new.tier is not None else {}),
            **override,
        },
    )
    return new


def _check_divisible(item: Item) -> None:
    check_divisible(item.barcode, item.status)


def check_divisible(barcode: str, status: ItemStatus) -> None:
    """An item gone or missing is neither divided nor used (one item, or a batch)."""
    if status in GONE or status is ItemStatus.MISSING:
        raise InvalidState(
            f"Item {barcode} is {status.value}; it cannot be divided.", field="status"
        )


def check_use(
    barcode: str, status: ItemStatus, quantity: Decimal, unit: Unit, used: Decimal
) -> None:
    """What may be used of an item (one item, or a batch that lowers quantities): more than
    nothing and at most what it holds, of an item that is neither gone nor missing."""
    check_divisible(barcode, status)
    if used <= 0 or used > quantity:
        raise ValidationFailed(
            {"quantity": [f"Between 0 and {quantity} {unit.value} can be used."]}
        )


def check_status(barcode: str, current: ItemStatus, target: ItemStatus, note: str | None) -> None:
    """The rule of each status an edit sets, for one item or a batch: destroyed, an item not
    gone already, with a reason; missing, an item neither gone nor missing; available again,
    only a missing item (found)."""
    if target is ItemStatus.DESTROYED:
        if current in GONE:
            raise InvalidState(f"Item {barcode} is already {current.value}.", field="status")
        if not (note or "").strip():
            raise ValidationFailed({"reason": ["Say why the item is destroyed."]})
    elif target is ItemStatus.MISSING:
        if current in GONE or current is ItemStatus.MISSING:
            raise InvalidState(f"Item {barcode} is {current.value}.", field="status")
    elif target is ItemStatus.AVAILABLE:
        if current is not ItemStatus.MISSING:
            raise InvalidState(
                f"Item {barcode} is {current.value}, not missing: only a missing item becomes "
                "available again (found).",
                field="status",
            )
    else:
        raise InvalidState(f"An edit does not make an item {target.value}.", field="status")


def split(
    session: Session, barcode: str, command: NewItems, *, place: Place | None = None
) -> list[Item]:
    """Aliquot (same lot, same unit) or derive (`method` given: a derivative lot, e.g. DNA from
    blood) `count` child items from the item, taking the quantity from it."""
    parent = get_item(session, barcode)
    fields = given(command)
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


def record_qc(
    session: Session, lot_id: int, command: NewQc, item_barcode: str | None = None
) -> QcResult:
    """A QC or viability result (post-thaw viability, germination, mycoplasma, ...) of a lot,
    or of one of its items. A failed mycoplasma or sterility test quarantines the lot and the
    lots that came from it."""
    lot = get_lot(session, lot_id)
    item = get_item(session, item_barcode) if item_barcode else None
    fields = given(command)
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
    quarantine(session, result)
    return result


def consume(session: Session, barcode: str, command: Consume) -> Item:
    """Use up some (or, without a quantity, all) of an item; empty, it leaves storage."""
    return _use_up(session, get_item(session, barcode), command.quantity, command.note)


def _use_up(
    session: Session, item: Item, quantity: Decimal | None = None, note: str | None = None
) -> Item:
    used = item.quantity if quantity is None else Decimal(quantity).quantize(QUANTUM)
    check_use(item.barcode, item.status, item.quantity, item.unit, used)
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


def destroy(session: Session, barcode: str, command: Destroy) -> Item:
    item, reason = get_item(session, barcode), command.reason
    check_status(item.barcode, item.status, ItemStatus.DESTROYED, reason)
    return _leave_storage(session, item, ItemStatus.DESTROYED, EventType.DESTROYED, reason)


def mark_missing(session: Session, barcode: str, command: Note) -> Item:
    item, note = get_item(session, barcode), command.note
    check_status(item.barcode, item.status, ItemStatus.MISSING, note)
    return _leave_storage(session, item, ItemStatus.MISSING, EventType.MISSING, note)


def mark_found(session: Session, barcode: str, command: Found) -> Item:
    """A missing item is found, and optionally put back in a place."""
    item, note = get_item(session, barcode), command.note
    place = (
        Place(get_unit(session, command.container), command.row, command.col)
        if command.container
        else None
    )
    check_status(item.barcode, item.status, ItemStatus.AVAILABLE, note)
    item.status = ItemStatus.AVAILABLE
    session.flush()
    record_event(session, EventType.FOUND, lot_id=item.lot_id, item_id=item.id, note=note)
    if place is not None:
        relocate(session, [(item, place)], note)
    return item


def move_items(session: Session, command: MoveItems) -> list[Item]:
    """Place or move items, one or many, into a container; all move, or none."""
    moving = [get_item(session, code) for code in command.items]
    container = get_unit(session, command.container)
    place_items(session, moving, container, command.positions, command.note, start=command.start)
    return moving
