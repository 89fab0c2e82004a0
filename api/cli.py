"""The `biorepo` command: database migrations, demo data, and the web server."""

from __future__ import annotations

import sys

import click
from sqlalchemy.engine import make_url

from repository import demo as demo_data
from repository import migrate
from repository.db import unit_of_work
from repository.errors import DomainError

from . import create_app


@click.group()
def main() -> None:
    """biorepo: a biological resource library."""


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the configured database (DATABASE_URL) to a revision."""
    app = create_app()
    migrate.upgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}: {_safe_url(app.config['DATABASE_URL'])}")


@main.command()
def demo() -> None:
    """Load the demo data (safe to run twice)."""
    app = create_app()
    try:
        with unit_of_work(app.extensions["biorepo"]) as session:
            summary = demo_data.load(session)
    except DomainError as error:
        click.echo(f"Demo data did not load: {error}", err=True)
        sys.exit(1)
    click.echo(summary)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the HTTP API."""
    app = create_app()
    click.echo(
        f"biorepo on http://{host}:{port}/api/v1/health "
        f"(database {_safe_url(app.config['DATABASE_URL'])})"
    )
    app.run(host=host, port=port, debug=False, use_reloader=False)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
