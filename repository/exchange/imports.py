"""One import of files in a given format, the same for the command line and the pages."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.orm import Session

from . import bulk, mcpd
from .tabular import Progress

FORMATS = ("csv", "xlsx", "mcpd")  # MCPD passport files (CSV or XLSX) of seed accessions


def import_files(
    session: Session,
    paths: Iterable[str | Path],
    format: str,
    options: bulk.Options,
    progress: Progress | None = None,
) -> bulk.Outcome:
    """Run the bulk importer on the files, MCPD ones through its translation; raises
    ImportRejected when not dry and anything is wrong (the caller rolls back)."""
    translate = mcpd.Translator(options.collection) if format == "mcpd" else None
    return bulk.import_tables(session, paths, options, progress=progress, translate=translate)
