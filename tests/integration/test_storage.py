"""Places: placing, moving, whole-unit moves, a failed freezer, free positions."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from repository.errors import Conflict, InvalidState, ValidationFailed
from repository.models import Event, Item, StorageUnit
from repository.schemas.inventory import Destroy, NewItems
from repository.services import inventory, storage
from repository.vocabulary import EventType
from tests.conftest import make_box, make_lot, make_strain
from tests.factories import make_unit


def lot_items(db, lot):
    return list(db.scalars(select(Item).where(Item.lot_id == lot.id).order_by(Item.id)))


@pytest.fixture
def vials(db, collection):
    return lot_items(db, make_lot(db, make_strain(db), items=4))


def test_place_at_positions_and_first_free(db, vials):
    box = make_box(db)
    storage.place_items(db, vials[:2], box, [(1, 1), (2, 3)])
    storage.place_items(db, vials[2:], box)
    assert [(v.row, v.col) for v in vials] == [(1, 1), (2, 3), (1, 2), (1, 3)]
    db.refresh(box)
    assert box.occupied == 4
    placed = db.scalars(select(Event).where(Event.type == EventType.PLACED)).all()
    assert len(placed) == 4
    assert placed[0].data["to"].endswith("Box [A1]")


def test_position_outside_grid_or_taken_is_refused(db, vials):
    box = make_box(db, rows=2, cols=2)
    with pytest.raises(ValidationFailed) as error:
        storage.place_items(db, [vials[0]], box, [(3, 1)])
    assert "position" in error.value.errors
    storage.place_items(db, [vials[0]], box, [(1, 1)])
    with pytest.raises(Conflict) as conflict:
        storage.place_items(db, [vials[1]], box, [(1, 1)])
    assert vials[0].barcode in conflict.value.detail
    with pytest.raises(ValidationFailed):
        storage.place_items(db, vials[1:3], box, [(2, 2), (2, 2)])


def test_items_swap_positions_in_one_move(db, vials):
    box = make_box(db)
    storage.place_items(db, vials[:2], box, [(1, 1), (1, 2)])
    storage.place_items(db, vials[:2], box, [(1, 2), (1, 1)])
    assert [(v.row, v.col) for v in vials[:2]] == [(1, 2), (1, 1)]
    db.refresh(box)
    assert box.occupied == 2


def test_cage_capacity(db, collection):
    site = make_unit(db, {"kind": "site", "name": "S"})
    room = make_unit(db, {"kind": "room", "name": "Animal room", "temperature_c": 22}, site)
    rack = make_unit(db, {"kind": "rack", "name": "IVC"}, room)
    cage = make_unit(db, {"kind": "cage", "name": "Cage 1", "capacity": 2}, rack)
    mice = lot_items(
        db,
        make_lot(
            db, make_strain(db), items=3, method="live", unit="animal", form="animal", quantity="1"
        ),
    )
    storage.place_items(db, mice[:2], cage)
    with pytest.raises(Conflict):
        storage.place_items(db, mice[2:], cage)
    with pytest.raises(ValidationFailed):
        storage.place_items(db, mice[2:], cage, [(1, 1)])


def test_items_go_only_into_boxes_cages_and_containers(db, vials):
    box = make_box(db)
    with pytest.raises(ValidationFailed):
        storage.place_items(db, vials[:1], box.parent)
    with pytest.raises(ValidationFailed):
        make_unit(db, {"kind": "freezer", "name": "F"}, box)


def test_destroyed_item_does_not_move_or_divide(db, vials):
    box = make_box(db)
    storage.place_items(db, vials[:1], box)
    inventory.destroy(db, vials[0].barcode, Destroy(reason="contaminated"))
    assert vials[0].container_id is None
    with pytest.raises(InvalidState):
        storage.place_items(db, vials[:1], box)
    with pytest.raises(InvalidState):
        inventory.split(db, vials[0].barcode, NewItems(count=1, quantity=Decimal("0.1")))


def test_move_box_keeps_positions_and_writes_history(db, vials):
    box = make_box(db)
    storage.place_items(db, vials, box, [(1, 1), (1, 2), (5, 5), (9, 9)])
    other_rack = make_unit(db, {"kind": "rack", "name": "Rack 2"}, box.parent.parent)
    storage.move_unit(db, box, other_rack)
    db.expire_all()
    assert [(v.container_id, v.row, v.col) for v in vials] == [
        (box.id, 1, 1),
        (box.id, 1, 2),
        (box.id, 5, 5),
        (box.id, 9, 9),
    ]
    assert box.parent_id == other_rack.id
    moved = db.scalars(select(Event).where(Event.type == EventType.MOVED)).all()
    assert {e.item_id for e in moved} == {v.id for v in vials}
    assert "Rack 2" in moved[0].data["to"]
    with pytest.raises(ValidationFailed):
        storage.move_unit(db, other_rack.parent, other_rack)


def test_evacuate_failed_freezer_into_twin(db, collection):
    site = make_unit(db, {"kind": "site", "name": "S"})
    room = make_unit(db, {"kind": "room", "name": "R"}, site)
    freezers = []
    for name in ("F1", "F2"):
        freezer = make_unit(db, {"kind": "freezer", "name": name, "temperature_c": -80}, room)
        for r in range(2):
            rack = make_unit(db, {"kind": "rack", "name": f"Rack {r + 1}"}, freezer)
            for b in range(2):
                make_box(db, rack, rows=3, cols=3, name=f"Box {b + 1}")
        freezers.append(freezer)
    strain = make_strain(db)
    source_boxes = db.scalars(
        select(StorageUnit).where(StorageUnit.kind == "box").order_by(StorageUnit.id)
    ).all()[:4]
    vials = lot_items(db, make_lot(db, strain, items=6))
    for index, vial in enumerate(vials):
        storage.place_items(db, [vial], source_boxes[index % 4], [(index // 4 + 1, index % 3 + 1)])
    before = [
        (
            v.row,
            v.col,
            db.get(StorageUnit, v.container_id).name,
            db.get(StorageUnit, v.container_id).parent.name,
        )
        for v in vials
    ]
    assert storage.evacuate(db, freezers[0], freezers[1]) == 6
    db.expire_all()
    after = [(v.row, v.col, v.container.name, v.container.parent.name) for v in vials]
    assert after == before
    assert all(v.container.parent.parent_id == freezers[1].id for v in vials)
    assert all(b.occupied == 0 and b.free_run == 9 for b in source_boxes)
    assert sum(e.type is EventType.MOVED for e in db.scalars(select(Event))) == 6


def test_evacuate_carries_boxes_into_empty_racks(db, collection):
    site = make_unit(db, {"kind": "site", "name": "S"})
    room = make_unit(db, {"kind": "room", "name": "R"}, site)
    failed = make_unit(db, {"kind": "freezer", "name": "F1"}, room)
    standby = make_unit(db, {"kind": "freezer", "name": "F2"}, room)
    box = make_box(db, make_unit(db, {"kind": "rack", "name": "R1"}, failed))
    make_unit(db, {"kind": "rack", "name": "Standby rack"}, standby)
    vials = lot_items(db, make_lot(db, make_strain(db), items=2))
    storage.place_items(db, vials, box, [(4, 4), (4, 5)])
    assert storage.evacuate(db, failed, standby) == 2
    db.expire_all()
    assert box.parent.name == "Standby rack" and box.slot == 1
    assert [(v.container_id, v.row, v.col) for v in vials] == [(box.id, 4, 4), (box.id, 4, 5)]
    moves = db.scalars(select(Event).where(Event.type == EventType.MOVED)).all()
    assert moves[0].data["from"] == "S › R › F1 › R1 › Box [D4]"
    assert moves[0].data["to"] == "S › R › F2 › Standby rack › Box [D4]"


def test_evacuate_refuses_a_different_layout(db, collection):
    site = make_unit(db, {"kind": "site", "name": "S"})
    room = make_unit(db, {"kind": "room", "name": "R"}, site)
    f1 = make_unit(db, {"kind": "freezer", "name": "F1"}, room)
    f2 = make_unit(db, {"kind": "freezer", "name": "F2"}, room)
    make_box(db, make_unit(db, {"kind": "rack", "name": "R"}, f1), rows=9, cols=9)
    make_box(db, make_unit(db, {"kind": "rack", "name": "R"}, f2), rows=10, cols=10)
    with pytest.raises(InvalidState):
        storage.evacuate(db, f1, f2)


def test_find_free_positions_at_a_temperature(db, vials):
    cold = make_box(db, rows=3, cols=3, temperature=-80)
    warm = make_box(db, rows=3, cols=3, temperature=4)
    storage.place_items(db, vials[:2], cold, [(1, 2), (2, 2)])
    places = storage.find_free_positions(db, -80, 3, contiguous=True)
    assert [(p.container.id, p.row, p.col) for p in places] == [
        (cold.id, 2, 3),
        (cold.id, 3, 1),
        (cold.id, 3, 2),
    ]
    scattered = storage.find_free_positions(db, -80, 7)
    assert {p.container.id for p in scattered} == {cold.id}
    with pytest.raises(Conflict):
        storage.find_free_positions(db, -80, 8)
    assert storage.find_free_positions(db, 4, 9, contiguous=True)[0].container.id == warm.id


def free_run(db, box: StorageUnit) -> tuple[int | None, int]:
    """The box's kept free run, and the one its items make now."""
    db.expire(box)
    taken = {(i.row, i.col) for i in db.scalars(select(Item).where(Item.container_id == box.id))}
    return box.free_run, storage.longest_free_run(box.rows, box.cols, taken)


