"""The `biorepo genotypes import` and `biorepo census export` commands: a genotyping lab's
file imported all or nothing, and the census of the colony on a day as CSV."""

from __future__ import annotations

import sys
from datetime import date

import click

from repository.db import unit_of_work
from repository.services import census, genotypes

from . import command_app
from .cli_refusals import print_problems, refusing


@click.group("genotypes")
def genotypes_group() -> None:
    """Genotypes of animals."""


@genotypes_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
def genotypes_import(file: str, dry_run: bool) -> None:
    """A genotyping lab's FILE (CSV or XLSX; columns animal, gene, allele1 and allele2 or
    result `a/b`, method, date), all or nothing: a file with any problem imports nothing."""
    factory = command_app().extensions["biorepo"]
    with refusing(), unit_of_work(factory, write=not dry_run) as session:
        count, report = genotypes.import_file(session, file, dry_run=dry_run)
    if dry_run:
        print_problems(report)
        click.echo(f"Dry run, nothing written. {count} genotype(s); {report.count} problem(s).")
        sys.exit(1 if report.count else 0)
    click.echo(f"Imported {count} genotype(s).")


@click.group("census")
def census_group() -> None:
    """The census of the animal colony."""


@census_group.command("export")
@click.option("--on", "on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="The day.")
@click.option("--room", help="Only this room (its barcode).")
@click.option("--out", type=click.File("w", encoding="utf-8"), default="-", help="The CSV file.")
def census_export(on, room: str | None, out) -> None:
    """The animals alive at the end of a day, per room, line and protocol, as CSV (to
    standard output unless --out names a file)."""
    day: date = on.date()
    factory = command_app().extensions["biorepo"]
    with refusing(), unit_of_work(factory, write=False) as session:
        lines = census.census(session, day, room)
    census.write_csv(lines, day, out)
    if out is not sys.stdout:
        click.echo(f"{sum(line.animals for line in lines)} animal(s) on {day}.", err=True)
