"""Reading CSV and XLSX files as streams of rows: encodings (UTF-8 with or without BOM, UTF-16,
GB18030/GBK) detected or reported, delimiters sniffed, cells as text."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, TypeVar
from xml.etree.ElementTree import ParseError

from .limits import LINE, Refused, amount
from .problems import Report
from .workbooks import check_workbook

SAMPLE = 1 << 16  # bytes looked at to tell the encoding
DELIMITERS = ",;\t|"
XLSX_MAGIC = b"PK\x03\x04"
Progress = Callable[[int], None]  # called with the units (bytes or rows) read since last call
T = TypeVar("T", str, bytes)


@dataclass
class Table:
    """One table of a file (a CSV file, or one sheet of a workbook): its header as written and
    its rows as (spreadsheet row number, cells), read lazily."""

    name: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    size: int  # in the units Progress counts: bytes of a CSV file, rows of a sheet
    titles: dict[str, str] = field(default_factory=dict)  # a translated column's original title


def read_tables(
    path: str | Path,
    report: Report,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Progress | None = None,
) -> Iterator[Table]:
    """The tables of a CSV or XLSX file (told apart by their first bytes, not the name).
    Problems of the file itself (encoding, quoting, a row of the wrong width) go to `report`;
    reading stops at one that makes the rest unreadable."""
    path = Path(path)
    with open(path, "rb") as head:
        magic = head.read(4)
    if magic == XLSX_MAGIC:
        yield from _xlsx_tables(path, report, progress)
    else:
        yield from _csv_tables(path, report, encoding, delimiter, progress)


# --- CSV ------------------------------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str | None:
    """The encoding of a file starting with `sample`: a BOM decides; else UTF-8 if it decodes;
    else GB18030 (a superset of GBK and GB2312) if it decodes to Chinese text; else None."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(sample, "utf-8") is not None:
        return "utf-8"
    decoded = _decodes(sample, "gb18030")
    if decoded is not None and all(_is_cjk(c) for c in decoded if ord(c) > 127):
        return "gb18030"
    return None


def named_encoding_problem(sample: bytes, encoding: str) -> str | None:
    """Why a file starting with `sample` cannot be read in the `encoding` its uploader named:
    an unknown encoding, or text that is UTF-8 (it decodes so, with non-ASCII characters, which
    read as another encoding would be silently garbled); None when it can."""
    named = text_encoding(encoding)
    if named is None:
        return (
            f"The encoding {encoding!r} is unknown (or not one of text); name one such as utf-8 "
            "or gb18030."
        )
    if named.startswith("utf-8") or sample.isascii():
        return None  # ASCII reads the same in every encoding a CSV file may use
    if _decodes(sample, "utf-8") is not None:
        return (
            f"The file looks like UTF-8 (its non-ASCII bytes are valid UTF-8), not {encoding}: "
            f"read as {encoding} its text would be garbled. Leave the encoding out (UTF-8 is "
            "detected) or save the file in the encoding named."
        )
    return None


def text_encoding(name: str) -> str | None:
    """The codec's own name when `name` is a text encoding (not base64, rot13 or zlib, which
    turn bytes into bytes or text into text); None when it is not, or unknown."""
    try:
        b"\0".decode(name)  # a LookupError for codecs not of text (b"" would not be decoded)
    except LookupError:
        return None
    except UnicodeDecodeError:
        pass  # one byte is not text in this encoding, but it is an encoding of text
    return codecs.lookup(name).name


def _decodes(sample: bytes, encoding: str) -> str | None:
    try:  # a multi-byte character cut at the end of the sample is not an error
        return codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return None


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF  # radicals, punctuation, kana, unified ideographs
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x3FFFF
        or char in "·—‘’“”…°±×÷μ℃№Ⅰ"
    )


class _Counting(io.RawIOBase):
    """A binary file that reports how many bytes were read."""

    def __init__(self, raw: io.BufferedIOBase, progress: Progress | None) -> None:
        self.raw, self.progress = raw, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)
        if self.progress and count:
            self.progress(count)
        return count or 0


def _csv_tables(
    path: Path,
    report: Report,
    encoding: str | None,
    delimiter: str | None,
    progress: Progress | None,
) -> Iterator[Table]:
    with open(path, "rb") as raw:
        sample = raw.read(SAMPLE)
        if not sample.strip():
            report.add(None, None, None, "The file is empty.")
            return
        if encoding is not None:
            refusal = named_encoding_problem(sample, encoding)
            if refusal is not None:
                report.add(None, None, None, refusal)
                return
        encoding = encoding or detect_encoding(sample)
        if encoding is None:
            report.add(
                None,
                None,
                None,
                "The file is neither UTF-8 nor GB18030/GBK text; save it as UTF-8 CSV "
                "(or name its encoding).",
            )
            return
        raw.seek(0)
        lines = decoded_lines(io.BufferedReader(_Counting(raw, progress)), encoding)
        try:
            first = next(lines, "")
        except UnicodeDecodeError as error:
            report.add(1, None, None, _undecodable(error, encoding))
            return
        except Refused as error:
            report.add(1, None, None, _cut(error))
            return
        delimiter = delimiter or sniff_delimiter(first)
        rows = _csv_rows(first, lines, delimiter, encoding, report)
        header = next(rows, (1, []))[1]
        size = path.stat().st_size
        yield Table(path.name, header, _width_checked(rows, len(header), report), size)


