"""Running an import job: its file imported in a unit of work of its own (all or nothing), its
status and report recorded in others; runners that do it now or in a thread."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ..db import unit_of_work
from ..errors import DomainError
from ..services import import_jobs
from .imports import import_upload
from .problems import ImportRejected

log = logging.getLogger(__name__)
Task = Callable[[], None]
Runner = Callable[[Task], None]


def run_job(factory: sessionmaker[Session], job_id: int, path: Path, code: str) -> None:
    """Import the job's file, then record the outcome; the file's folder is removed after."""
    try:
        with unit_of_work(factory) as session:
            job = import_jobs.start(session, job_id)
            actor, dry_run, fmt = job.created_by, job.dry_run, job.format
        ok, counts, report = _import(factory, actor, fmt, path, code, dry_run)
        with unit_of_work(factory, actor=actor) as session:
            import_jobs.finish(session, job_id, ok=ok, counts=counts, report=report)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def _import(
    factory: sessionmaker[Session], actor: int | None, fmt: str, path: Path, code: str, dry: bool
) -> tuple[bool, dict[str, int], dict]:
    try:
        with unit_of_work(factory, actor=actor, write=not dry) as session:
            counts, report = import_upload(session, fmt, path, code, dry)
    except ImportRejected as error:
        return False, {}, error.report.as_dict()
    except DomainError as error:
        return False, {}, import_jobs.failure(error.detail)
    except UnicodeDecodeError as error:
        return False, {}, import_jobs.failure(f"Not UTF-8 text: {error.reason}.")
    except Exception:
        log.exception("import job %s failed", path.name)
        return False, {}, import_jobs.failure("The import failed unexpectedly; nothing imported.")
    return True, counts, report.as_dict()


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
