"""The spool of uploaded files waiting for their import jobs: a folder per job, named by the job's
id (any worker of the queue finds it from the id its task carries), removed by the job when it
is done, and the sweep of the folders a killed worker or request left behind."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from sqlalchemy.orm import Session

from ..services import import_jobs


def job_folder(spool: Path, job_id: int) -> Path:
    """Where the files of job `job_id` are kept."""
    return spool / str(job_id)


def new_folder(spool: Path, job_id: int) -> Path:
    """An empty folder for the job's files (one left by an earlier database's job of the same
    id is removed first: the id was just drawn, so nothing of this database uses it)."""
    folder = job_folder(spool, job_id)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def sweep(session: Session, spool: Path, lifetime: float, now: float | None = None) -> list[Path]:
    """Remove the folders no job waits for: those of finished jobs, and, older than
    `lifetime` seconds, those of no job (a request that failed before its commit) or not named
    by one (an older version's). Returns the folders removed."""
    if not spool.is_dir():
        return []
    limit = (time.time() if now is None else now) - lifetime
    folders = {folder.name: folder for folder in spool.iterdir() if folder.is_dir()}
    ids = [int(name) for name in folders if name.isdigit()]
    waiting = import_jobs.unfinished(session, ids)
    known = import_jobs.existing(session, ids)
    swept = []
    for name, folder in folders.items():
        job_id = int(name) if name.isdigit() else None
        if job_id in waiting:
            continue
        try:
            old = folder.stat().st_mtime < limit
        except OSError:  # removed meanwhile by its job or another sweep
            continue
        if job_id in known or old:
            shutil.rmtree(folder, ignore_errors=True)
            swept.append(folder)
    return swept
