"""One import of files in a given format, the same for the command line, the pages, the API
and its background jobs: checked in a read-only transaction, then written in a write
transaction (`in_two_passes`, `run_upload`), or both in the caller's (`import_files`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import closing
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from ..db import unit_of_work
from . import bulk, cellosaurus, dwca_import, mcpd, mirri, sequences
from .problems import ImportRejected, Report
from .tabular import Progress

# MCPD: passport files (CSV or XLSX) of seed accessions; dwca: Darwin Core Archives (zip)
FORMATS = ("csv", "xlsx", "mcpd", "dwca", "mirri")
UPLOADS = (*FORMATS, *sequences.FORMATS, "cellosaurus")  # what the API takes
T = TypeVar("T")
WhenFree = Callable[[Callable[[], T]], T]  # runs a unit of work, maybe again while busy
# Called in the write transaction, after the rows are written (a job records its end there, so
# that the import and the job's status commit together): the counts and the report.
Written = Callable[[Session, dict[str, int], Report], None]


def _now(action: Callable[[], T]) -> T:
    """The unit of work, once: a busy database is the caller's ServiceBusy (a 503)."""
    return action()


def _readers(format: str, options: bulk.Options) -> tuple[bulk.Read | None, bulk.Translate | None]:
    """The reader of an exchange format's own files and its translation into our fields."""
    if format == "mcpd":
        return None, mcpd.Translator(options.collection)
    if format == "mirri":
        return None, mirri.Translator()
    if format == "dwca":
        return dwca_import.read_archive, dwca_import.Translator()
    return None, None


def check_files(
    session: Session,
    paths: Iterable[str | Path],
    format: str,
    options: bulk.Options,
    progress: Progress | None = None,
) -> bulk.Checked:
    """The check pass of the bulk importer on the files, those of an exchange format through
    its reader and translation; raises ImportRejected when not dry and anything is wrong."""
    read, translate = _readers(format, options)
    return bulk.check_tables(
        session, paths, options, progress=progress, translate=translate, read=read
    )


def import_files(
    session: Session,
    paths: Iterable[str | Path],
    format: str,
    options: bulk.Options,
    progress: Progress | None = None,
) -> bulk.Outcome:
    """Both passes of the bulk importer in the caller's transaction; raises ImportRejected when
    not dry and anything is wrong (the caller rolls back)."""
    read, translate = _readers(format, options)
    return bulk.import_tables(
        session, paths, options, progress=progress, translate=translate, read=read
    )


def in_two_passes(
    factory: sessionmaker[Session],
    actor: int | None,
    check: Callable[[Session], bulk.Checked],
    when_free: WhenFree = _now,
    written: Written | None = None,
) -> bulk.Outcome:
    """The check pass (`check`) in a read-only unit of work, where no SQLite writer waits for
    it; then, not dry and with nothing wrong, the write pass in a write unit of its own (run by
    `when_free`): SQLite's write lock is held for the final write only."""
    with unit_of_work(factory, actor=actor, write=False) as session:
        checked = check(session)
    with closing(checked):
        if checked.prepared is None:  # dry
            return checked.outcome
        return when_free(lambda: _write(factory, actor, checked, written))


def _write(
    factory: sessionmaker[Session],
    actor: int | None,
    checked: bulk.Checked,
    written: Written | None = None,
) -> bulk.Outcome:
    with unit_of_work(factory, actor=actor) as session:
        outcome = checked.write(session)
        if written is not None:
            written(session, _counts(outcome), outcome.report)
        return outcome


def run_upload(
    factory: sessionmaker[Session],
    actor: int | None,
    fmt: str,
    path: Path,
    code: str,
    dry_run: bool,
    when_free: WhenFree = _now,
    written: Written | None = None,
    job: int | None = None,
) -> tuple[dict[str, int], Report]:
    """Import a file of `fmt` (one of UPLOADS) in two passes: its counts and problem report;
    any problem (not dry) raises ImportRejected. Cellosaurus and sequence files have no
    prepared write: their write pass imports the checked file again. `written` runs in the
    write transaction (none when dry or refused); `job`, the import job it runs for, is named
    by the audit of what it writes."""
    if fmt in FORMATS:
        options = bulk.Options(code, dry_run=dry_run, job=job)
        outcome = in_two_passes(
            factory,
            actor,
            lambda session: check_files(session, [path], fmt, options),
            when_free,
            written,
        )
        return _counts(outcome), outcome.report
    with unit_of_work(factory, actor=actor, write=False) as session:
        counts, report = _import_other(session, fmt, path, code, dry_run=True)
    if dry_run:
        return counts, report
    if not report.ok:
        raise ImportRejected(report)
    return when_free(lambda: _upload(factory, actor, fmt, path, code, written))


def _upload(
    factory: sessionmaker[Session],
    actor: int | None,
    fmt: str,
    path: Path,
    code: str,
    written: Written | None,
) -> tuple[dict[str, int], Report]:
    with unit_of_work(factory, actor=actor) as session:
        counts, report = _import_other(session, fmt, path, code, dry_run=False)
        if written is not None:
            written(session, counts, report)
        return counts, report


def _import_other(
    session: Session, fmt: str, path: Path, code: str, dry_run: bool
) -> tuple[dict[str, int], Report]:
    """Run the importer of a Cellosaurus or sequence file in the caller's transaction: its
    counts and problem report."""
    if fmt == "cellosaurus":
        count, report = cellosaurus.import_file(session, path, dry_run=dry_run)
        return {"entries": count}, report
    with open(path, encoding="utf-8") as handle:
        count, report = sequences.import_sequences(
            session, handle, fmt, code, dry_run=dry_run, name=path.name
        )
    return {"sequences": count}, report


def _counts(outcome: bulk.Outcome) -> dict[str, int]:
    return {
        "rows": outcome.rows,
        "materials": outcome.materials,
        "lots": outcome.lots,
        "items": outcome.items,
    }
