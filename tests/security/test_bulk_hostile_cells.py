"""A hostile sheet against the bulk writer's statements of many rows and its memory of the codes
and places seen: SQL, quotes and placeholders in cells are stored as given, row by row, across
statements; a code or place given again after the codes seen moved from memory to the scratch
file is still reported with the row that first had it, and nothing is written."""

from __future__ import annotations

from sqlalchemy import select

from repository import audit
from repository.db import unit_of_work
from repository.exchange import seen
from repository.models import Event, Item, Material
from tests.integration.test_bulk_import import (  # noqa: F401 (stock: a fixture)
    HEADER,
    LOT,
    VIAL,
    counts,
    problems,
    run,
    stock,
    write,
)

NAMES = [
    "Robert'); DROP TABLE items;--",
    'a "quoted", name',
    "?, ?, ?) --",
    "=cmd|' /C calc'!A0",
    "名字 ☃ \u2028 end",
]


def test_sql_quotes_and_placeholders_in_cells_are_stored_as_given(
    factory,
    stock,  # noqa: F811 (the fixture imported above)
    tmp_path,
):
    box = stock["box"]
    rows = []
    for m in range(30):  # 150 vials: several statements of many rows each
        name = f"{NAMES[m % len(NAMES)]} {m}"
        cell = '"' + name.replace('"', '""') + '"'
        for v in range(5):
            place = f"{box},{chr(65 + (5 * m + v) // 9)}{(5 * m + v) % 9 + 1}" if m < 16 else ","
            rows.append(f"HC {m},{cell},Bacillus subtilis,{LOT},{VIAL},HC-{m}-{v},{place}")
    outcome = run(factory, write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    assert (outcome.materials, outcome.items) == (30, 150)
    with unit_of_work(factory, write=False) as db:
        stored = dict(
            db.execute(
                select(Material.accession_number, Material.designation).where(
                    Material.accession_number.like("HC %")
                )
            ).all()
        )
        assert stored == {f"HC {m}": f"{NAMES[m % len(NAMES)]} {m}" for m in range(30)}
        places = db.scalars(
            select(Event.data)
            .join(Item, Item.id == Event.item_id)
            .where(Item.barcode.like("HC%"))  # stored without the dashes
            .order_by(Item.id)
        ).all()
        assert len(places) == 150 and all(p["place"] for p in places[:80])
        assert all(p["place"] is None for p in places[80:])
        assert audit.verify(db) is None


def test_repeats_after_the_codes_seen_moved_to_the_scratch_file_are_reported(
    factory,
    stock,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    monkeypatch.setattr(seen, "KEPT", 3)  # moved after the first batch
    box = stock["box"]
    rows = [f"HR 1,A,Bacillus subtilis,{LOT},{VIAL},HR-{i},{box},A{i}" for i in range(1, 6)]
    rows += [
        f"HR 1,A,Bacillus subtilis,{LOT},{VIAL},HR-2,{box},B1",  # row 7: a code of row 3
        f"HR 1,A,Bacillus subtilis,{LOT},{VIAL},HR-9,{box},A4",  # row 8: a place of row 5
        f"HR 1,A,Bacillus subtilis,{LOT},{VIAL},HR-9,{box},B2",  # row 9: a code of row 8
    ]
    before = counts(factory)
    found = problems(factory, write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"), batch=4)
    assert [(row, column, message) for row, column, _, message in found] == [
        (7, "barcode", "Barcode listed twice (first at row 3)."),
        (8, "position", "Position given twice in the file (first at row 5)."),
        (9, "barcode", "Barcode listed twice (first at row 8)."),
    ]
    assert counts(factory) == before
