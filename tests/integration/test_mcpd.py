"""MCPD v2.1: a passport file of every field imported through the bulk importer, exported back
unchanged, and each kind of bad MCPD value reported with nothing imported."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.exchange import mcpd
from repository.exchange.bulk import Options, import_tables
from repository.exchange.problems import ImportRejected
from repository.models import Material, Seed
from tests.factories import add_collection

HEADER = [d.code for d in mcpd.DESCRIPTORS]
FULL = {
    "PUID": "https://doi.org/10.18730/ABC1",
    "INSTCODE": "PHL001",
    "ACCENUMB": "IRGC 1001",
    "COLLNUMB": "FM9909",
    "COLLCODE": "PHL001;NGA039",
    "COLLNAME": "Collecting team of the north",
    "COLLINSTADDRESS": "Los Banos, Laguna",
    "COLLMISSID": "CIAT TRIPSACUM MISSION 1984",
    "GENUS": "Oryza",
    "SPECIES": "sativa",
    "SPAUTHOR": "L.",
    "SUBTAXA": "subsp. japonica",
    "SUBTAUTHOR": "Kato",
    "CROPNAME": "rice",
    "ACCENAME": "Azucena;Bigante",
    "ACQDATE": "1999----",
    "ORIGCTY": "PHL",
    "COLLSITE": "7 km south of Banaue",
    "DECLATITUDE": "16.911944",
    "LATITUDE": "165443N",
    "DECLONGITUDE": "-121.0625",
    "LONGITUDE": "1210345W",
    "COORDUNCERT": "100",
    "COORDDATUM": "WGS84",
    "GEOREFMETH": "GPS",
    "ELEVATION": "1250",
    "COLLDATE": "198703--",
    "BREDCODE": "PHL001;PHL002",
    "BREDNAME": "IRRI breeding programme",
    "SAMPSTAT": "300",
    "ANCEST": "Pedigree unknown",
    "COLLSRC": "26",
    "DONORCODE": "NGA039",
    "DONORNAME": "Nigerian genebank",
    "DONORNUMB": "NG-0001",
    "OTHERNUMB": "NGA039:NG 12;:field 7",
    "DUPLSITE": "NOR051;USA022",
    "DUPLINSTNAME": "Svalbard Global Seed Vault;NCGRP",
    "STORAGE": "11;13",
    "MLSSTAT": "1",
    "REMARKS": "COLLSITE:road km 7",
}
MINIMAL = {"INSTCODE": "PHL001", "ACCENUMB": "IRGC 1002", "GENUS": "Oryza", "LATITUDE": "10----S"}


@pytest.fixture
def bank(factory):
    with unit_of_work(factory) as db:
        for code in ("PHL001", "PHL002"):
            add_collection(db, {"code": code, "name": f"Genebank {code}", "kind": "seed_bank"})


def mcpd_file(tmp_path, *records: dict, header=HEADER, name="passport.csv"):
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for record in records:
            writer.writerow([record.get(code, "") for code in header])
    return path


def run(factory, path, code="PHL001", dry_run=False):
    with unit_of_work(factory) as db:
        return import_tables(
            db, [path], Options(code, dry_run=dry_run), translate=mcpd.Translator(code)
        )


def exported(factory, code="PHL001") -> list[dict]:
    out = io.StringIO()
    with unit_of_work(factory, write=False) as db:
        mcpd.export(db, code, out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def problems(factory, path) -> list[tuple]:
    with pytest.raises(ImportRejected) as caught:
        run(factory, path)
    return [(p.row, p.column, p.value, p.message) for p in caught.value.report.problems]


def stored(factory, code) -> list[dict]:
    with unit_of_work(factory, write=False) as db:
        seeds = db.scalars(
            select(Seed).join(Seed.collection).where(Material.collection.has(code=code))
        ).all()
        skip = {"id", "collection_id", "created_at", "updated_at"}
        return sorted(
            (
                {
                    a.key: getattr(s, a.key)
                    for a in Seed.__mapper__.column_attrs
                    if a.key not in skip
                }
                | {"identifiers": [(i.scheme, i.value) for i in s.identifiers]}
                for s in seeds
            ),
            key=lambda r: r["accession_number"],
        )


def test_every_field_comes_back_as_it_was_imported(factory, bank, tmp_path):
    outcome = run(factory, mcpd_file(tmp_path, FULL, MINIMAL))
    assert (outcome.rows, outcome.materials, outcome.report.count) == (2, 2, 0)
    full, minimal = exported(factory)
    assert full == FULL
    assert {k: v for k, v in minimal.items() if v} == {**MINIMAL, "DECLATITUDE": "-10.0"}

    seed = stored(factory, "PHL001")[0]
    assert seed["taxon_name"] == "Oryza sativa subsp. japonica"
    assert seed["designation"] == "Azucena;Bigante"
    assert seed["collection_date"] == "1987-03"
    assert (seed["latitude"], seed["longitude"]) == (16.911944, -121.0625)
    assert seed["storage_types"] == [11, 13] and seed["sample_status"] == 300
    assert seed["mls_status"] == 1
    assert seed["identifiers"] == [("NGA039", "NG 12"), ("OTHERNUMB", "field 7")]

    # the export, imported into another genebank, stores the very same values
    again = [{**row, "INSTCODE": "PHL002"} for row in exported(factory)]
    run(factory, mcpd_file(tmp_path, *again, name="again.csv"), code="PHL002")
    assert stored(factory, "PHL002") == stored(factory, "PHL001")


@pytest.mark.parametrize(
    "codes",
    [
        {"MLSSTAT": "99", "SAMPSTAT": "999", "COLLSRC": "99", "STORAGE": "99"},
        {"MLSSTAT": "0", "SAMPSTAT": "100", "COLLSRC": "10", "STORAGE": "10;20;30;40;50"},
    ],
)
def test_every_code_comes_back_as_it_was_imported(factory, bank, tmp_path, codes):
    """The coded descriptors at the ends of their lists, 99 (other) included: exported as they
    were imported, and imported again to the same stored values."""
    record = {**FULL, **codes}
    run(factory, mcpd_file(tmp_path, record))
    (row,) = exported(factory)
    assert row == record
    run(factory, mcpd_file(tmp_path, {**row, "INSTCODE": "PHL002"}, name="again.csv"), "PHL002")
    assert stored(factory, "PHL002") == stored(factory, "PHL001")


def test_missing_month_and_day_may_be_written_00(factory, bank, tmp_path):
    run(factory, mcpd_file(tmp_path, {**MINIMAL, "COLLDATE": "19870300", "ACQDATE": "19990000"}))
    (row,) = exported(factory)
    assert (row["COLLDATE"], row["ACQDATE"]) == ("198703--", "19990000")


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("SAMPSTAT", "350", "Must be one of"),
        ("COLLSRC", "17", "Must be one of"),
        ("STORAGE", "11;14", "Must be one of"),
        ("MLSSTAT", "2", "Must be one of: 0, 1, 99."),
        ("COLLDATE", "19870230", "No such date"),
        ("COLLDATE", "19871301", "No such date"),
        ("COLLDATE", "----0301", "Write YYYYMMDD"),
        ("ACQDATE", "19991315", "There is no month 13"),
        ("ACQDATE", "1999--15", "A day is given without its month"),
        ("LATITUDE", "950000N", "at most 90"),
        ("LATITUDE", "107500N", "not a number of minutes"),
        ("LONGITUDE", "0100000X", "Write the longitude as DDDMMSSH"),
        ("DECLATITUDE", "91.5", "less than or equal to 90"),
        ("DECLONGITUDE", "east", "Not a valid number"),
        ("ORIGCTY", "Philippines", "ISO 3166-1 alpha-3"),
        ("DUPLSITE", "NOR051;Svalbard", "FAO WIEWS institute code"),
        ("OTHERNUMB", "NGA039", "INSTCODE:number"),
        ("INSTCODE", "NGA039", "The import is into PHL001"),
    ],
)
def test_a_bad_value_is_reported_and_nothing_imported(
    factory, bank, tmp_path, code, value, message
):
    path = mcpd_file(tmp_path, MINIMAL, {**FULL, code: value})
    found = problems(factory, path)
    assert [(row, column) for row, column, _, _ in found] == [(3, code)], found
    assert message in found[0][3]
    with unit_of_work(factory, write=False) as db:
        assert db.scalar(select(func.count()).select_from(Seed)) == 0


def test_coordinates_in_both_forms_must_agree(factory, bank, tmp_path):
    found = problems(factory, mcpd_file(tmp_path, {**FULL, "DECLATITUDE": "17.5"}))
    assert [(r, c) for r, c, _, _ in found] == [(2, "LATITUDE")]
    assert "Disagrees with DECLATITUDE 17.5" in found[0][3]


def test_the_header_needs_accession_and_genus_and_knows_only_mcpd(factory, bank, tmp_path):
    path = mcpd_file(tmp_path, {"ACCENUMB": "X1"}, header=["ACCENUMB", "SPECIES", "COLOUR"])
    assert problems(factory, path) == [
        (1, "COLOUR", None, "Unknown column; rename it, map it to a field, or drop it."),
        (1, "GENUS", None, "Missing required MCPD column GENUS."),
    ]


def test_a_dry_run_reports_every_problem_and_writes_nothing(factory, bank, tmp_path):
    path = mcpd_file(tmp_path, {**MINIMAL, "SAMPSTAT": "1"}, {**FULL, "COLLDATE": "1987"})
    outcome = run(factory, path, dry_run=True)
    assert [(p.row, p.column) for p in outcome.report.problems] == [
        (2, "SAMPSTAT"),
        (3, "COLLDATE"),
    ]
    assert exported(factory) == []
