"""The MIRRI strain sheet and MIABIS sample rows: each column filled from the stored fields,
internal materials left out."""

from __future__ import annotations

import csv
import io

from repository.exchange import miabis, mirri
from repository.services import materials
from tests.conftest import make_collection, make_strain


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
    materials.register_donor(db, "BB", {"code": "D9", "sex": "female", "year_of_birth": 1970})
    common = {"kind": "specimen", "taxon_name": "Homo sapiens", "specimen_type": "plasma"}
    materials.register_material(
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
    materials.register_material(
        db, "BB", common | {"designation": "hidden", "access_level": "internal"}
    )
    [row] = rows(miabis.export, db, "BB")
    assert row["Sample ID"] == "BB 1" and row["Sample collection ID"] == "BB"
    assert (row["Sample donor ID"], row["Sex"], row["Year of birth"]) == ("D9", "Female", "1970")
    assert row["Material type"] == "Plasma" and row["SPREC"] == "PL1-SST-A"
    assert row["Disease (ICD-10)"] == "C50.9" and row["Storage temperature"] == "-80"
    assert row["Sampled time"].startswith("2025-03-04T08:30")
