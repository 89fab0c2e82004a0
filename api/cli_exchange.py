"""The `biorepo import` and `biorepo export` commands: bulk registration from CSV and XLSX
files, and the exchange formats (MCPD, Darwin Core, Cellosaurus, FASTA and GenBank)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import click
from sqlalchemy.orm import Session

from repository.db import unit_of_work
from repository.exchange import bulk, cellosaurus, dwca, mcpd, miabis, mirri, sequences, tabular
from repository.exchange.formulas import SafeWriter
from repository.exchange.imports import check_files, in_two_passes
from repository.exchange.problems import COLUMNS, Report, problem_cells

from . import command_app
from .cli_refusals import print_problems, refusing


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: write HEADER=field (or HEADER= to drop it).")
        mapping[header] = field
    return mapping


def _counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 material`, `2 materials` (`plural` when not the noun and an s)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


@click.group("import")
def import_group() -> None:
    """Load records from files, all or nothing (a file with any problem imports nothing)."""


_problems_option = click.option(
    "--problems",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write every problem (the screen shows the first 10,000) to this CSV file.",
)


def _import(files, format: str, options: bulk.Options, problems: str | None) -> None:
    """Run one import in two passes (checked, then written in a transaction of its own) and tell
    what it did, or every problem."""
    factory = command_app().extensions["biorepo"]
    total = sum(tabular.measure(f) for f in files) if format != "dwca" else 0
    with refusing(problems_file=problems), ExitStack() as stack:
        if problems:
            out = stack.enter_context(open(problems, "w", newline="", encoding="utf-8"))
            writer = SafeWriter(out)
            writer.writerow(COLUMNS)
            options.problems = lambda problem: writer.writerow(problem_cells(problem))
        progress = None
        if sys.stderr.isatty():  # elsewhere a bar only prints its label
            bar = stack.enter_context(
                click.progressbar(length=total, label="Reading", file=sys.stderr)
            )
            progress = bar.update
        outcome = in_two_passes(
            factory,
            None,
            lambda session: check_files(session, files, format, options, progress),
        )
    counts = (
        f"{_counted(outcome.rows, 'row')}: {_counted(outcome.materials, 'material')}, "
        f"{_counted(outcome.lots, 'lot')}, {_counted(outcome.items, 'item')}"
    )
    if options.dry_run:
        print_problems(outcome.report)
        if problems and outcome.report.count:
            click.echo(f"Every problem is in {problems}.", err=True)
        found = _counted(outcome.report.count, "problem")
        click.echo(f"Dry run, nothing written. {counts}; {found}.")
        sys.exit(1 if outcome.report.count else 0)
    click.echo(f"Imported {counts}.")


def _table_command(name: str) -> click.Command:
    @click.command(name)
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
    @click.option("--collection", required=True, help="The collection's code.")
    @click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
    @click.option("--map", "pairs", multiple=True, help="HEADER=field; repeat. HEADER= drops it.")
    @click.option("--encoding", help="The files' encoding, when it cannot be detected.")
    @click.option("--delimiter", help="The CSV delimiter, when it cannot be sniffed.")
    @_problems_option
    def command(files, collection, dry_run, pairs, encoding, delimiter, problems) -> None:
        """Materials, lots and items (with their boxes and positions) from CSV or XLSX FILES:
        one row per item, or files of materials, lots and items in that order."""
        options = bulk.Options(
            collection,
            dry_run=dry_run,
            mapping=_mapping(pairs),
            encoding=encoding,
            delimiter=delimiter,
        )
        _import(files, name, options, problems)

    return command


for _name in ("csv", "xlsx", "mirri"):
    import_group.add_command(_table_command(_name))


@import_group.command("mcpd")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--collection", required=True, help="The seed bank's code (INSTCODE).")
@click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
@click.option("--encoding", help="The files' encoding, when it cannot be detected.")
@_problems_option
def import_mcpd(files, collection, dry_run, encoding, problems) -> None:
    """Seed accessions from MCPD v2.1 files (CSV or XLSX, the MCPD codes as the header)."""
    options = bulk.Options(collection, dry_run=dry_run, encoding=encoding)
    _import(files, "mcpd", options, problems)


@import_group.command("dwca")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--collection", required=True, help="The collection's code.")
@click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
@_problems_option
def import_dwca(file, collection, dry_run, problems) -> None:
    """Specimens (and LivingSpecimen strains) from a Darwin Core Archive: its core occurrence
    file, read through meta.xml, one material per row."""
    _import([file], "dwca", bulk.Options(collection, dry_run=dry_run), problems)


def _import_records(
    run: Callable[[Session], tuple[int, Report]], dry_run: bool, noun: str, plural: str
) -> None:
    """Run an import of records (not rows of materials) in one transaction and tell how many
    (`noun`, `plural`), or every problem."""
    factory = command_app().extensions["biorepo"]
    with refusing(), unit_of_work(factory, write=not dry_run) as session:
        count, report = run(session)
    if dry_run:
        print_problems(report)
        found = _counted(report.count, "problem")
        click.echo(f"Dry run, nothing written. {_counted(count, noun, plural)}; {found}.")
        sys.exit(1 if report.count else 0)
    click.echo(f"Imported {_counted(count, noun, plural)}.")


@import_group.command("cellosaurus")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
def import_cellosaurus(file, dry_run) -> None:
    """Cellosaurus reference entries from its text format (cellosaurus.txt): added, or
    replaced by accession; cell lines link to them by their CVCL accession."""
    _import_records(
        lambda session: cellosaurus.import_file(session, file, dry_run=dry_run),
        dry_run,
        "Cellosaurus entry",
        "Cellosaurus entries",
    )


def _sequence_command(fmt: str) -> click.Command:
    @click.command(fmt)
    @click.argument("file", type=click.File("r", encoding="utf-8"))
    @click.option("--collection", required=True, help="The collection's code.")
    @click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
    def command(file, collection, dry_run) -> None:
        """Sequences from a FILE, each attached to a material of the collection by its
        accession number or another identifier (the record's id, [strain=...] or
        [culture_collection=...], GenBank's /strain and /culture_collection)."""
        _import_records(
            lambda session: sequences.import_sequences(
                session, file, fmt, collection, dry_run=dry_run, name=Path(file.name).name
            ),
            dry_run,
            "sequence",
            "sequences",
        )

    return command


for _fmt in sequences.FORMATS:
    import_group.add_command(_sequence_command(_fmt))


@click.group("export")
def export_group() -> None:
    """Write a collection's records in an exchange format."""


def _export(write: Callable[[Session], int], noun: str) -> None:
    """Run one export in a read-only transaction and tell how many records it wrote."""
    factory = command_app().extensions["biorepo"]
    with refusing(), unit_of_work(factory, write=False) as session:
        count = write(session)
    click.echo(f"Exported {_counted(count, noun)}.", err=True)


@export_group.command("mcpd")
@click.argument("out", type=click.File("w", encoding="utf-8"))
@click.option("--collection", required=True, help="The seed bank's code.")
def export_mcpd(out, collection) -> None:
    """The seed accessions of a collection as MCPD v2.1 (CSV, UTF-8) to OUT (- for stdout)."""
    _export(lambda session: mcpd.export(session, collection, out), "accession")


@export_group.command("dwca")
@click.argument("out", type=click.File("wb"))
@click.option("--collection", required=True, help="The collection's code.")
def export_dwca(out, collection) -> None:
    """The open and restricted strains and specimens of a collection as a Darwin Core Archive
    (a zip of meta.xml, eml.xml and occurrence.txt) to OUT."""
    _export(lambda session: dwca.export(session, collection, out), "occurrence")


@export_group.command("fasta")
@click.argument("out", type=click.File("w", encoding="utf-8"))
@click.option("--collection", required=True, help="The collection's code.")
def export_fasta(out, collection) -> None:
    """The sequences of a collection's open and restricted materials as FASTA to OUT."""
    _export(lambda session: sequences.export_fasta(session, collection, out), "sequence")


@export_group.command("mirri")
@click.argument("out", type=click.File("w", encoding="utf-8"))
@click.option("--collection", required=True, help="The culture collection's code.")
def export_mirri(out, collection) -> None:
    """The open and restricted strains of a collection as the MIRRI strain sheet (CSV)."""
    _export(lambda session: mirri.export(session, collection, out), "strain")


@export_group.command("miabis")
@click.argument("out", type=click.File("w", encoding="utf-8"))
@click.option("--collection", required=True, help="The biobank's code.")
def export_miabis(out, collection) -> None:
    """The open and restricted specimens of a collection as MIABIS sample rows (CSV), with
    their donors (whoever runs the server's commands sees the whole database)."""
    _export(lambda session: miabis.export(session, collection, out, donors=True), "specimen")
