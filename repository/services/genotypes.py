"""Genotypes of animals: one recorded at a time, an animal's listed, and a genotyping lab's
file (CSV or XLSX) imported all or nothing: a file with any problem writes nothing and its
report names the row and column of each."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from .. import barcodes
from ..errors import Conflict, InvalidState, ValidationFailed
from ..exchange.columns import resolve
from ..exchange.formulas import restored_rows
from ..exchange.problems import ImportRejected, Report
from ..exchange.tabular import Table, read_tables
from ..models import Animal, Genotype, Item
from ..schemas.genotypes import GenotypeIn, NewGenotype
from ..vocabulary import EventType
from .events import record_events
from .inventory import get_item

MOST_ROWS = 100_000  # rows of one file; a larger one is refused at the first row past it
CHUNK = 500  # codes looked up per query

# The columns of a lab's file: our names, and the names labs give them (normalised).
FIELDS = ("animal", "gene", "allele1", "allele2", "result", "method", "date")
ALIASES = {
    "animal_code": "animal",
    "animal_id": "animal",
    "barcode": "animal",
    "sample": "animal",
    "sample_id": "animal",
    "locus": "gene",
    "assay": "gene",
    "gene_allele": "gene",
    "allele_1": "allele1",
    "allele_2": "allele2",
    "genotype": "result",
    "call": "result",
    "genotyped_on": "date",
    "test_date": "date",
    "date_tested": "date",
}
# A row's fields as the schema names them, and back (for the columns of problems).
SCHEMA_FIELDS = {"date": "genotyped_on"}


# --- one at a time ---------------------------------------------------------------------------


def _animal(session: Session, barcode: str) -> Item:
    item = get_item(session, barcode)
    if item.animal is None:
        raise InvalidState(f"{item.barcode} is not an animal.", field="barcode")
    return item


def record_genotype(session: Session, barcode: str, command: NewGenotype) -> Genotype:
    """Record the genotype of an animal at a gene (once a day per gene)."""
    item = _animal(session, barcode)
    if session.scalar(
        select(Genotype.id).where(
            Genotype.item_id == item.id,
            Genotype.gene == command.gene,
            Genotype.genotyped_on == command.genotyped_on,
        )
    ):
        raise Conflict(
            f"{item.barcode} is genotyped at {command.gene} on {command.genotyped_on} already.",
            field="gene",
        )
    genotype = Genotype(item_id=item.id, **vars(command))
    session.add(genotype)
    session.flush()
    _events(session, [(item, genotype)])
    return genotype


def genotypes(session: Session, barcode: str) -> list[Genotype]:
    """The animal's genotypes, by gene, the latest first."""
    item = _animal(session, barcode)
    return list(
        session.scalars(
            select(Genotype)
            .where(Genotype.item_id == item.id)
            .order_by(Genotype.gene, Genotype.genotyped_on.desc(), Genotype.id)
        )
    )


def _events(session: Session, found: Iterable[tuple[Item, Genotype]]) -> None:
    record_events(
        session,
        EventType.ANNOTATED,
        (
            {
                "item_id": item.id,
                "lot_id": item.lot_id,
                "data": {
                    "genotype": g.gene,
                    "alleles": f"{g.allele1}/{g.allele2}",
                    "genotyped_on": g.genotyped_on,
                },
            }
            for item, g in found
        ),
    )


# --- a lab's file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """A row of a lab's file that loaded: its number, the animal's code and the genotype."""

    row: int
    code: str
    genotype: NewGenotype


def import_file(
    session: Session, path: str | Path, dry_run: bool = False, name: str | None = None
) -> tuple[int, Report]:
    """Check a genotyping lab's file (columns animal, gene, allele1 and allele2 or result
    `a/b`, method, date) and, with no problem and not dry, record its genotypes: the count
    and the report. Any problem, not dry, raises ImportRejected and nothing is written."""
    report = Report(file=name or Path(path).name)
    titles: dict[str, str] = {}
    rows = list(_rows(path, report, titles))
    items = _animals(session, rows, titles, report)
    _duplicates(session, rows, items, titles, report)
    report.in_order()
    if not report.ok and not dry_run:
        raise ImportRejected(report)
    if not dry_run:
        _write(session, rows, items)
    return len(rows), report


def _rows(path: str | Path, report: Report, titles: dict[str, str]) -> Iterator[Read]:
    """The rows of the file's first table that load, the problems of the others reported;
    `titles` gets the column title of each field."""
    tables = read_tables(path, report)  # held, so the file stays open while read
    table = next(tables, None)
    if table is not None:
        yield from _table_rows(table, report, titles)


