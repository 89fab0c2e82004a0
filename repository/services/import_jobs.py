"""Import jobs: queued, claimed by one worker and finished (each step its own unit of work, run
by the caller), the ones a principal sees, and the ones a stopped worker left, to run again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidState, NotFound
from ..models import ImportJob
from ..models.base import aware, utcnow
from ..processes import gone, this_process
from ..visibility import import_jobs_filter
from ..vocabulary import ImportJobStatus
from .accounts import Principal

SHOWN = 100  # problems kept in a job's report (the count says how many in all)
STALE = timedelta(hours=1)
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
    started_at: datetime | None,
    now: datetime | None = None,
) -> bool:
    """Whether a worker may take the job: it is queued, or running in a worker that stopped
    (known at once on this machine; else, or when unknown, an hour after it started)."""
    if status is ImportJobStatus.QUEUED:
        return True
    if status is not ImportJobStatus.RUNNING:
        return False
    return gone(runner) or started_at is None or aware(started_at) < (now or utcnow()) - STALE


def claim(session: Session, job_id: int) -> ImportJob | None:
    """Take the job for this process, or None when it is not to be run (finished, or another
    live worker runs it). The row is locked (SKIP LOCKED on PostgreSQL: a worker claiming it
    now is left to it); on SQLite the write transaction serialises claims."""
    job = session.scalar(
        select(ImportJob).where(ImportJob.id == job_id).with_for_update(skip_locked=True)
    )
    if job is None or not claimable(job.status, job.runner, job.started_at):
        return None
    job.status, job.started_at = ImportJobStatus.RUNNING, utcnow()
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
    job = get_job(session, job_id)
    if job.status is not ImportJobStatus.RUNNING or job.runner != this_process():
        raise InvalidState(f"Import job {job_id} is no longer this worker's.", field="job_id")
    job.status = ImportJobStatus.SUCCEEDED if ok else ImportJobStatus.FAILED
    job.counts = counts
    job.report = {"count": report["count"], "problems": report["problems"][:SHOWN]}
    job.finished_at = utcnow()
    session.flush()
    return job


def visible_jobs(session: Session, who: Principal, limit: int = 100) -> Sequence[ImportJob]:
    """The jobs `who` may see, newest first."""
    query = select(ImportJob).where(import_jobs_filter(who))
    return session.scalars(query.order_by(ImportJob.id.desc()).limit(limit)).all()


def orphans(session: Session, now: datetime | None = None) -> list[int]:
    """The jobs to hand to a worker again: queued (their task may be lost: a queue that
    restarted empty, a worker killed between taking the task and claiming the job) or
    running in a worker that stopped. Running one twice is harmless (`claim`, `finish`)."""
    rows = session.execute(
        select(ImportJob.id, ImportJob.status, ImportJob.runner, ImportJob.started_at)
        .where(ImportJob.status.in_(UNFINISHED))
        .order_by(ImportJob.id)
    )
    return [
        job_id
        for job_id, status, runner, started_at in rows
        if claimable(status, runner, started_at, now)
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
