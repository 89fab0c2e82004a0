"""Tube codes: the code a tube carries besides its barcode (the Data Matrix its maker etched in
its base, which a rack scanner reads), attached to its item. Each claims its row of `barcodes`
like any code, so no code ever names two things; a scan of a tube code finds its item."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import barcodes
from ..errors import Conflict, InvalidState, ValidationFailed
from ..models import Barcode, Item, TubeCode
from ..schemas.inventory import AttachTubeCode
from ..vocabulary import GONE, EventType
from .events import record_events
from .inventory import get_item


def attach(session: Session, barcode: str, command: AttachTubeCode) -> TubeCode:
    """Attach a tube code to the item `barcode`."""
    return attach_all(session, [(get_item(session, barcode), command.code)], command.note)[0]


def detach(session: Session, barcode: str, note: str | None = None) -> str:
    """Take the item `barcode`'s tube code off it (attached to the wrong tube, or a tube
    relabelled): the code is free again, to be attached where it belongs. Returns the code."""
    item = get_item(session, barcode)
    attached = session.scalar(select(TubeCode).where(TubeCode.item_id == item.id).with_for_update())
    if attached is None:
        raise InvalidState(f"Item {item.barcode} has no tube code.", field="code")
    code = attached.value
    session.delete(attached)
    session.flush()  # the tube code first: it holds the code's row
    session.delete(session.get_one(Barcode, code))
    record_events(
        session,
        EventType.ANNOTATED,
        [{"item_id": item.id, "lot_id": item.lot_id, "data": {"tube_code_removed": code}}],
        note,
    )
    return code


def tube_code(session: Session, code: str, field: str = "code") -> str:
    """A tube maker's code as stored: a code in use (any barcode or tube code) is a conflict;
    one shaped like a biorepo barcode (a label of ours, perhaps misread) is refused."""
    value = barcodes.scanned(code, field)
    if session.get(Barcode, value) is not None:
        raise Conflict(f"Barcode {value} is already in use.", field=field)
    if barcodes.is_valid(value) or barcodes.looks_misread(value):
        message = f"{value} has the shape of a biorepo barcode; a tube code is its maker's code."
        raise ValidationFailed({field: [message]})
    return value


def attach_all(
    session: Session, pairs: Sequence[tuple[Item, str]], note: str | None = None
) -> list[TubeCode]:
    """Attach a tube code to each item, all or none: every code new to the system (a code in
    use as any barcode or tube code is a conflict), one per item; one `annotated` event each."""
    codes = [tube_code(session, code) for _, code in pairs]
    if len(set(codes)) != len(codes):
        raise ValidationFailed({"code": ["A tube code is given twice."]})
    items = [item for item, _ in pairs]
    if len({i.id for i in items}) != len(items):
        raise ValidationFailed({"code": ["An item is given two tube codes."]})
    for item in items:
        if item.status in GONE:
            raise InvalidState(
                f"Item {item.barcode} is {item.status.value}; it takes no tube code.",
                field="status",
            )
    held = session.execute(
        select(TubeCode.value, Item.barcode)
        .join(Item, Item.id == TubeCode.item_id)
        .where(TubeCode.item_id.in_([i.id for i in items]))
        .limit(1)
    ).first()
    if held is not None:
        raise Conflict(f"Item {held.barcode} has tube code {held.value} already.", field="code")
    attached = []
    for item, code in zip(items, codes, strict=True):
        barcodes.claim(session, code, "item", "code")
        attached.append(TubeCode(value=code, item_id=item.id))
    session.flush()  # the codes' rows first: the tube codes point at them
    session.add_all(attached)
    session.flush()
    record_events(
        session,
        EventType.ANNOTATED,
        (
            {"item_id": i.id, "lot_id": i.lot_id, "data": {"tube_code": c}}
            for i, c in zip(items, codes, strict=True)
        ),
        note,
    )
    return attached
