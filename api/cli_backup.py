"""`biorepo backup OUT` and `biorepo restore IN`: the whole database (DATABASE_URL) to a file and
back, the restore checked and verified."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from repository import backup as backups

from . import config


def _database_url() -> str:
    """The configured database, read as the app reads it (its instance folder for the SQLite
    default) without making an app: these commands sign nothing."""
    instance = Flask(
        "api", instance_path=config.instance_folder(), instance_relative_config=True
    ).instance_path
    return config.load(instance, {"SECRET_KEY": secrets.token_urlsafe(48)})["DATABASE_URL"]


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(out: Path) -> None:
    """Write a backup of the database to OUT, while the servers run: SQLite through its online
    backup API, PostgreSQL with `pg_dump --format=custom` (a consistent snapshot)."""
    url = _database_url()
    try:
        found = backups.backup(url, out)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup of {_shown(url)} written to {out} (schema revision {found.revision}).")


@click.command("restore")
@click.argument("source", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Restore over a database that is not empty (its tables are replaced).",
)
def restore_command(source: Path, force: bool) -> None:
    """Restore the backup IN into the database (DATABASE_URL), which must be new and empty
    (unless --force); then print its audit chain check and its counts by kind. A file that is
    not a backup, is truncated, or comes from a newer schema is refused, changing nothing."""
    url = _database_url()
    try:
        found = backups.restore(url, source, force=force)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {source} into {_shown(url)}.")
    _report(found)


@click.command("verify")
def verify_command() -> None:
    """Check the database (DATABASE_URL) as a restore does: its audit chain and its counts by
    kind (e.g. after a point-in-time recovery of PostgreSQL)."""
    url = _database_url()
    try:
        found = backups.verify(url)
    except SQLAlchemyError as error:
        raise click.ClickException(f"Cannot read {_shown(url)}: {type(error).__name__}.") from None
    _report(found)


def _report(found: backups.Verified) -> None:
    for line in found.lines():
        click.echo(line)
    if found.broken_at is not None:
        raise click.ClickException(
            f"The audit chain is broken at row {found.broken_at}: records were altered."
        )


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
