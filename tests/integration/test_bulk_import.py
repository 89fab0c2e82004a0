"""Bulk registration from CSV and XLSX: what a good file creates, and every kind of bad input
reported precisely with nothing imported."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from api import create_app
from api.web.history import event_sentence
from repository import audit
from repository.db import unit_of_work
from repository.errors import Conflict
from repository.exchange import bulk, declared
from repository.exchange.bulk import Options, import_tables
from repository.exchange.problems import ImportRejected
from repository.models import (
    AuditEntry,
    Donor,
    Event,
    Item,
    Lot,
    Material,
    Specimen,
    StorageUnit,
)
from repository.services import collections, queries
from repository.vocabulary import EventType
from tests.conftest import make_box, make_collection, make_lot, make_strain
from tests.factories import add_collection, add_donor, add_material, preserve

HEADER = (
    "accession_number,designation,taxon_name,lot,method,preserved_on,quantity,unit,form,"
    "barcode,box,position"
)
LOT = "L1,glycerol_minus80,2025-01-01"  # a lot's key, method and date
VIAL = "1,ml,cryovial"


@pytest.fixture
def stock(factory):
    """A culture collection with one strain (TST 1) and an empty 9x9 box."""
    with unit_of_work(factory) as db:
        make_collection(db)
        make_strain(db, accession_number="TST 1")
        box = make_box(db)
        return {"box": box.barcode, "box_id": box.id}


def write(tmp_path, text: str, name: str = "in.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(factory, *paths, dry_run=False, **options):
    with unit_of_work(factory) as db:
        return import_tables(db, paths, Options("TST", dry_run=dry_run, **options))


def problems(factory, *paths, **options) -> list[tuple]:
    with pytest.raises(ImportRejected) as caught:
        run(factory, *paths, **options)
    return [(p.row, p.column, p.value, p.message) for p in caught.value.report.problems]


def counts(factory) -> tuple[int, int, int]:
    with unit_of_work(factory, write=False) as db:
        return (
            db.scalar(select(func.count()).select_from(Material)),
            db.scalar(select(func.count()).select_from(Lot)),
            db.scalar(select(func.count()).select_from(Item)),
        )


TEN, ELEVEN = "L1,glycerol_minus80,2025-03-01", "L1,lyophilised,2025-03-02"


def good_file(tmp_path, box: str):
    return write(
        tmp_path,
        f"{HEADER}\n"
        f"CC 10,Strain ten,Bacillus subtilis,{TEN},1.5,ml,cryovial,PRE-001,{box},A1\n"
        f"CC 10,Strain ten,Bacillus subtilis,{TEN},1.5,ml,cryovial,,{box},A2\n"
        f"CC 11,Strain eleven,Escherichia coli,{ELEVEN},1,ampoule,ampoule,,{box},B1\n"
        f"TST 1,,,L9,glycerol_minus80,2025-03-03,1,ml,cryovial,,{box},I9\n",
    )


def test_a_good_file_registers_materials_lots_and_placed_items(factory, stock, tmp_path):
    outcome = run(factory, good_file(tmp_path, stock["box"]))
    assert (outcome.rows, outcome.materials, outcome.lots, outcome.items) == (4, 2, 3, 4)
    with unit_of_work(factory, write=False) as db:
        ten = db.scalar(select(Material).where(Material.accession_number == "CC 10"))
        assert ten.kind.value == "strain" and ten.taxon_name == "Bacillus subtilis"
        lot = db.scalar(select(Lot).where(Lot.material_id == ten.id))
        assert lot.number == 1 and str(lot.initial_quantity.normalize()) == "3"
        placed = {
            (i.barcode, i.row, i.col)
            for i in db.scalars(select(Item).where(Item.container_id == stock["box_id"]))
        }
        assert ("PRE001", 1, 1) in placed and len(placed) == 4
        assert {(r, c) for _, r, c in placed} == {(1, 1), (1, 2), (2, 1), (9, 9)}
        box = db.get(StorageUnit, stock["box_id"])
        assert (box.occupied, box.free_run) == (4, 70)  # B2 to I8 free
        existing = db.scalar(select(Material).where(Material.accession_number == "TST 1"))
        assert db.scalar(select(Lot.number).where(Lot.material_id == existing.id)) == 1
        types = Counter_of(db, Event.type)
        # one event per item: its lot and place together
        assert types[EventType.ACCESSIONED] >= 2 and types[EventType.REGISTERED] == 4
        assert EventType.PLACED not in types and EventType.PRESERVED not in types
        vial = db.scalar(select(Item).where(Item.barcode == "PRE001"))
        registered = db.scalar(select(Event).where(Event.item_id == vial.id))
        assert registered.type is EventType.REGISTERED and registered.lot_id == vial.lot_id
        assert registered.data["lot"] == 1 and registered.data["place"].endswith("[A1]")
        # one audit entry per table written (each a batch), none per row
        batches = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "batch_insert").order_by(AuditEntry.id)
        ).all()
        assert [b.table_name for b in batches] == [
            "materials",
            "strains",
            "lots",
            "items",
        ]
        items = batches[-1].after
        assert items["rows"] == 4 and items["job"] is None and len(items["sha256"]) == 64
        assert items["files"] == [{"name": "in.csv", "sha256": digest(tmp_path / "in.csv")}]
        assert vial.id in audit_ids(items)
        assert lot.id in audit_ids(batches[2].after)
        assert not db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "insert", AuditEntry.table_name.in_(("items", "lots")))
        )
        assert audit.verify(db) is None


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def audit_ids(after: dict) -> list[int]:
    """The ids a batch entry names."""
    return [i for first, last in after["ids"] for i in range(first, last + 1)]


def Counter_of(db, column):
    return dict(db.execute(select(column, func.count()).group_by(column)).all())


def test_a_dry_run_reports_and_writes_nothing(factory, stock, tmp_path):
    before = counts(factory)
    outcome = run(factory, good_file(tmp_path, stock["box"]), dry_run=True)
    assert outcome.report.ok and outcome.items == 4
    assert counts(factory) == before
    bad = write(
        tmp_path, f"{HEADER}\nCC 12,X,Bacillus,L1,boiled,2025-02-30,-1,ml,cryovial,,,\n", "bad.csv"
    )
    outcome = run(factory, bad, dry_run=True)
    assert {(p.row, p.column, p.value) for p in outcome.report.problems} == {
        (2, "method", "boiled"),
        (2, "preserved_on", "2025-02-30"),
        (2, "quantity", "-1"),
    }
    assert counts(factory) == before


@pytest.fixture
def spilled(monkeypatch):
    """Materials and lots move to the import's scratch database after every batch."""
    monkeypatch.setattr(declared, "KEPT", 0)


