"""Import jobs: queued, claimed by one worker and finished (each step its own unit of work, run
by the caller), the ones a principal sees, and the ones a stopped worker left, to run again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..errors import InvalidState, NotFound
from ..models import ImportJob
from ..models.base import aware, utcnow
from ..processes import alive, gone, this_process
from ..sql import rows_changed
from ..visibility import import_jobs_filter
from ..vocabulary import ImportJobStatus
from .accounts import Principal

SHOWN = 100  # problems kept in a job's report (the count says how many in all)
STALE = timedelta(hours=1)  # a job running in a live process of this machine, taken after this
# A running job whose heartbeat is older than its lease is taken over (its worker stopped, on
# another machine); the worker running it beats every quarter of the lease (exchange.jobs).
LEASE = timedelta(minutes=2)
UNFINISHED = (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING)


def create_job(
    session: Session,
    *,
    collection_id: int | None,
    fmt: str,
    files: list[str],
    dry_run: bool,
    created_by: int | None,
) -> ImportJob:
    job = ImportJob(
        collection_id=collection_id,
        format=fmt,
        files=files,
        dry_run=dry_run,
        created_by=created_by,
        counts={},
        report={},
        runner=None,  # no worker has it yet (claim)
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(f"No import job {job_id}.", field="job_id")
    return job


def claimable(
    status: ImportJobStatus,
    runner: str | None,
    last_seen: datetime | None,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> bool:
    """Whether a worker may take the job: it is queued, or running in a worker that stopped:
    known at once on this machine; of another machine (or unknown), once its heartbeat
    (`last_seen`: the last beat, else its start) is older than `lease`. A worker of this
    machine known to run keeps it for STALE whatever its heartbeat (a busy SQLite writer may
    hold its beats back)."""
    if status is ImportJobStatus.QUEUED:
        return True
    if status is not ImportJobStatus.RUNNING:
        return False
    if gone(runner):
        return True
    if last_seen is None:
        return True
    age = (now or utcnow()) - aware(last_seen)
    return age > (STALE if alive(runner) else lease)


def claim(session: Session, job_id: int, lease: timedelta = LEASE) -> ImportJob | None:
    """Take the job for this process, or None when it is not to be run (finished, or another
    live worker runs it). The row is locked (SKIP LOCKED on PostgreSQL: a worker claiming it
    now is left to it); on SQLite the write transaction serialises claims."""
    job = session.scalar(
        select(ImportJob).where(ImportJob.id == job_id).with_for_update(skip_locked=True)
    )
    last_seen = (job.heartbeat_at or job.started_at) if job is not None else None
    if job is None or not claimable(job.status, job.runner, last_seen, lease=lease):
        return None
    job.status, job.started_at = ImportJobStatus.RUNNING, utcnow()
    job.heartbeat_at = job.started_at
    job.runner = this_process()
    session.flush()
    return job


def finish(
    session: Session, job_id: int, *, ok: bool, counts: dict[str, int], report: dict[str, Any]
) -> ImportJob:
    """Record how the job ended, in the transaction that wrote its import (or one of its own
    when nothing was written); the report keeps its first SHOWN problems and the count. Only
    the worker holding the job finishes it: another's (which took over a job it thought
    stopped) is refused, and the import it wrote rolls back with it."""
    job = session.get(ImportJob, job_id, with_for_update=True)  # a takeover waits, or is seen
    if job is None:
        raise NotFound(f"No import job {job_id}.", field="job_id")
    if job.status is not ImportJobStatus.RUNNING or job.runner != this_process():
        raise InvalidState(f"Import job {job_id} is no longer this worker's.", field="job_id")
    job.status = ImportJobStatus.SUCCEEDED if ok else ImportJobStatus.FAILED
    job.counts = counts
    job.report = {"count": report["count"], "problems": report["problems"][:SHOWN]}
    job.finished_at = utcnow()
    session.flush()
    return job


def beat(session: Session, job_id: int) -> bool:
    """Renew the heartbeat of job `job_id`, run by this process; whether it is still this
    process's (False: it ended, or another worker took it over)."""
    renewed = session.execute(
        update(ImportJob)
        .where(
            ImportJob.id == job_id,
            ImportJob.status == ImportJobStatus.RUNNING,
            ImportJob.runner == this_process(),
        )
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rows_changed(renewed) == 1


def visible_jobs(session: Session, who: Principal, limit: int = 100) -> Sequence[ImportJob]:
    """The jobs `who` may see, newest first."""
    query = select(ImportJob).where(import_jobs_filter(who))
    return session.scalars(query.order_by(ImportJob.id.desc()).limit(limit)).all()


def orphans(session: Session, now: datetime | None = None, lease: timedelta = LEASE) -> list[int]:
    """The jobs to hand to a worker again: queued (their task may be lost: a queue that
    restarted empty, a worker killed between taking the task and claiming the job) or
    running in a worker that stopped. Running one twice is harmless (`claim`, `finish`)."""
    rows = session.execute(
        select(
            ImportJob.id,
            ImportJob.status,
            ImportJob.runner,
            func.coalesce(ImportJob.heartbeat_at, ImportJob.started_at),
        )
        .where(ImportJob.status.in_(UNFINISHED))
        .order_by(ImportJob.id)
    )
    return [
        job_id
        for job_id, status, runner, last_seen in rows
        if claimable(status, runner, last_seen, now, lease)
    ]


def unfinished(session: Session, job_ids: Sequence[int]) -> set[int]:
    """Those of `job_ids` whose jobs are queued or running."""
    if not job_ids:
        return set()
    query = select(ImportJob.id).where(ImportJob.id.in_(job_ids), ImportJob.status.in_(UNFINISHED))
    return set(session.scalars(query))


def existing(session: Session, job_ids: Sequence[int]) -> set[int]:
    """Those of `job_ids` that are jobs of this database."""
    if not job_ids:
        return set()
    return set(session.scalars(select(ImportJob.id).where(ImportJob.id.in_(job_ids))))


def _problem(message: str) -> dict[str, Any]:
    return {"row": None, "column": None, "value": None, "message": message, "file": None}


def failure(message: str) -> dict[str, Any]:
    """A report of one problem of the whole job."""
    return {"count": 1, "problems": [_problem(message)]}
