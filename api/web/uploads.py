"""Uploads of the pages: a file saved for a use case that reads it at once, and the files of an
import kept in the database between its dry run and its commit (repository.exchange.uploads),
under a random token that only the uploader's session holds; gone after the commit or an hour."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from repository.exchange import uploads
from repository.exchange.imports import Written

from ..context import database, principal

NAME = 100  # characters of an uploaded file's name kept (its end, with the extension)


def safe_name(filename: str | None) -> str:
    """An uploaded file's name fit to save it under: no folder, no `..`, no NUL, ASCII, its last
    NAME characters; `upload` when nothing is left."""
    return secure_filename(filename or "")[-NAME:].lstrip("._") or "upload"


@contextmanager
def saved(upload: FileStorage, default: str) -> Iterator[Path]:
    """One upload saved under its own name made safe (`default` when it has none) in a
    temporary folder, removed afterwards (for a use case that reads it at once)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / safe_name(upload.filename or default)
        upload.save(path)
        yield path


@contextmanager
def keep(files: list[FileStorage]) -> Iterator[tuple[str, list[Path]]]:
    """The files saved in a temporary folder for the dry run to read (their own names made
    safe, in order), and kept in the database under a new token, committed: its token and the
    files' paths."""
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, upload in enumerate(files):
            path = uploads.place(Path(folder), number, safe_name(upload.filename))
            path.parent.mkdir()
            upload.save(path)
            paths.append(path)
        with ExitStack() as stack:
            contents = [(path.name, stack.enter_context(path.open("rb"))) for path in paths]
            token = uploads.keep(database(), contents, owner=principal().user_id)
        database().commit()
        yield token, paths


@contextmanager
def kept(token: str | None) -> Iterator[list[Path] | None]:
    """The files of the user's upload `token` in a temporary folder, its hour started again
    (committed); None when it is unknown, expired, or another user's."""
    upload_id = uploads.renewed(database(), token, principal().user_id)
    database().commit()
    if upload_id is None:
        yield None
        return
    with tempfile.TemporaryDirectory() as folder:
        paths = uploads.copy_out(database(), upload_id, Path(folder))
        database().commit()  # the read's transaction ends before the import's begin
        yield paths


def taken(token: str) -> Written:
    """What the import's write transaction runs: the upload `token` removed with it, so that
    it is imported once."""
    return lambda session, _counts, _report: uploads.take(session, token)


def drop(token: str | None) -> None:
    """Forget the user's upload `token`, if there is one."""
    uploads.discard(database(), token, principal().user_id)