# repeats found within a batch and across batches, with what was declared in memory or moved out
@pytest.mark.parametrize("batch", [1000, 2, -2])
def test_every_bad_row_is_reported_and_nothing_imported(
    factory, stock, tmp_path, batch, monkeypatch
):
    if batch < 0:
        batch = -batch
        monkeypatch.setattr(declared, "KEPT", 0)
    box = stock["box"]
    before = counts(factory)
    found = problems(
        factory,
        write(
            tmp_path,
            f"{HEADER},latitude,kind\n"
            f"CC 20,A,Bacillus subtilis,{LOT},{VIAL},,{box},A1,95,\n"
            f"CC 21,B,B,{LOT},{VIAL},,{box},A1,,\n"
            f"CC 22,C,Bacillus,{LOT},1,ml,flask,,{box},K1,,\n"
            f"CC 23,D,Bacillus,{LOT},{VIAL},,{box},A3,,fungus\n"
            f"TST 1,E,Bacillus,{LOT},{VIAL},,NOSUCHBOX,A4,,\n"
            f",F,Bacillus,{LOT},{VIAL},,,,,\n"
            f"CC 24,G,Bacillus,{LOT},{VIAL},PRE-9,{box},A5,,\n"
            f"CC 25,H,Bacillus,{LOT},{VIAL},pre9,{box},A6,,\n",
        ),
        batch=batch,
    )
    assert found == [
        (2, "latitude", "95", "Must be greater than or equal to -90 and less than or equal to 90."),
        (3, "taxon_name", "B", "Length must be between 2 and 200."),
        (3, "position", "A1", "Position given twice in the file (first at row 2)."),
        (4, "form", "flask", found[3][3]),
        (4, "position", "K1", "K1 is outside the 9x9 grid of Box."),
        (5, "kind", "fungus", found[5][3]),
        (6, "accession_number", "TST 1", "Accession already in TST."),
        (6, "box", "NOSUCHBOX", "No storage unit with this barcode."),
        (9, "barcode", "pre9", "Barcode listed twice (first at row 8)."),
    ]
    assert "cryovial" in found[3][3] and "strain" in found[5][3]
    assert counts(factory) == before


