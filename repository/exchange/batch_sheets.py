"""Sheets of changes for a batch edit: a CSV (UTF-8; `,`, `;` or a tab between cells) with a
header line naming the records' code column and the fields to change, one line per record —
items by `barcode` (any of `status`, `quantity` and `note`), materials by `accession_number`
(and, where a number is used in two collections, `collection`; any field a single edit of a
material takes, a kind's own fields too, which only materials of that kind take). Each line's
changes are read by the batch edit's own schema (`ChangesIn`, `MaterialChangesIn`), so a cell
is checked as the API checks it. An empty cell changes nothing; a cell holding exactly
`(clear)` clears an optional field (a list: emptied), and is refused for a field that must
have a value; a list's values are separated by `;`.

Reading is pure: bytes in, the lines (or every problem, with its line number) out."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError, fields

from ..schemas.batch_edits import ChangesIn
from ..schemas.fields import StrictSchema
from ..schemas.material_batch_edits import MaterialChangesIn
from . import limits
from .columns import cell_value
from .formulas import TRIGGERS, restored
from .problems import ImportRejected, Report
from .rack_scans import read_code, small_text
from .tabular import sniff_delimiter

SHEET_FILE = 2 * limits.MIB  # a sheet of changes, as uploaded
SHEET_LINES = 20_000  # the records one batch edits (batch_engine.MOST), one a line
CODE = "barcode"
COLUMNS = (CODE, "status", "quantity", "note")
ACCESSION = "accession_number"
COLLECTION = "collection"
CLEAR = "(clear)"  # a cell that clears an optional field


def _accession(line: int, column: str, value: str, report: Report) -> str | None:
    """An accession number as stored, or None (a problem reported): not a formula, not too
    long, no control character."""
    if value[:1] in TRIGGERS:
        report.add(line, column, value, "A code does not start like a spreadsheet formula.")
    elif len(value) > 64:
        report.add(line, column, value, "An accession number has at most 64 characters.")
    elif not value.isprintable():
        report.add(line, column, value, "A code holds no control character.")
    else:
        return value
    return None


@dataclass(frozen=True)
class SheetForm:
    """What a sheet of a kind of record holds: its code column (and how a code is read), the
    other key columns, its change columns and the schema reading them, its records' name."""

    code: str
    keys: tuple[str, ...]
    changes: tuple[str, ...]
    schema: Callable[[], StrictSchema]
    read_code: Callable[[int, str, str, Report], str | None]
    noun: str

    @property
    def one(self) -> str:
        return f"{'An' if self.noun[0] in 'aeiou' else 'A'} {self.noun}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.code, *self.keys, *self.changes)


ITEMS = SheetForm(CODE, (), COLUMNS[1:], ChangesIn, read_code, "item")
MATERIALS = SheetForm(
    ACCESSION,
    (COLLECTION,),
    tuple(MaterialChangesIn._declared_fields),
    MaterialChangesIn,
    _accession,
    "material",
)


@dataclass(frozen=True)
class SheetLine:
    """One line of a sheet: its number in the file (the header is 1), the record's code (and
    other keys: a material's collection), and the changes it asks for."""

    line: int
    code: str
    changes: Any
    keys: tuple[tuple[str, str], ...] = ()

    @property
    def barcode(self) -> str:
        return self.code


@dataclass(frozen=True)
class Sheet:
    lines: tuple[SheetLine, ...]
    digest: str  # SHA-256 of the file as uploaded


def _header(cells: list[str], report: Report, form: SheetForm) -> dict[str, int] | None:
    names = [c.strip().lower() for c in cells]
    columns = form.columns
    for index, name in enumerate(names):
        if name not in columns:
            report.add(1, name, cells[index], f"Not a column of a sheet: {', '.join(columns)}.")
        elif names.index(name) != index:
            report.add(1, name, cells[index], "A column named twice.")
    if form.code not in names:
        report.add(
            1,
            form.code,
            None,
            f"The header names the {form.noun}s' {form.code.replace('_', ' ')} column "
            f"({form.code}).",
        )
    if not set(names) & set(form.changes):
        report.add(1, None, None, f"Name what to change: {', '.join(form.changes)}.")
    return None if not report.ok else {name: i for i, name in enumerate(names)}


