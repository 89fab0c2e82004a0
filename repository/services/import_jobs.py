"""Import jobs: queued, started and finished (each step its own unit of work, run by the
caller), the ones a principal sees, and the ones a stopped process left unfinished."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import ImportJob
from ..models.base import utcnow
from ..processes import gone, this_process
from ..sql import rows_changed
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
        runner=this_process(),  # the process that queues a job runs it (in a thread)
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(f"No import job {job_id}.", field="job_id")
    return job


def start(session: Session, job_id: int) -> ImportJob:
    job = get_job(session, job_id)
    job.status, job.started_at = ImportJobStatus.RUNNING, utcnow()
    job.runner = this_process()
    session.flush()
    return job


def finish(
    session: Session, job_id: int, *, ok: bool, counts: dict[str, int], report: dict[str, Any]
) -> ImportJob:
    """Record how the job ended; the report keeps its first SHOWN problems and the count."""
    job = get_job(session, job_id)
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


def interrupt_stale(session: Session, now: datetime | None = None) -> int:
    """Mark failed the jobs queued or running whose process stopped: at once when it ran on
    this machine, else (another machine's, or one that could not say) after an hour."""
    cutoff = (now or utcnow()) - STALE
    stopped = [
        job_id
        for job_id, runner in session.execute(
            select(ImportJob.id, ImportJob.runner).where(
                ImportJob.status.in_(UNFINISHED), ImportJob.runner.is_not(None)
            )
        )
        if gone(runner)
    ]
    message = "The import was interrupted (its process stopped); nothing was imported."
    result = session.execute(
        update(ImportJob)
        .where(
            ImportJob.status.in_(UNFINISHED),
            or_(ImportJob.created_at < cutoff, ImportJob.id.in_(stopped)),
        )
        .values(
            status=ImportJobStatus.FAILED,
            finished_at=now or utcnow(),
            report=failure(message),
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return rows_changed(result)


def _problem(message: str) -> dict[str, Any]:
    return {"row": None, "column": None, "value": None, "message": message, "file": None}


def failure(message: str) -> dict[str, Any]:
    """A report of one problem of the whole job."""
    return {"count": 1, "problems": [_problem(message)]}
