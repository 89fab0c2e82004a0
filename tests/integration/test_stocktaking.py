"""Stocktaking with rack scans: each kind of difference, applying them with history, refusals."""

import pytest
from sqlalchemy import select

from repository.errors import Conflict, InvalidState, NotFound, ValidationFailed
from repository.exchange.rack_scans import read_rack_file
from repository.models import Event, Item
from repository.schemas.inventory import Destroy, Note
from repository.services import inventory, stocktaking, storage
from repository.services.stocktaking import Seen
from repository.vocabulary import EventType, ItemStatus
from tests.conftest import make_box, make_lot, make_strain
from tests.factories import make_unit


@pytest.fixture
def vials(db, collection):
    lot = make_lot(db, make_strain(db), items=7)
    return list(db.scalars(select(Item).where(Item.lot_id == lot.id).order_by(Item.id)))


@pytest.fixture
def boxes(db, vials):
    box = make_box(db, rows=8, cols=12)
    other = make_box(db, box.parent, rows=8, cols=12, name="Other box")
    # box: A1 v0, A2 v1, A3 v2, A4 v3 ; other: A1 v4 ; v5 missing ; v6 not placed
    storage.place_items(db, vials[:4], box, [(1, 1), (1, 2), (1, 3), (1, 4)])
    storage.place_items(db, [vials[4]], other, [(1, 1)])
    storage.place_items(db, [vials[5]], other, [(1, 2)])
    inventory.mark_missing(db, vials[5].barcode, Note())
    return box, other


def rack_file(box, lines: dict[str, str]) -> bytes:
    return "\n".join(f"{box.barcode},{pos},{tube}" for pos, tube in lines.items()).encode()


def scan(db, box, lines: dict[str, str]):
    rack = read_rack_file(rack_file(box, lines), box.rows, box.cols)
    stocktaking.check_rack(db, box, rack)
    return rack.scans


def test_verify_names_each_kind_of_difference(db, vials, boxes):
    box, _ = boxes
    v = [x.barcode for x in vials]
    scans = scan(
        db,
        box,
        {
            "A01": v[0],
            "A02": v[2],
            "B01": v[4],
            "B02": v[5],
            "B03": "FR000001",
            "A03": "NO READ",
            "B04": v[6],
            "A04": "NO TUBE",
        },
    )
    comparison = stocktaking.verify(db, box, scans)
    got = {(e.seen, e.position, e.tube, e.was) for e in comparison.entries}
    assert got == {
        (Seen.MATCHED, "A1", v[0], None),
        (Seen.MOVED, "A2", v[2], "A3"),
        (Seen.NO_READ, "A3", None, None),
        (Seen.MISSING, "A2", v[1], None),
        (Seen.MISSING, "A4", v[3], None),
        (Seen.ARRIVED, "B1", v[4], "Site › Room › Freezer › Rack › Other box [A1]"),
        (Seen.ARRIVED, "B2", v[5], None),
        (Seen.UNKNOWN, "B3", "FR000001", None),
        (Seen.ARRIVED, "B4", v[6], None),
    }
    assert comparison.counts == {
        "matched": 1,
        "moved": 1,
        "arrived": 3,
        "unknown": 1,
        "missing": 2,
        "no_read": 1,
    }
    unknown = comparison.of(Seen.UNKNOWN)[0]
    assert unknown.message == "No item with barcode 'FR000001'." and unknown.line == 5
    assert db.scalar(select(Event.id).where(Event.type == EventType.FOUND)) is None


def test_apply_moves_marks_missing_and_found_with_history(db, vials, boxes):
    box, other = boxes
    v = [x.barcode for x in vials]
    # A1 and A2 swap, the other box's vial comes in, the missing one is found, A4 is gone
    scans = scan(db, box, {"A01": v[1], "A02": v[0], "A03": v[2], "B01": v[4], "B02": v[5]})
    version = stocktaking.verify(db, box, scans).version
    stocktaking.apply(db, box, scans, version, note="Stocktake")
    places = {i.barcode: (i.container_id, i.row, i.col, i.status) for i in vials}
    available = ItemStatus.AVAILABLE
    assert places[v[0]] == (box.id, 1, 2, available)
    assert places[v[1]] == (box.id, 1, 1, available)
    assert places[v[2]] == (box.id, 1, 3, available)
    assert places[v[3]] == (None, None, None, ItemStatus.MISSING)
    assert places[v[4]] == (box.id, 2, 1, available)
    assert places[v[5]] == (box.id, 2, 2, available)
    db.refresh(box)
    db.refresh(other)
    assert (box.occupied, other.occupied) == (5, 0)
    assert box.last_counted_at is not None
    events = db.execute(
        select(Event.type, Event.item_id, Event.note).where(Event.note == "Stocktake")
    ).all()
    by_item = {(e.type, e.item_id) for e in events}
    ids = {x.barcode: x.id for x in vials}
    assert by_item == {
        (EventType.MOVED, ids[v[0]]),
        (EventType.MOVED, ids[v[1]]),
        (EventType.MOVED, ids[v[4]]),
        (EventType.MOVED, ids[v[3]]),  # out of the box
        (EventType.MISSING, ids[v[3]]),
        (EventType.FOUND, ids[v[5]]),
        (EventType.PLACED, ids[v[5]]),
    }
    again = stocktaking.verify(db, box, scans)
    assert again.changes == 0 and len(again.of(Seen.MATCHED)) == 5


def test_apply_is_refused_when_the_box_changed_since_the_verify(db, vials, boxes):
    box, _ = boxes
    v = [x.barcode for x in vials]
    scans = scan(db, box, {"A01": v[0], "A02": v[1]})
    version = stocktaking.verify(db, box, scans).version
    storage.place_items(db, [vials[6]], box, [(5, 5)])  # someone placed a vial meanwhile
    with pytest.raises(Conflict) as error:
        stocktaking.apply(db, box, scans, version)
    assert "verify it again" in error.value.detail
    assert {(i.row, i.col) for i in vials[2:4]} == {(1, 3), (1, 4)}
    assert box.last_counted_at is None


def test_a_gone_item_read_in_the_rack_refuses_the_apply(db, vials, boxes):
    box, _ = boxes
    inventory.destroy(db, vials[6].barcode, Destroy(reason="Contaminated"))
    scans = scan(db, box, {"A01": vials[0].barcode, "C01": vials[6].barcode})
    comparison = stocktaking.verify(db, box, scans)
    with pytest.raises(InvalidState) as error:
        stocktaking.apply(db, box, scans, comparison.version)
    assert "C1" in error.value.detail and "destroyed" in error.value.detail
    assert vials[1].container_id == box.id  # nothing marked missing


def test_the_rack_must_be_the_box(db, vials, boxes):
    box, other = boxes
    rack = read_rack_file(rack_file(other, {"A01": vials[4].barcode}))
    with pytest.raises(ValidationFailed) as error:
        stocktaking.check_rack(db, box, rack)
    assert error.value.errors["rack"][0].startswith("Line 1: the file is of Other box")
    with pytest.raises(ValidationFailed) as error:
        stocktaking.rack_box(db, box.parent.barcode)
    assert "not a box" in error.value.errors["rack"][0]
    shelf = make_unit(db, {"kind": "shelf", "name": "Shelf"}, box.parent.parent)
    rack = read_rack_file(rack_file(shelf, {"A01": vials[4].barcode}))
    with pytest.raises(ValidationFailed) as error:
        stocktaking.check_rack(db, box, rack)
    assert "not a box" in error.value.errors["rack"][0]
    with pytest.raises(NotFound):
        stocktaking.rack_box(db, "NOSUCHBOX")
