"""Stocktaking of a rack or a freezer (everything under it) by a hand scanner's codes and by its
boxes' rack files; tube codes (attached, scanned, matched by a rack scan); a new rack's tubes
registered from its file."""

from datetime import date

import pytest
from sqlalchemy import func, select

from repository.errors import Conflict, InvalidState, NotFound, ValidationFailed
from repository.exchange.problems import ImportRejected
from repository.exchange.rack_scans import read_rack_file
from repository.models import Barcode, Event, Item, Lot, StorageUnit, TubeCode
from repository.schemas.inventory import AttachTubeCode, Note, RackLotIn
from repository.services import inventory, queries, stocktaking, storage, tube_codes
from repository.services.stocktaking import Seen
from repository.vocabulary import EventType, ItemStatus
from tests.conftest import make_box, make_lot, make_strain
from tests.factories import make_unit


@pytest.fixture
def vials(db, collection):
    lot = make_lot(db, make_strain(db), items=8)
    return list(db.scalars(select(Item).where(Item.lot_id == lot.id).order_by(Item.id)))


@pytest.fixture
def freezer(db, vials):
    """A freezer's rack with boxes A and B, and a box in another freezer.
    A: A1 v0, A2 v1, A3 v2, A4 v3 ; B: A1 v5 ; elsewhere: A1 v4 ; v6 missing (was in B) ;
    v7 not placed."""
    a = make_box(db, rows=8, cols=12, name="Box A")
    b = make_box(db, a.parent, rows=8, cols=12, name="Box B")
    elsewhere = make_box(db, rows=8, cols=12, name="Far box")
    storage.place_items(db, vials[:4], a, [(1, 1), (1, 2), (1, 3), (1, 4)])
    storage.place_items(db, [vials[5], vials[6]], b, [(1, 1), (1, 2)])
    storage.place_items(db, [vials[4]], elsewhere, [(1, 1)])
    inventory.mark_missing(db, vials[6].barcode, Note())
    return a.parent.parent, a, b, elsewhere


def codes(*lines: str) -> bytes:
    return "\n".join(lines).encode()


def test_a_freezer_counted_by_a_hand_scanner(db, vials, freezer):
    unit, a, b, _elsewhere = freezer
    v = [x.barcode for x in vials]
    listed = codes(v[5], a.barcode, v[0], v[2], "", b.barcode, v[1], v[4], v[6], "FR000001")
    reads = stocktaking.stocktake_reads(db, unit, listed, [])
    comparison = stocktaking.compare(db, unit, reads)
    got = {(e.seen, e.container, e.tube, e.was) for e in comparison.entries}
    assert got == {
        (Seen.MATCHED, unit.barcode, v[5], None),  # read before any box: somewhere in it
        (Seen.MATCHED, a.barcode, v[0], None),
        (Seen.MATCHED, a.barcode, v[2], None),
        (Seen.MOVED, b.barcode, v[1], "Site › Room › Freezer › Rack › Box A [A2]"),
        (Seen.ARRIVED, b.barcode, v[4], "Site › Room › Freezer › Rack › Far box [A1]"),
        (Seen.ARRIVED, b.barcode, v[6], None),
        (Seen.UNKNOWN, b.barcode, "FR000001", None),
        (Seen.MISSING, a.barcode, v[3], None),
    }
    assert comparison.counted == 4  # the freezer, its rack, two boxes

    stocktaking.apply_reads(db, unit, reads, comparison.version, "Freezer count")
    for vial in vials:
        db.refresh(vial)
    assert (vials[1].container_id, vials[1].row, vials[1].col) == (b.id, 1, 2)  # first free
    assert (vials[4].container_id, vials[4].row, vials[4].col) == (b.id, 1, 3)
    assert (vials[6].container_id, vials[6].status) == (b.id, ItemStatus.AVAILABLE)
    assert (vials[3].container_id, vials[3].status) == (None, ItemStatus.MISSING)
    counted = db.scalars(select(StorageUnit).where(StorageUnit.last_counted_at.is_not(None)))
    assert {u.id for u in counted} == {unit.id, a.parent.id, a.id, b.id}
    types = db.execute(select(Event.type, Event.item_id).where(Event.note == "Freezer count"))
    ids = {x.id: x.barcode for x in vials}
    assert {(t, ids[i]) for t, i in types} == {
        (EventType.MOVED, v[1]),
        (EventType.MOVED, v[4]),
        (EventType.MOVED, v[3]),  # out of its box
        (EventType.MISSING, v[3]),
        (EventType.FOUND, v[6]),
        (EventType.PLACED, v[6]),
    }
    again = stocktaking.compare(db, unit, stocktaking.stocktake_reads(db, unit, listed, []))
    assert again.changes == 0


