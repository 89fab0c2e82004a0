"""The `biorepo` command: database migrations, demo data, and the web server."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from repository import demo as demo_data
from repository import migrate
from repository.db import unit_of_work
from repository.errors import DomainError
from repository.services import accounts, notifications
from repository.vocabulary import Role

from . import SPEC_FILE, config, create_app, spec_text


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
    click.echo(_run(demo_data.load))


@main.group()
def user() -> None:
    """Users and their roles."""


@user.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--collection", help="The collection a curator curates (its code).")
@click.option("--org", help="The user's organisation (created if new).")
@click.option("--name", help="Display name (default: the email).")
@click.option("--password", help="Prompted for when not given (machines may have none).")
@click.option("--no-password", is_flag=True, help="No password: the user logs in by token.")
def user_create(
    email: str,
    roles: tuple[str, ...],
    collection: str | None,
    org: str | None,
    name: str | None,
    password: str | None,
    no_password: bool,
) -> None:
    """Create a user with roles, e.g. `biorepo user create li@lab.org --role curator
    --collection CCBR`."""
    if password is None and not no_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    grants = [(Role(r), collection if r == Role.CURATOR else None) for r in roles]
    _run(
        lambda db: accounts.register_user(
            db, email, name or email, roles=grants, organisation=org, password=password
        )
    )
    click.echo(f"User {email} created with roles {', '.join(roles)}.")


@main.group()
def token() -> None:
    """API tokens for scripts and printer agents."""


@token.command("create")
@click.argument("email")
@click.option("--days", default=90, show_default=True, type=int)
@click.option("--name", default="cli", show_default=True)
def token_create(email: str, days: int, name: str) -> None:
    """Create an API token for EMAIL and print it (once: only its hash is kept)."""
    secret = _run(lambda db: accounts.create_token(db, email, days, name))
    click.echo(secret)


def _run(use_case):
    """Run one use case in a transaction; a refusal is printed, with exit status 1."""
    app = create_app()
    try:
        with unit_of_work(app.extensions["biorepo"]) as session:
            return use_case(session)
    except DomainError as error:
        detail = f" {error.errors}" if hasattr(error, "errors") else ""
        click.echo(f"Refused: {error.detail}{detail}", err=True)
        sys.exit(1)


@main.group()
def outbox() -> None:
    """Notifications waiting in the outbox."""


@outbox.command("send")
@click.option("--loop", is_flag=True, help="Keep sending, every --interval seconds.")
@click.option("--interval", default=30, show_default=True, type=int)
def outbox_send(loop: bool, interval: int) -> None:
    """Send the notifications that are due: by SMTP when SMTP_HOST is set, to the log
    otherwise. A message that fails stays, and is retried later with a growing delay."""
    app = create_app()
    while True:
        sent, failed = notifications.deliver(app.extensions["biorepo"], config.smtp(app.config))
        click.echo(f"Sent {sent}, failed {failed} (retried later).")
        if not loop:
            return
        time.sleep(interval)


@main.command()
@click.option(
    "--output", type=click.Path(dir_okay=False), default=str(SPEC_FILE), show_default=True
)
def openapi(output: str) -> None:
    """Write the OpenAPI document the code generates (commit it: a test compares)."""
    Path(output).write_text(spec_text(create_app()), encoding="utf-8")
    click.echo(f"OpenAPI document written to {output}")


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
