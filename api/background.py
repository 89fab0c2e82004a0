"""Background work on one queue (huey): bulk imports, print delivery and its retries, the
outbox's mail and reminders, the daily due digest, the sweep of expired uploads, and the
recovery of jobs a stopped worker left. The queue is a SQLite file in the instance folder by
default and Redis in production (QUEUE_URL); `biorepo worker` runs a consumer. A task carries
only a record's id: the database keeps each job's state, so a task run twice does nothing more
and a task lost (a worker killed, a queue restarted empty) is queued again by the recovery.
A worker holds a job or a printer for WORKER_LEASE seconds, renewed as it works (a job's
heartbeat); each periodic run is queued once across workers (api.scheduling); readiness
checks that the queue answers."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from repository import later
from repository.db import unit_of_work
from repository.exchange import jobs, uploads
from repository.models.base import utcnow
from repository.services import due, import_jobs, notifications, printing, schedule, sharing

from . import config, health
from .resources.due import sources as due_sources
from .scheduling import SlotConsumer

log = logging.getLogger(__name__)
QUEUE_FILE = "queue.db"  # the embedded default's queue, in the instance folder
REMINDERS, DIGESTS = 7_302_101, 7_302_102  # advisory lock keys (repository.audit has its own)
IMPORT_JOB, PRINT_JOB, RECOVER, PRINT_SWEEP = "import_job", printing.DELIVER, "recover", "prints"
CONNECT_TIMEOUT = 5  # seconds to reach Redis (an unreachable one fails readiness, not hangs it)


class QueueMisconfigured(config.InsecureConfiguration):
    """QUEUE_URL names no queue this service knows."""


def make_huey(settings: dict[str, Any], instance: Path, testing: bool) -> Huey:
    """The queue QUEUE_URL names: `immediate` (each task run at once where it is queued: the
    tests' default), `sqlite:///FILE` (the default: queue.db in the instance folder) or
    `redis://HOST:PORT/DB`. Results are not kept: a job's outcome is in the database."""
    url = settings["QUEUE_URL"] or (
        "immediate" if testing else f"sqlite:///{instance / QUEUE_FILE}"
    )
    name = settings["QUEUE_NAME"] or f"biorepo-{database_key(settings['DATABASE_URL'])}"
    if url == "immediate":
        return MemoryHuey(name, immediate=True, results=False)
    if url.startswith("sqlite:///"):
        return SqliteHuey(name, filename=url.removeprefix("sqlite:///"), results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool  # the optional extra `redis`: only for this queue

        pool = ConnectionPool.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT)
        return RedisHuey(name, connection_pool=pool, results=False)
    raise QueueMisconfigured(
        f"QUEUE_URL {url!r}: use sqlite:///FILE, redis://HOST:PORT/DB or immediate."
    )


def database_key(url: str) -> str:
    """A short name of the database `url` names (its password left out): the queue's, so that
    installations sharing an instance folder or a Redis never mix tasks."""
    shown = make_url(url).render_as_string(hide_password=True)
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


class Background:
    """The queue of an app and its tasks; the app's sessions hand their print jobs to it when
    they commit."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.huey = huey = make_huey(app.config, Path(app.instance_path), app.testing)
        factory, settings = app.extensions["biorepo"], app.extensions["biorepo.labels"]
        self.lease = lease = timedelta(seconds=app.config["WORKER_LEASE"])

        def import_job(job_id: int) -> None:
            jobs.run_job(factory, job_id, lease)

        def print_job(job_id: int) -> None:
            again = printing.deliver(factory, job_id, settings=settings, lease=lease)
            if again is not None:  # a retry at its time, or a printer another worker holds
                head, eta = again
                self.print_job.schedule(args=(head,), eta=eta)

        self.import_job = huey.task(name=IMPORT_JOB)(import_job)
        self.print_job = huey.task(name=PRINT_JOB)(print_job)
        self.recover_task = self._periodic(RECOVER, crontab(), self.recover)
        self.print_sweep = self._periodic(
            PRINT_SWEEP,
            crontab(),
            lambda: printing.work(factory, settings=settings, lease=lease),
        )
        self._periodic("mail", crontab(), self.send_mail)
        self._periodic(
            "digest", crontab(minute="0", hour=str(app.config["DIGEST_HOUR"])), self.digest
        )
        self._periodic("sweep", crontab(minute="*/10"), self.sweep)
        later.install(factory, self.hand)

    def _periodic(
        self, name: str, when: Callable[[datetime], bool], work: Callable[[], Any]
    ) -> Any:
        """`work` queued on the schedule `when`, once per slot by whichever worker's scheduler
        claims it first (`consumer`); two runs at once would do no harm (leases, row locks, and
        `_one_at_a_time`)."""
        return self.huey.periodic_task(when, name=name)(work)

    def claim_slot(self, task: str, moment: datetime) -> bool:
        """Whether this worker queues periodic task `task` in the slot of `moment` (the first
        to claim it does)."""
        with unit_of_work(self.app.extensions["biorepo"]) as session:
            return schedule.claim(session, task, moment)

    def consumer(self, threads: int, periodic: bool, max_delay: float) -> SlotConsumer:
        """A consumer of this queue in `threads` threads, scheduling the periodic work if
        `periodic` (each slot's run queued once across workers)."""
        return SlotConsumer(
            self.huey,
            self.claim_slot,
            workers=threads,
            periodic=periodic,
            worker_type="thread",
            max_delay=max_delay,
        )

    def hand(self, kind: str, record_id: int) -> None:
        """Queue the work a committed transaction asked for (repository.later)."""
        if kind == PRINT_JOB:
            self.print_job(record_id)
        else:
            raise ValueError(f"no background work {kind!r}")

    def recover(self) -> list[int]:
        """Queue again the import jobs whose task is lost: queued with no task waiting, or
        running in a worker that stopped. Returns their ids."""
        with unit_of_work(self.app.extensions["biorepo"], write=False) as session:
            orphans = import_jobs.orphans(session, lease=self.lease)
        waiting = {
            task.args[0] for task in self.huey.pending() if task.name == IMPORT_JOB and task.args
        }
        lost = [job_id for job_id in orphans if job_id not in waiting]
        for job_id in lost:
            log.info("import job %s has no task: queued again", job_id)
            self.import_job(job_id)
        return lost

    def send_mail(self) -> tuple[int, int]:
        """Remind whoever must act on requests idle too long, then send the outbox."""
        factory = self.app.extensions["biorepo"]
        with unit_of_work(factory) as session:
            _one_at_a_time(session, REMINDERS)
            sharing.remind_overdue(session, self.app.config["REQUEST_OVERDUE_DAYS"])
        return notifications.deliver(factory, config.smtp(self.app.config))

    def digest(self) -> int:
        """Queue today's digest of what is due (once a day per person), then send it."""
        with self.app.app_context():
            today_sources = due_sources()  # the due list's, as the pages read it
        with unit_of_work(self.app.extensions["biorepo"]) as session:
            _one_at_a_time(session, DIGESTS)
            queued = due.digest(session, utcnow().date(), sources=today_sources)
        self.send_mail()
        return queued

    def sweep(self) -> int:
        """Remove the uploads no job or page waits for any more; how many."""
        with unit_of_work(self.app.extensions["biorepo"]) as session:
            return uploads.sweep(session)


def _one_at_a_time(session: Session, key: int) -> None:
    """Hold the transaction-long lock `key` (PostgreSQL: an advisory lock; SQLite's write
    transactions are one at a time already), so that a second run waits, then sees what the
    first wrote (a digest or reminder already queued) and queues it no more."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def queue_ready(app: Flask) -> None:
    """The queue can take tasks: Redis answers, or the SQLite queue file is there and its
    write lock can be taken (raises otherwise)."""
    storage = of(app).huey.storage
    if isinstance(storage, RedisStorage):
        storage.conn.ping()
    elif isinstance(storage, SqliteStorage):
        uri = f"{Path(storage.filename).absolute().as_uri()}?mode=rw"  # never made here
        with closing(sqlite3.connect(uri, uri=True, timeout=2)) as queue:
            queue.execute("BEGIN IMMEDIATE")
            queue.rollback()


def install(app: Flask) -> Background:
    background = app.extensions["biorepo.background"] = Background(app)
    health.add_check(app, "queue", queue_ready)
    return background


def of(app: Flask) -> Background:
    """The app's queue."""
    return app.extensions["biorepo.background"]
