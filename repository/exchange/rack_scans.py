"""Rack scanner files: what a 2D rack reader writes after reading the bottom of a rack of tubes,
one line per position (the rack's barcode, the position such as A01 or A1, the tube's code, or
`NO TUBE` / `NO READ`). The common readers write CSV with or without a header, with `,`, `;` or
a tab between the cells, the rack's code on every line or once in a header line above.

Reading is pure: bytes in, the positions read (or every problem, with its line number) out.
Positions the file does not name are taken as empty: readers list every position of the rack."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from .. import barcodes
from ..errors import ValidationFailed
from ..models.storage import parse_position, position_label
from . import limits
from .formulas import TRIGGERS, restored
from .problems import ImportRejected, Report

NO_TUBE = frozenset({"NO TUBE", "NOTUBE", "NO_TUBE", "EMPTY", ""})
NO_READ = frozenset({"NO READ", "NOREAD", "NO_READ", "NO CODE", "NOCODE", "ERROR", "?"})
_RACK = frozenset({"rack", "rack id", "rackid", "rack barcode", "rack code", "rack_id"})
_POSITION = frozenset({"position", "pos", "well", "location", "tube position", "coordinate"})
_TUBE = frozenset({"tube", "tube id", "tubeid", "tube barcode", "tube code", "barcode", "code"})
_DELIMITERS = ",;\t"
_LABELLED = re.compile(r"^([^:]+):\s*(\S+)$")


@dataclass(frozen=True)
class Scan:
    """One position of the rack as read: its line in the file, (row, col), and the tube's code
    (normalised), or none (`no_read`: a tube the reader could not read; otherwise no tube)."""

    line: int
    row: int
    col: int
    tube: str | None = None
    no_read: bool = False

    @property
    def position(self) -> str:
        return position_label(self.row, self.col)


@dataclass(frozen=True)
class RackFile:
    """A rack scanner file read: the rack's code (when the file names it) and its positions."""

    rack: str | None
    rack_line: int | None
    scans: tuple[Scan, ...]


def small_text(
    data: bytes,
    report: Report,
    what: str = "A rack file",
    most_lines: int = limits.RACK_LINES,
    most_bytes: int = limits.RACK_FILE,
) -> str | None:
    """An upload read whole as UTF-8 text (`what` it is, at most `most_bytes` and `most_lines`,
    no control characters but line breaks and tabs), or None with the problem reported."""
    if len(data) > most_bytes:
        report.add(
            None,
            None,
            None,
            f"{what} has at most {limits.amount(most_bytes)}; "
            f"this one has {limits.amount(len(data))}.",
        )
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        report.add(None, None, None, f"Not a text file (byte {error.start + 1} is not UTF-8).")
        return None
    bad = next((c for c in text if not c.isprintable() and c not in "\r\n\t"), None)
    if bad is not None:
        line = text[: text.index(bad)].count("\n") + 1
        report.add(line, None, None, f"Not a text file (control character U+{ord(bad):04X}).")
        return None
    if text.count("\n") > most_lines:
        report.add(None, None, None, f"{what} has at most {most_lines} lines.")
        return None
    return text


def _delimiter(lines: list[str]) -> str:
    """The delimiter most used in the first lines (a header line may have none)."""
    first = "\n".join([line for line in lines if line.strip()][:5])
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _name(cell: str) -> str:
    return " ".join(cell.strip().lower().replace("_", " ").split())


def _header(cells: list[str]) -> dict[str, int] | None:
    """The columns of a header line (rack, position, tube), or None if it is not one."""
    names = [_name(c) for c in cells]
    found: dict[str, int] = {}
    for index, name in enumerate(names):
        for role, words in (("rack", _RACK), ("position", _POSITION), ("tube", _TUBE)):
            if name in words and role not in found:
                found[role] = index
                break
    return found if "position" in found and "tube" in found else None


def _columns(cells: list[str]) -> dict[str, int]:
    """The columns of a file without a header, from its first line: position and tube, or with
    the rack first (rack, position, tube) or last (position, tube, rack)."""
    if len(cells) < 3:
        return {"position": 0, "tube": 1}
    if parse_position(cells[0]) is not None and parse_position(cells[1]) is None:
        return {"position": 0, "tube": 1, "rack": 2}
    return {"rack": 0, "position": 1, "tube": 2}