def test_conflicts_with_the_database_are_reported(factory, stock, tmp_path):
    box = stock["box"]
    run(
        factory,
        write(
            tmp_path,
            f"{HEADER}\nCC 30,A,Bacillus,{LOT},{VIAL},USED-1,{box},C3\n",
        ),
    )
    before = counts(factory)
    found = problems(
        factory,
        write(
            tmp_path,
            f"{HEADER}\n"
            f"CC 30,A,Bacillus,{LOT},{VIAL},,{box},C4\n"
            f"CC 31,B,Bacillus,{LOT},{VIAL},used-1,{box},C3\n"
            f"CC 31,B,Bacillus,{LOT},{VIAL},NEW-1,{box},C5\n"
            f"CC 31,B,Bacillus,{LOT},{VIAL},new-1,{box},C6\n",
            "again.csv",
        ),
    )
    assert found == [
        (2, "accession_number", "CC 30", "Accession already in TST."),
        (3, "barcode", "used-1", "Barcode already in use."),
        (3, "position", "C3", "Box C3 is occupied by USED1."),
        (5, "barcode", "new-1", "Barcode listed twice (first at row 4)."),
    ]
    assert counts(factory) == before


def test_header_problems_wrong_delimiter_and_unknown_columns(factory, stock, tmp_path):
    assert problems(factory, write(tmp_path, "accession_number;designation\nA;B\n"))[0][3] == (
        "Missing required column taxon_name."
    )
    found = problems(factory, write(tmp_path, "accession_number\tdesignation\tcolour\nA\tB\tred\n"))
    assert found == [
        (1, "colour", None, "Unknown column; rename it, map it to a field, or drop it."),
        (1, "taxon_name", None, "Missing required column taxon_name."),
    ]
    found = problems(factory, write(tmp_path, "accession_number|designation|taxon\nA|B|\n"))
    assert found == [(2, "taxon", None, "Missing data for required field.")]  # an alias
    found = problems(factory, write(tmp_path, "lot\nL1\n"))
    assert found[0][:2] == (1, "accession_number")
    assert found[0][3].startswith("Missing required column accession_number (the header was read")


def test_aliases_and_a_mapping_name_the_columns(factory, stock, tmp_path):
    path = write(tmp_path, "Accession No.,Name,Species,Strain colour\nCC 40,X,Bacillus subtilis,\n")
    outcome = run(factory, path, mapping={"Strain colour": ""})
    assert outcome.materials == 1
    path = write(tmp_path, "Code,Name,Species\nCC 41,X,Bacillus subtilis\n", "mapped.csv")
    assert run(factory, path, mapping={"Code": "accession_number"}).materials == 1


def test_rows_of_the_wrong_width_and_truncated_files(factory, stock, tmp_path):
    found = problems(
        factory,
        write(tmp_path, 'accession_number,designation,taxon_name\nA,B,Bacillus,x\nC,"D,Bacillus\n'),
    )
    assert found[0][:2] == (2, None) and "3" in found[0][3] and "4" in found[0][3]
    assert found[1][0] == 3 and "cannot be read" in found[1][3]


def test_utf8_with_bom_and_gb18030_are_read(factory, stock, tmp_path):
    text = "保藏编号,名称,学名\nCC 50,枯草芽孢杆菌 168,Bacillus subtilis\n"
    assert run(factory, write(tmp_path, text, "bom.csv", "utf-8-sig")).materials == 1
    text = text.replace("CC 50", "CC 51")
    assert run(factory, write(tmp_path, text, "gbk.csv", "gb18030")).materials == 1
    with unit_of_work(factory, write=False) as db:
        names = set(
            db.scalars(
                select(Material.designation).where(
                    Material.accession_number.in_(["CC 50", "CC 51"])
                )
            )
        )
    assert names == {"枯草芽孢杆菌 168"}


def test_unreadable_encodings_are_reported_not_garbled(factory, stock, tmp_path):
    latin = write(
        tmp_path, "accession_number,designation,taxon_name\nA,Café,Bacillus\n", "l.csv", "latin-1"
    )
    assert "neither UTF-8 nor GB18030" in problems(factory, latin)[0][3]
    head = "accession_number,designation,taxon_name\n" + "".join(
        f"CC {n},Strain {n},Bacillus subtilis\n" for n in range(5000)
    )
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(head.encode() + "CC X,枯草,Bacillus\n".encode("gbk"))
    found = problems(factory, mixed)
    assert found[-1][0] == 5002 and "not utf-8" in found[-1][3]
    assert counts(factory)[0] == 1