def _table_rows(table: Table, report: Report, titles: dict[str, str]) -> Iterator[Read]:
    columns = resolve(table.header, FIELDS, ALIASES, None, report)
    given = {c for c in columns if c}
    missing = [c for c in ("animal", "gene", "date") if c not in given]
    if "result" not in given and not {"allele1", "allele2"} <= given:
        missing.append("allele1 and allele2, or result")
    if missing:
        report.add(1, None, None, f"Missing column(s): {', '.join(missing)}.")
    if not report.ok:
        return
    titles.update(
        {SCHEMA_FIELDS.get(c, c): t for c, t in zip(columns, table.header, strict=True) if c}
    )
    for number, cells in restored_rows(table.rows):
        if number - 1 > MOST_ROWS:
            report.add(number, None, None, f"A file holds at most {MOST_ROWS:,} rows.")
            return
        values = {c: v.strip() for c, v in zip(columns, cells, strict=False) if c and v.strip()}
        if not values:
            continue
        read = _row(number, values, titles, report)
        if read is not None:
            yield read


def _row(
    number: int, values: dict[str, str], titles: dict[str, str], report: Report
) -> Read | None:
    """One row as a genotype, or its problems reported."""
    fields: dict[str, Any] = {
        SCHEMA_FIELDS.get(k, k): v for k, v in values.items() if k not in ("animal", "result")
    }
    result = values.get("result")
    if result is not None and "allele1" not in values and "allele2" not in values:
        alleles = [a.strip() for a in result.split("/")]
        if len(alleles) != 2 or not all(alleles):
            report.add(
                number, titles["result"], result, "Write the result as allele/allele (+/-, wt/ko)."
            )
            return None
        fields["allele1"], fields["allele2"] = alleles
    code = values.get("animal")
    problems = False
    if code is None:
        report.add(number, titles["animal"], None, "Missing data for required field.")
        problems = True
    else:
        try:
            code = barcodes.scanned(code, "animal")
        except ValidationFailed as error:
            report.add_errors(number, error.errors, {"animal": titles["animal"]}, values)
            problems = True
    try:
        genotype = GenotypeIn().load(fields)
    except ValidationError as error:
        messages = error.normalized_messages()
        assert isinstance(messages, dict)
        if "allele1" in messages and "result" in titles and "allele1" not in titles:
            messages["result"] = messages.pop("allele1")
        report.add_errors(number, messages, titles, {**fields, **values})
        return None
    return None if problems or code is None else Read(number, code, genotype)


def _animals(
    session: Session, rows: list[Read], titles: dict[str, str], report: Report
) -> dict[str, Item]:
    """The animals the rows name, by code; a code of no animal is a problem of its rows."""
    codes = sorted({r.code for r in rows})
    found: dict[str, Item] = {}
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        found.update(
            (item.barcode, item)
            for item in session.scalars(
                select(Item).join(Animal, Animal.item_id == Item.id).where(Item.barcode.in_(chunk))
            )
        )
    for read in rows:
        if read.code not in found:
            report.add(read.row, titles["animal"], read.code, "No animal has this code.")
    return found


def _duplicates(
    session: Session,
    rows: list[Read],
    items: dict[str, Item],
    titles: dict[str, str],
    report: Report,
) -> None:
    """A row giving an animal's gene on a day twice, or one recorded already, is a problem."""
    first: dict[tuple[str, str, Any], int] = {}
    for read in rows:
        key = (read.code, read.genotype.gene, read.genotype.genotyped_on)
        seen = first.setdefault(key, read.row)
        if seen != read.row:
            report.add(
                read.row, titles["gene"], read.genotype.gene, f"The same genotype as row {seen}."
            )
    known = [r for r in rows if r.code in items]
    for start in range(0, len(known), CHUNK):
        chunk = known[start : start + CHUNK]
        keys = [(items[r.code].id, r.genotype.gene, r.genotype.genotyped_on) for r in chunk]
        recorded = {
            (row.item_id, row.gene, row.genotyped_on)
            for row in session.execute(
                select(Genotype.item_id, Genotype.gene, Genotype.genotyped_on).where(
                    tuple_(Genotype.item_id, Genotype.gene, Genotype.genotyped_on).in_(keys)
                )
            )
        }
        for read, known_key in zip(chunk, keys, strict=True):
            if known_key in recorded:
                report.add(
                    read.row,
                    titles["gene"],
                    read.genotype.gene,
                    "This genotype is recorded already.",
                )


def _write(session: Session, rows: list[Read], items: dict[str, Item]) -> None:
    written = []
    for read in rows:
        item = items[read.code]
        genotype = Genotype(item_id=item.id, **vars(read.genotype))
        session.add(genotype)
        written.append((item, genotype))
    session.flush()
    _events(session, written)
