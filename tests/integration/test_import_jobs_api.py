"""Import jobs over the API: queued, run in the background with their own unit of work, their
status, counts and report; who sees them; jobs a dead process left running."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from repository.db import unit_of_work
from repository.exchange import jobs
from repository.models import ImportJob
from repository.models.base import utcnow
from repository.processes import this_process
from repository.vocabulary import ImportJobStatus
from tests.clients import send, upload

POST = "/api/v1/exchange/imports"
CSV = b"accession_number,designation,taxon_name\nJOB 1,Job strain,Bacillus subtilis\n"


def background(fmt, content, name, dry_run=False, collection="API"):
    return upload(fmt, content, name, collection, dry_run) | {"background": "true"}


def materials(app, token):
    return send(app, "GET", "/api/v1/exchange/exports/mirri?collection=API", token).data


def test_a_job_goes_queued_then_succeeded_with_counts(world):
    app, tokens, _ = world
    queue = []
    app.extensions["biorepo.import_runner"] = queue.append
    try:
        form = background("csv", CSV, "job.csv")
        response = send(app, "POST", POST, tokens["curator"], form)
    finally:
        app.extensions["biorepo.import_runner"] = jobs.inline
    assert response.status_code == 202, response.json
    job = response.json
    assert job["status"] == "queued" and job["files"] == ["job.csv"]
    assert job["collection"] == "API" and job["started_at"] is None
    assert b"Job strain" not in materials(app, tokens["admin"])
    (task,) = queue
    task()
    shown = send(app, "GET", f"{POST}/{job['id']}", tokens["curator"]).json
    assert shown["status"] == "succeeded", shown
    assert shown["counts"] == {"rows": 1, "materials": 1, "lots": 0, "items": 0}
    assert shown["report"] == {"count": 0, "problems": []}
    assert shown["started_at"] and shown["finished_at"]
    assert b"Job strain" in materials(app, tokens["admin"])


def test_a_job_runs_in_a_thread(world):
    app, tokens, _ = world
    threads = jobs.Threads()
    app.extensions["biorepo.import_runner"] = threads
    try:
        form = background("csv", CSV.replace(b"JOB 1", b"JOB 2"), "t.csv", dry_run=True)
        response = send(app, "POST", POST, tokens["curator"], form)
        threads.join(timeout=30)
    finally:
        app.extensions["biorepo.import_runner"] = jobs.inline
    shown = send(app, "GET", f"{POST}/{response.json['id']}", tokens["curator"]).json
    assert shown["status"] == "succeeded" and shown["dry_run"] is True
    assert shown["counts"]["materials"] == 1


def test_a_bad_file_fails_with_its_report_and_imports_nothing(world):
    app, tokens, _ = world
    bad = CSV.replace(b"JOB 1", b"JOB 3") + b"JOB 4,,Bacillus subtilis\n"
    response = send(app, "POST", POST, tokens["curator"], background("csv", bad, "bad.csv"))
    assert response.status_code == 202
    shown = send(app, "GET", f"{POST}/{response.json['id']}", tokens["admin"]).json
    assert shown["status"] == "failed" and shown["counts"] == {}
    assert shown["report"]["count"] == 1
    assert shown["report"]["problems"][0]["row"] == 3
    assert shown["report"]["problems"][0]["file"] == "bad.csv"
    assert b"JOB 3" not in materials(app, tokens["admin"])


def test_only_the_uploader_curators_and_admins_see_a_job(world):
    app, tokens, _ = world
    response = send(app, "POST", POST, tokens["curator"], background("csv", CSV, "r.csv", True))
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
    form = background("cellosaurus", cello, "c.txt", dry_run=True, collection=None)
    mine = send(app, "POST", POST, tokens["other_curator"], form).json["id"]
    assert send(app, "GET", f"{POST}/{mine}", tokens["other_curator"]).status_code == 200
    assert send(app, "GET", f"{POST}/{mine}", tokens["curator"]).status_code == 403


def test_jobs_left_running_by_a_dead_process_are_failed_when_listed(world):
    app, tokens, _ = world
    factory = app.extensions["biorepo"]
    with unit_of_work(factory) as db:
        old = ImportJob(
            format="csv",
            files=["x.csv"],
            status=ImportJobStatus.RUNNING,
            counts={},
            report={},
            created_at=utcnow() - timedelta(hours=2),
            started_at=utcnow() - timedelta(hours=2),
        )
        recent = ImportJob(
            format="csv", files=["y.csv"], status=ImportJobStatus.RUNNING, counts={}, report={}
        )
        db.add_all([old, recent])
    listed = {j["id"]: j for j in send(app, "GET", POST, tokens["admin"]).json}
    assert listed[old.id]["status"] == "failed"
    assert "interrupted" in listed[old.id]["report"]["problems"][0]["message"]
    assert listed[recent.id]["status"] == "running"


def stopped_process() -> str:
    """The identity of a process of this machine that has ended."""
    code = "from repository.processes import this_process; print(this_process())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_a_job_whose_process_stopped_on_this_machine_is_failed_at_once(world):
    app, tokens, _ = world
    factory = app.extensions["biorepo"]
    machine = this_process().rsplit("/", 2)[0]
    runners = {
        "stopped": stopped_process(),
        "alive": this_process(),
        "elsewhere": f"another-host/{machine.split('/')[1]}/1/1",
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
            )
            for name, runner in runners.items()
        }
        db.add_all(made.values())
    listed = {j["id"]: j["status"] for j in send(app, "GET", POST, tokens["admin"]).json}
    assert {name: listed[job.id] for name, job in made.items()} == {
        "stopped": "failed",
        "alive": "running",
        "elsewhere": "running",
    }