def test_several_files_and_xlsx_sheets(factory, stock, tmp_path):
    from openpyxl import Workbook

    box = stock["box"]
    materials = write(
        tmp_path, "accession_number,designation,taxon_name\nCC 60,X,Bacillus\n", "m.csv"
    )
    items = write(
        tmp_path,
        "accession_number,lot,method,preserved_on,quantity,unit,form,box,row,col\n"
        f"CC 60,{LOT},{VIAL},{box},4,4\n",
        "i.csv",
    )
    assert run(factory, materials, items).items == 1
    book = Workbook()
    sheet = book.active
    sheet.title = "materials"
    sheet.append(["accession_number", "designation", "taxon_name", "latitude"])
    sheet.append(["CC 61", "Y", "Bacillus subtilis", 31.2])
    lots = book.create_sheet("items")
    lots.append(
        [
            "accession_number",
            "lot",
            "method",
            "preserved_on",
            "quantity",
            "unit",
            "form",
            "box",
            "position",
        ]
    )
    from datetime import datetime

    lots.append(
        ["CC 61", 1, "glycerol_minus80", datetime(2025, 1, 2), 2, "ml", "cryovial", box, "E5"]
    )
    book.save(tmp_path / "book.xlsx")
    outcome = run(factory, tmp_path / "book.xlsx")
    assert (outcome.materials, outcome.items) == (1, 1)
    with unit_of_work(factory, write=False) as db:
        lot = db.scalar(select(Lot).join(Material).where(Material.accession_number == "CC 61"))
        assert lot.preserved_on.isoformat() == "2025-01-02"


def test_an_undeclared_lot_and_an_unknown_material_are_reported(factory, stock, tmp_path):
    found = problems(
        factory,
        write(
            tmp_path,
            f"accession_number,lot,quantity,unit,form\nTST 1,L1,{VIAL}\nNOPE,L1,{VIAL}\n",
        ),
    )
    assert [f[:2] for f in found] == [(2, "lot"), (3, "lot")]
    assert "not declared" in found[0][3]


def test_a_failure_half_way_leaves_nothing(factory, stock, tmp_path, monkeypatch):
    rows = "".join(
        f"CC {n},S{n},Bacillus,{LOT},{VIAL},,{stock['box']},{chr(65 + n // 9)}{n % 9 + 1}\n"
        for n in range(20)
    )
    path = write(tmp_path, f"{HEADER}\n{rows}")
    calls = []
    real = bulk.writing.Writer._items

    def failing(self, chunk):
        calls.append(len(chunk))
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        real(self, chunk)

    monkeypatch.setattr(bulk.writing.Writer, "_items", failing)
    before = counts(factory)
    with pytest.raises(RuntimeError):
        run(factory, path, batch=5)
    assert calls == [5, 5, 5] and counts(factory) == before
    with unit_of_work(factory, write=False) as db:
        assert db.get(StorageUnit, stock["box_id"]).occupied == 0


def test_a_position_taken_by_a_concurrent_writer_fails_at_insert(
    factory, stock, tmp_path, monkeypatch
):
    with unit_of_work(factory) as db:
        strain = db.scalar(select(Material).where(Material.accession_number == "TST 1"))
        preserve(
            db,
            strain,
            {
                "method": "glycerol_minus80",
                "preserved_on": "2025-01-01",
                "items": 1,
                "quantity": "1",
                "unit": "ml",
                "form": "cryovial",
            },
            db.get(StorageUnit, stock["box_id"]),
            [(2, 2)],
        )
    before = counts(factory)
    monkeypatch.setattr(bulk.BulkImport, "_check_positions", lambda self, batch: None)
    path = write(
        tmp_path,
        f"{HEADER}\nCC 70,A,Bacillus,{LOT},{VIAL},,{stock['box']},B2\n",
    )
    with pytest.raises(Conflict) as caught:
        run(factory, path)
    assert caught.value.field == "position"
    assert counts(factory) == before


STORED = "accession_number,existing_lot,lot,quantity,unit,form,box,position"


def stored_lot(factory) -> int:
    """Lot 1 of TST 1, two vials of 1 ml; its id."""
    with unit_of_work(factory) as db:
        strain = db.scalar(select(Material).where(Material.accession_number == "TST 1"))
        return make_lot(db, strain, items=2).id


