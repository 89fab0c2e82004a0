"""The spool of uploaded files waiting for their import jobs: a folder per job, named for the
process that runs it, and the sweep of the folders a killed process left behind."""

from __future__ import annotations

import base64
import binascii
import shutil
import tempfile
import time
from pathlib import Path

from ..processes import gone, this_process


def new_folder(spool: Path) -> Path:
    """A new folder of `spool` for a job's file, named for the process that queues (and runs)
    the job and a random part, so that a sweep knows whether that process still lives."""
    spool.mkdir(parents=True, exist_ok=True)
    owner = base64.urlsafe_b64encode((this_process() or "").encode()).decode().rstrip("=")
    return Path(tempfile.mkdtemp(prefix=f"{owner}.", dir=spool))


def _owner(folder: Path) -> str | None:
    """The process a spool folder was made for (as `this_process` says it); None when its name
    does not say."""
    encoded = folder.name.partition(".")[0]
    try:
        identity = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    _, pid, started = identity.rsplit("/", 2) if identity.count("/") >= 3 else ("", "", "")
    return identity if pid.isdigit() and started.isdigit() else None


def sweep(spool: Path, lifetime: float, now: float | None = None) -> list[Path]:
    """Remove the folders a killed process left in `spool`: those older than `lifetime`
    seconds whose process is known to have stopped, or that do not say which it was. A live
    process's job may still be reading its file (it removes the folder itself when done), and
    so may one of another machine. Returns the folders removed."""
    if not spool.is_dir():
        return []
    limit = (time.time() if now is None else now) - lifetime
    swept = []
    for folder in spool.iterdir():
        try:
            old = folder.is_dir() and folder.stat().st_mtime < limit
        except OSError:  # removed meanwhile by its job or another sweep
            continue
        if old and ((owner := _owner(folder)) is None or gone(owner)):
            shutil.rmtree(folder, ignore_errors=True)
            swept.append(folder)
    return swept
