"""The scan lookup, lineage, history, grids and search."""

from decimal import Decimal

import pytest

from repository.errors import NotFound, ValidationFailed
from repository.schemas.inventory import NewItems, QcSchema
from repository.services import inventory, queries, storage
from tests.conftest import make_box, make_lot, make_strain
from tests.factories import add_material, items_of


def test_scan_gives_everything_at_once(db, collection):
    strain = make_strain(db, designation_zh="大肠杆菌 K-12", risk_group=1)
    box = make_box(db)
    vial = items_of(db, make_lot(db, strain, items=1))[0]
    storage.place_items(db, [vial], box, [(3, 4)])
    found = queries.scan(db, " " + vial.barcode.lower() + "\n")
    assert found.item["barcode"] == vial.barcode
    assert found.material["accession_number"] == strain.accession_number
    assert found.material["designation_zh"] == "大肠杆菌 K-12"
    assert [p["name"] for p in found.location] == ["Site", "Room", "Freezer", "Rack", "Box"]
    assert found.position == "C4" and found.temperature_c == -80
    assert [h["type"] for h in found.history] == ["placed", "preserved"]
    with pytest.raises(NotFound):
        queries.scan(db, "NOPE1234")


def test_lineage_both_ways(db, collection):
    root = items_of(db, make_lot(db, make_strain(db), items=1, quantity="1"))[0]
    child = inventory.split(db, root.barcode, NewItems(count=1, quantity=Decimal("0.5")))[0]
    grandchildren = inventory.split(db, child.barcode, NewItems(count=2, quantity=Decimal("0.1")))
    found = queries.lineage(db, grandchildren[0])
    assert [i.id for i in found["ancestors"]] == [child.id, root.id]
    found = queries.lineage(db, root)
    assert [i.id for i in found["descendants"]] == [child.id, *[g.id for g in grandchildren]]


def test_history_includes_lot_and_material_events(db, collection):
    lot = make_lot(db, make_strain(db), items=1)
    vial = items_of(db, lot)[0]
    inventory.record_qc(
        db,
        lot.id,
        QcSchema().load({"test": "sterility", "outcome": "pass", "tested_on": "2025-01-09"}),
    )
    types = [e.type.value for e in queries.item_history(db, vial)]
    assert types == ["accessioned", "preserved", "qc"]


def test_box_grid(db, collection):
    box = make_box(db, rows=2, cols=3)
    vials = items_of(db, make_lot(db, make_strain(db), items=2))
    storage.place_items(db, vials, box, [(1, 1), (2, 3)])
    grid = queries.box_grid(db, box)
    assert grid[0][0]["barcode"] == vials[0].barcode and grid[1][2]["position"] == "B3"
    assert grid[0][1] is None
    with pytest.raises(ValidationFailed):
        queries.box_grid(db, box.parent)


def test_search(db, collection):
    make_strain(db, identifiers=[{"scheme": "ATCC", "value": "700926"}])
    stocked = make_strain(
        db, designation="168", taxon_name="Bacillus subtilis", taxon_name_zh="枯草芽孢杆菌"
    )
    make_lot(db, stocked)
    add_material(db, "TST", {"kind": "seed", "designation": "IR64", "taxon_name": "Oryza sativa"})

    def designations(**kwargs):
        return sorted(m.designation for m in queries.search_materials(db, **kwargs)[0])

    assert designations(q="700926") == ["K-12 MG1655"]
    assert designations(q="subtilis") == ["168"]
    assert designations(q="枯草") == ["168"]
    assert designations(kind="seed") == ["IR64"]
    assert designations(available=True) == ["168"]
    assert designations(q="tst", collection="TST") == ["168", "IR64", "K-12 MG1655"]
    assert queries.search_materials(db, limit=1)[1] == 3
    with pytest.raises(ValidationFailed):
        queries.search_materials(db, kind="virus")


def test_search_sorts(db, collection):
    for name in ("b", "c", "a"):
        make_strain(db, designation=name)

    def order(sort):
        return [m.designation for m in queries.search_materials(db, sort=sort)[0]]

    assert order("designation") == ["a", "b", "c"]
    assert order("-designation") == ["c", "b", "a"]
    assert order("accession_number") == ["b", "c", "a"]
    with pytest.raises(ValidationFailed):
        order("colour")
