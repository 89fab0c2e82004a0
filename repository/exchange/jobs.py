"""Running an import job: its file imported in a unit of work of its own (all or nothing), its
status and report recorded in others; runners that do it now or in a thread."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from ..db import unit_of_work
from ..errors import DomainError, ServiceBusy
from ..services import import_jobs
from .imports import run_upload
from .problems import ImportRejected

log = logging.getLogger(__name__)
Task = Callable[[], None]
Runner = Callable[[Task], None]
T = TypeVar("T")
BUSY_ATTEMPTS = 6  # a job waits out a busy database this many times before it gives up


def run_job(factory: sessionmaker[Session], job_id: int, path: Path, code: str) -> None:
    """Import the job's file, then record the outcome; the file's folder is removed after."""
    try:
        actor, dry_run, fmt = _when_free(lambda: _start(factory, job_id))
        ok, counts, report = run_import(factory, actor, fmt, path, code, dry_run)
        _when_free(lambda: _record(factory, actor, job_id, ok, counts, report))
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def _start(factory: sessionmaker[Session], job_id: int) -> tuple[int | None, bool, str]:
    with unit_of_work(factory) as session:
        job = import_jobs.start(session, job_id)
        return job.created_by, job.dry_run, job.format


def _record(
    factory: sessionmaker[Session],
    actor: int | None,
    job_id: int,
    ok: bool,
    counts: dict[str, int],
    report: dict,
) -> None:
    with unit_of_work(factory, actor=actor) as session:
        import_jobs.finish(session, job_id, ok=ok, counts=counts, report=report)


def run_import(
    factory: sessionmaker[Session], actor: int | None, fmt: str, path: Path, code: str, dry: bool
) -> tuple[bool, dict[str, int], dict]:
    """The import in two passes (imports.run_upload): the whole file checked and what to write
    prepared in a read-only transaction (on SQLite no writer waits for it), then, only when
    nothing is wrong, written in a write transaction, the only one that holds SQLite's write
    lock; a file with problems never takes the lock. Whether it succeeded, its counts, and its
    report (or the failure)."""
    try:
        counts, report = run_upload(factory, actor, fmt, path, code, dry, when_free=_when_free)
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


def inline(task: Task) -> None:
    """Run the job now, in the caller's thread (tests, and the command line)."""
    task()


class Threads:
    """Run each job in a thread of the process; `join` waits for those started."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []

    def __call__(self, task: Task) -> None:
        thread = threading.Thread(target=task, name="import-job", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def join(self, timeout: float | None = None) -> None:
        for thread in list(self._threads):
            thread.join(timeout)