def decoded_lines(binary: IO[bytes], encoding: str) -> Iterator[str]:
    """The file's lines as text, decoded one by one so that a bad byte is found on its own
    line (a newline byte is never part of a UTF-8 or GB18030 character). A line longer than
    LINE raises Refused before more than LINE of it is read."""
    if encoding == "utf-16":
        text = io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")
        while line := text.readline(LINE + 1):  # characters, at least as many bytes
            yield _short(line)
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    while data := binary.readline(LINE + 1):
        yield decoder.decode(_short(data))
    yield decoder.decode(b"", final=True)


def _short(line: T) -> T:
    if len(line) > LINE:
        raise Refused(f"A line is longer than {amount(LINE)}, the most a line of an upload may be.")
    return line


def sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: the candidate it holds most of (outside quotes)."""
    unquoted = "".join(part for i, part in enumerate(line.split('"')) if i % 2 == 0)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(
    first: str, rest: Iterator[str], delimiter: str, encoding: str, report: Report
) -> Iterator[tuple[int, list[str]]]:
    def lines() -> Iterator[str]:
        yield first
        yield from rest

    reader = csv.reader(lines(), delimiter=delimiter, strict=True)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as error:
            report.add(number + 1, None, None, _undecodable(error, encoding))
            return
        except csv.Error as error:
            report.add(number + 1, None, None, f"The file cannot be read past here: {error}.")
            return
        except Refused as error:
            report.add(number + 1, None, None, _cut(error))
            return
        number += 1
        yield number, cells


def _cut(error: Refused) -> str:
    return f"{error} Nothing from there on was read."


def _undecodable(error: UnicodeDecodeError, encoding: str) -> str:
    return (
        f"Bytes {error.object[error.start : error.start + 4]!r} are not {encoding} text: the file "
        "mixes encodings or is cut short; save it as UTF-8 (or name its encoding)."
    )


def _width_checked(
    rows: Iterator[tuple[int, list[str]]], width: int, report: Report
) -> Iterator[tuple[int, list[str]]]:
    for number, cells in rows:
        if not "".join(cells).strip():  # blank
            continue
        if len(cells) != width:
            report.add(
                number,
                None,
                None,
                f"The row has {len(cells)} cells and the header {width}: a stray delimiter, a "
                "missing quote, or a row cut short.",
            )
            continue
        yield number, cells


# --- XLSX -----------------------------------------------------------------------------------------


def _xlsx_tables(path: Path, report: Report, progress: Progress | None) -> Iterator[Table]:
    from openpyxl import load_workbook  # only spreadsheets need it

    with open(path, "rb") as handle:  # a file, not its name: openpyxl judges a name by its end
        try:
            check_workbook(path)
            book = load_workbook(handle, read_only=True, data_only=True)
        except Refused as error:
            report.add(None, None, None, str(error))
            return
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError) as error:
            report.add(None, None, None, f"Not a readable XLSX workbook ({error}).")
            return
        try:
            for sheet in book.worksheets:
                rows = _sheet_rows(sheet, report, progress)
                first = next(rows, None)
                if first is None:
                    continue
                header = [c for c in first[1]]
                while header and not header[-1]:
                    header.pop()
                yield Table(
                    sheet.title, header, _padded(rows, len(header), report), sheet.max_row or 0
                )
        finally:
            book.close()


def _sheet_rows(
    sheet: Any, report: Report, progress: Progress | None
) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if progress:
                progress(1)
            yield number, [cell_text(v) for v in values]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, ParseError) as error:
        report.add(None, None, None, f"The workbook cannot be read to its end ({error}).")


def _padded(
    rows: Iterator[tuple[int, list[str]]], width: int, report: Report
) -> Iterator[tuple[int, list[str]]]:
    for number, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        if any(c.strip() for c in cells[width:]):
            report.add(number, None, None, f"The row has values beyond the {width} columns named.")
            continue
        yield number, (cells + [""] * width)[:width]


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def measure(path: str | Path) -> int:
    """How many progress units reading `path` will report: bytes of a CSV file, rows of a
    workbook (as its sheets declare them; 0 when it is refused, as reading it will be)."""
    path = Path(path)
    with open(path, "rb") as head:
        if head.read(4) != XLSX_MAGIC:
            return path.stat().st_size
    from openpyxl import load_workbook

    try:
        check_workbook(path)
        book = load_workbook(path, read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError):  # Refused too
        return 0
    try:
        return sum(sheet.max_row or 0 for sheet in book.worksheets)
    finally:
        book.close()
