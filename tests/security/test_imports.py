"""Import edge cases: a UTF-8 file read as GB18030 because the uploader said so is refused (not
imported as mojibake); the uploads no import waits for any more are swept by the queue's
periodic sweep (and by a new upload), never those of a job still to run or of a page within its
hour."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from api import background
from repository.db import unit_of_work
from repository.exchange import uploads
from repository.models import ImportJob, Material, Upload
from repository.models.base import utcnow
from repository.services import import_jobs
from repository.vocabulary import ImportJobStatus
from tests.clients import CliRunner
from tests.factories import add_material

HEADER = "accession_number,designation,taxon_name\n"
CHINESE = HEADER + "GB 1,枯草芽孢杆菌 甲,Bacillus subtilis\n"
YEARS_AGO = datetime(2020, 1, 1, tzinfo=UTC)


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


def test_uploads_no_job_or_page_waits_for_are_swept_and_the_others_kept(world):
    app, _, _ = world
    factory = app.extensions["biorepo"]

    def kept(db, job_id: int | None = None) -> str:
        return uploads.keep(db, [("x.csv", io.BytesIO(b"x"))], owner=None, job_id=job_id)

    with unit_of_work(factory) as db:
        queued, done = (
            import_jobs.create_job(
                db, collection_id=None, fmt="csv", files=["x.csv"], dry_run=False, created_by=None
            )
            for _ in range(2)
        )
        waiting = kept(db, queued.id)  # its job is still to run, however old: kept
        finished = kept(db, done.id)  # its job has ended (its end recorded by an older version)
        old, young = kept(db), kept(db)  # a page's dry run whose commit never came; one now
        db.execute(update(Upload).where(Upload.token == old).values(expires_at=utcnow()))
        db.execute(update(Upload).where(Upload.token == waiting).values(created_at=YEARS_AGO))
        done.status = ImportJobStatus.FAILED
    try:
        assert background.of(app).sweep() >= 2
        with unit_of_work(factory, write=False) as db:
            left = set(db.scalars(select(Upload.token)))
        assert {waiting, young} <= left and not {finished, old} & left
        with unit_of_work(factory) as db:  # a new upload sweeps too (with no worker running)
            db.execute(update(Upload).where(Upload.token == young).values(expires_at=utcnow()))
            kept(db)
            assert db.scalar(select(Upload.id).where(Upload.token == young)) is None
    finally:
        with unit_of_work(factory) as db:
            db.get(ImportJob, queued.id).status = ImportJobStatus.FAILED
            db.execute(delete(Upload).where(Upload.owner_id.is_(None)))


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
