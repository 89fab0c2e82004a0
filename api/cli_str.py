"""The `biorepo str search FILE` command: a profile from a file (CLASTR-style text, one
`Marker: alleles` a line, or JSON) searched as the API searches it, the ranked references
printed, as JSON with --json, and the PDF report written with --pdf."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from labels.str_report import render_str_report
from repository.db import unit_of_work
from repository.schemas.str_search import StrSearchIn
from repository.services import str_search
from repository.services.accounts import STAFF_VIEW
from repository.str_search import Algorithm, Mode

from . import command_app
from .cli_refusals import refusing
from .schemas.str_search import SearchOut

MOST_BYTES = 64 * 1024


@click.group("str")
def str_group() -> None:
    """STR profiles of cell lines."""


def _body(path: Path) -> dict[str, Any]:
    """The search a file asks for: text is the profile; JSON is a profile (marker →
    alleles) or a whole search (with `profile`)."""
    if path.stat().st_size > MOST_BYTES:
        raise click.ClickException(f"{path.name}: larger than {MOST_BYTES // 1024} KiB.")
    text = path.read_text(encoding="utf-8-sig")
    if not text.lstrip().startswith("{"):
        return {"profile": text}
    try:
        given = json.loads(text)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{path.name}: not JSON ({error}).") from None
    return given if "profile" in given else {"profile": given}


@str_group.command("search")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--algorithm", type=click.Choice([a.value for a in Algorithm]), help="Default: tanabe."
)
@click.option("--mode", type=click.Choice([m.value for m in Mode]), help="Default: non_empty.")
@click.option("--include-amelogenin", is_flag=True, default=None, help="Score Amelogenin too.")
@click.option("--score-filter", type=int, help="The lowest best score reported (default 60).")
@click.option("--min-markers", type=int, help="The fewest markers compared (default 8).")
@click.option("--max-results", type=int, help="At most this many references (default 200).")
@click.option("--description", help="A note printed with the results and in the report.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as the API gives them.")
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path), help="Write the report.")
def search(file: Path, as_json: bool, pdf: Path | None, **options: Any) -> None:
    """Search the STR profile in FILE (one `Marker: alleles` a line, or JSON) against the
    Cellosaurus references and the collection's cell lines, as CLASTR scores it."""
    body = _body(file)
    body.update({k: v for k, v in options.items() if v is not None})
    factory = command_app().extensions["biorepo"]
    with refusing("Nothing was searched."):
        command = StrSearchIn().load_or_fail(body)
        with unit_of_work(factory, write=False) as session:
            outcome = str_search.search(session, STAFF_VIEW, command)
    found = SearchOut().dump(outcome)
    if pdf is not None:
        run_on = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        pdf.write_bytes(render_str_report(found, run_on))
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        _print(found)
    if pdf is not None:
        click.echo(f"Report written to {pdf}", err=True)


def _print(found: dict[str, Any]) -> None:
    if found["unknown_markers"]:
        names = ", ".join(found["unknown_markers"])
        click.echo(f"Not compared (markers CLASTR does not know): {names}")
    click.echo(
        f"{found['found']} of {found['searched']} references reported "
        f"({found['parameters']['algorithm']}, {found['parameters']['mode']})."
    )
    for result in found["results"]:
        for profile in result["profiles"]:
            label = f" ({profile['label']})" if profile["label"] else ""
            where = result["collection"] or "Cellosaurus"
            click.echo(
                f"{result['rank']:>4}  {profile['score']:6.2f} %  "
                f"{profile['markers_compared']:>2} markers  {profile['verdict']:<9}  "
                f"{result['accession']}  {result['name']}  [{where}]{label}"
            )
        for caution in result["cautions"]:
            click.echo(f"{'':>6}caution: {caution}")