def read_sheet(data: bytes, form: SheetForm = ITEMS) -> Sheet:
    """The lines of a sheet of changes; every problem found, each with its line, is raised
    together (ImportRejected), so nothing is written from a bad sheet."""
    report = Report()
    text = small_text(data, report, "A sheet of changes", SHEET_LINES + 1, SHEET_FILE)
    if text is None:
        raise ImportRejected(report)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        report.add(
            None, None, None, f"The sheet is empty: a header line, then a line per {form.noun}."
        )
        raise ImportRejected(report)
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sniff_delimiter(lines[0])))
    except csv.Error as error:
        report.add(None, None, None, f"Not a CSV file: {error}.")
        raise ImportRejected(report) from None
    columns = _header(rows[0], report, form)
    if columns is None:
        raise ImportRejected(report)
    found: list[SheetLine] = []
    seen: dict[tuple[str, ...], int] = {}
    schema = form.schema()
    keys = [name for name in form.keys if name in columns]
    for number, raw in enumerate(rows[1:], start=2):
        cells = [restored(c.strip()) for c in raw]
        if not any(cells):
            continue
        if len(cells) > len(columns):
            report.add(number, None, None, f"A line has at most {len(columns)} cells.")
            continue
        cells += [""] * (len(columns) - len(cells))
        raw_code = cells[columns[form.code]]
        code = form.read_code(number, form.code, raw_code, report) if raw_code else None
        if not raw_code:
            report.add(number, form.code, None, f"Give the {form.noun}'s {form.code}.")
        given = {n: cells[i] for n, i in columns.items() if n in form.changes and cells[i]}
        changes = _changes(schema, number, given, report)
        key = tuple((name, cells[columns[name]]) for name in keys if cells[columns[name]])
        if code is None or changes is None:
            continue
        named = (code, *(value for _, value in key))
        if named in seen:
            report.add(number, form.code, code, f"{form.one} listed twice (line {seen[named]}).")
            continue
        seen[named] = number
        found.append(SheetLine(number, code, changes, key))
    if not report.ok:
        raise ImportRejected(report)
    return Sheet(tuple(found), hashlib.sha256(data).hexdigest())


def _cell(field: fields.Field, text: str) -> Any:
    """A cell as `field` loads it: `(clear)` is null, or an empty list (a ValueError for a
    field that must have a value); a list's values are separated by `;`."""
    if text != CLEAR:
        return cell_value(field, text)
    if isinstance(field, fields.List):
        return []
    if not field.allow_none:
        raise ValueError(f"This field must have a value: {CLEAR} cannot clear it.")
    return None


def _changes(schema: StrictSchema, line: int, cells: dict[str, str], report: Report) -> Any:
    """A line's changes, read by the batch edit's schema; its problems reported by column."""
    given: dict[str, Any] = {}
    for column, text in cells.items():
        try:
            given[column] = _cell(schema.fields[column], text)
        except ValueError as error:
            report.add(line, column, text, str(error))
    if len(given) < len(cells):
        return None
    try:
        changes = schema.load(given)
    except ValidationError as error:
        messages = error.normalized_messages()
        for column, said in messages.items() if isinstance(messages, dict) else []:
            for message in _flat(said):
                report.add(line, column, cells.get(column), message)
        return None
    return changes


def _flat(said: Any) -> list[str]:
    """A field's messages, a list's by value (marshmallow keys them by the value's index)."""
    if isinstance(said, dict):
        return [message for value in said.values() for message in _flat(value)]
    if isinstance(said, list):
        return [message for value in said for message in _flat(value)]
    return [str(said)]
