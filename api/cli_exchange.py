"""The `biorepo import` commands: bulk registration from CSV and XLSX files."""

from __future__ import annotations

import sys

import click

from repository.db import unit_of_work
from repository.errors import DomainError
from repository.exchange import bulk, tabular
from repository.exchange.problems import ImportRejected, Report

from . import create_app


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: write HEADER=field (or HEADER= to drop it).")
        mapping[header] = field
    return mapping


def _print_problems(report: Report) -> None:
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    if report.count > len(report.problems):
        click.echo(f"  ... and {report.count - len(report.problems)} more.", err=True)


@click.group("import")
def import_group() -> None:
    """Load records from files, all or nothing (a file with any problem imports nothing)."""


def _table_command(name: str) -> click.Command:
    @click.command(name)
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
    @click.option("--collection", required=True, help="The collection's code.")
    @click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
    @click.option("--map", "pairs", multiple=True, help="HEADER=field; repeat. HEADER= drops it.")
    @click.option("--encoding", help="The files' encoding, when it cannot be detected.")
    @click.option("--delimiter", help="The CSV delimiter, when it cannot be sniffed.")
    def command(files, collection, dry_run, pairs, encoding, delimiter) -> None:
        """Materials, lots and items (with their boxes and positions) from CSV or XLSX FILES:
        one row per item, or files of materials, lots and items in that order."""
        options = bulk.Options(
            collection,
            dry_run=dry_run,
            mapping=_mapping(pairs),
            encoding=encoding,
            delimiter=delimiter,
        )
        factory = create_app().extensions["biorepo"]
        total = sum(tabular.measure(f) for f in files)
        try:
            with (
                click.progressbar(length=total, label="Reading", file=sys.stderr) as bar,
                unit_of_work(factory, write=not dry_run) as session,
            ):
                outcome = bulk.import_tables(session, files, options, progress=bar.update)
        except ImportRejected as error:
            _print_problems(error.report)
            click.echo(f"{error.detail}", err=True)
            sys.exit(1)
        except DomainError as error:
            click.echo(f"Refused: {error.detail}", err=True)
            sys.exit(1)
        counts = (
            f"{outcome.rows} rows: {outcome.materials} materials, {outcome.lots} lots, "
            f"{outcome.items} items"
        )
        if dry_run:
            _print_problems(outcome.report)
            click.echo(f"Dry run, nothing written. {counts}; {outcome.report.count} problems.")
            sys.exit(1 if outcome.report.count else 0)
        click.echo(f"Imported {counts}.")

    return command


for _name in ("csv", "xlsx"):
    import_group.add_command(_table_command(_name))