def test_a_rack_counted_by_its_boxes_rack_files_swaps_across_boxes(db, vials, freezer):
    _unit, a, b, _ = freezer
    rack = a.parent
    v = [x.barcode for x in vials]
    file_a = codes(f"{a.barcode},A01,{v[5]}", f"{a.barcode},A02,{v[1]}", f"{a.barcode},A03,NO READ")
    file_b = codes(f"{b.barcode},A01,{v[0]}", f"{b.barcode},A04,{v[3]}")
    reads = stocktaking.stocktake_reads(db, rack, None, [file_a, file_b])
    comparison = stocktaking.compare(db, rack, reads)
    assert comparison.counts == {
        "matched": 1,
        "moved": 3,
        "arrived": 0,
        "unknown": 0,
        "missing": 0,  # v2 is where the reader could not read
        "no_read": 1,
    }
    stocktaking.apply_reads(db, rack, reads, comparison.version)
    places = {x.barcode: (x.container_id, x.row, x.col) for x in vials}
    assert places[v[5]] == (a.id, 1, 1) and places[v[0]] == (b.id, 1, 1)
    assert places[v[3]] == (b.id, 1, 4) and places[v[2]] == (a.id, 1, 3)
    db.refresh(a)
    db.refresh(b)
    assert (a.occupied, b.occupied) == (3, 2)


def test_what_a_stocktaking_refuses(db, vials, freezer):
    unit, a, _b, elsewhere = freezer
    rack = a.parent
    v = [x.barcode for x in vials]
    one = codes(f"{a.barcode},A01,{v[0]}")
    with pytest.raises(ValidationFailed, match="as file 1"):
        stocktaking.stocktake_reads(db, unit, None, [one, one])
    with pytest.raises(ValidationFailed, match=r"Far box .* which is not in Freezer"):
        stocktaking.stocktake_reads(db, unit, None, [codes(f"{elsewhere.barcode},A01,{v[4]}")])
    with pytest.raises(ValidationFailed, match="names no rack"):
        stocktaking.stocktake_reads(db, unit, None, [codes(f"A01,{v[0]}")])
    with pytest.raises(ValidationFailed, match="not a box"):
        stocktaking.stocktake_reads(db, unit, None, [codes(f"{rack.barcode},A01,{v[0]}")])
    with pytest.raises(ValidationFailed, match="is not in Freezer"):
        stocktaking.stocktake_reads(db, unit, codes(elsewhere.barcode, v[4]), [])
    with pytest.raises(ValidationFailed, match="read twice"):
        stocktaking.stocktake_reads(db, unit, codes(v[0], a.barcode, v[0]), [])
    with pytest.raises(ValidationFailed, match="read twice"):  # in a file and in the list
        stocktaking.stocktake_reads(db, unit, codes(v[0]), [one])
    with pytest.raises(ValidationFailed, match="codes read or the rack files"):
        stocktaking.stocktake_reads(db, unit, None, [])
    with pytest.raises(ImportRejected):
        stocktaking.stocktake_reads(db, unit, codes("=cmd|'/c calc'!A1"), [])
    # a tube from outside read in the freezer itself cannot be placed there
    reads = stocktaking.stocktake_reads(db, unit, codes(v[4]), [])
    comparison = stocktaking.compare(db, unit, reads)
    with pytest.raises(InvalidState, match="holds no items"):
        stocktaking.apply_reads(db, unit, reads, comparison.version)
    stale = stocktaking.stocktake_reads(db, unit, codes(a.barcode, v[0]), [])
    version = stocktaking.compare(db, unit, stale).version
    inventory.mark_missing(db, v[1], Note())
    with pytest.raises(Conflict, match="verify it again"):
        stocktaking.apply_reads(db, unit, stale, version)
    assert db.scalar(select(StorageUnit.id).where(StorageUnit.last_counted_at.is_not(None))) is None


def test_tube_codes_are_codes_of_their_items(db, vials, freezer):
    _, a, b, _ = freezer
    v = [x.barcode for x in vials]
    tube_codes.attach(db, v[0], AttachTubeCode(code=" 1000-123 456 ", note="etched"))
    assert db.get(TubeCode, "1000123456").item_id == vials[0].id
    assert db.get(Barcode, "1000123456").owner == "item"
    assert queries.scan(db, "1000123456").item["barcode"] == v[0]
    assert inventory.get_item(db, "1000123456").id == vials[0].id
    assert [m.key for m in queries.identify(db, "1000123456")] == [v[0]]
    event = db.scalar(select(Event).where(Event.item_id == vials[0].id, Event.note == "etched"))
    assert event.type is EventType.ANNOTATED and event.data == {"tube_code": "1000123456"}
    # a rack scan reads the tube code: the item is matched, moved, or refused twice
    scans = read_rack_file(codes(f"{a.barcode},A01,1000123456"), 8, 12).scans
    entry = stocktaking.verify(db, a, scans).entries[0]
    assert (entry.seen, entry.tube, entry.item) == (Seen.MATCHED, "1000123456", v[0])
    twice = stocktaking.stocktake_reads(db, a, codes(v[0], "1000123456"), [])
    with pytest.raises(ValidationFailed, match=f"Item {v[0]} is read twice: as {v[0]}"):
        stocktaking.compare(db, a, twice)

    with pytest.raises(Conflict, match="already in use"):  # another item's barcode
        tube_codes.attach(db, v[1], AttachTubeCode(code=v[2]))
    with pytest.raises(Conflict, match="already in use"):  # a box's barcode
        tube_codes.attach(db, v[1], AttachTubeCode(code=b.barcode))
    with pytest.raises(Conflict, match="already in use"):  # another item's tube code
        tube_codes.attach(db, v[1], AttachTubeCode(code="1000123456"))
    with pytest.raises(Conflict, match="has tube code 1000123456 already"):
        tube_codes.attach(db, v[0], AttachTubeCode(code="1000123457"))
    with pytest.raises(ValidationFailed, match="shape of a biorepo barcode"):
        tube_codes.attach(db, v[1], AttachTubeCode(code=v[1][:-1] + "X"))
    with pytest.raises(NotFound):
        tube_codes.attach(db, "NOSUCH", AttachTubeCode(code="1000123458"))
    assert db.scalar(select(TubeCode.value).where(TubeCode.item_id == vials[1].id)) is None


