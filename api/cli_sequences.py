"""The `biorepo identify FASTA` command (each record's closest sequences, as the API finds
them, as a table or as JSON) and `biorepo import references FILE` (a reference set from a
FASTA or GenBank file, all or nothing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from marshmallow import fields, validate

from repository.db import unit_of_work
from repository.exchange import reference_sets
from repository.exchange.sequences import FORMATS
from repository.schemas.sequences import IdentifyIn, ReferenceSetIn
from repository.sequence_search import CANDIDATES, CONVENTION
from repository.services import identification
from repository.services.accounts import STAFF_VIEW
from repository.vocabulary import IdentityVerdict
from repository.words import words

from . import command_app
from .cli_exchange import _import_records, import_group
from .cli_refusals import refusing
from .schemas.sequences import IdentifyOut


class FileIdentifyIn(IdentifyIn):
    """An identification of a file's records, as many as it holds (the operator's time, not
    a server's)."""

    most_queries = None
    most_work = None
    fasta = fields.String(validate=validate.Length(min=1))


@click.command("identify")
@click.argument("fasta", type=click.File("r", encoding="utf-8-sig"))
@click.option("--marker", help="The records' marker (16S rRNA, ITS...), else each one's own.")
@click.option(
    "--set", "sets", multiple=True, help="A reference set to search; repeat. Default: all."
)
@click.option("--no-collections", is_flag=True, help="Leave out the collections' sequences.")
@click.option("--hits", type=int, default=5, show_default=True, help="Hits shown per record.")
@click.option(
    "--candidates",
    type=int,
    default=CANDIDATES,
    show_default=True,
    help="Candidates aligned per record (those sharing the most 8-mers).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as the API gives them.")
def identify(fasta, marker, sets, no_collections, hits, candidates, as_json) -> None:
    """The closest sequences to each record of FASTA (- for stdin) among the reference sets
    and the collections' sequences: identity, coverage, taxon and the verdict of the marker's
    thresholds."""
    body: dict[str, Any] = {
        "fasta": fasta.read(),
        "collections": not no_collections,
        "hits": hits,
        "candidates": candidates,
    }
    if marker:
        body["marker"] = marker
    if sets:
        body["sets"] = list(sets)
    factory = command_app().extensions["biorepo"]
    with refusing("Nothing was identified."):
        command = FileIdentifyIn().load_or_fail(body)
        with unit_of_work(factory, write=False) as session:
            results = identification.identify(session, STAFF_VIEW, command)
    found = IdentifyOut().dump({"convention": CONVENTION, "results": results})
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for result in found["results"]:
        _print(result)
    click.echo(found["convention"])


def _verdict(value: str) -> str:
    said = words(IdentityVerdict(value))
    return said.en if said is not None else value


def _print(result: dict[str, Any]) -> None:
    marker = result["marker"] or "marker not known"
    click.echo(
        f"{result['query']} ({result['length']:,} bases, {marker}): "
        f"{_verdict(result['verdict'])}; {result['aligned']} of {result['searched']:,} "
        "sequences aligned."
    )
    limits = result["thresholds"]
    if limits is not None:
        click.echo(
            f"  thresholds: species {limits['species']:g} %, genus {limits['genus']:g} %, "
            f"coverage {limits['min_coverage']:g} %"
        )
    for hit in result["hits"]:
        where = f"{hit['material']} [{hit['source']}]" if hit["material"] else f"[{hit['source']}]"
        click.echo(
            f"  {hit['identity']:6.2f} %  cov {hit['coverage']:5.1f} %  "
            f"{hit['aligned_columns']:>5} cols  {_verdict(hit['verdict']):<26}  "
            f"{hit['taxon']}  {hit['accession']} {where}"
        )
    if not result["hits"]:
        click.echo("  No sequence shares enough 8-mers with it.")


@import_group.command("references")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--name", required=True, help="The reference set's name.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="fasta", show_default=True)
@click.option("--marker", help="Every record's marker (16S rRNA, ITS...), else each one's own.")
@click.option("--description", help="What the set is (its source and release).")
@click.option("--replace", is_flag=True, help="Replace the set of this name.")
@click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
def import_references(file, name, fmt, marker, description, replace, dry_run) -> None:
    """A reference set from a FASTA or GenBank FILE (a type-strain 16S set, an ITS set): each
    record's taxon from [organism=...], GenBank's organism, a header starting with the
    scientific name, or a lineage (SILVA, QIIME, UNITE)."""
    given = {"name": name, "format": fmt, "replace": replace, "dry_run": dry_run}
    given.update({k: v for k, v in (("marker", marker), ("description", description)) if v})
    with refusing():
        command = ReferenceSetIn().load_or_fail(given)
    _import_records(
        lambda session: reference_sets.import_reference_set(
            session, file, command, name=Path(file.name).name
        ),
        dry_run,
        "reference sequence",
        "reference sequences",
    )
