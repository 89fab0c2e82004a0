"""`biorepo worker`, a process of its own, on the embedded SQLite queue and on Redis: it delivers a
print job to a real TCP printer and runs an import queued over HTTP; killed outright (SIGKILL)
in the middle of an import, it leaves nothing half-written, and the next worker runs the job
again to its end, once."""

from __future__ import annotations

import io
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from api import background
from repository import later
from repository.db import session_factory, unit_of_work
from repository.exchange import uploads
from repository.models import ImportJob, Item, OutboxMessage, PrintJob
from repository.models.base import utcnow
from repository.processes import this_process
from repository.services import due, labelling, printing
from repository.vocabulary import ImportJobStatus, PrintJobStatus
from tests import queues
from tests.clients import ApiClient, CliRunner
from tests.factories import add_printer
from tests.integration.test_printing import LoopbackPrinter
from tests.queues import started, stop, wait_until
from tests.security.test_races import large_csv
from tests.world import an_app

IMPORTS = "/api/v1/exchange/imports"
queued = queues.queued  # the app on a SQLite file queue, and on Redis


def job_of(client: ApiClient, token: str, job_id: int) -> dict:
    return client.get(f"{IMPORTS}/{job_id}", token=token).json


def test_a_worker_process_delivers_a_print_job_and_runs_an_import(
    world, queued, tmp_path: Path
) -> None:
    _, tokens, ids = world
    app = queued
    client = ApiClient(app, app.response_class)
    printer = LoopbackPrinter()
    worker = started(app, tmp_path, "worker")
    try:
        name = f"Cold room {secrets.token_hex(3)}"
        made = client.post(
            "/api/v1/printers",
            token=tokens["admin"],
            json={
                "name": name,
                "protocol": "zpl",
                "transport": "tcp",
                "address": "127.0.0.1",
                "port": printer.port,
            },
        )
        assert made.status_code == 201, made.json
        job = client.post(
            "/api/v1/print-jobs",
            token=tokens["technician"],
            json={"printer": name, "lot": ids["lot"]},
        )
        assert job.status_code == 201 and job.json["status"] == "queued", job.json
        (document,) = printer.wait_for(1, seconds=60)

        def sent() -> PrintJob | None:  # each look in a transaction of its own: a fresh view
            with unit_of_work(app.extensions["biorepo"], write=False) as db:
                job_now = db.get(PrintJob, job.json["id"])
                return job_now if job_now.status is PrintJobStatus.SENT else None

        assert wait_until(sent, 30, "the job recorded sent").document == document

        tag = secrets.token_hex(3).upper()
        csv = f"accession_number,designation,taxon_name\nW {tag},Worker strain,Bacillus subtilis\n"
        form = {
            "file": (io.BytesIO(csv.encode()), "w.csv"),
            "format": "csv",
            "collection": "API",
            "background": "true",
        }
        response = app.test_client().post(
            IMPORTS,
            data=form,
            headers={"Authorization": f"Bearer {tokens['curator']}"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 202, response.json
        shown = wait_until(
            lambda: (
                (j := job_of(client, tokens["curator"], response.json["id"]))["status"]
                in ("succeeded", "failed")
                and j
            ),
            60,
            "the import ends",
        )
        assert shown["status"] == "succeeded", shown
        assert shown["counts"]["materials"] == 1
    finally:
        stop(worker)
        printer.close()
    assert worker.returncode is not None


@pytest.mark.skipif(this_process() is None, reason="processes are told apart on Linux only")
def test_a_worker_killed_mid_import_leaves_nothing_and_the_next_one_finishes_it(
    world, queued, tmp_path: Path
) -> None:
    _, tokens, _ = world
    app = queued
    client = ApiClient(app, app.response_class)
    factory = app.extensions["biorepo"]
    rows = 10_000
    upload = tmp_path / "vials.csv"
    large_csv(upload, rows)
    tag = secrets.token_hex(3).upper()
    upload.write_text(upload.read_text().replace("RACE ", f"K{tag} "))

    def items() -> int:
        with unit_of_work(factory, write=False) as db:
            query = select(func.count()).select_from(Item).where(Item.barcode.like("%"))
            return db.scalar(query) or 0

    before = items()
    first = started(app, tmp_path, "first")
    try:
        with upload.open("rb") as handle:
            response = app.test_client().post(
                IMPORTS,
                data={
                    "file": (handle, "vials.csv"),
                    "format": "csv",
                    "collection": "API",
                    "background": "true",
                },
                headers={"Authorization": f"Bearer {tokens['curator']}"},
                content_type="multipart/form-data",
            )
        assert response.status_code == 202, response.json
        job_id = response.json["id"]
        wait_until(
            lambda: job_of(client, tokens["curator"], job_id)["status"] == "running",
            60,
            "the first worker runs the job",
        )
        first.kill()  # SIGKILL: no goodbye, its transaction never commits
        first.wait(timeout=30)
    finally:
        stop(first)
    assert first.returncode == -9
    left = job_of(client, tokens["curator"], job_id)
    assert left["status"] == "running", left  # as the killed worker left it
    assert items() == before  # nothing of the file was written
    with unit_of_work(factory, write=False) as db:
        assert uploads.of_job(db, job_id) is not None  # the file waits

    second = started(app, tmp_path, "second")
    try:
        shown = wait_until(
            lambda: (
                (j := job_of(client, tokens["curator"], job_id))["status"]
                in ("succeeded", "failed")
                and j
            ),
            180,
            "the second worker finishes the job",
        )
    finally:
        stop(second)
    assert shown["status"] == "succeeded", shown["report"]
    assert shown["counts"]["items"] == rows
    assert items() == before + rows  # once, not twice
    with unit_of_work(factory, write=False) as db:
        job = db.get(ImportJob, job_id)
        assert job.status is ImportJobStatus.SUCCEEDED
        assert uploads.of_job(db, job_id) is None  # gone with the job's end


def test_the_periodic_work_is_scheduled_by_the_engine(world) -> None:
    app = an_app(world, DIGEST_HOUR="7")
    huey = background.of(app).huey

    def due_at(hour: int, minute: int) -> set[str]:
        moment = datetime(2026, 12, 2, hour, minute)
        return {task.name for task in huey.read_periodic(moment)}

    every_minute = {"recover", "prints", "mail"}
    assert due_at(7, 0) == every_minute | {"digest", "sweep"}
    assert due_at(7, 1) == every_minute
    assert due_at(6, 0) == every_minute | {"sweep"}
    assert due_at(13, 10) == every_minute | {"sweep"}
    app.extensions["biorepo.engine"].dispose()


def test_the_daily_digest_and_the_mail_run_as_the_worker_runs_them(world) -> None:
    app, _, _ = world
    factory = app.extensions["biorepo"]
    queue = background.of(app)
    queue.digest()  # the worker's periodic task: queued, then sent (to the log: no SMTP_HOST)
    with unit_of_work(factory, write=False) as db:
        subject = f"{due.DIGEST}{utcnow().date().isoformat()}"
        digests = db.scalars(select(OutboxMessage).where(OutboxMessage.subject == subject)).all()
        assert digests and all(m.sent_at is not None and m.channel == "log" for m in digests)
    assert queue.digest() == 0  # once a day


def test_a_worker_refuses_a_queue_it_does_not_know(world, runner: CliRunner) -> None:
    app, _, _ = world
    env = {"DATABASE_URL": app.config["DATABASE_URL"], "QUEUE_URL": "amqp://127.0.0.1:5672/"}
    refused = runner.invoke(["worker"], env=env)
    assert refused.exit_code == 1
    assert "QUEUE_URL 'amqp://127.0.0.1:5672/'" in refused.output
    assert refused.exception is None or isinstance(refused.exception, SystemExit)
    refused = runner.invoke(["worker"], env={**env, "QUEUE_URL": "immediate"})
    assert refused.exit_code == 1 and "a worker has none to take" in refused.output


def test_a_print_job_is_handed_to_the_queue_only_once_committed(world) -> None:
    app, _, ids = world
    handed: list[tuple[str, int]] = []
    factory = session_factory(app.extensions["biorepo.engine"])
    later.install(factory, lambda kind, record_id: handed.append((kind, record_id)))
    settings = app.extensions["biorepo.labels"]

    def queue_one(db: Any, printer: str) -> int:
        things = labelling.item_labels(db, ids["vials"][:1])
        return printing.submit(
            db, printing.get_printer(db, printer), things, "t", "cryovial", settings
        ).id

    with unit_of_work(factory) as db:
        name = f"Bench {secrets.token_hex(3)}"
        add_printer(
            db, {"name": name, "protocol": "zpl", "transport": "directory", "address": "/x"}
        )
    with pytest.raises(RuntimeError), unit_of_work(factory) as db:
        queue_one(db, name)
        assert handed == []  # not before the commit
        raise RuntimeError("the use case fails: its transaction rolls back")
    assert handed == []  # never for a transaction rolled back
    with unit_of_work(factory) as db:
        job_id = queue_one(db, name)
        queue_one(db, "Matrix")  # a pull printer's: its agent fetches it, no worker
    assert handed == [(printing.DELIVER, job_id)]
    with unit_of_work(factory) as db:
        db.execute(
            update(PrintJob)
            .where(PrintJob.printer.has(name=name))
            .values(status=PrintJobStatus.CANCELLED)
        )


def test_two_workers_share_the_jobs_and_run_each_once(world, queued, tmp_path: Path) -> None:
    _, tokens, _ = world
    app = queued
    client = ApiClient(app, app.response_class)
    workers = [started(app, tmp_path, f"worker{n}") for n in (1, 2)]
    tag = secrets.token_hex(3).upper()
    try:
        queued_ids = []
        for n in range(6):
            csv = f"accession_number,designation,taxon_name\nS{tag} {n},Shared,Bacillus subtilis\n"
            response = app.test_client().post(
                IMPORTS,
                data={
                    "file": (io.BytesIO(csv.encode()), f"s{n}.csv"),
                    "format": "csv",
                    "collection": "API",
                    "background": "true",
                },
                headers={"Authorization": f"Bearer {tokens['curator']}"},
                content_type="multipart/form-data",
            )
            assert response.status_code == 202, response.json
            queued_ids.append(response.json["id"])

        def all_ended() -> list[dict] | None:
            shown = [job_of(client, tokens["curator"], job_id) for job_id in queued_ids]
            return shown if all(j["status"] in ("succeeded", "failed") for j in shown) else None

        shown = wait_until(all_ended, 120, "the six jobs end")
    finally:
        for worker in workers:
            stop(worker)
    assert [j["status"] for j in shown] == ["succeeded"] * 6, shown
    exported = client.get("/api/v1/exchange/exports/mirri?collection=API", token=tokens["admin"])
    assert exported.data.decode().count(f"S{tag} ") == 6  # each imported once
