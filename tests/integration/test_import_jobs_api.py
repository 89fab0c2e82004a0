"""Import jobs over the API: queued, run by a worker of the queue with their own unit of work,
their status, counts and report; who sees them; jobs a stopped worker left, run again."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update

from api import background
from repository.db import unit_of_work
from repository.errors import InvalidState
from repository.exchange import imports, uploads
from repository.models import ImportJob
from repository.models.base import utcnow
from repository.processes import this_process
from repository.services import import_jobs
from repository.vocabulary import ImportJobStatus
from tests.clients import send, upload
from tests.queues import consuming, wait_until
from tests.world import an_app

POST = "/api/v1/exchange/imports"
CSV = b"accession_number,designation,taxon_name\nJOB 1,Job strain,Bacillus subtilis\n"


def background_form(fmt, content, name, dry_run=False, collection="API"):
    return upload(fmt, content, name, collection, dry_run) | {"background": "true"}


def materials(app, token):
    return send(app, "GET", "/api/v1/exchange/exports/mirri?collection=API", token).data


def held(app):
    """The app's queue, holding its tasks (not run where they are queued) until restored."""
    huey = background.of(app).huey
    huey.immediate = False  # a queue in memory: tasks wait in it
    return huey


def test_a_job_goes_queued_then_succeeded_with_counts(world):
    app, tokens, _ = world
    huey = held(app)
    try:
        form = background_form("csv", CSV, "job.csv")
        response = send(app, "POST", POST, tokens["curator"], form)
        assert response.status_code == 202, response.json
        job = response.json
        assert job["status"] == "queued" and job["files"] == ["job.csv"]
        assert job["collection"] == "API" and job["started_at"] is None
        assert b"Job strain" not in materials(app, tokens["admin"])
        task = huey.dequeue()
        assert task.name == background.IMPORT_JOB and task.args == (job["id"],)  # the id only
        assert huey.dequeue() is None
        huey.execute(task)
        huey.execute(task)  # the same task again (a lost acknowledgement): nothing more
    finally:
        huey.immediate = True
    shown = send(app, "GET", f"{POST}/{job['id']}", tokens["curator"]).json
    assert shown["status"] == "succeeded", shown
    assert shown["counts"] == {"rows": 1, "materials": 1, "lots": 0, "items": 0}
    assert shown["report"] == {"count": 0, "problems": []}
    assert shown["started_at"] and shown["finished_at"]
    assert b"Job strain" in materials(app, tokens["admin"])
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        assert uploads.of_job(db, job["id"]) is None  # its file removed with its end


def test_a_job_runs_in_a_consumer_of_a_sqlite_queue(world, tmp_path):
    _, tokens, _ = world
    app = an_app(world, QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}")
    form = background_form("csv", CSV.replace(b"JOB 1", b"JOB 2"), "t.csv", dry_run=True)
    response = send(app, "POST", POST, tokens["curator"], form)
    assert response.status_code == 202
    assert background.of(app).huey.pending_count() == 1  # waits for a worker
    with consuming(app):

        def finished():
            shown = send(app, "GET", f"{POST}/{response.json['id']}", tokens["curator"]).json
            return shown if shown["status"] in ("succeeded", "failed") else None

        shown = wait_until(finished, 60, "the job ends")
    app.extensions["biorepo.engine"].dispose()
    assert shown["status"] == "succeeded" and shown["dry_run"] is True
    assert shown["counts"]["materials"] == 1


def test_a_bad_file_fails_with_its_report_and_imports_nothing(world):
    app, tokens, _ = world
    bad = CSV.replace(b"JOB 1", b"JOB 3") + b"JOB 4,,Bacillus subtilis\n"
    response = send(app, "POST", POST, tokens["curator"], background_form("csv", bad, "bad.csv"))
    assert response.status_code == 202
    shown = send(app, "GET", f"{POST}/{response.json['id']}", tokens["admin"]).json
    assert shown["status"] == "failed" and shown["counts"] == {}
    assert shown["report"]["count"] == 1
    assert shown["report"]["problems"][0]["row"] == 3
    assert shown["report"]["problems"][0]["file"] == "bad.csv"
    assert b"JOB 3" not in materials(app, tokens["admin"])


def test_only_the_uploader_curators_and_admins_see_a_job(world):
    app, tokens, _ = world
    response = send(
        app, "POST", POST, tokens["curator"], background_form("csv", CSV, "r.csv", True)
    )
    path = f"{POST}/{response.json['id']}"
    assert send(app, "GET", path, tokens["admin"]).status_code == 200
    assert send(app, "GET", path, tokens["other_curator"]).status_code == 403
    assert send(app, "GET", path, tokens["technician"]).status_code == 403
    assert send(app, "GET", path).status_code == 401
    assert send(app, "GET", f"{POST}/999999", tokens["admin"]).status_code == 404
    theirs = {j["id"] for j in send(app, "GET", POST, tokens["other_curator"]).json}
    assert response.json["id"] not in theirs
    ours = {j["id"] for j in send(app, "GET", POST, tokens["curator"]).json}
    assert response.json["id"] in ours
    cello = b"ID   X\nAC   CVCL_J001\nOX   NCBI_TaxID=9606; ! Homo sapiens\n//\n"
    form = background_form("cellosaurus", cello, "c.txt", dry_run=True, collection=None)
    mine = send(app, "POST", POST, tokens["other_curator"], form).json["id"]
    assert send(app, "GET", f"{POST}/{mine}", tokens["other_curator"]).status_code == 200
    assert send(app, "GET", f"{POST}/{mine}", tokens["curator"]).status_code == 403


