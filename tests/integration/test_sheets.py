"""The MIRRI strain sheet and MIABIS sample rows: each column filled from the stored fields,
internal materials left out."""

from __future__ import annotations

import csv
import io
from functools import partial

import pytest
from sqlalchemy import select

from repository.exchange import miabis, mirri
from repository.exchange.bulk import Options
from repository.exchange.imports import import_files
from repository.exchange.problems import ImportRejected
from repository.models import Collection, Strain
from tests.conftest import make_collection, make_strain
from tests.factories import add_donor, add_material


def rows(export, db, code="TST") -> list[dict]:
    out = io.StringIO()
    count = export(db, code, out)
    found = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == len(found)
    return found


def test_mirri_columns(db, collection):
    make_strain(
        db,
        accession_number="TST 1",
        identifiers=[{"scheme": "DSM", "value": "18039"}],
        organism_type="bacterium",
        type_strain=True,
        form_of_supply=["lyophilised", "agar"],
        abs_status="in_scope",
        abs_permits="IRCC-1",
        latitude=1.5,
        longitude=-2.25,
        origin_country="DEU",
    )
    make_strain(db, accession_number="TST 2", access_level="internal")
    [row] = rows(mirri.export, db)
    assert row["Accession number"] == "TST 1"
    assert row["Other culture collection numbers"] == "DSM 18039"
    assert row["Organism type"] == "Bacteria"
    assert row["Status"] == "type strain of Escherichia coli"
    assert row["Form of supply"] == "lyophilised;agar"
    assert row["Nagoya protocol restrictions and compliance conditions"] == "2"
    assert row["Coordinates of geographic origin"] == "1.5;-2.25"
    assert row["GMO"] == "no" and row["Risk group"] == "1"


def test_miabis_columns(db):
    make_collection(db, "BB")
    add_donor(db, "BB", {"code": "D9", "sex": "female", "year_of_birth": 1970})
    common = {"kind": "specimen", "taxon_name": "Homo sapiens", "specimen_type": "plasma"}
    add_material(
        db,
        "BB",
        common
        | {
            "accession_number": "BB 1",
            "designation": "Plasma 1",
            "donor": "D9",
            "sprec_code": "PL1-SST-A",
            "disease_icd10": "C50.9",
            "storage_temperature": "-80",
            "collected_at": "2025-03-04T08:30:00+00:00",
        },
    )
    add_material(db, "BB", common | {"designation": "hidden", "access_level": "internal"})
    [row] = rows(partial(miabis.export, donors=True), db, "BB")
    assert row["Sample ID"] == "BB 1" and row["Sample collection ID"] == "BB"
    assert (row["Sample donor ID"], row["Sex"], row["Year of birth"]) == ("D9", "Female", "1970")
    assert row["Material type"] == "Plasma" and row["SPREC"] == "PL1-SST-A"
    assert row["Disease (ICD-10)"] == "C50.9" and row["Storage temperature"] == "-80"
    assert row["Sampled time"].startswith("2025-03-04T08:30")
    [bare] = rows(partial(miabis.export, donors=False), db, "BB")
    assert {bare[c] for c in miabis.DONOR_COLUMNS} == {""} and bare["SPREC"] == "PL1-SST-A"


def test_mirri_sheets_read_back_into_strains(db, collection, tmp_path):
    """Export a strain, import the sheet into another collection: the same values for every
    field the sheet carries; a bad code is reported and nothing is imported."""
    make_strain(
        db,
        accession_number="TST 7",
        designation="Marburg",
        identifiers=[{"scheme": "DSM", "value": "10"}, {"scheme": "ATCC", "value": "6051"}],
        organism_type="bacterium",
        type_strain=True,
        form_of_supply=["lyophilised", "agar"],
        abs_status="out_of_scope",
        latitude=50.8,
        longitude=8.77,
        origin_site="Marburg",
        origin_country="DEU",
        growth_temperature_c=30.0,
        growth_medium="DSMZ medium 1",
        isolation_source="hay infusion",
        ipr="none claimed",
    )
    sheet = tmp_path / "mirri.csv"
    with open(sheet, "w", encoding="utf-8", newline="") as out:
        mirri.export(db, "TST", out)
    make_collection(db, "TWO")
    outcome = import_files(db, [sheet], "mirri", Options("TWO"))
    assert outcome.materials == 1 and outcome.report.ok
    twin = db.scalar(select(Strain).join(Collection).where(Collection.code == "TWO"))
    original = db.scalar(select(Strain).where(Strain.accession_number == "TST 7"))
    for name in (
        "accession_number",
        "designation",
        "taxon_name",
        "organism_type",
        "type_strain",
        "form_of_supply",
        "abs_status",
        "latitude",
        "longitude",
        "origin_site",
        "origin_country",
        "growth_temperature_c",
        "growth_medium",
        "isolation_source",
        "ipr",
        "risk_group",
    ):
        assert getattr(twin, name) == getattr(original, name), name
    assert {(i.scheme, i.value) for i in twin.identifiers} == {("DSM", "10"), ("ATCC", "6051")}

    bad = tmp_path / "bad.csv"
    text = sheet.read_text(encoding="utf-8").replace("TST 7", "TST 8").replace(",1,", ",7,", 1)
    bad.write_text(text.replace("Bacteria", "Dinosaur"), encoding="utf-8")
    make_collection(db, "THREE")
    with pytest.raises(ImportRejected) as refused:
        import_files(db, [bad], "mirri", Options("THREE"))
    columns = {p.column for p in refused.value.report.problems}
    assert "Organism type" in columns
    assert db.scalar(select(Strain).where(Strain.accession_number == "TST 8")) is None
