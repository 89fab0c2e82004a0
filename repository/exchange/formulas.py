"""Cells a spreadsheet would run as formulas (OWASP's CSV injection rule): every CSV/TSV file we
write neutralises them with a leading `'`, and every import takes that `'` off again, so that
our own files round-trip every value. Plain numbers (`-12.5`, `+3`) are left as they are."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

TRIGGERS = "=+-@\t\r"  # what a spreadsheet takes for the start of a formula
QUOTE = "'"
# A value starting with a trigger, after any quotes: neutralised by one more quote, so that a
# value that already starts with `'=` comes back as it was too.
_RISKY = re.compile(r"'*[=+\-@\t\r]")
_FIRST = frozenset(TRIGGERS + QUOTE)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralised(text: str) -> str:
    """`text` as a cell that a spreadsheet shows and never runs: a `'` before a value that
    starts with `= + - @`, tab or CR (after any quotes), unless it is a plain number."""
    if text[:1] in _FIRST and _RISKY.match(text) and not _NUMBER.fullmatch(text):
        return QUOTE + text
    return text


def restored(text: str) -> str:
    """The value of a cell `neutralised` wrote (a spreadsheet shows a typed `'=x` as `=x` too)."""
    if text.startswith(QUOTE) and _RISKY.match(text, 1):
        return text[1:]
    return text


def restored_rows(rows: Iterable[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """The rows of a table read from a file, each cell `restored`."""
    for number, cells in rows:
        if QUOTE in "".join(cells):
            cells = [restored(c) if c[:1] == QUOTE else c for c in cells]
        yield number, cells


class SafeWriter:
    """A csv.writer whose cells are written as text and `neutralised`."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, cells: Iterable[Any]) -> None:
        self._writer.writerow([neutralised("" if c is None else str(c)) for c in cells])
