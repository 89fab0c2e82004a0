"""`biorepo worker` processes and the faults of a fleet of them: a worker killed (SIGKILL) on
another machine in the middle of an import, its job taken over once its heartbeat is older than
the lease; a worker killed while a printer stalls its delivery, the job sent whole by the next
one once the printer's lease ends; the log lines of each job under the id of the request that
queued it; and a worker that carries on when its Redis restarts."""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

import labels
from repository.db import unit_of_work
from repository.models import ImportJob, Item, Printer, PrintJob
from repository.models.base import aware, utcnow
from repository.processes import this_process
from repository.services import import_jobs, labelling, printing
from repository.vocabulary import ImportJobStatus, PrintJobStatus
from tests import queues
from tests.clients import ApiClient
from tests.factories import add_printer
from tests.integration import test_worker
from tests.integration.test_background import ELSEWHERE
from tests.integration.test_printing import LoopbackPrinter
from tests.queues import started, stop, wait_until, worker_process
from tests.security.test_races import large_csv
from tests.world import an_app

SETTINGS = labels.DEFAULT_SETTINGS
LEASE = 2.0  # seconds a worker of these tests holds a job unrenewed (it beats every 0.5 s)
IMPORTS = test_worker.IMPORTS
queued = queues.queued  # the app on a SQLite file queue, and on Redis
linux_only = pytest.mark.skipif(
    this_process() is None, reason="processes are told apart on Linux only"
)


@pytest.fixture
def quick(queued) -> Any:
    """The queued app, whose workers hold their jobs and printers for LEASE seconds."""
    queued.config["WORKER_LEASE"] = LEASE
    return queued


def log_lines(path: Path) -> list[dict]:
    """The JSON lines of a worker's log."""
    lines = (line for line in path.read_text().splitlines() if line.startswith("{"))
    return [json.loads(line) for line in lines]


