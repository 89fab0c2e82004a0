"""Hostile genotyping files: a line of 300 MB, a formula for a gene, an unknown animal, a row
given twice, bytes that are no text. Each is a problem of the report (never a 500) and
nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from repository.exchange.problems import ImportRejected
from repository.models import Genotype
from repository.services import genotypes
from tests.clients import call, send
from tests.security.test_colonies_input import animals_by_api

MIB = 1 << 20


def test_a_line_of_300_mb_is_a_problem_and_writes_nothing(db, tmp_path):
    path = tmp_path / "long.csv"
    with path.open("wb") as out:
        out.write(b"animal,gene,allele1,allele2,date\nA1,Cre,")
        chunk = b"x" * (16 * MIB)
        for _ in range(300 // 16 + 1):
            out.write(chunk)
        out.write(b",0,2026-01-10\n")
    with pytest.raises(ImportRejected) as rejected:
        genotypes.import_file(db, path)
    (problem,) = rejected.value.report.problems
    assert problem.row == 2 and "longer than 1 MiB" in problem.message
    assert db.scalar(select(func.count()).select_from(Genotype)) == 0


@pytest.fixture
def api(world):
    app, tokens, _ = world
    _, codes = animals_by_api(app, tokens, ["male"])
    return app, tokens["technician"], codes[0]


def hostile(code: str) -> dict[str, tuple[bytes, tuple[int | None, str | None]]]:
    """Files, each with the (row, column) of its problem."""
    head = "animal,gene,allele1,allele2,method,date\n"
    good = f"{code},Cre,tg,0,PCR,2026-01-10\n"
    return {
        "formula": (
            (head + good + f'{code},"=HYPERLINK(""http://x"")",tg,0,PCR,2026-01-10\n').encode(),
            (3, "gene"),
        ),
        "formula allele": (
            (head + good + f"{code},Tg,@SUM(A1),0,PCR,2026-01-10\n").encode(),
            (3, "allele1"),
        ),
        "unknown animal": (
            (head + good + "NO-SUCH-MOUSE,Cre,tg,0,PCR,2026-01-10\n").encode(),
            (3, "animal"),
        ),
        "duplicate": ((head + good + good).encode(), (3, "gene")),
        "not utf-8": (head.encode() + b"\x81\xff\x81\xff,Cre,tg,0,PCR,2026-01-10\n", (None, None)),
        "long line": ((head + good).encode() + b"x" * (2 * MIB) + b"\n", (3, None)),
        "control code": (
            (head + good + f"{code}\x07,Cre,tg,0,PCR,2026-01-10\n").encode(),
            (3, "animal"),
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "formula",
        "formula allele",
        "unknown animal",
        "duplicate",
        "not utf-8",
        "long line",
        "control code",
    ],
)
def test_hostile_files_are_problems_never_a_500(api, case):
    app, token, code = api
    content, where = hostile(code)[case]
    dry = send(
        app,
        "POST",
        "/api/v1/genotypes/imports",
        token,
        {"file": (content, "h.csv"), "dry_run": "true"},
    )
    assert dry.status_code == 200, dry.json
    assert dry.json["count"] >= 1
    first = dry.json["problems"][0]
    if where[0] is not None:
        assert (first["row"], first["column"]) == where, first
    done = send(app, "POST", "/api/v1/genotypes/imports", token, {"file": (content, "h.csv")})
    assert done.status_code == 422, done.json
    listed = call(app, "GET", f"/api/v1/animals/{code}/genotypes", token)
    assert listed.status_code == 200 and listed.json == []


def test_a_workbook_or_a_zip_under_a_name_without_an_extension_is_never_a_500(db, tmp_path):
    """The upload's name is the sender's: a workbook is read by its bytes, and a zip that is
    no workbook is a problem of the file."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["animal", "gene", "allele1", "allele2", "date"])
    book.active.append(["NOSUCH01", "Cre", "+", "-", "2026-01-10"])
    book.save(tmp_path / "sheet")
    count, report = genotypes.import_file(db, tmp_path / "sheet", dry_run=True)
    assert count == 1 and not report.ok  # read: its one row names an unknown animal
    import zipfile

    with zipfile.ZipFile(tmp_path / "file", "w") as archive:
        archive.writestr("a.txt", "not a workbook")
    _, report = genotypes.import_file(db, tmp_path / "file", dry_run=True)
    assert not report.ok