def test_free_run_follows_the_items(db, collection):
    box, other = make_box(db, rows=3, cols=3), make_box(db, rows=3, cols=3)
    assert free_run(db, box) == (9, 9)  # a new box is all free
    vials = lot_items(db, make_lot(db, make_strain(db), items=4))
    storage.place_items(db, vials[:3], box, [(1, 2), (2, 2), (3, 1)])
    assert free_run(db, box) == (2, 2)  # cells 1 to 9, free: 1 | 3 4 | 6 | 8 9
    storage.place_items(db, [vials[1]], box, [(3, 3)])  # within the box
    assert free_run(db, box) == (4, 4)  # free: 1 | 3 4 5 6 | 8
    storage.relocate(db, [(vials[0], None)])  # out of storage
    assert free_run(db, box) == (6, 6)  # free: 1 2 3 4 5 6 | 8
    storage.place_items(db, [vials[2]], other, [(2, 2)])  # into another box
    assert free_run(db, box) == (8, 8) and free_run(db, other) == (4, 4)


def test_contiguous_search_reads_only_boxes_with_a_run(db, collection):
    scattered, roomy = make_box(db, rows=3, cols=3), make_box(db, rows=3, cols=3)
    vials = lot_items(db, make_lot(db, make_strain(db), items=7))
    storage.place_items(db, vials[:4], scattered, [(1, 2), (2, 1), (2, 3), (3, 2)])
    storage.place_items(db, vials[4:], roomy, [(1, 1), (1, 2), (1, 3)])
    assert free_run(db, scattered) == (1, 1) and free_run(db, roomy) == (6, 6)
    places = storage.find_free_positions(db, -80, 2, contiguous=True)
    assert {p.container.id for p in places} == {roomy.id}  # the fuller box has no run of 2
    assert {p.container.id for p in storage.find_free_positions(db, -80, 2)} == {scattered.id}
    spread = storage.find_free_positions(db, -80, 9)  # fullest first, then the next box
    assert [p.container.id for p in spread] == [scattered.id] * 5 + [roomy.id] * 4