def import_in_background(app: Any, token: str, path: Path, request_id: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    if request_id:
        headers["X-Request-Id"] = request_id
    with path.open("rb") as handle:
        response = app.test_client().post(
            IMPORTS,
            data={"file": (handle, path.name), "format": "csv", "collection": "API"}
            | {"background": "true"},
            headers=headers,
            content_type="multipart/form-data",
        )
    assert response.status_code == 202, response.json
    return response.json["id"]


def ended(app: Any, job_id: int) -> ImportJob | None:
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        job = db.get_one(ImportJob, job_id)
        return job if job.status in (ImportJobStatus.SUCCEEDED, ImportJobStatus.FAILED) else None


@linux_only
def test_an_import_of_a_worker_killed_elsewhere_is_taken_over_once_its_heartbeat_is_stale(
    world, quick, tmp_path: Path
) -> None:
    _, tokens, _ = world
    app = quick
    factory = app.extensions["biorepo"]
    # long enough for the worker to renew its heartbeat in the check pass (on SQLite the write
    # pass holds the write lock, which a renewal waits for): 40,000 rows grew too quick for it
    rows = 80_000
    upload = tmp_path / "beats.csv"
    large_csv(upload, rows)
    upload.write_text(upload.read_text().replace("RACE ", f"H{secrets.token_hex(3).upper()} "))

    def items() -> int:
        with unit_of_work(factory, write=False) as db:
            return db.scalar(select(func.count()).select_from(Item)) or 0

    def beating() -> bool:
        with unit_of_work(factory, write=False) as db:
            job = db.get_one(ImportJob, job_id)
            renewed = job.heartbeat_at and aware(job.heartbeat_at) > aware(job.started_at)
            return job.status is ImportJobStatus.RUNNING and bool(renewed)

    before = items()
    first = started(app, tmp_path, "first")
    try:
        job_id = import_in_background(app, tokens["curator"], upload)
        wait_until(beating, 60, "the first worker renews the job's heartbeat as it runs it")
        first.kill()  # SIGKILL: no goodbye, its transaction never commits
        first.wait(timeout=30)
    finally:
        stop(first)
    killed = time.monotonic()
    assert first.returncode == -9
    lease = timedelta(seconds=LEASE)
    with unit_of_work(factory) as db:
        job = db.get_one(ImportJob, job_id)
        assert job.status is ImportJobStatus.RUNNING  # as the killed worker left it
        last = aware(job.heartbeat_at)
        # as if it had run on another machine: nothing but its heartbeat says it stopped
        db.execute(update(ImportJob).where(ImportJob.id == job_id).values(runner=ELSEWHERE))
    assert items() == before  # nothing of the file was written
    with unit_of_work(factory, write=False) as db:
        assert job_id not in import_jobs.orphans(db, last + lease / 2, lease)
        assert job_id in import_jobs.orphans(db, last + lease * 1.1, lease)

    def stale() -> bool:
        with unit_of_work(factory, write=False) as db:
            return job_id in import_jobs.orphans(db, lease=lease)

    wait_until(stale, LEASE + 30, "the heartbeat is older than the lease")
    second = started(app, tmp_path, "second")  # it looks for stopped workers' jobs at once
    try:
        job = wait_until(lambda: ended(app, job_id), 180, "the second worker finishes the job")
    finally:
        stop(second)
    taken_over = time.monotonic() - killed
    assert job.status is ImportJobStatus.SUCCEEDED, job.report
    assert job.runner is not None and job.runner.split("/")[-2] == str(second.pid)
    assert job.counts["items"] == rows
    assert items() == before + rows  # once, not twice
    print(f"\nkilled, taken over and finished in {taken_over:.1f} s (a lease of {LEASE} s)")


def test_a_jobs_log_lines_carry_the_id_of_the_request_that_queued_it(
    world, queued, tmp_path: Path
) -> None:
    _, tokens, ids = world
    app = queued
    client = ApiClient(app, app.response_class)
    printer = LoopbackPrinter()
    log = tmp_path / "worker.log"
    worker = worker_process(app.config, log)
    print_request, import_request = (
        f"print-{secrets.token_hex(6)}",
        f"import-{secrets.token_hex(6)}",
    )
    try:
        name = f"Traced {secrets.token_hex(3)}"
        made = client.post(
            "/api/v1/printers",
            token=tokens["admin"],
            json={"name": name, "protocol": "zpl", "transport": "tcp"}
            | {"address": "127.0.0.1", "port": printer.port},
        )
        assert made.status_code == 201, made.json
        job = client.post(
            "/api/v1/print-jobs",
            token=tokens["technician"],
            json={"printer": name, "lot": ids["lot"]},
            headers={"X-Request-Id": print_request},
        )
        assert job.status_code == 201, job.json
        printer.wait_for(1, seconds=60)
        upload = tmp_path / "traced.csv"
        tag = secrets.token_hex(3).upper()
        upload.write_text(f"accession_number,designation,taxon_name\nT {tag},Traced,B. subtilis\n")
        import_id = import_in_background(app, tokens["curator"], upload, import_request)
        wait_until(lambda: ended(app, import_id), 60, "the import ends")

        def sent() -> bool:
            return any(line.get("print_job") == job.json["id"] for line in log_lines(log))

        wait_until(sent, 30, "the worker logs the print job sent")
    finally:
        stop(worker)
        printer.close()
    lines = log_lines(log)
    printed = [line for line in lines if line.get("print_job") == job.json["id"]]
    imported = [line for line in lines if line.get("job") == import_id]
    assert [line["message"] for line in printed] == [f"print job {job.json['id']} sent"]
    assert {line["request_id"] for line in printed} == {print_request}
    assert [line["message"] for line in imported] == [
        f"import job {import_id} started",
        f"import job {import_id} succeeded",
    ]
    assert {line["request_id"] for line in imported} == {import_request}
    assert all(line.get("request_id") in (None, print_request, import_request) for line in lines)


class StallingPrinter(LoopbackPrinter):
    """A raw printer port whose first connection is taken and never read (a printer jammed
    mid-job); the connections after it are read to their end as LoopbackPrinter's."""

    def __init__(self) -> None:
        self.stalled: list[socket.socket] = []
        super().__init__()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)

    def _serve(self) -> None:
        try:
            connection, _ = self.server.accept()
        except OSError:
            return
        self.stalled.append(connection)  # held, unread: the sender blocks once buffers fill
        super()._serve()

    def unstall(self) -> bytes:
        """What the stalled connection holds, read to its end (its sender gone)."""
        connection, chunks = self.stalled[0], []
        connection.settimeout(30)
        with contextlib.suppress(ConnectionResetError):
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        for connection in self.stalled:
            connection.close()
        super().close()