def test_items_join_a_stored_lot_by_its_number(factory, stock, tmp_path):
    lot_id = stored_lot(factory)
    box = stock["box"]
    path = write(
        tmp_path,
        f"{STORED}\nTST 1,1,,0.5,ml,cryovial,{box},A1\nTST 1,1,,0.5,ml,cryovial,{box},A2\n",
    )
    outcome = run(factory, path)
    assert (outcome.materials, outcome.lots, outcome.items) == (0, 0, 2)
    with unit_of_work(factory, write=False) as db:
        lot = db.get(Lot, lot_id)
        quantities = db.scalars(select(Item.quantity).where(Item.lot_id == lot_id)).all()
        assert sorted(str(q.normalize()) for q in quantities) == ["0.5", "0.5", "1", "1"]
        assert str(lot.initial_quantity.normalize()) == "2"  # as preserved
        registered = db.scalars(
            select(Event).where(Event.lot_id == lot_id, Event.type == EventType.REGISTERED)
        ).all()
        assert [e.data["lot"] for e in registered] == [1, 1]
        assert db.get(StorageUnit, stock["box_id"]).occupied == 2


def test_a_missing_stored_lot_a_foreign_unit_and_a_doubly_named_lot_are_reported(
    factory, stock, tmp_path
):
    stored_lot(factory)
    before = counts(factory)
    found = problems(
        factory,
        write(
            tmp_path,
            f"{STORED}\n"
            "TST 1,2,,1,ml,cryovial,,\n"
            "TST 1,1,,1,ampoule,ampoule,,\n"
            "TST 1,one,,1,ml,cryovial,,\n"
            "CC 99,1,,1,ml,cryovial,,\n"
            "TST 1,1,L1,1,ml,cryovial,,\n"
            "TST 1,1,,1,ml,cryovial,,\n",
        ),
    )
    print("FOUND", found)
    assert [(row, column) for row, column, _, _ in found] == [
        (2, "existing_lot"),
        (3, "unit"),
        (4, "existing_lot"),
        (5, "accession_number"),
        (6, "existing_lot"),
    ]
    assert found[0][3] == "TST 1 has no lot 2."
    assert found[1][3] == "The items of a lot share one unit (ml)."
    assert "not both" in found[4][3]
    assert counts(factory) == before


def test_a_long_file_of_materials_in_many_batches(factory, stock, tmp_path):
    """Past a thousand new materials PostgreSQL's statistics are refreshed mid-import, and
    repeats are found across batches."""
    rows = "".join(f"CC {n:05d},Strain {n},Bacillus subtilis\n" for n in range(1200))
    path = write(tmp_path, f"accession_number,designation,taxon_name\n{rows}CC 00007,X,Bacillus\n")
    found = problems(factory, path, batch=100)
    assert found == [(1202, "accession_number", "CC 00007", found[0][3])]
    assert "listed twice (first at row 9)" in found[0][3]
    outcome = run(
        factory, write(tmp_path, f"accession_number,designation,taxon_name\n{rows}"), batch=100
    )
    assert outcome.materials == 1200 and counts(factory)[0] == 1201


def test_a_material_or_lot_declared_again_with_other_values(factory, stock, tmp_path):
    box = stock["box"]
    other_lot = "L1,lyophilised,2025-01-01"
    found = problems(
        factory,
        write(
            tmp_path,
            f"{HEADER}\n"
            f"CC 30,A,Bacillus subtilis,{LOT},{VIAL},,{box},A1\n"
            f"CC 30,A,Bacillus subtilis,{LOT},{VIAL},,{box},A2\n"
            f"CC 30,B,Bacillus subtilis,{LOT},{VIAL},,{box},A3\n"
            f"CC 30,B,Bacillus subtilis,{LOT},{VIAL},,{box},A4\n"  # still not as first declared
            f"CC 30,A,Bacillus subtilis,{LOT},{VIAL},,{box},A5\n"
            f"CC 30,A,Bacillus subtilis,{other_lot},{VIAL},,{box},A6\n"
            f"CC 30,A,Bacillus subtilis,{other_lot},{VIAL},,{box},A7\n"
            f"CC 30,A,Bacillus subtilis,{LOT},{VIAL},,{box},A8\n",
        ),
    )
    again = "Accession declared again with other values (first at row 2)."
    lot_again = "Lot declared again with other values (first at row 2)."
    assert [(row, column, message) for row, column, _, message in found] == [
        (4, "accession_number", again),
        (5, "accession_number", again),
        (7, "lot", lot_again),
        (8, "lot", lot_again),
    ]


