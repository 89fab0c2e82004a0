"""`biorepo import` and `biorepo export`: dry runs, imports, refusals, and a process killed half
way that leaves nothing behind."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from repository.db import make_engine, session_factory, unit_of_work
from repository.models import Item, Material
from tests.conftest import make_box, make_collection, make_strain
from tests.databases import migrated
from tests.factories import add_collection

HEADER = "accession_number,designation,taxon_name,lot,method,preserved_on,quantity,unit,form"


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = migrated(f"sqlite:///{tmp_path / 'cli.db'}")
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        make_collection(db)
        make_box(db)
    monkeypatch.setenv("DATABASE_URL", url)
    yield engine
    engine.dispose()


def count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def rows(n: int, start: int = 0) -> str:
    return "".join(
        f"CC {i},S{i},Bacillus subtilis,L1,glycerol_minus80,2025-01-01,1,ml,cryovial\n"
        for i in range(start, start + n)
    )


def test_dry_run_then_import(database, tmp_path, runner):
    path = tmp_path / "good.csv"
    path.write_text(HEADER + "\n" + rows(3))
    result = runner.invoke(["import", "csv", str(path), "--collection", "TST", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run, nothing written. 3 rows: 3 materials, 3 lots, 3 items" in result.output
    assert count(database, Material) == 0
    result = runner.invoke(["import", "csv", str(path), "--collection", "TST"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 rows" in result.output
    assert (count(database, Material), count(database, Item)) == (3, 3)


def test_a_bad_file_prints_its_problems_and_imports_nothing(database, tmp_path, runner):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\n" + rows(2) + "CC 9,X,Bacillus,L1,frozen,2025-13-01,1,ml,vial\n")
    result = runner.invoke(["import", "csv", str(path), "--collection", "TST"])
    assert result.exit_code == 1
    assert "bad.csv, row 4, column method ('frozen'): Must be one of" in result.output
    assert (
        "row 4, column preserved_on ('2025-13-01'): Not a valid date: use YYYY-MM-DD "
        "(e.g. 2025-03-01)." in result.output
    )
    assert "3 problems found; nothing was imported." in result.output
    assert count(database, Material) == 0


def test_every_problem_goes_to_the_problems_file(database, tmp_path, runner):
    path = tmp_path / "bad.csv"
    bad = "".join(
        f"CC {i},S{i},Bacillus subtilis,L1,frozen,2025-01-01,1,ml,cryovial\n" for i in range(8)
    )
    path.write_text(HEADER + "\n" + rows(2, 100) + bad)
    out = tmp_path / "problems.csv"
    result = runner.invoke(
        ["import", "csv", str(path), "--collection", "TST", "--problems", str(out)]
    )
    assert result.exit_code == 1
    assert f"Every problem is in {out}." in result.output
    with out.open(newline="", encoding="utf-8") as written:
        listed = list(csv.reader(written))
    assert listed[0] == ["file", "row", "column", "value", "message"]
    assert [(f, r, c, v) for f, r, c, v, _ in listed[1:]] == [
        ("bad.csv", str(row), "method", "frozen") for row in range(4, 12)
    ]
    assert all(m.startswith("Must be one of") for *_, m in listed[1:])
    assert count(database, Material) == 0


def test_an_import_killed_half_way_leaves_nothing(database, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "\n" + rows(100_000))
    command = [sys.executable, "-c", "from api.cli import main; main()"]
    process = subprocess.Popen(
        [*command, "import", "csv", str(path), "--collection", "TST"],
        env=os.environ.copy(),
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)
    assert process.poll() is None, "the import ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (count(database, Material), count(database, Item)) == (0, 0)
    with unit_of_work(session_factory(database)) as db:  # the database is still writable
        make_collection(db, "TWO")


def test_mcpd_import_and_export(database, tmp_path, runner):
    with unit_of_work(session_factory(database)) as db:
        add_collection(db, {"code": "PHL001", "name": "Bank", "kind": "seed_bank"})
    path = tmp_path / "passport.csv"
    path.write_text("INSTCODE,ACCENUMB,GENUS,SPECIES,SAMPSTAT\nPHL001,IRGC 1,Oryza,sativa,300\n")
    result = runner.invoke(["import", "mcpd", str(path), "--collection", "PHL001"])
    assert result.exit_code == 0, result.output
    assert "Imported 1 row: 1 material, 0 lots, 0 items." in result.output
    assert "Reading" not in result.output
    out = tmp_path / "out.csv"
    result = runner.invoke(["export", "mcpd", str(out), "--collection", "PHL001"])
    assert result.exit_code == 0, result.output
    header, row = out.read_text().splitlines()
    assert dict(zip(header.split(","), row.split(","), strict=True))["SAMPSTAT"] == "300"
    path.write_text("ACCENUMB,GENUS,SAMPSTAT\nIRGC 2,Oryza,301\n")
    result = runner.invoke(["import", "mcpd", str(path), "--collection", "PHL001"])
    assert result.exit_code == 1
    assert "row 2, column SAMPSTAT ('301'): Must be one of" in result.output


def test_dwca_mirri_and_miabis_exports(database, tmp_path, runner):
    with unit_of_work(session_factory(database)) as db:
        make_collection(db, "DWC")
        make_strain(db, "DWC")
    out = tmp_path / "dwc.zip"
    result = runner.invoke(["export", "dwca", str(out), "--collection", "DWC"])
    assert result.exit_code == 0, result.output
    assert "Exported 1 occurrence." in result.output
    with zipfile.ZipFile(out) as archive:
        assert archive.read("occurrence.txt").decode().count("\n") == 2
    result = runner.invoke(["export", "dwca", str(out), "--collection", "NOPE"])
    assert result.exit_code == 1 and "No collection with code 'NOPE'" in result.output
    sheet = tmp_path / "mirri.csv"
    result = runner.invoke(["export", "mirri", str(sheet), "--collection", "DWC"])
    assert result.exit_code == 0 and "Exported 1 strain." in result.output
    assert sheet.read_text().splitlines()[1].startswith("DWC 00001,")
    result = runner.invoke(["export", "miabis", str(sheet), "--collection", "DWC"])
    assert result.exit_code == 0 and "Exported 0 specimens." in result.output


def test_dwca_import(database, tmp_path, runner):
    with unit_of_work(session_factory(database)) as db:
        make_collection(db, "DWC")
        make_collection(db, "DW2")
        make_strain(db, "DWC")
    out = tmp_path / "dwc.zip"
    assert runner.invoke(["export", "dwca", str(out), "--collection", "DWC"]).exit_code == 0
    dry = ["import", "dwca", str(out), "--collection", "DW2", "--dry-run"]
    result = runner.invoke(dry)
    assert result.exit_code == 0 and "1 material, 0 lots" in result.output, result.output
    assert "0 problems." in result.output and "Reading" not in result.output
    assert count(database, Material) == 1
    result = runner.invoke(dry[:-1])
    assert result.exit_code == 0 and "Imported 1 row: 1 material," in result.output
    assert count(database, Material) == 2
    result = runner.invoke(dry[:-1])
    assert result.exit_code == 1 and "Accession already in DW2" in result.output


def test_fasta_import_and_export(database, tmp_path, runner):
    with unit_of_work(session_factory(database)) as db:
        make_collection(db, "SEQ")
        make_strain(db, "SEQ", accession_number="SEQ 1")
    path = tmp_path / "in.fasta"
    path.write_text(">SEQ_1 16S rRNA\nACGT\n>SEQ_2\nACGT\n")
    result = runner.invoke(["import", "fasta", str(path), "--collection", "SEQ"])
    assert result.exit_code == 1
    assert "in.fasta, row 2, column id ('SEQ_2'): No material of SEQ" in result.output
    path.write_text(">SEQ_1 16S rRNA\nACGT\n")
    result = runner.invoke(["import", "fasta", str(path), "--collection", "SEQ"])
    assert result.exit_code == 0 and "Imported 1 sequence." in result.output
    out = tmp_path / "out.fasta"
    result = runner.invoke(["export", "fasta", str(out), "--collection", "SEQ"])
    assert result.exit_code == 0 and "Exported 1 sequence." in result.output
    assert out.read_text().startswith(">SEQ_1 [strain=SEQ 1] [organism=Escherichia coli]")


def test_cellosaurus_import(database, tmp_path, runner):
    path = tmp_path / "cellosaurus.txt"
    entry = "ID   X\nAC   CVCL_T001\nOX   NCBI_TaxID=9606; ! Homo sapiens\n//\n"
    path.write_text(entry)
    result = runner.invoke(["import", "cellosaurus", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 1 Cellosaurus entry." in result.output
    path.write_text(entry.replace("CVCL_T001", "T001"))
    result = runner.invoke(["import", "cellosaurus", str(path), "--dry-run"])
    assert result.exit_code == 1 and "row 2, column AC ('T001')" in result.output
