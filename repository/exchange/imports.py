"""One import of files in a given format, the same for the command line, the pages, the API
and its background jobs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.orm import Session

from . import bulk, cellosaurus, dwca_import, mcpd, mirri, sequences
from .problems import Report
from .tabular import Progress

# MCPD: passport files (CSV or XLSX) of seed accessions; dwca: Darwin Core Archives (zip)
FORMATS = ("csv", "xlsx", "mcpd", "dwca", "mirri")
UPLOADS = (*FORMATS, *sequences.FORMATS, "cellosaurus")  # what the API takes


def import_files(
    session: Session,
    paths: Iterable[str | Path],
    format: str,
    options: bulk.Options,
    progress: Progress | None = None,
) -> bulk.Outcome:
    """Run the bulk importer on the files, those of an exchange format through its reader and
    translation; raises ImportRejected when not dry and anything is wrong (the caller rolls
    back)."""
    read, translate = None, None
    if format == "mcpd":
        translate = mcpd.Translator(options.collection)
    elif format == "mirri":
        translate = mirri.Translator()
    elif format == "dwca":
        read, translate = dwca_import.read_archive, dwca_import.Translator()
    return bulk.import_tables(
        session, paths, options, progress=progress, translate=translate, read=read
    )


def import_upload(
    session: Session, fmt: str, path: Path, code: str, dry_run: bool
) -> tuple[dict[str, int], Report]:
    """Run the importer of `fmt` (one of UPLOADS) on a file: its counts and problem report;
    any problem (not dry) raises ImportRejected."""
    if fmt == "cellosaurus":
        count, report = cellosaurus.import_file(session, path, dry_run=dry_run)
        return {"entries": count}, report
    if fmt in sequences.FORMATS:
        with open(path, encoding="utf-8") as handle:
            count, report = sequences.import_sequences(
                session, handle, fmt, code, dry_run=dry_run, name=path.name
            )
        return {"sequences": count}, report
    outcome = import_files(session, [path], fmt, bulk.Options(code, dry_run=dry_run))
    counts = {"rows": outcome.rows, "materials": outcome.materials}
    return counts | {"lots": outcome.lots, "items": outcome.items}, outcome.report