def stopped_process() -> str:
    """The identity of a process of this machine that has ended."""
    code = "from repository.processes import this_process; print(this_process())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(this_process() is None, reason="processes are told apart on Linux only")
def test_jobs_a_stopped_worker_left_are_run_again_and_others_are_left(world):
    app, tokens, _ = world
    factory = app.extensions["biorepo"]
    machine = this_process().rsplit("/", 2)[0]
    elsewhere = f"another-host/{machine.split('/')[1]}/1/1"
    long_ago = utcnow() - timedelta(hours=2)
    runners = {
        "stopped": (stopped_process(), utcnow()),
        "alive": (this_process(), utcnow()),
        "elsewhere": (elsewhere, utcnow()),
        "elsewhere, two hours": (elsewhere, long_ago),
        "unknown, two hours": (None, long_ago),
    }
    with unit_of_work(factory) as db:
        made = {
            name: ImportJob(
                format="csv",
                files=["x.csv"],
                status=ImportJobStatus.RUNNING,
                counts={},
                report={},
                runner=runner,
                started_at=started,
            )
            for name, (runner, started) in runners.items()
        }
        db.add_all(made.values())
    try:
        assert set(background.of(app).recover()) >= {
            made[name].id for name in ("stopped", "elsewhere, two hours", "unknown, two hours")
        }
        listed = {j["id"]: j for j in send(app, "GET", POST, tokens["admin"]).json}
        # run again (the queue runs tasks at once here): their file is gone, so they fail
        for name in ("stopped", "elsewhere, two hours", "unknown, two hours"):
            assert listed[made[name].id]["status"] == "failed"
            assert "gone" in listed[made[name].id]["report"]["problems"][0]["message"]
        assert {listed[made[name].id]["status"] for name in ("alive", "elsewhere")} == {"running"}
    finally:
        with unit_of_work(factory) as db:  # leave no job running for the recovery of others
            ids = [job.id for job in made.values()]
            db.execute(
                update(ImportJob)
                .where(ImportJob.id.in_(ids))
                .values(status=ImportJobStatus.FAILED)
                .execution_options(synchronize_session=False)
            )


def test_a_job_a_stopped_worker_claimed_runs_again_from_its_file_once(world):
    app, tokens, _ = world
    huey = held(app)
    try:
        form = background_form("csv", CSV.replace(b"JOB 1", b"JOB 5"), "again.csv")
        job_id = send(app, "POST", POST, tokens["curator"], form).json["id"]
        huey.flush()  # the task is lost with its worker, which had claimed the job
    finally:
        huey.immediate = True
    with unit_of_work(app.extensions["biorepo"]) as db:
        job = db.get(ImportJob, job_id)
        job.status, job.runner, job.started_at = (
            ImportJobStatus.RUNNING,
            stopped_process(),
            utcnow(),
        )
    assert job_id in background.of(app).recover()
    shown = send(app, "GET", f"{POST}/{job_id}", tokens["curator"]).json
    assert shown["status"] == "succeeded", shown
    assert background.of(app).recover() == []  # finished: never again
    assert materials(app, tokens["admin"]).count(b"JOB 5") == 1


def test_an_import_whose_job_another_worker_took_over_rolls_back(world, tmp_path):
    app, _, _ = world
    factory = app.extensions["biorepo"]
    with unit_of_work(factory) as db:
        job = import_jobs.create_job(
            db, collection_id=None, fmt="csv", files=["t.csv"], dry_run=False, created_by=None
        )
    with unit_of_work(factory) as db:
        assert import_jobs.claim(db, job.id) is not None
        assert import_jobs.claim(db, job.id) is None  # this live worker has it
    with unit_of_work(factory) as db:  # another worker took it over meanwhile
        db.execute(update(ImportJob).where(ImportJob.id == job.id).values(runner="another/1/1/1"))
    path = tmp_path / "t.csv"
    path.write_bytes(CSV.replace(b"JOB 1", b"JOB 6"))

    def written(session, counts, report):
        import_jobs.finish(session, job.id, ok=True, counts=counts, report=report.as_dict())

    with pytest.raises(InvalidState):
        imports.run_upload(factory, None, "csv", path, "API", False, written=written)
    with unit_of_work(factory, write=False) as db:
        assert db.get(ImportJob, job.id).status is ImportJobStatus.RUNNING
    assert b"JOB 6" not in materials(app, world.tokens["admin"])
    with unit_of_work(factory) as db:
        db.execute(
            update(ImportJob).where(ImportJob.id == job.id).values(status=ImportJobStatus.FAILED)
        )
