"""Input of sequence identification: a query (residues, or FASTA records) and where to look; a
reference set's import; the identity thresholds of a marker; a curator's review of a sequence
that places its strain in another genus. Each schema next to the command its load builds."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from ..exchange.problems import Report
from ..exchange.sequences import FORMATS, marker_of, parse
from ..sequence_search import CANDIDATES, BadResidues, Query, nucleotides
from .fields import Boolean, Entries, Integer, StrictSchema, pattern, text

MOST_QUERIES = 20  # FASTA records identified in one request
MOST_TEXT = 1_000_000  # characters of a query's residues or FASTA text
# Query bases times candidates aligned in one request (20 whole 16S genes against 32
# candidates each is 960,000): about 15 s of alignments at most.
MOST_WORK = 1_000_000
# A marker as sequences name it (16S rRNA, ITS, COI, 28S rRNA, rpoB).
MARKER = pattern(r"^[A-Za-z0-9][A-Za-z0-9 ._()/-]*$", "a marker such as 16S rRNA or ITS")
# A reference set's name: letters or digits first, so that no spreadsheet formula is a name.
SET_NAME = pattern(
    r"^[A-Za-z0-9][A-Za-z0-9 ._()+-]{0,63}$",
    "a name of letters, digits, spaces, dots, dashes and brackets (e.g. LTP 2024 16S)",
)


def marker_name(given: str | None) -> str | None:
    """A marker as the thresholds and stored sequences name it: `16S` is `16S rRNA`, `ITS2` is
    `ITS`; one no pattern knows stays as given."""
    if given is None:
        return None
    return marker_of(given) or given.strip()


def marker(**kwargs: Any) -> fields.String:
    return text(32, also=MARKER, **kwargs)


@dataclass(frozen=True, kw_only=True)
class Identify:
    """Find the closest sequences to each query among the collections' sequences (unless
    `collections` is false) and the reference sets (`sets`; None: all of them)."""

    queries: tuple[Query, ...]
    sets: tuple[str, ...] | None = None
    collections: bool = True
    hits: int = 10  # reported per query
    candidates: int = CANDIDATES  # aligned per query, the best by shared 8-mers


class IdentifyIn(StrictSchema):
    """A request's identification; its bounds (MOST_QUERIES, MOST_WORK) are a request's, which
    the command line, reading a file of its operator's, lifts."""

    most_queries: int | None = MOST_QUERIES
    most_work: int | None = MOST_WORK

    residues = fields.String(validate=validate.Length(min=1, max=MOST_TEXT))
    name = text(64)  # of the residues' query (default: query)
    fasta = fields.String(validate=validate.Length(min=1, max=MOST_TEXT))
    marker = marker()  # of every query (else each FASTA record's own, if it says)
    sets = Entries(fields.String(validate=SET_NAME), most=20)
    collections = Boolean(load_default=True)
    hits = Integer(load_default=10, validate=validate.Range(1, 50))
    candidates = Integer(load_default=CANDIDATES, validate=validate.Range(1, 200))

    @validates_schema
    def _one_query(self, data: dict, **_: Any) -> None:
        if ("residues" in data) == ("fasta" in data):
            raise ValidationError("Give the residues or FASTA text, one of them.", "residues")

    @post_load
    def _command(self, data: dict, **_: Any) -> Identify:
        named = marker_name(data.get("marker"))
        if "residues" in data:
            try:
                residues = nucleotides(data["residues"])
            except BadResidues as error:
                raise ValidationError(str(error), "residues") from None
            queries: tuple[Query, ...] = (Query(data.get("name") or "query", residues, named),)
        else:
            queries = fasta_queries(data["fasta"], named, self.most_queries)
        work = sum(len(q.residues) for q in queries) * data["candidates"]
        if self.most_work is not None and work > self.most_work:
            raise ValidationError(
                f"{work:,} query bases × candidates to align; at most {self.most_work:,} at "
                "once: send fewer records, or ask for fewer candidates.",
                "residues" if "residues" in data else "fasta",
            )
        sets = data.get("sets")
        return Identify(
            queries=queries,
            sets=tuple(dict.fromkeys(sets)) if sets is not None else None,
            collections=data["collections"],
            hits=data["hits"],
            candidates=data["candidates"],
        )


