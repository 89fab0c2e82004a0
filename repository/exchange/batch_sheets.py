"""Sheets of changes for a batch edit: a CSV (UTF-8; `,`, `;` or a tab between cells) with a
header line naming `barcode` and any of `status`, `quantity` and `note`, one line per item.
Each line's changes are read by the batch edit's own schema (`ChangesIn`), so a cell is
checked as the API checks it.

Reading is pure: bytes in, the lines (or every problem, with its line number) out."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

from marshmallow import ValidationError

from ..schemas.batch_edits import Changes, ChangesIn
from ..schemas.fields import StrictSchema
from . import limits
from .formulas import restored
from .problems import ImportRejected, Report
from .rack_scans import _code, small_text
from .tabular import sniff_delimiter

SHEET_FILE = 2 * limits.MIB  # a sheet of changes, as uploaded
SHEET_LINES = 20_000  # the items one batch edits (batch_edits.MOST), one a line
CODE = "barcode"
COLUMNS = (CODE, "status", "quantity", "note")


@dataclass(frozen=True)
class SheetLine:
    """One line of a sheet: its number in the file (the header is 1), the item's code and
    the changes it asks for."""

    line: int
    barcode: str
    changes: Changes


@dataclass(frozen=True)
class Sheet:
    lines: tuple[SheetLine, ...]
    digest: str  # SHA-256 of the file as uploaded


def _header(cells: list[str], report: Report) -> dict[str, int] | None:
    names = [c.strip().lower() for c in cells]
    for index, name in enumerate(names):
        if name not in COLUMNS:
            report.add(1, name, cells[index], f"Not a column of a sheet: {', '.join(COLUMNS)}.")
        elif names.index(name) != index:
            report.add(1, name, cells[index], "A column named twice.")
    if CODE not in names:
        report.add(1, CODE, None, "The header names the items' barcode column (barcode).")
    if len(names) < 2:
        report.add(1, None, None, "Name what to change: status, quantity, note.")
    return None if not report.ok else {name: i for i, name in enumerate(names)}


def read_sheet(data: bytes) -> Sheet:
    """The lines of a sheet of changes; every problem found, each with its line, is raised
    together (ImportRejected), so nothing is written from a bad sheet."""
    report = Report()
    text = small_text(data, report, "A sheet of changes", SHEET_LINES + 1, SHEET_FILE)
    if text is None:
        raise ImportRejected(report)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        report.add(None, None, None, "The sheet is empty: a header line, then a line per item.")
        raise ImportRejected(report)
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sniff_delimiter(lines[0])))
    except csv.Error as error:
        report.add(None, None, None, f"Not a CSV file: {error}.")
        raise ImportRejected(report) from None
    columns = _header(rows[0], report)
    if columns is None:
        raise ImportRejected(report)
    found: list[SheetLine] = []
    seen: dict[str, int] = {}
    schema = ChangesIn()
    for number, raw in enumerate(rows[1:], start=2):
        cells = [restored(c.strip()) for c in raw]
        if not any(cells):
            continue
        if len(cells) > len(columns):
            report.add(number, None, None, f"A line has at most {len(columns)} cells.")
            continue
        cells += [""] * (len(columns) - len(cells))
        code = _code(number, CODE, cells[columns[CODE]], report) if cells[columns[CODE]] else None
        if not cells[columns[CODE]]:
            report.add(number, CODE, None, "Give the item's barcode.")
        given = {n: cells[i] for n, i in columns.items() if n != CODE and cells[i]}
        changes = _changes(schema, number, given, report)
        if code is None or changes is None:
            continue
        if code in seen:
            report.add(number, CODE, code, f"An item listed twice (line {seen[code]}).")
            continue
        seen[code] = number
        found.append(SheetLine(number, code, changes))
    if not report.ok:
        raise ImportRejected(report)
    return Sheet(tuple(found), hashlib.sha256(data).hexdigest())


def _changes(
    schema: StrictSchema, line: int, given: dict[str, str], report: Report
) -> Changes | None:
    """A line's changes, read by the batch edit's schema; its problems reported by column."""
    try:
        changes: Changes = schema.load(given)
    except ValidationError as error:
        messages = error.normalized_messages()
        for column, said in messages.items() if isinstance(messages, dict) else []:
            for message in said if isinstance(said, list) else [str(said)]:
                report.add(line, column, given.get(column), str(message))
        return None
    return changes
