"""The `biorepo` command: database migrations, demo data, users and tokens, labels, the print
worker, and the web server."""

from __future__ import annotations

import time
from pathlib import Path

import click
from sqlalchemy.engine import make_url

import labels
from repository import demo as demo_data
from repository import migrate
from repository.db import unit_of_work
from repository.models.base import utcnow
from repository.schemas.admin import NewToken
from repository.services import accounts, due, labelling, notifications, printing, sharing
from repository.vocabulary import LabelTemplate, Role

from . import SPEC_FILE, command_app, config, create_app, logs, serving, spec_text
from .cli_backup import backup_command, restore_command, verify_command
from .cli_colony import census_group, genotypes_group
from .cli_exchange import export_group, import_group
from .cli_refusals import refusing
from .cli_sequences import identify
from .cli_str import str_group
from .cli_worker import worker_command
from .resources.due import sources as due_sources
from .resources.labels import FORMATS


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
    app = command_app()
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
    command = NewToken(name=name, days=days, email=email)
    secret = _run(lambda db: accounts.create_token(db, command).secret)
    click.echo(secret)


def _run(use_case, app=None):
    """Run one use case in a transaction; a refusal is printed, with exit status 1."""
    app = app or command_app()
    with refusing(), unit_of_work(app.extensions["biorepo"]) as session:
        return use_case(session)


@main.group()
def outbox() -> None:
    """Notifications waiting in the outbox."""


@outbox.command("send")
@click.option("--loop", is_flag=True, help="Keep sending, every --interval seconds.")
@click.option("--interval", default=30, show_default=True, type=int)
def outbox_send(loop: bool, interval: int) -> None:
    """Remind whoever must act on requests idle longer than REQUEST_OVERDUE_DAYS, then send the
    notifications that are due: by SMTP when SMTP_HOST is set, to the log otherwise. A message
    that fails stays, and is retried later with a growing delay."""
    app = command_app()
    while True:
        _run(lambda db: sharing.remind_overdue(db, app.config["REQUEST_OVERDUE_DAYS"]), app)
        sent, failed = notifications.deliver(app.extensions["biorepo"], config.smtp(app.config))
        click.echo(f"Sent {sent}, failed {failed} (retried later).")
        if not loop:
            return
        time.sleep(interval)


@main.group("due")
def due_group() -> None:
    """What is due: the staff's work, today and overdue."""


@due_group.command("digest")
def due_digest() -> None:
    """Queue today's digest of what is due to each staff person with anything due (requests
    overdue after REQUEST_OVERDUE_DAYS); run daily, e.g. from cron: running it again the same
    day queues nothing new. `biorepo outbox send` sends it."""
    app = command_app()
    with app.app_context():
        sources = due_sources()
    queued = _run(lambda db: due.digest(db, utcnow().date(), sources=sources), app)
    click.echo(f"Queued {queued} digest(s).")


@main.command()
@click.option(
    "--output", type=click.Path(dir_okay=False), default=str(SPEC_FILE), show_default=True
)
def openapi(output: str) -> None:
    """Write the OpenAPI document the code generates (commit it: a test compares)."""
    Path(output).write_text(spec_text(command_app()), encoding="utf-8")
    click.echo(f"OpenAPI document written to {output}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the pages and the HTTP API under gunicorn (see the README's Deploying)."""
    logs.start()
    with serving.shared_metrics():
        try:
            app = create_app()  # refuses an insecure configuration before any worker starts
        except config.InsecureConfiguration as error:
            raise click.ClickException(str(error)) from None
        click.echo(
            f"biorepo on http://{host}:{port}/ (database {_safe_url(app.config['DATABASE_URL'])})"
        )
        app.extensions["biorepo.engine"].dispose()
        serving.serve(create_app, host, port, workers, threads)


main.add_command(import_group)
main.add_command(export_group)
main.add_command(genotypes_group)
main.add_command(census_group)
main.add_command(str_group)
main.add_command(identify)
main.add_command(worker_command)
main.add_command(backup_command)
main.add_command(restore_command)
main.add_command(verify_command)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@main.group("labels")
def labels_group() -> None:
    """Label documents."""


@labels_group.command("render")
@click.argument("barcodes", nargs=-1)
@click.option("--lot", type=int, help="Every item of this lot still held.")
@click.option("--box", help="A box: its lid label, its map, or its items (with --template).")
@click.option("--template", type=click.Choice([t.value for t in LabelTemplate]))
@click.option("--format", "fmt", default="pdf", show_default=True, type=click.Choice(FORMATS))
@click.option("--dpi", default=300, show_default=True, type=click.Choice(["203", "300", "600"]))
@click.option(
    "--sheet",
    help=f"A label sheet instead of a roll: a stock ({', '.join(labels.SHEETS)}) or COLSxROWS.",
)
@click.option("--page", default="A4", show_default=True, type=click.Choice(list(labels.PAGES)))
@click.option("--left", type=float, help="Left margin of a COLSxROWS sheet, mm (else centred).")
@click.option("--top", type=float, help="Top margin of a COLSxROWS sheet, mm (else centred).")
@click.option("--gap", type=float, default=0.0, show_default=True, help="Between labels, mm.")
@click.option("--start", default=1, show_default=True, help="First free cell of the sheet.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
def labels_render(
    barcodes: tuple[str, ...],
    lot: int | None,
    box: str | None,
    template: str | None,
    fmt: str,
    dpi: str,
    sheet: str | None,
    page: str,
    left: float | None,
    top: float | None,
    gap: float,
    start: int,
    out: str,
) -> None:
    """Render the labels of BARCODES (or --lot, or --box) to a file."""
    app = command_app()

    def render(session) -> int:
        things = labelling.select_labels(
            session,
            barcodes=barcodes,
            lot=lot,
            box=box,
            template=template,
            url=app.config["LABEL_URL"],
        )
        grid = (
            labels.sheet_of(sheet, page=page, left=left, top=top, gap_x=gap, gap_y=gap)
            if sheet
            else None
        )
        labels.render(
            things,
            fmt,
            out,
            dpi=int(dpi),
            settings=app.extensions["biorepo.labels"],
            sheet=grid,
            start=start,
        )
        return len(things)

    count = _run(render, app)
    click.echo(f"{count} label{'s' if count != 1 else ''} written to {out}")


@main.group()
def printers() -> None:
    """Label printers and their queue."""


@printers.command("work")
@click.option("--once", is_flag=True, help="One pass over the queue, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
def printers_work(once: bool, interval: float) -> None:
    """Send queued print jobs to their printers, in order, retrying those that fail."""
    app = command_app()
    factory, settings = app.extensions["biorepo"], app.extensions["biorepo.labels"]
    while True:
        done = printing.work(factory, settings=settings)
        if done.sent or done.failed:
            click.echo(f"sent {done.sent}, failed {done.failed} (will retry)")
        if once:
            return
        time.sleep(interval)