def test_rows_that_repeat_the_row_before_are_checked_like_it(factory, stock, tmp_path):
    """A vial's row that declares its material and lot as the row before did is taken as a
    repeat of it only when that row found them fine: a lot that cannot be declared is reported
    in every row that gives it, a stored material that is missing too, and rows without an
    accession number each declare a material of their own."""
    box = stock["box"]
    found = problems(
        factory,
        write(
            tmp_path,
            f"{HEADER}\n"
            f"CC 80,A,B,{LOT},{VIAL},,{box},A1\n"  # taxon too short
            f"CC 80,A,B,{LOT},{VIAL},,{box},A2\n"
            f"CC 81,A,Bacillus subtilis,L1,glycerol_minus80,2025-13-01,{VIAL},,{box},A3\n"
            f"CC 81,A,Bacillus subtilis,L1,glycerol_minus80,2025-13-01,{VIAL},,{box},A4\n"
            f"NOPE 1,,,L1,glycerol_minus80,2025-01-01,{VIAL},,{box},A5\n"
            f"NOPE 1,,,L1,glycerol_minus80,2025-01-01,{VIAL},,{box},A6\n"
            f"CC 82,A,Bacillus subtilis,{LOT},{VIAL},,{box},A7\n"
            f"CC 82,A,Bacillus subtilis,{LOT},{VIAL},,{box},A7\n",  # a repeat, but its place
        ),
        batch=3,  # a repeat in the next batch too
    )
    assert [(row, column) for row, column, _, _ in found] == [
        (2, "taxon_name"),  # once: the rows after it repeat what it declared
        (4, "preserved_on"),
        (5, "preserved_on"),
        (6, "accession_number"),
        (7, "accession_number"),
        (9, "position"),
    ]
    outcome = run(
        factory,
        write(
            tmp_path,
            "designation,taxon_name,lot,method,preserved_on,quantity,unit,form,box,position\n"
            f"A,Bacillus subtilis,{LOT},{VIAL},{box},B1\n"
            f"A,Bacillus subtilis,{LOT},{VIAL},{box},B2\n"
            f"A,Bacillus subtilis,{LOT},{VIAL},{box},B3\n",
            "drawn.csv",
        ),
    )
    assert (outcome.materials, outcome.lots, outcome.items) == (3, 3, 3)  # a material each


def test_a_barcode_repeated_in_a_second_file_at_the_same_row(factory, stock, tmp_path):
    box = stock["box"]
    first = write(
        tmp_path, f"{HEADER}\nCC 40,A,Bacillus subtilis,{LOT},{VIAL},SAME-1,{box},A1\n", "a.csv"
    )
    second = write(
        tmp_path, f"{HEADER}\nCC 41,B,Bacillus subtilis,{LOT},{VIAL},SAME-1,{box},A2\n", "b.csv"
    )
    assert problems(factory, first, second) == [
        (2, "barcode", "SAME-1", "Barcode listed twice (first at row 2).")
    ]


def test_materials_and_lots_moved_out_of_memory_come_back(factory, stock, tmp_path, spilled):
    """Across batches of two rows, each batch's materials and lots kept in the scratch database:
    later rows still join them, find them redeclared differently, and number new lots on."""
    box = stock["box"]
    path = write(
        tmp_path,
        f"{HEADER}\n"
        f"CC 50,A,Bacillus subtilis,{LOT},{VIAL},,{box},A1\n"
        f"CC 51,B,Bacillus subtilis,{LOT},{VIAL},,{box},A2\n"
        f"CC 50,A,Bacillus subtilis,{LOT},{VIAL},,{box},A3\n"  # batch 2: joins CC 50's L1
        f"CC 50,A,Bacillus subtilis,L2,lyophilised,2025-02-01,{VIAL},,{box},A4\n"
        f"CC 51,B,Bacillus subtilis,{LOT},2,ml,cryovial,,{box},A5\n"  # batch 3
        f"TST 1,,,L1,glycerol_minus80,2025-03-03,1,ml,cryovial,,{box},A6\n",
    )
    outcome = run(factory, path, batch=2)
    assert (outcome.materials, outcome.lots, outcome.items) == (2, 4, 6)
    with unit_of_work(factory, write=False) as db:
        lots = db.execute(
            select(Material.accession_number, Lot.number, Lot.method, Lot.initial_quantity)
            .join(Lot, Lot.material_id == Material.id)
            .order_by(Material.accession_number, Lot.number)
        ).all()
        assert [(a, n, m.value, str(q.normalize())) for a, n, m, q in lots] == [
            ("CC 50", 1, "glycerol_minus80", "2"),
            ("CC 50", 2, "lyophilised", "1"),
            ("CC 51", 1, "glycerol_minus80", "3"),
            ("TST 1", 1, "glycerol_minus80", "1"),  # the fixture's strain had no lot
        ]
    assert problems(
        factory,
        write(
            tmp_path,
            f"{HEADER}\n"
            f"CC 60,A,Bacillus subtilis,{LOT},{VIAL},,{box},B1\n"
            f"CC 61,B,Bacillus subtilis,{LOT},{VIAL},,{box},B2\n"
            f"CC 60,Z,Bacillus subtilis,{LOT},{VIAL},,{box},B3\n"
            f"CC 61,B,Bacillus subtilis,L1,lyophilised,2025-01-01,{VIAL},,{box},B4\n"
            f"CC 62,C,Bacillus subtilis,{LOT},{VIAL},,{box},B1\n",
        ),
        batch=2,
    ) == [
        (
            4,
            "accession_number",
            "CC 60",
            "Accession declared again with other values (first at row 2).",
        ),
        (5, "lot", "L1", "Lot declared again with other values (first at row 3)."),
        (6, "position", "B1", "Position given twice in the file (first at row 2)."),
    ]


