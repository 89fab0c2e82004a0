"""Import edge cases: a UTF-8 file read as GB18030 because the uploader said so is refused (not
imported as mojibake); the uploads a killed import left behind are swept at start and when jobs
are read, never those of a live process or younger than their lifetime."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from api import create_app
from repository.db import unit_of_work
from repository.exchange import spool
from repository.models import Material
from repository.processes import this_process
from tests.clients import ApiClient, CliRunner
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


def killed_process_folder(root: Path) -> Path:
    """A job folder made by another process, which is then killed (SIGKILL) before it can
    remove it, as a server killed in the middle of an import."""
    script = (
        "import os, sys; from pathlib import Path; from repository.exchange import spool\n"
        "folder = spool.new_folder(Path(sys.argv[1]))\n"
        "(folder / 'upload.csv').write_text('accession_number\\n')\n"
        "print(folder, flush=True); os.kill(os.getpid(), 9)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)], capture_output=True, text=True, check=False
    )
    assert done.returncode == -9, done.stderr
    return Path(done.stdout.strip())


def aged(folder: Path, seconds: float = HOURS_AGO) -> Path:
    then = time.time() - seconds
    os.utime(folder, (then, then))
    return folder


@pytest.mark.skipif(this_process() is None, reason="processes are told apart on Linux only")
def test_uploads_a_killed_import_left_are_swept_at_start_and_when_jobs_are_read(
    world, client: ApiClient
):
    app, tokens, _ = world
    jobs_root = Path(app.instance_path) / "import-jobs"
    pages_root = Path(app.instance_path) / "imports"
    killed = aged(killed_process_folder(jobs_root))
    recent = killed_process_folder(jobs_root)  # younger than a job's hour
    running = aged(spool.new_folder(jobs_root))  # this process lives: its job may be reading
    unnamed = jobs_root / "tmp_unnamed_h2"  # an older server's folder: no process named
    page_upload = pages_root / ("h2" + "x" * 30)  # a page's dry run whose commit was killed
    for folder in (unnamed, page_upload):
        (folder / "01").mkdir(parents=True, exist_ok=True)
        aged(folder)
    try:
        config = {key: app.config[key] for key in ("DATABASE_URL", "TESTING", "SECRET_KEY")}
        create_app(config)  # a server starting
        assert not killed.exists() and not unnamed.exists() and not page_upload.exists()
        assert recent.exists() and running.exists()

        aged(recent)
        response = client.get("/api/v1/exchange/imports", token=tokens["admin"])
        assert response.status_code == 200
        assert not recent.exists() and running.exists()
    finally:
        for folder in (killed, recent, running, unnamed, page_upload):
            shutil.rmtree(folder, ignore_errors=True)


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
