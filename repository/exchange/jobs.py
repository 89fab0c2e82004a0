"""Running an import job, as a worker of the queue does from the job's id: the job claimed (one
worker at a time), its file imported in a unit of work of its own that also records the job's
end (all or nothing: a worker killed before that commit leaves the job to run again), or, when
nothing was written, its end recorded in another."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from .. import tracing
from ..db import unit_of_work
from ..errors import DomainError, InvalidState, ServiceBusy
from ..heartbeat import beating
from ..services import import_jobs
from . import uploads
from .imports import Written, run_upload
from .problems import ImportRejected, Report

log = logging.getLogger(__name__)
T = TypeVar("T")
BUSY_ATTEMPTS = 6  # a job waits out a busy database this many times before it gives up


def run_job(
    factory: sessionmaker[Session], job_id: int, lease: timedelta = import_jobs.LEASE
) -> bool:
    """Run job `job_id` if it is this worker's to run, its file read from the database into a
    temporary folder; the file is forgotten in the transaction that records the job's end.
    While it runs, its heartbeat is renewed every quarter of `lease` (a job whose heartbeat is
    older than its lease is taken over), and its log lines carry the id of the request that
    queued it. Whether it ran."""
    claimed = _when_free(lambda: _claim(factory, job_id, lease))
    if claimed is None:
        return False  # finished already, or another live worker has it
    actor, dry_run, fmt, code, request_id = claimed
    with tracing.traced(request_id), beating(lambda: _beat(factory, job_id), lease / 4):
        log.info("import job %s started", job_id, extra={"job": job_id})
        ok = _run(factory, job_id, actor, dry_run, fmt, code)
        log.info("import job %s %s", job_id, "succeeded" if ok else "failed", extra={"job": job_id})
    return True


def _run(
    factory: sessionmaker[Session],
    job_id: int,
    actor: int | None,
    dry_run: bool,
    fmt: str,
    code: str,
) -> bool:
    """Import the claimed job's file and record its end; whether it succeeded."""
    done: list[bool] = []

    def written(session: Session, counts: dict[str, int], report: Report) -> None:
        _end(session, job_id, ok=True, counts=counts, report=report.as_dict())
        done.append(True)

    with tempfile.TemporaryDirectory() as folder:
        paths = _when_free(lambda: _files(factory, job_id, Path(folder)))
        if paths:
            ok, counts, report = run_import(
                factory, actor, fmt, paths[0], code, dry_run, written, job=job_id
            )
        else:
            message = "The uploaded file is gone; import again."
            ok, counts, report = False, {}, import_jobs.failure(message)
    if not done:
        _when_free(lambda: _record(factory, actor, job_id, ok, counts, report))
    return ok


def _claim(
    factory: sessionmaker[Session], job_id: int, lease: timedelta
) -> tuple[int | None, bool, str, str, str | None] | None:
    with unit_of_work(factory) as session:
        job = import_jobs.claim(session, job_id, lease)
        if job is None:
            return None
        code = job.collection.code if job.collection else ""
        return job.created_by, job.dry_run, job.format, code, job.request_id


def _beat(factory: sessionmaker[Session], job_id: int) -> bool:
    """Renew the job's heartbeat; whether it is still this worker's."""
    with unit_of_work(factory) as session:
        return import_jobs.beat(session, job_id)


def _files(factory: sessionmaker[Session], job_id: int, folder: Path) -> list[Path]:
    """The job's files copied out of the database into `folder` (none when they are gone)."""
    with unit_of_work(factory, write=False) as session:
        upload_id = uploads.of_job(session, job_id)
        return [] if upload_id is None else uploads.copy_out(session, upload_id, folder)


def _end(session: Session, job_id: int, *, ok: bool, counts: dict[str, int], report: dict) -> None:
    """Record how the job ended and forget its file, in one transaction."""
    import_jobs.finish(session, job_id, ok=ok, counts=counts, report=report)
    uploads.discard_job(session, job_id)


def _record(
    factory: sessionmaker[Session],
    actor: int | None,
    job_id: int,
    ok: bool,
    counts: dict[str, int],
    report: dict,
) -> None:
    try:
        with unit_of_work(factory, actor=actor) as session:
            _end(session, job_id, ok=ok, counts=counts, report=report)
    except InvalidState:
        log.warning("import job %s was taken over by another worker; its end is theirs", job_id)


def run_import(
    factory: sessionmaker[Session],
    actor: int | None,
    fmt: str,
    path: Path,
    code: str,
    dry: bool,
    written: Written | None = None,
    job: int | None = None,
) -> tuple[bool, dict[str, int], dict]:
    """The import in two passes (imports.run_upload): the whole file checked and what to write
    prepared in a read-only transaction (on SQLite no writer waits for it), then, only when
    nothing is wrong, written in a write transaction, the only one that holds SQLite's write
    lock; a file with problems never takes the lock. Whether it succeeded, its counts, and its
    report (or the failure)."""
    try:
        counts, report = run_upload(
            factory, actor, fmt, path, code, dry, when_free=_when_free, written=written, job=job
        )
    except ImportRejected as error:
        return False, {}, error.report.as_dict()
    except DomainError as error:  # the storage changed between the passes, say
        return False, {}, import_jobs.failure(error.detail)
    except UnicodeDecodeError as error:
        return False, {}, import_jobs.failure(f"Not UTF-8 text: {error.reason}.")
    except Exception:
        log.exception("import job %s failed", path.name)
        return False, {}, import_jobs.failure("The import failed unexpectedly; nothing imported.")
    return True, counts, report.as_dict()


def _when_free(action: Callable[[], T]) -> T:
    """`action` (a unit of work), tried again while the database is too busy to take it (a
    job has no user to answer, and nothing was written), up to BUSY_ATTEMPTS times."""
    attempt = 1
    while True:
        try:
            return action()
        except ServiceBusy as error:
            if attempt == BUSY_ATTEMPTS:
                raise
            log.info("database busy, job waits %s s (attempt %s)", error.retry_after, attempt)
            time.sleep(error.retry_after)
            attempt += 1