def test_a_lot_without_items_is_found_after_it_moved_out(factory, stock, tmp_path, spilled):
    lots = write(
        tmp_path,
        "accession_number,designation,taxon_name,lot,method,preserved_on\n"
        "CC 70,A,Bacillus subtilis,L1,glycerol_minus80,2025-01-01\n"
        "CC 71,B,Bacillus subtilis,L1,glycerol_minus80,2025-01-01\n"
        "CC 72,C,Bacillus subtilis,L1,glycerol_minus80,2025-01-01\n",
        "lots.csv",
    )
    items = write(
        tmp_path, f"accession_number,lot,{'quantity,unit,form'}\nCC 71,L1,{VIAL}\n", "i.csv"
    )
    assert problems(factory, lots, items, batch=2) == [
        (2, "lot", "L1", "Lot L1 of CC 70 has no items."),
        (4, "lot", "L1", "Lot L1 of CC 72 has no items."),
    ]


def test_lots_of_one_file_get_their_items_from_another_after_they_moved_out(
    factory, stock, tmp_path, spilled
):
    lots = write(
        tmp_path,
        "accession_number,designation,taxon_name,lot,method,preserved_on,passage_number\n"
        "CC 80,A,Bacillus subtilis,L1,glycerol_minus80,2025-01-01,\n"
        "CC 81,B,Bacillus subtilis,L1,lyophilised,2025-01-02,4\n"
        "CC 82,C,Bacillus subtilis,L1,glycerol_minus80,2025-01-03,\n",
        "lots.csv",
    )
    items = write(
        tmp_path,
        f"accession_number,lot,quantity,unit,form\nCC 82,L1,{VIAL}\nCC 81,L1,{VIAL}\n"
        f"CC 80,L1,{VIAL}\nCC 81,L1,{VIAL}\n",
        "items.csv",
    )
    assert run(factory, lots, items, batch=2).lots == 3
    with unit_of_work(factory, write=False) as db:
        stored = db.execute(
            select(Material.accession_number, Lot.method, Lot.preserved_on, Lot.passage_number)
            .join(Lot, Lot.material_id == Material.id)
            .where(Material.accession_number.like("CC 8%"))
            .order_by(Material.accession_number)
        ).all()
        assert [(a, m.value, str(d), p) for a, m, d, p in stored] == [
            ("CC 80", "glycerol_minus80", "2025-01-01", None),
            ("CC 81", "lyophilised", "2025-01-02", 4),
            ("CC 82", "glycerol_minus80", "2025-01-03", None),
        ]


def test_specimens_name_their_donors_by_code(factory, tmp_path):
    with unit_of_work(factory) as db:
        add_collection(db, {"code": "BB", "name": "Biobank", "kind": "biobank"})
        add_donor(db, "BB", {"code": "D-001", "sex": "female"})
    header = "accession_number,designation,taxon_name,specimen_type,donor"
    path = write(
        tmp_path,
        f"{header}\nBB 1,Serum 1,Homo sapiens,serum,D-001\nBB 2,Serum 2,Homo sapiens,serum,D-404\n",
    )
    with unit_of_work(factory) as db, pytest.raises(ImportRejected) as caught:
        import_tables(db, [path], Options("BB"))
    assert [(p.row, p.column, p.value, p.message) for p in caught.value.report.problems] == [
        (3, "donor", "D-404", "No donor with this code in BB.")
    ]
    run_bb = write(tmp_path, f"{header}\nBB 1,Serum 1,Homo sapiens,serum,D-001\n", "ok.csv")
    with unit_of_work(factory) as db:
        assert import_tables(db, [run_bb], Options("BB")).materials == 1
    with unit_of_work(factory, write=False) as db:
        donor = db.scalar(select(Specimen.donor_id).where(Specimen.accession_number == "BB 1"))
        assert donor == db.scalar(select(Donor.id).where(Donor.code == "D-001"))


