"""Bulk inserts straight through the driver (sql.insert_many): every row written once, in
order, whether a count fills its statements of many rows or leaves a few over; rows as dicts or
as tuples with their column names; a broken constraint anywhere raised, on both databases."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from repository.models import Barcode, Event
from repository.sql import SQLITE_PARAMETERS, insert_many

PER = SQLITE_PARAMETERS // 2  # barcode rows (value, owner) in one statement on SQLite
BARCODES = Barcode.__table__


@pytest.mark.parametrize("count", [1, PER - 1, PER, PER + 1, 2 * PER + 3, 5000])
def test_every_row_is_written_once_in_order(db, count):
    codes = [f"IM{i:06d}" for i in range(count)]
    insert_many(db, BARCODES, [(code, "item") for code in codes], names=("value", "owner"))
    written = db.scalars(select(Barcode.value).where(Barcode.value.like("IM%"))).all()
    assert sorted(written) == codes


def test_rows_as_dicts_with_a_default_and_json_given_as_text(db):
    rows = [{"type": "annotated", "data": f'{{"n":{i}}}', "note": None} for i in range(PER + 2)]
    insert_many(db, Event.__table__, rows, encoded={"data"})
    events = db.scalars(select(Event).where(Event.type == "annotated").order_by(Event.id)).all()
    assert [e.data for e in events] == [{"n": i} for i in range(PER + 2)]
    assert all(e.at is not None for e in events)  # the column's default, as an INSERT gives it


@pytest.mark.parametrize("at", [3, PER + 7, 2 * PER + 1])  # in a whole statement, or the last
def test_a_repeated_key_anywhere_raises(db, at):
    codes = [f"IR{i:06d}" for i in range(2 * PER + 2)]
    codes[at] = codes[0]
    with pytest.raises(IntegrityError), db.begin_nested():
        insert_many(db, BARCODES, [(code, "item") for code in codes], names=("value", "owner"))
    assert db.scalars(select(Barcode.value).where(Barcode.value.like("IR%"))).all() == []
