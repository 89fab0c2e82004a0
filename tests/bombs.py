"""Hostile uploads and the parts they are built of: zip archives and workbooks whose members
are streamed (hundreds of MB never in memory whole), a good Darwin Core archive and workbook
to break one part of, and the bombs (each with its format and what its refusal says)."""

from __future__ import annotations

import io
import random
import string
import zipfile
from collections.abc import Callable
from functools import cache
from typing import Any

from openpyxl import Workbook

from repository.exchange.limits import COLUMNS, MEMBERS, MIB

HEAP = 64 * MIB  # what refusing a bomb may take, at most
BOMB = 300 * MIB  # what each bomb expands to
DWC = "http://rs.tdwg.org/dwc/terms/"
OCCURRENCE = (
    "catalogNumber\tscientificName\tbasisOfRecord\n"
    "SEC 1\tBacillus subtilis\tLivingSpecimen\n"
    "SEC 2\tBacillus cereus\tLivingSpecimen\n"
)
CORE = {
    "encoding": "UTF-8",
    "fieldsTerminatedBy": "\\t",
    "linesTerminatedBy": "\\n",
    "fieldsEnclosedBy": "",
    "ignoreHeaderLines": "1",
    "rowType": DWC + "Occurrence",
}
FIELDS = {"0": "catalogNumber", "1": "scientificName", "2": "basisOfRecord"}


def zipped(members: dict[str, bytes | Callable[[], Any]]) -> bytes:
    """A zip of its members: bytes as they are, or a function giving chunks of bytes, written
    as a stream so that a member of hundreds of MB never is in memory whole."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w") as member:
                for chunk in content():
                    member.write(chunk)
    return out.getvalue()


def repeated(head: bytes, fill: bytes, size: int, tail: bytes = b"") -> Callable[[], Any]:
    """Chunks of `head`, then `fill` repeated to `size` bytes, then `tail`."""
    chunk = fill * (MIB // len(fill))

    def chunks() -> Any:
        yield head
        for _ in range(size // len(chunk)):
            yield chunk
        yield tail

    return chunks


def meta_xml(core: dict[str, str] | None = None, fields: dict[str, str] | None = None) -> bytes:
    attributes = " ".join(f'{k}="{v}"' for k, v in (core or CORE).items())
    mapped = "".join(
        f'<field index="{i}" term="{DWC}{term}"/>' for i, term in (fields or FIELDS).items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<archive xmlns="http://rs.tdwg.org/dwc/text/" metadata="eml.xml"><core {attributes}>'
        f'<files><location>occurrence.txt</location></files><id index="0"/>{mapped}</core>'
        "</archive>"
    ).encode()


def archive(
    core: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
    occurrence: bytes | Callable[[], Any] | None = None,
    meta: bytes | Callable[[], Any] | None = None,
) -> bytes:
    core_file = occurrence or OCCURRENCE.encode()
    return zipped({"meta.xml": meta or meta_xml(core, fields), "occurrence.txt": core_file})


@cache
def workbook_parts() -> dict[str, bytes]:
    """The parts of a small, good workbook (a header and a strain)."""
    book = Workbook()
    book.active.append(["accession_number", "designation", "taxon_name"])
    book.active.append(["SEC 9", "Good strain", "Bacillus subtilis"])
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as parts:
        return {name: parts.read(name) for name in parts.namelist()}


def workbook(**replaced: bytes | Callable[[], Any]) -> bytes:
    """The good workbook with some of its parts replaced (`xl/worksheets/sheet1.xml` as
    `sheet`, `xl/workbook.xml` as `book`)."""
    names = {"sheet": "xl/worksheets/sheet1.xml", "book": "xl/workbook.xml"}
    parts: dict[str, bytes | Callable[[], Any]] = dict(workbook_parts())
    parts.update({names[key]: value for key, value in replaced.items()})
    return zipped(parts)


SHEET_ROWS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>accession_number</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>designation</t></is></c></row>'
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>SEC 8</t></is></c>'
)
SHEET_HEAD = SHEET_ROWS + b'<c r="B2" t="inlineStr"><is><t>'
SHEET_TAIL = b"</t></is></c></row></sheetData></worksheet>"


def noise(size: int) -> bytes:
    """`size` letters that hardly compress (the ratio limit does not catch them)."""
    rng = random.Random(size)
    return "".join(rng.choices(string.ascii_letters, k=size)).encode()


@cache
def bombs() -> dict[str, tuple[bytes, str, str]]:
    """Each bomb: (the upload, its format, what the refusal says)."""
    return {
        "meta.xml of 300 MB": (
            archive(meta=repeated(b"", b"\0", BOMB)),
            "dwca",
            "meta.xml expands 1,",  # ... thousand times, more than the 100 times
        ),
        "a cell of 300 MB": (
            workbook(sheet=repeated(SHEET_HEAD, b"A", BOMB, SHEET_TAIL)),
            "xlsx",
            "xl/worksheets/sheet1.xml expands",
        ),
        "a line of 300 MB": (
            archive(occurrence=repeated(b"catalogNumber\t", b"x", BOMB, b"\n")),
            "dwca",
            "occurrence.txt expands",
        ),
        "field index 30000000": (
            archive(fields={**FIELDS, "30000000": "locality"}),
            "dwca",
            f"is not a column number from 0 to {COLUMNS - 1:,}",
        ),
        "a line of 2 MB that does not compress": (
            archive(occurrence=OCCURRENCE.encode() + noise(2 * MIB) + b"\n"),
            "dwca",
            "A line is longer than 1 MiB",
        ),
        "a cell of 2 MB that does not compress": (
            workbook(sheet=SHEET_HEAD + noise(2 * MIB) + SHEET_TAIL),
            "xlsx",
            "xl/worksheets/sheet1.xml holds a text longer than 1 MiB",
        ),
        "a tag of 2 MB": (
            workbook(
                sheet=SHEET_ROWS
                + b'<c r="B2" t="inlineStr" x="'
                + noise(2 * MIB)
                + b'"><is><t>x'
                + SHEET_TAIL
            ),
            "xlsx",
            "holds a tag, comment or declaration longer than 1 MiB",
        ),
        "more members than allowed": (
            zipped({f"m{i}.txt": b"" for i in range(MEMBERS + 1)}),
            "xlsx",
            f"more than the {MEMBERS:,} an upload may",
        ),
    }