def test_blank_accession_numbers_are_drawn_from_the_collections_pattern(factory, stock, tmp_path):
    """Each row without an accession number is a new material of its own, numbered from the
    pattern when written, after the numbers the collection drew before."""
    box = stock["box"]
    with unit_of_work(factory) as db:
        first = add_material(
            db, "TST", {"kind": "strain", "designation": "D0", "taxon_name": "Bacillus"}
        ).accession_number
    assert first == "TST 00001"
    outcome = run(
        factory,
        write(
            tmp_path,
            f"{HEADER}\n"
            f",A,Bacillus subtilis,{LOT},{VIAL},,{box},A1\n"
            f",A,Bacillus subtilis,{LOT},{VIAL},,{box},A2\n"
            f"CC 70,B,Bacillus,{LOT},{VIAL},,{box},A3\n",
        ),
    )
    assert (outcome.materials, outcome.lots, outcome.items) == (3, 3, 3)
    assert [number for _, number in outcome.created.materials] == [
        "TST 00002",
        "TST 00003",
        "CC 70",
    ]
    with unit_of_work(factory, write=False) as db:
        drawn = db.scalars(
            select(Item.row * 10 + Item.col)
            .join(Lot)
            .join(Material)
            .where(Material.accession_number == "TST 00003")
        ).all()
        assert drawn == [12]  # the second row's material holds the second row's item
        assert sorted(outcome.created.lots) == sorted(db.scalars(select(Lot.id)).all())
    with unit_of_work(factory) as db:
        assert collections.next_accession_number(db, collections.get_collection(db, "TST")) == (
            "TST 00004"
        )


def test_a_blank_accession_that_declares_no_material_is_reported(factory, stock, tmp_path):
    found = problems(
        factory,
        write(
            tmp_path,
            "accession_number,existing_lot,lot,method,preserved_on,quantity,unit,form\n"
            f",1,,,,{VIAL}\n"
            f",,{LOT},{VIAL}\n",
        ),
    )
    assert found == [
        (
            2,
            "accession_number",
            None,
            "Give the accession number of the material whose stored lot (existing_lot) the "
            "item joins.",
        ),
        (
            3,
            "accession_number",
            None,
            "An accession number is required, unless the row declares a new material "
            "(designation, taxon_name…): its number is then drawn from the collection's "
            "pattern.",
        ),
    ]
    found = problems(
        factory,
        write(
            tmp_path,
            "designation,taxon_name,lot,method,preserved_on\n"
            "A,Bacillus,L1,lyophilised,2025\n"
            "A,Bacillus,L1,lyophilised,2025-03-01\n",
            "no-column.csv",
        ),
    )
    assert found == [
        (2, "preserved_on", "2025", "Not a valid date: use YYYY-MM-DD (e.g. 2025-03-01)."),
        (3, "lot", "L1", "Lot L1 of the new material of row 3 has no items."),
    ]


def test_a_drawn_accession_number_given_by_hand_before_is_a_clear_conflict(
    factory, stock, tmp_path
):
    with unit_of_work(factory) as db:
        make_strain(db, accession_number="TST 00001")
    before = counts(factory)
    with pytest.raises(Conflict) as caught:
        run(factory, write(tmp_path, "designation,taxon_name\nA,Bacillus\nB,Bacillus\n"))
    assert caught.value.field == "accession_number"
    assert caught.value.detail.startswith(
        "TST 00001, the next accession number of the pattern of TST, is already used;"
    )
    assert counts(factory) == before


def test_an_imported_item_s_history_tells_its_registration_in_both_languages(
    factory, stock, tmp_path
):
    run(factory, good_file(tmp_path, stock["box"]))
    with unit_of_work(factory, write=False) as db:
        vial = db.scalar(select(Item).where(Item.barcode == "PRE001"))
        history = queries.item_history(db, vial)
        assert [e.type for e in history] == [EventType.ACCESSIONED, EventType.REGISTERED]
        registered = history[-1]
    app = create_app({"DATABASE_URL": "sqlite://"})
    said = {}
    for lang in ("en", "zh"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            said[lang] = event_sentence(registered.type, registered.data)
    assert said["en"].startswith("Registered in lot 1 (") and "1.5 ml, placed in " in said["en"]
    assert said["en"].endswith("[A1].") and said["zh"].startswith("登记于批次 1（")
    assert "放入" in said["zh"] and "[A1]" in said["zh"]