def rack_lot(**fields):
    form = {
        "method": "glycerol_minus80",
        "preserved_on": date(2026, 1, 5).isoformat(),
        "quantity": "0.5",
        "unit": "ml",
        "form": "cryovial",
        **fields,
    }
    return RackLotIn().load(form)


def test_a_new_racks_tubes_registered_from_its_file(db, vials, freezer):
    _, a, _, _ = freezer
    material = vials[0].lot.material
    v = [x.barcode for x in vials]
    file = codes(
        f"{a.barcode},A01,{v[0]}",  # known: left as it is
        f"{a.barcode},B01,5000000001",
        f"{a.barcode},B02,5000000002",
        f"{a.barcode},B03,NO READ",
    )
    scans = read_rack_file(file, 8, 12).scans
    new = stocktaking.register(db, a, scans, rack_lot(material_id=material.id, note="Rack in"))
    assert [(i.row, i.col, i.lot.material_id) for i in new] == [
        (2, 1, material.id),
        (2, 2, material.id),
    ]
    codes_of = {r.item_id: r.value for r in db.execute(select(TubeCode.item_id, TubeCode.value))}
    assert [codes_of[i.id] for i in new] == ["5000000001", "5000000002"]
    assert new[0].lot.initial_quantity == 1 and len(new[0].lot.items) == 2
    assert stocktaking.verify(db, a, scans).counts["matched"] == 3
    with pytest.raises(ValidationFailed, match="nothing to register"):
        stocktaking.register(db, a, scans, rack_lot(material_id=material.id))


@pytest.mark.parametrize(
    ("line", "error", "match"),
    [
        ("{box},A02,5000000009", Conflict, "A2"),  # the position holds v1
        ("{box},B01,{other}", ValidationFailed, "barcode of a storage unit"),
        ("{box},B01,{misread}", ValidationFailed, "looks misread"),
    ],
)
def test_a_registration_is_all_or_nothing(db, vials, freezer, line, error, match):
    _, a, b, _ = freezer
    material = vials[0].lot.material
    misread = vials[0].barcode[:-1] + ("3" if vials[0].barcode[-1] != "3" else "4")
    file = codes(
        f"{a.barcode},C01,5000000010",
        line.format(box=a.barcode, other=b.barcode, misread=misread),
    )
    scans = read_rack_file(file, 8, 12).scans
    lots = db.scalar(select(func.count(Lot.id)))
    before = db.scalar(select(Item.id).order_by(Item.id.desc()).limit(1))
    with pytest.raises(error, match=match), db.begin_nested():
        stocktaking.register(db, a, scans, rack_lot(material_id=material.id))
    assert db.scalar(select(Item.id).order_by(Item.id.desc()).limit(1)) == before
    assert db.get(TubeCode, "5000000010") is None and db.get(Barcode, "5000000010") is None
    assert db.scalar(select(func.count(Lot.id))) == lots


def test_registering_needs_a_material(db, vials, freezer):
    _, a, _, _ = freezer
    scans = read_rack_file(codes(f"{a.barcode},B01,5000000001"), 8, 12).scans
    with pytest.raises(NotFound, match="No material"):
        stocktaking.register(db, a, scans, rack_lot(material_id=999_999))


def test_a_container_without_positions_is_counted_too(db, vials, freezer):
    _, a, _, _ = freezer
    room = a.parent.parent.parent
    bin_ = make_unit(db, {"kind": "container", "name": "Bin", "capacity": 10}, room)
    storage.place_items(db, [vials[7]], bin_)
    v = [x.barcode for x in vials]
    reads = stocktaking.stocktake_reads(db, bin_, codes(v[0]), [])
    comparison = stocktaking.compare(db, bin_, reads)
    assert {(e.seen, e.tube) for e in comparison.entries} == {
        (Seen.ARRIVED, v[0]),
        (Seen.MISSING, v[7]),
    }
    stocktaking.apply_reads(db, bin_, reads, comparison.version)
    db.refresh(vials[0])
    db.refresh(vials[7])
    assert (vials[0].container_id, vials[0].row) == (bin_.id, None)
    assert vials[7].status is ItemStatus.MISSING