def fasta_queries(
    text: str, marker: str | None = None, most: int | None = MOST_QUERIES
) -> tuple[Query, ...]:
    """The records of FASTA text as queries (`marker`, when given, for each); any record that
    cannot be compared, or more than `most` of them, is a ValidationError on `fasta` naming
    each record and what is wrong."""
    if not text.lstrip().startswith(">"):
        raise ValidationError("FASTA text starts with a >header line.", "fasta")
    report = Report()
    queries: list[Query] = []
    for record in parse(io.StringIO(text), "fasta", report):
        if most is not None and record.number > most:
            report.add(record.number, None, None, f"At most {most} records are identified at once.")
            break
        try:
            residues = nucleotides(record.residues)
        except BadResidues as error:
            report.add(record.number, "sequence", record.accession, str(error))
            continue
        queries.append(Query(record.accession[:64], residues, marker or marker_name(record.marker)))
    if not report.ok:
        raise ValidationError([_said(p.row, p.value, p.message) for p in report.problems], "fasta")
    return tuple(queries)


def _said(row: int | None, name: str | None, message: str) -> str:
    where = f"Record {row}" + (f" ({name})" if name else "") if row is not None else ""
    return f"{where}: {message}" if where else message


@dataclass(frozen=True, kw_only=True)
class ImportReferenceSet:
    """Import a FASTA or GenBank file as the reference set `name` (replacing the set of that
    name only when `replace`); `marker` for records that do not say theirs."""

    name: str
    format: str
    marker: str | None = None
    description: str | None = None
    replace: bool = False
    dry_run: bool = False


class ReferenceSetIn(StrictSchema):
    name = text(64, required=True, also=SET_NAME)
    format = fields.String(load_default="fasta", validate=validate.OneOf(FORMATS))
    marker = marker()
    description = text(500)
    replace = Boolean(load_default=False)
    dry_run = Boolean(load_default=False)

    @post_load
    def _command(self, data: dict, **_: Any) -> ImportReferenceSet:
        return ImportReferenceSet(**{**data, "marker": marker_name(data.get("marker"))})


@dataclass(frozen=True, kw_only=True)
class SetThresholds:
    """The identities (percent) at which a sequence of `marker` is of a hit's species or
    genus, and the least coverage of the query for either."""

    marker: str
    species: float
    genus: float
    min_coverage: float = 80.0
    source: str | None = None


def _percent(value: float) -> None:
    if not 0 < value <= 100:
        raise ValidationError("A percentage above 0 and at most 100.")


class ThresholdsIn(StrictSchema):
    marker = marker(required=True)
    species = fields.Float(required=True, allow_nan=False, validate=_percent)
    genus = fields.Float(required=True, allow_nan=False, validate=_percent)
    min_coverage = fields.Float(load_default=80.0, allow_nan=False, validate=_percent)
    source = text(500)

    @validates_schema
    def _genus_below_species(self, data: dict, **_: Any) -> None:
        if "species" in data and "genus" in data and data["genus"] > data["species"]:
            raise ValidationError("The genus threshold is at most the species threshold.", "genus")

    @post_load
    def _command(self, data: dict, **_: Any) -> SetThresholds:
        return SetThresholds(**{**data, "marker": marker_name(data["marker"])})


@dataclass(frozen=True)
class Review:
    """A curator keeps the declared taxon of a strain whose sequence places it in another
    genus, and says why."""

    note: str


class ReviewIn(StrictSchema):
    note = text(500, required=True, also=pattern(r"\S", "a note saying why the taxon is kept"))

    @post_load
    def _command(self, data: dict, **_: Any) -> Review:
        return Review(data["note"].strip())
