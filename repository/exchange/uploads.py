"""Uploaded files kept in the database until they are imported, so that any app server or worker
finds them: a page's upload between its dry run and its commit (named by a random token that
only its uploader's session holds; an hour, started again by its commit), and a background
import's file until its job ends. A file is written and read in pieces of CHUNK bytes, never
whole in memory; an upload is at most a request's body (MAX_CONTENT_LENGTH, 64 MiB)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from ..errors import InvalidState
from ..models import ImportJob, Upload, UploadChunk
from ..models.base import utcnow
from ..services.import_jobs import UNFINISHED
from ..sql import rows_changed
from .limits import MIB

LIFETIME = timedelta(hours=1)  # of a page's upload
CHUNK = 1 * MIB  # bytes of a file per row of upload_chunks
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def place(folder: Path, number: int, name: str) -> Path:
    """Where the `number`th file (from 0) of an upload is read from in `folder`: a folder of
    its own, as two files may share a name."""
    return folder / f"{number + 1:02d}" / name


def keep(
    session: Session,
    files: Iterable[tuple[str, BinaryIO]],
    *,
    owner: int | None,
    job_id: int | None = None,
) -> str:
    """Store the files (each a safe name and its content), in order and a piece at a time,
    under a new random token: a page's upload for LIFETIME, a job's (`job_id`) until its job
    ends. Expired uploads are swept first. Its token."""
    sweep(session)
    now, token, files = utcnow(), secrets.token_urlsafe(24), list(files)
    upload_id = session.scalar(
        insert(Upload)
        .values(
            token=token,
            owner_id=owner,
            job_id=job_id,
            names=[name for name, _ in files],
            created_at=now,
            expires_at=None if job_id is not None else now + LIFETIME,
        )
        .returning(Upload.id)
    )
    for number, (_, content) in enumerate(files):
        for part, data in enumerate(iter(partial(content.read, CHUNK), b"")):
            session.execute(
                insert(UploadChunk).values(upload_id=upload_id, file=number, part=part, data=data)
            )
    return token


def renewed(session: Session, token: str | None, owner: int | None) -> int | None:
    """The page upload `token` of `owner`, its hour started again (no sweep removes it while
    its commit reads it): its id, or None when it is unknown, expired, or another user's."""
    if not token or not TOKEN.match(token):
        return None
    now = utcnow()
    return session.scalar(
        update(Upload)
        .where(
            Upload.token == token,
            Upload.owner_id == owner,
            Upload.job_id.is_(None),
            Upload.expires_at > now,
        )
        .values(expires_at=now + LIFETIME)
        .returning(Upload.id)
    )


def of_job(session: Session, job_id: int) -> int | None:
    """The upload import job `job_id` waits for, if it is still kept."""
    return session.scalar(select(Upload.id).where(Upload.job_id == job_id))


def copy_out(session: Session, upload_id: int, folder: Path) -> list[Path]:
    """The upload's files written into `folder` (the readers take paths; see `place`) a
    piece at a time; their paths, in order."""
    names = session.scalar(select(Upload.names).where(Upload.id == upload_id)) or []
    paths = [place(folder, number, name) for number, name in enumerate(names)]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    pieces = session.execute(
        select(UploadChunk.file, UploadChunk.data)
        .where(UploadChunk.upload_id == upload_id)
        .order_by(UploadChunk.file, UploadChunk.part)
        .execution_options(yield_per=1)  # one piece in memory at a time (a server-side cursor)
    )
    for number, group in groupby(pieces, key=itemgetter(0)):
        with paths[number].open("ab") as out:
            for _, data in group:
                out.write(data)
    return paths


def take(session: Session, token: str) -> None:
    """Remove the page upload `token` in the transaction that imports it: a second commit of
    the same upload (another click, another server) finds it gone and writes nothing."""
    if not rows_changed(session.execute(delete(Upload).where(Upload.token == token))):
        raise InvalidState("This upload was imported already or has expired; upload it again.")


def discard(session: Session, token: str | None, owner: int | None) -> None:
    """Forget the page upload `token` of `owner`, if there is one."""
    if token and TOKEN.match(token):
        session.execute(
            delete(Upload).where(
                Upload.token == token, Upload.owner_id == owner, Upload.job_id.is_(None)
            )
        )


def discard_job(session: Session, job_id: int) -> None:
    """Forget the upload of import job `job_id` (in the transaction that records its end)."""
    session.execute(delete(Upload).where(Upload.job_id == job_id))


def sweep(session: Session, now: datetime | None = None) -> int:
    """Remove the page uploads past their hour, and the uploads of jobs that ended (recorded
    by an older version, say). How many were removed."""
    ended = select(ImportJob.id).where(ImportJob.status.not_in(UNFINISHED))
    result = session.execute(
        delete(Upload).where((Upload.expires_at < (now or utcnow())) | Upload.job_id.in_(ended))
    )
    return rows_changed(result)
