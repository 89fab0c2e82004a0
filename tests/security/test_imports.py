"""Import edge cases: a UTF-8 file read as GB18030 because the uploader said so is refused (not
imported as mojibake); the uploads a killed import left behind are swept by the queue's periodic
sweep (and a page's at start), never those of a job still to run or younger than their
lifetime."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from api import background, create_app
from repository.db import unit_of_work
from repository.exchange import spool
from repository.models import ImportJob, Material
from repository.services import import_jobs
from repository.vocabulary import ImportJobStatus
from tests.clients import CliRunner
from tests.factories import add_material

HEADER = "accession_number,designation,taxon_name\n"
CHINESE = HEADER + "GB 1,枯草芽孢杆菌 甲,Bacillus subtilis\n"
HOURS_AGO = 2 * 3600


@pytest.fixture
def cli(world, monkeypatch):
    app, _, _ = world
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SECRET_KEY", "k" * 16 + "Q7v" * 8)
    return app


def designations(app, like: str) -> list[str]:
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        return list(
            db.scalars(select(Material.designation).where(Material.accession_number.like(like)))
        )


def test_a_utf8_file_named_gb18030_is_refused(cli, tmp_path, runner: CliRunner):
    path = tmp_path / "utf8.csv"
    path.write_bytes(CHINESE.encode("utf-8"))
    result = runner.invoke(
        ["import", "csv", str(path), "--collection", "API", "--encoding", "gb18030"]
    )
    assert result.exit_code == 1, result.output
    assert "The file looks like UTF-8" in result.output and "not gb18030" in result.output
    assert designations(cli, "GB %") == []


def test_a_gb18030_file_and_an_ascii_one_named_gb18030_are_read(cli, tmp_path, runner: CliRunner):
    path = tmp_path / "gb.csv"
    path.write_bytes(CHINESE.encode("gb18030"))
    ascii_path = tmp_path / "ascii.csv"
    ascii_path.write_text(HEADER + "GB 2,plain,Bacillus subtilis\n", encoding="ascii")
    for file in (path, ascii_path):
        result = runner.invoke(
            ["import", "csv", str(file), "--collection", "API", "--encoding", "gb18030"]
        )
        assert result.exit_code == 0, result.output
    assert sorted(designations(cli, "GB %")) == ["plain", "枯草芽孢杆菌 甲"]


def test_an_unknown_encoding_is_a_problem_not_a_crash(cli, tmp_path, runner: CliRunner):
    path = tmp_path / "any.csv"
    path.write_bytes(CHINESE.encode("utf-8"))
    result = runner.invoke(
        ["import", "csv", str(path), "--collection", "API", "--encoding", "klingon"]
    )
    assert result.exit_code == 1
    assert "The encoding 'klingon' is unknown" in result.output


def aged(folder: Path, seconds: float = HOURS_AGO) -> Path:
    then = time.time() - seconds
    os.utime(folder, (then, then))
    return folder


def test_uploads_no_job_waits_for_are_swept_and_those_of_jobs_to_run_kept(world):
    app, _, _ = world
    root = background.spool_of(app)
    pages_root = Path(app.instance_path) / "imports"
    with unit_of_work(app.extensions["biorepo"]) as db:
        queued, done = (
            import_jobs.create_job(
                db, collection_id=None, fmt="csv", files=["x.csv"], dry_run=False, created_by=None
            )
            for _ in range(2)
        )
        done.status = ImportJobStatus.FAILED
    waiting = aged(spool.new_folder(root, queued.id))  # its job is still to run: kept
    finished = spool.new_folder(root, done.id)  # its job has ended (a worker killed after)
    unknown = aged(spool.new_folder(root, 2**30))  # a request that died before its commit
    young = spool.new_folder(root, 2**30 + 1)  # perhaps one committing now
    unnamed = root / "tmp_unnamed_h2"  # an older version's
    page_upload = pages_root / ("h2" + "x" * 30)  # a page's dry run whose commit was killed
    for folder in (unnamed, page_upload):
        (folder / "01").mkdir(parents=True, exist_ok=True)
        aged(folder)
    try:
        background.of(app).sweep()
        assert not finished.exists() and not unknown.exists() and not unnamed.exists()
        assert not page_upload.exists()
        assert waiting.exists() and young.exists()
        config = {key: app.config[key] for key in ("DATABASE_URL", "TESTING", "SECRET_KEY")}
        (page_upload / "01").mkdir(parents=True)
        aged(page_upload)
        create_app(config)  # a server starting sweeps the pages' uploads too
        assert not page_upload.exists()
    finally:
        for folder in (waiting, finished, unknown, young, unnamed, page_upload):
            shutil.rmtree(folder, ignore_errors=True)
        with unit_of_work(app.extensions["biorepo"]) as db:
            db.get(ImportJob, queued.id).status = ImportJobStatus.FAILED


def test_blank_accessions_drawn_in_the_write_pass_never_collide_with_a_registration(
    world, tmp_path
):
    """10,000 rows without accession numbers; a material registered (its number drawn from the
    same pattern) after the import was checked and before it is written: every number is
    drawn once, the import's after the registration's."""
    from repository.exchange import bulk
    from repository.exchange.imports import check_files, in_two_passes

    app, _, _ = world
    factory = app.extensions["biorepo"]
    path = tmp_path / "blank.csv"
    path.write_text(HEADER + "".join(f",Blank {n},Bacillus subtilis\n" for n in range(10_000)))
    registered: list[str] = []

    def register_then(write):
        with unit_of_work(factory) as db:
            strain = {"kind": "strain", "designation": "Between", "taxon_name": "Bacillus"}
            registered.append(add_material(db, "API", strain).accession_number)
        return write()

    options = bulk.Options("API")
    outcome = in_two_passes(
        factory, None, lambda db: check_files(db, [path], "csv", options), register_then
    )
    assert outcome.materials == 10_000
    with unit_of_work(factory, write=False) as db:
        numbers = dict(
            db.execute(
                select(Material.designation, Material.accession_number).where(
                    Material.designation.like("Blank %") | (Material.designation == "Between")
                )
            ).all()
        )
    assert len(numbers) == 10_001 and len(set(numbers.values())) == 10_001
    assert numbers["Between"] == registered[0]
    assert numbers["Blank 0"] > registered[0]  # drawn after it, from the same counter
