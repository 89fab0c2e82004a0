"""Background work across workers, in this process: an import job's heartbeat and its takeover
once the heartbeat is older than the lease, each periodic run queued once per schedule slot by
two workers' schedulers at once, and the readiness of the queue (Redis, the SQLite file)."""

from __future__ import annotations

import secrets
import shutil
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from api import background
from repository.db import unit_of_work
from repository.models import ImportJob, PeriodicRun
from repository.models.base import aware
from repository.processes import this_process
from repository.services import import_jobs
from repository.vocabulary import ImportJobStatus
from tests.queues import REDIS_URL, redis_runs
from tests.world import an_app

ELSEWHERE = "another-machine/boot-id/4242/12345"  # a worker's identity on another machine


def test_a_running_job_is_taken_over_once_its_heartbeat_is_older_than_its_lease(world) -> None:
    app, _, _ = world
    factory = app.extensions["biorepo"]
    lease = timedelta(seconds=30)
    with unit_of_work(factory) as db:
        job_id = import_jobs.create_job(
            db, collection_id=None, fmt="csv", files=["h.csv"], dry_run=False, created_by=None
        ).id
    with unit_of_work(factory) as db:
        claimed = import_jobs.claim(db, job_id, lease)
        assert claimed is not None and claimed.heartbeat_at == claimed.started_at
    with unit_of_work(factory) as db:
        assert import_jobs.beat(db, job_id)  # this worker's: renewed
    with unit_of_work(factory) as db:
        beat = aware(db.get_one(ImportJob, job_id).heartbeat_at)
        assert beat >= aware(claimed.started_at)
        # as if its worker ran on another machine: only its heartbeat tells whether it lives
        db.execute(update(ImportJob).where(ImportJob.id == job_id).values(runner=ELSEWHERE))
    with unit_of_work(factory, write=False) as db:
        assert job_id not in import_jobs.orphans(db, beat + lease / 2, lease)
        assert job_id in import_jobs.orphans(db, beat + lease + timedelta(seconds=1), lease)
        # the default lease is two minutes, not an hour
        assert job_id not in import_jobs.orphans(db, beat + timedelta(seconds=119))
        assert job_id in import_jobs.orphans(db, beat + timedelta(seconds=121))
    with unit_of_work(factory) as db:
        assert not import_jobs.beat(db, job_id)  # no longer this worker's: it stops beating
        assert import_jobs.claim(db, job_id, lease) is None  # its heartbeat is fresh
    with unit_of_work(factory) as db:  # the other machine's worker stopped beating
        stale = datetime.now(UTC) - lease - timedelta(seconds=1)
        db.execute(update(ImportJob).where(ImportJob.id == job_id).values(heartbeat_at=stale))
    with unit_of_work(factory) as db:
        taken = import_jobs.claim(db, job_id, lease)
        assert taken is not None and taken.runner == this_process()
    with unit_of_work(factory, write=False) as db:
        # a worker of this machine known to run keeps its job whatever its heartbeat says
        now = datetime.now(UTC)
        assert job_id not in import_jobs.orphans(db, now + lease * 10, lease)
        assert job_id in import_jobs.orphans(db, now + import_jobs.STALE * 2, lease)
    with unit_of_work(factory) as db:
        db.execute(
            update(ImportJob).where(ImportJob.id == job_id).values(status=ImportJobStatus.FAILED)
        )


def test_two_workers_schedulers_queue_each_periodic_run_once(world, tmp_path: Path) -> None:
    """Two workers (two apps, as two processes would be) scheduling at the same moment, in
    threads started together: each task due then is queued once, and again once the next
    time it is due."""
    queue = {"QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}", "QUEUE_NAME": "slots"}
    apps = [an_app(world, DIGEST_HOUR="7", **queue) for _ in range(2)]
    schedulers = [background.of(app).consumer(1, True, 1.0)._create_scheduler() for app in apps]
    huey = background.of(apps[0]).huey
    # a moment of its own (07:00 UTC of a day far ahead: every task is due then)
    moment = datetime(2100, 1, 1, 7, 0) + timedelta(days=secrets.randbelow(20_000))
    due = sorted(task.name for task in huey.read_periodic(moment))
    assert due == ["digest", "mail", "prints", "recover", "sweep"]

    def schedule_at(when: datetime) -> list[str]:
        start = threading.Barrier(len(schedulers))

        def run(scheduler) -> None:
            start.wait()
            scheduler.enqueue_periodic_tasks(when)

        threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        queued = sorted(task.name for task in huey.pending())
        huey.flush()
        return queued

    try:
        assert schedule_at(moment) == due  # once each, not twice
        assert schedule_at(moment.replace(second=40)) == []  # the same slot: taken already
        later = moment + timedelta(minutes=1)
        assert schedule_at(later) == ["mail", "prints", "recover"]  # the next slot: once more
        with unit_of_work(apps[0].extensions["biorepo"], write=False) as db:
            claims = db.scalar(
                select(func.count())
                .select_from(PeriodicRun)
                .where(PeriodicRun.slot >= moment.replace(tzinfo=UTC))
            )
        assert claims == len(due) + 3
    finally:
        for app in apps:
            app.extensions["biorepo.engine"].dispose()


def ready(app) -> tuple[int, dict]:
    answer = app.test_client().get("/api/v1/health/ready")
    return answer.status_code, answer.json


def test_readiness_checks_a_redis_queue(world) -> None:
    if not redis_runs():
        pytest.skip("no Redis on 127.0.0.1:6379")
    app = an_app(world, QUEUE_URL=REDIS_URL, QUEUE_NAME=f"ready-{secrets.token_hex(4)}")
    status, shown = ready(app)
    assert status == 200 and shown["checks"]["queue"] == "ok", shown
    app.extensions["biorepo.engine"].dispose()


def test_an_unreachable_redis_makes_the_server_unready_not_dead(world) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = an_app(world, QUEUE_URL=f"redis://127.0.0.1:{port}/0", QUEUE_NAME="gone")
    status, shown = ready(app)
    assert status == 503 and shown["status"] == "unready", shown
    assert shown["checks"]["database"] == "ok"
    assert shown["checks"]["queue"].startswith("failed: "), shown
    assert f"127.0.0.1:{port}" in shown["checks"]["queue"]  # why, in words
    live = app.test_client().get("/api/v1/health/live")
    assert live.status_code == 200 and live.json == {"status": "alive"}
    app.extensions["biorepo.engine"].dispose()


def test_readiness_checks_the_sqlite_queue_file(world, tmp_path: Path) -> None:
    folder = tmp_path / "queue"
    folder.mkdir()
    app = an_app(world, QUEUE_URL=f"sqlite:///{folder / 'queue.db'}")
    status, shown = ready(app)
    assert status == 200 and shown["checks"]["queue"] == "ok", shown
    shutil.rmtree(folder)  # the queue's disk is gone
    status, shown = ready(app)
    assert status == 503 and shown["checks"]["queue"].startswith("failed: "), shown
    assert not folder.exists()  # looked at, never made again
    assert app.test_client().get("/api/v1/health/live").status_code == 200
    app.extensions["biorepo.engine"].dispose()
