"""Uploaded files kept between a dry run and its commit: a folder under the instance folder
named by a random token that only the session holds; gone after the commit or an hour (swept
at start too, of what a killed import left)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from flask.sansio.app import App
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

LIFETIME = 3600  # seconds
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
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


def _root(app: App | None = None) -> Path:
    return Path((app or current_app).instance_path) / "imports"


def keep(files: list[FileStorage]) -> tuple[str, list[Path]]:
    """Save the files under a new token (their own names made safe, in order)."""
    sweep()
    token = secrets.token_urlsafe(24)
    folder = _root() / token
    folder.mkdir(parents=True)
    paths = []
    for number, upload in enumerate(files, 1):
        name = safe_name(upload.filename)
        path = folder / f"{number:02d}" / name  # two files may share a name
        path.parent.mkdir()
        upload.save(path)
        paths.append(path)
    return token, paths


def kept(token: str | None) -> list[Path] | None:
    """The files kept under a token, or None when it is unknown or expired."""
    if not token or not TOKEN.match(token):
        return None
    folder = _root() / token
    if not folder.is_dir():
        return None
    if time.time() - folder.stat().st_mtime > LIFETIME:
        drop(token)
        return None
    os.utime(folder)  # its hour starts again: no sweep removes it while the commit reads it
    return sorted(folder.glob("*/*"))


def drop(token: str | None) -> None:
    if token and TOKEN.match(token):
        shutil.rmtree(_root() / token, ignore_errors=True)


def sweep(app: App | None = None) -> None:
    """Forget uploads older than an hour (a commit, which takes less, renews the hour)."""
    root = _root(app)
    if not root.is_dir():
        return
    limit = time.time() - LIFETIME
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)
