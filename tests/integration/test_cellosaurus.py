"""Cellosaurus reference entries: the public excerpt imported, cell lines linked by accession,
and malformed entries reported with nothing imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.exchange import cellosaurus
from repository.exchange.problems import ImportRejected
from repository.models import CellosaurusEntry
from tests.factories import add_collection, add_material

EXCERPT = Path("/work/shared/reference/cellosaurus_head_1000.txt")
if not EXCERPT.exists():  # the excerpt ships beside the repository in CI
    EXCERPT = Path(__file__).parents[2] / "reference" / EXCERPT.name
ENTRY = """ID   Test line
AC   CVCL_T001
SY   TL; T-L
OX   NCBI_TaxID=9606; ! Homo sapiens
CA   Cancer cell line
SX   Female
CC   Problematic cell line: Contaminated. Shown to be a HeLa derivative.
ST   Source(s): ATCC; CLS
ST   Amelogenin: X
ST   D5S818: 11,12 (ATCC); 12 (CLS)
//
"""


def count(factory) -> int:
    with unit_of_work(factory, write=False) as db:
        return db.scalar(select(func.count()).select_from(CellosaurusEntry))


@pytest.mark.skipif(not EXCERPT.exists(), reason="the Cellosaurus excerpt is not at hand")
def test_the_public_excerpt_is_imported(factory):
    with unit_of_work(factory) as db:
        imported, report = cellosaurus.import_file(db, EXCERPT)
    assert (imported, report.count) == (1000, 0)
    with unit_of_work(factory, write=False) as db:
        profiles = db.scalars(select(CellosaurusEntry.str_markers)).all()
        assert sum(1 for p in profiles if p) == 88  # entries with ST lines (awk counts 88 too)
        first = db.scalar(select(CellosaurusEntry).where(CellosaurusEntry.accession == "CVCL_E548"))
        assert first.name == "#15310-LN" and "TER461" in first.synonyms
        assert first.species == ["Homo sapiens"] and first.taxon_ids == [9606]


def test_a_cell_line_shows_its_reference_and_a_reimport_replaces(factory, tmp_path):
    path = tmp_path / "cellosaurus.txt"
    path.write_text("header\n____\n" + ENTRY)
    with unit_of_work(factory) as db:
        cellosaurus.import_file(db, path)
        cellosaurus.import_file(db, path)
        add_collection(db, {"code": "CB", "name": "Cells", "kind": "cell_bank"})
        line = add_material(
            db,
            "CB",
            {
                "kind": "cell_line",
                "designation": "Test line",
                "taxon_name": "Homo sapiens",
                "cellosaurus_id": "CVCL_T001",
            },
        )
        reference = line.reference
        assert reference.name == "Test line" and reference.synonyms == ["TL", "T-L"]
        assert reference.cautions == ["Contaminated. Shown to be a HeLa derivative."]
        assert reference.str_markers == {
            "Amelogenin": [{"alleles": ["X"], "sources": []}],
            "D5S818": [
                {"alleles": ["11", "12"], "sources": ["ATCC"]},
                {"alleles": ["12"], "sources": ["CLS"]},
            ],
        }
        assert reference.str_sources == ["ATCC", "CLS"]
        assert (reference.category, reference.sex) == ("Cancer cell line", "Female")
    assert count(factory) == 1


@pytest.mark.parametrize(
    ("bad", "line", "code", "message"),
    [
        ("AC   CVCL_T001", "AC   T001", "AC", "CVCL_"),
        ("OX   NCBI_TaxID=9606; ! Homo sapiens", "OX   Homo sapiens", "OX", "NCBI_TaxID"),
        ("ST   Amelogenin: X", "ST   Amelogenin: male", "ST", "not an Amelogenin allele"),
        ("ST   Amelogenin: X", "ST   D5S818: 11,1a", "ST", "not an allele of D5S818"),
        ("ST   Amelogenin: X", "ST   Amelogenin: X (ATCC", "ST", "sources in parentheses"),
        ("ST   Amelogenin: X", "ST   D5S818: 11", "ST", "given again without the sources"),
        ("ST   Amelogenin: X", "ST   Amelogenin X", "ST", "Marker: alleles"),
        ("AC   CVCL_T001\n", "", "AC", "has no accession"),
    ],
)
def test_a_malformed_entry_is_reported_and_nothing_imported(
    factory, tmp_path, bad, line, code, message
):
    path = tmp_path / "bad.txt"
    good = ENTRY.replace("CVCL_T001", "CVCL_T002").replace("Test line", "Other")
    path.write_text(good + ENTRY.replace(bad, line))
    with pytest.raises(ImportRejected) as caught, unit_of_work(factory) as db:
        cellosaurus.import_file(db, path)
    (problem,) = caught.value.report.problems
    assert problem.column == code and message in problem.message
    assert problem.row > 11  # in the second entry
    assert count(factory) == 0


def test_the_same_accession_twice_and_an_unfinished_entry(factory, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(ENTRY + ENTRY + ENTRY.removesuffix("//\n"))
    with unit_of_work(factory) as db:
        _, report = cellosaurus.import_file(db, path, dry_run=True)
    assert [(p.row, p.column) for p in report.problems] == [(12, "AC"), (32, None)]
    assert "no //" in report.problems[1].message
    assert count(factory) == 0
