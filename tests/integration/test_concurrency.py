"""Concurrent users never corrupt inventory: races between real connections."""

import threading

from sqlalchemy import func, select

from repository import audit
from repository.db import unit_of_work
from repository.errors import Conflict
from repository.models import Item, StorageUnit
from repository.services import inventory, storage
from tests.conftest import make_box, make_lot, make_strain
from tests.factories import add_collection


def race(factory, actions):
    """Run each action in its own unit of work, all starting at the same moment."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            with unit_of_work(factory) as session:
                barrier.wait(timeout=10)
                action(session)
            outcomes[index] = "ok"
        except Conflict as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def setup(factory, vials: int):
    with unit_of_work(factory) as db:
        add_collection(db, {"code": "RACE", "name": "R", "kind": "culture_collection"})
        lot = make_lot(db, make_strain(db, "RACE"), items=vials)
        box = make_box(db, rows=3, cols=3)
        barcodes = list(db.scalars(select(Item.barcode).where(Item.lot_id == lot.id)))
        return barcodes, box.barcode


def place(barcode: str, box_barcode: str, row: int, col: int):
    def action(session):
        item = inventory.get_item(session, barcode)
        storage.place_items(session, [item], storage.get_unit(session, box_barcode), [(row, col)])

    return action


def test_two_users_place_different_items_into_one_free_position(committing_factory):
    (first, second), box = setup(committing_factory, 2)
    outcomes = race(committing_factory, [place(first, box, 2, 2), place(second, box, 2, 2)])
    assert sorted(o == "ok" for o in outcomes) == [False, True]
    loser = next(o for o in outcomes if o != "ok")
    assert isinstance(loser, Conflict) and loser.field == "position"
    with unit_of_work(committing_factory, write=False) as db:
        placed = db.scalars(select(Item).where(Item.container_id.is_not(None))).all()
        assert [(i.row, i.col) for i in placed] == [(2, 2)]
        assert db.scalar(select(StorageUnit.occupied).where(StorageUnit.barcode == box)) == 1
        assert audit.verify(db) is None


def test_many_users_fill_a_box_without_losing_count(committing_factory):
    vials, box = setup(committing_factory, 9)
    actions = [place(code, box, i // 3 + 1, i % 3 + 1) for i, code in enumerate(vials)]
    assert race(committing_factory, actions) == ["ok"] * 9
    with unit_of_work(committing_factory, write=False) as db:
        filled = select(StorageUnit.occupied, StorageUnit.free_run).where(
            StorageUnit.barcode == box
        )
        assert tuple(db.execute(filled).one()) == (9, 0)  # each counted after the one before
        assert (
            db.scalar(select(func.count()).select_from(Item).where(Item.container_id.is_not(None)))
            == 9
        )
        assert audit.verify(db) is None