def read_rack_file(data: bytes, rows: int = 8, cols: int = 12) -> RackFile:
    """The positions of a rack file for a rack of `rows` x `cols`; every problem found, each
    with its line, is raised together (ImportRejected), so nothing is written from a bad file."""
    report = Report()
    text = small_text(data, report)
    if text is None:
        raise ImportRejected(report)
    lines = text.splitlines()
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=_delimiter(lines))
    columns: dict[str, int] | None = None
    rack: str | None = None
    rack_line: int | None = None
    scans: list[Scan] = []
    seen_positions: dict[tuple[int, int], int] = {}
    seen_tubes: dict[str, int] = {}
    try:
        rows_read = list(reader)
    except csv.Error as error:
        report.add(None, None, None, f"Not a CSV file: {error}.")
        raise ImportRejected(report) from None

    def rack_code(line: int, value: str) -> None:
        nonlocal rack, rack_line
        code = read_code(line, "rack", value, report)
        if code is None:
            return
        if rack is not None and code != rack:
            report.add(line, "rack", value, f"Another rack than {rack} (line {rack_line}).")
        elif rack is None:
            rack, rack_line = code, line

    for line, raw in enumerate(rows_read, start=1):
        cells = [restored(c.strip()) for c in raw]
        if not any(cells):
            continue
        if columns is None:
            header = _header(cells)
            if header is not None:
                columns = header
                continue
            if len(cells) >= 2 and _name(cells[0]) in _RACK and parse_position(cells[1]) is None:
                rack_code(line, cells[1])  # "Rack ID: X" above the positions
                continue
            if len(cells) == 2 and _name(cells[0].rstrip(":")) in _RACK:
                rack_code(line, cells[1])
                continue
            labelled = _LABELLED.match(cells[0]) if len(cells) == 1 else None
            if labelled is not None and _name(labelled.group(1)) in _RACK:
                rack_code(line, labelled.group(2))  # "Rack ID: X" on a line of its own
                continue
            columns = _columns(cells)
        needed = max(columns.values()) + 1
        if len(cells) < needed:
            report.add(line, None, ",".join(cells), f"A line needs {needed} cells.")
            continue
        if "rack" in columns and cells[columns["rack"]]:
            rack_code(line, cells[columns["rack"]])
        where = cells[columns["position"]]
        position = parse_position(where)
        if position is None:
            report.add(line, "position", where, "Not a position (like A01 or A1).")
            continue
        row, col = position
        if not (1 <= row <= rows and 1 <= col <= cols):
            report.add(
                line,
                "position",
                where,
                f"Outside the {rows}x{cols} rack "
                f"({position_label(1, 1)} to {position_label(rows, cols)}).",
            )
            continue
        if position in seen_positions:
            report.add(
                line, "position", where, f"Position read twice (line {seen_positions[position]})."
            )
            continue
        seen_positions[position] = line
        value = cells[columns["tube"]]
        word = " ".join(value.upper().split())
        if word in NO_TUBE:
            scans.append(Scan(line, row, col))
        elif word in NO_READ:
            scans.append(Scan(line, row, col, no_read=True))
        else:
            tube = read_code(line, "tube", value, report)
            if tube is None:
                continue
            if tube in seen_tubes:
                report.add(line, "tube", value, f"Tube read twice (line {seen_tubes[tube]}).")
                continue
            seen_tubes[tube] = line
            scans.append(Scan(line, row, col, tube))
    if not report.ok:
        raise ImportRejected(report)
    return RackFile(rack, rack_line, tuple(scans))


def read_codes(data: bytes) -> tuple[tuple[int, str], ...]:
    """The codes a hand scanner typed, one per line (tubes, and the codes of the boxes they
    were read in), each with its line; blank lines skipped. Every problem found, each with its
    line, is raised together (ImportRejected)."""
    report = Report()
    text = small_text(data, report, "A list of codes", limits.CODES_LINES)
    if text is None:
        raise ImportRejected(report)
    codes = []
    for line, raw in enumerate(text.splitlines(), start=1):
        value = raw.strip()
        if value:
            code = read_code(line, "code", value, report)
            if code is not None:
                codes.append((line, code))
    if not report.ok:
        raise ImportRejected(report)
    return tuple(codes)


def read_code(line: int, column: str, value: str, report: Report) -> str | None:
    """A tube's or a rack's code as stored, or None (a problem reported): not a formula, not too
    long, no control character."""
    if value[:1] in TRIGGERS:
        report.add(line, column, value, "A code does not start like a spreadsheet formula.")
        return None
    try:
        return barcodes.scanned(value, column)
    except ValidationFailed as error:
        for message in error.errors.get(column, [error.detail]):
            report.add(line, column, value, message)
        return None