@linux_only
def test_a_print_job_survives_a_worker_killed_mid_delivery(world, quick, tmp_path: Path) -> None:
    app = quick
    _, _, ids = world
    factory = app.extensions["biorepo"]
    printer = StallingPrinter()
    first = started(app, tmp_path, "first")
    try:
        with unit_of_work(factory) as db:  # committed: handed to the queue, taken by `first`
            target = add_printer(
                db,
                {"name": f"Jammed {secrets.token_hex(3)}", "protocol": "zpl"}
                | {"transport": "tcp", "address": "127.0.0.1", "port": printer.port},
            )
            things = labelling.item_labels(db, ids["vials"])
            # a document larger than what the sockets' buffers hold: its sending blocks
            many = things * (8_000_000 // len(printing.render(things, target, SETTINGS)) + 1)
            job = printing.submit(db, target, many, "jam", "cryovial", SETTINGS)
            job_id, printer_id, document = job.id, target.id, job.document
        wait_until(lambda: printer.stalled, 60, "the first worker connects to the printer")
        time.sleep(1)  # it is sending, blocked on the printer
        first.kill()
        first.wait(timeout=30)
    finally:
        stop(first)
    assert first.returncode == -9
    assert 0 < len(printer.unstall()) < len(document)  # the printer got part of it, no more
    with unit_of_work(factory, write=False) as db:
        job = db.get_one(PrintJob, job_id)
        assert job.status is PrintJobStatus.QUEUED and job.attempts == 0  # nothing recorded
        lease_until = db.get_one(Printer, printer_id).lease_until
        assert lease_until is not None  # the killed worker's hold on the printer

    def lease_ended() -> bool:
        with unit_of_work(factory, write=False) as db:
            held = db.get_one(Printer, printer_id).lease_until
            return held is None or aware(held) < utcnow()

    wait_until(lease_ended, LEASE + 30, "the killed worker's lease on the printer ends")
    second = started(app, tmp_path, "second")  # it looks for due print jobs at once
    try:
        received = printer.wait_for(1, seconds=120)

        def sent() -> PrintJob | None:
            with unit_of_work(factory, write=False) as db:
                job = db.get_one(PrintJob, job_id)
                return job if job.status is PrintJobStatus.SENT else None

        job = wait_until(sent, 60, "the second worker records the job sent")
    finally:
        stop(second)
        printer.close()
    assert received == [document]  # the whole document, once, on a connection read to its end
    assert job.attempts == 1 and job.last_error is None
    assert len(document) > 8_000_000


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[int, Any]]:
    """A redis-server of this test on a free port (never the machine's), and a way to restart
    it empty."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(tmp_path)]
    running: list[subprocess.Popen] = []

    def start() -> None:
        running.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
        wait_until(lambda: _answers(port), 30, "redis-server answers")

    def restart() -> None:
        halt()
        start()

    def halt() -> None:
        for process in running:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        running.clear()

    start()
    try:
        yield port, restart
    finally:
        halt()


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")
    return False


def test_a_worker_carries_on_when_its_redis_restarts(world, own_redis, tmp_path: Path) -> None:
    _, _, ids = world
    port, restart = own_redis
    app = an_app(world, QUEUE_URL=f"redis://127.0.0.1:{port}/0", QUEUE_NAME="restarted")
    factory = app.extensions["biorepo"]
    printer = LoopbackPrinter()
    worker = started(app, tmp_path, "worker")

    def print_one(db_name: str) -> int:
        with unit_of_work(factory) as db:
            target = printing.get_printer(db, db_name)
            things = labelling.item_labels(db, ids["vials"][:1])
            return printing.submit(db, target, things, "r", "cryovial", SETTINGS).id

    try:
        name = f"Restart {secrets.token_hex(3)}"
        with unit_of_work(factory) as db:
            add_printer(
                db,
                {"name": name, "protocol": "zpl", "transport": "tcp"}
                | {"address": "127.0.0.1", "port": printer.port},
            )
        jobs = [print_one(name)]
        assert len(printer.wait_for(1, seconds=60)) == 1
        restart()  # the queue is gone and back, empty; the worker's connection broke
        queued_at = time.monotonic()
        jobs.append(print_one(name))
        assert len(printer.wait_for(2, seconds=120)) == 2  # taken from the new Redis
        print(f"\nsent {time.monotonic() - queued_at:.1f} s after Redis restarted")
        assert worker.poll() is None  # the worker lives on
    finally:
        stop(worker)
        printer.close()
    with unit_of_work(factory, write=False) as db:
        for job_id in jobs:  # each sent once
            job = db.get_one(PrintJob, job_id)
            assert job.status is PrintJobStatus.SENT and job.attempts == 1
    app.extensions["biorepo.engine"].dispose()
    assert worker.returncode is not None
