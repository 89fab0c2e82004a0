"""A streaming PDF writer: each page goes to the file as soon as it is added.

reportlab's Canvas keeps every page in memory until `save()`, so its memory grows with the
number of labels (measured in `tests/bench/labels.py`). Label pages need very little of PDF:
rectangles and text. This writer emits exactly that, page by page, keeping only the byte
offset of each object (8 bytes) for the cross-reference table and the characters each font
set; at `close` it embeds each font used, subset to those characters (`embed.py`), so the PDF
prints the same on any printer, Chinese included.
"""

from __future__ import annotations

import zlib
from array import array
from typing import BinaryIO

from .embed import font_objects
from .fonts import FACES

_CATALOG, _PAGES, _RESOURCES, _TO_UNICODE_MAP = 1, 2, 3, 4
_FIRST_PAGE = 5

# One ToUnicode map for every font: its codes are Unicode (UCS-2), so each maps to itself.
_TO_UNICODE = (
    "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
    "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
    "256 beginbfrange\n"
    + "".join(f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>\n" for hi in range(256))
    + "endbfrange\nendcmap CMapName currentdict /CMap defineresource pop end end\n"
).encode("ascii")

# The resource name of each face (see fonts.FACES), as content streams use it.
FONT_NAMES = {key: f"/F{i}" for i, key in enumerate(FACES, 1)}


class PdfWriter:
    """Writes a PDF to a binary file: `add_page` for each page, then `close` (which does not
    close the file). Page contents are PDF content-stream text, compressed here."""

    def __init__(self, file: BinaryIO, compress: int = 6) -> None:
        self.file = file
        self.compress = compress
        self.position = 0
        self.offsets = array("Q", [0] * _FIRST_PAGE)
        self.pages = 0
        self.used: dict[tuple[bool, bool], set[str]] = {key: set() for key in FACES}
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._stream(_TO_UNICODE_MAP, _TO_UNICODE)

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.position += len(data)

    def _object(self, number: int, body: bytes) -> None:
        while len(self.offsets) <= number:
            self.offsets.append(0)
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _stream_body(self, extra: bytes, data: bytes) -> bytes:
        if self.compress:
            data = zlib.compress(data, self.compress)
            head = b"<< /Length %d /Filter /FlateDecode %s >>" % (len(data), extra)
        else:
            head = b"<< /Length %d %s >>" % (len(data), extra)
        return head + b"\nstream\n" + data + b"\nendstream"

    def _stream(self, number: int, data: bytes) -> None:
        self._object(number, self._stream_body(b"", data))

    def _fonts(self) -> None:
        """The fonts the pages used, embedded, and the resources naming them."""
        names = []
        for key, chars in self.used.items():
            if not chars:
                continue
            first = len(self.offsets)
            for number, body in font_objects(
                FACES[key], frozenset(chars), first, _TO_UNICODE_MAP, self._stream_body
            ):
                self._object(number, body)
            names.append(b"%s %d 0 R" % (FONT_NAMES[key].encode("ascii"), first))
        self._object(
            _RESOURCES,
            b"<< /Font << %s >> /ProcSet [/PDF /Text] >>" % b" ".join(names),
        )

    def add_page(self, width_pt: float, height_pt: float, content: bytes) -> None:
        """Write one page of the given size (points) with its content stream."""
        number = _FIRST_PAGE + 2 * self.pages
        self._stream(number + 1, content)
        self._object(
            number,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources 3 0 R"
            b" /Contents %d 0 R >>" % (width_pt, height_pt, number + 1),
        )
        self.pages += 1

    def close(self) -> None:
        """Write the fonts, page tree, catalog, cross-reference table and trailer."""
        self._fonts()
        self.offsets[_PAGES] = self.position
        self._write(b"%d 0 obj\n<< /Type /Pages /Count %d /Kids [" % (_PAGES, self.pages))
        for start in range(0, self.pages, 2048):
            stop = min(self.pages, start + 2048)
            self._write(b"".join(b"%d 0 R " % (_FIRST_PAGE + 2 * i) for i in range(start, stop)))
        self._write(b"] >>\nendobj\n")
        self._object(_CATALOG, b"<< /Type /Catalog /Pages 2 0 R >>")
        xref = self.position
        count = len(self.offsets)
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
        for start in range(1, count, 4096):
            stop = min(count, start + 4096)
            self._write(b"".join(b"%010d 00000 n \n" % self.offsets[i] for i in range(start, stop)))
        self._write(
            b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref)
        )
