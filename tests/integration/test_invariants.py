"""The database itself keeps the inventory's rules, whatever code writes to it."""

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from repository.models import Barcode, Item, StorageUnit
from repository.services import storage
from tests.conftest import make_box, make_lot, make_strain
from tests.factories import items_of


@pytest.fixture
def placed(db, collection):
    box = make_box(db, rows=3, cols=3)
    vials = items_of(db, make_lot(db, make_strain(db), items=2))
    storage.place_items(db, vials, box, [(1, 1), (1, 2)])
    return box, vials


def refused(db, statement):
    with pytest.raises(IntegrityError), db.begin_nested():
        db.execute(statement)


def test_one_item_per_position(db, placed):
    _, (_, b) = placed
    refused(db, update(Item).where(Item.id == b.id).values(row=1, col=1))


def test_position_inside_the_grid(db, placed):
    _, (a, _) = placed
    refused(db, update(Item).where(Item.id == a.id).values(row=4))
    refused(db, update(Item).where(Item.id == a.id).values(row=4, grid_rows=4))  # lies about grid
    refused(db, update(Item).where(Item.id == a.id).values(grid_rows=None, grid_cols=None))


def test_quantities_never_negative(db, placed):
    refused(db, update(Item).where(Item.id == placed[1][0].id).values(quantity=-1))


def test_gone_items_have_no_place(db, placed):
    refused(db, update(Item).where(Item.id == placed[1][0].id).values(status="destroyed"))


def test_barcodes_unique_across_items_and_storage(db, placed):
    box, (a, _) = placed
    refused(db, insert(Barcode).values(value=a.barcode, owner="storage"))
    refused(
        db,
        update(StorageUnit)
        .where(StorageUnit.id == box.id)
        .values(barcode=a.barcode)
        .execution_options(synchronize_session=False),
    )


def test_box_never_holds_more_than_its_grid(db, placed):
    box, _ = placed
    refused(db, update(StorageUnit).where(StorageUnit.id == box.id).values(occupied=10))
    assert db.scalar(select(StorageUnit.occupied).where(StorageUnit.id == box.id)) == 2
