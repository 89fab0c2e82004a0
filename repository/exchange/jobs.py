"""Running an import job, as a worker of the queue does from the job's id: the job claimed (one
worker at a time), its file imported in a unit of work of its own that also records the job's
end (all or nothing: a worker killed before that commit leaves the job to run again), or, when
nothing was written, its end recorded in another."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from ..db import unit_of_work
from ..errors import DomainError, InvalidState, ServiceBusy
from ..services import import_jobs
from . import spool
from .imports import Written, run_upload
from .problems import ImportRejected, Report

log = logging.getLogger(__name__)
T = TypeVar("T")
BUSY_ATTEMPTS = 6  # a job waits out a busy database this many times before it gives up


def run_job(factory: sessionmaker[Session], job_id: int, folder: Path) -> bool:
    """Run job `job_id` with its files in `folder` (the spool) if it is this worker's to run;
    its folder is removed once it has ended. Whether it ran."""
    claimed = _when_free(lambda: _claim(factory, job_id))
    if claimed is None:
        return False  # finished already, or another live worker has it
    actor, dry_run, fmt, code, name = claimed
    path = spool.job_folder(folder, job_id) / name
    done: list[bool] = []

    def written(session: Session, counts: dict[str, int], report: Report) -> None:
        import_jobs.finish(session, job_id, ok=True, counts=counts, report=report.as_dict())
        done.append(True)

    if path.is_file():
        ok, counts, report = run_import(
            factory, actor, fmt, path, code, dry_run, written, job=job_id
        )
    else:
        message = "The uploaded file is gone (kept on another machine, or removed); import again."
        ok, counts, report = False, {}, import_jobs.failure(message)
    if not done:
        _when_free(lambda: _record(factory, actor, job_id, ok, counts, report))
    shutil.rmtree(path.parent, ignore_errors=True)
    return True


def _claim(
    factory: sessionmaker[Session], job_id: int
) -> tuple[int | None, bool, str, str, str] | None:
    with unit_of_work(factory) as session:
        job = import_jobs.claim(session, job_id)
        if job is None:
            return None
        code = job.collection.code if job.collection else ""
        return job.created_by, job.dry_run, job.format, code, job.files[0]


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
            import_jobs.finish(session, job_id, ok=ok, counts=counts, report=report)
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
