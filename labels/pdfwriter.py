"""A streaming PDF writer: each page goes to the file as soon as it is added.

reportlab's Canvas keeps every page in memory until `save()`, so its memory grows with the
number of labels (measured in `tests/bench/labels.py`). Label pages need very little of PDF:
rectangles, the 14 standard fonts and one standard CJK font, none of them embedded. This
writer emits exactly that, page by page, keeping only the byte offset of each object (8 bytes)
for the cross-reference table; reportlab is still used for font metrics (`fonts.py`).
"""

from __future__ import annotations

import zlib
from array import array
from typing import BinaryIO

from .fonts import CJK

_CATALOG, _PAGES, _RESOURCES = 1, 2, 3
_FIRST_PAGE = 10  # objects 4..9 are the fonts

# One ToUnicode map for the CJK font: its codes are UCS-2, so each code maps to itself.
_TO_UNICODE = (
    "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
    "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
    "256 beginbfrange\n"
    + "".join(f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>\n" for hi in range(256))
    + "endbfrange\nendcmap CMapName currentdict /CMap defineresource pop end end\n"
).encode("ascii")

_FONTS = {
    4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    6: (
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{CJK}-UniGB-UCS2-H /Encoding /UniGB-UCS2-H"
        f" /DescendantFonts [7 0 R] /ToUnicode 9 0 R >>"
    ).encode("ascii"),
    7: (
        f"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /{CJK}"
        " /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
        " /FontDescriptor 8 0 R /DW 1000 >>"
    ).encode("ascii"),
    8: (
        f"<< /Type /FontDescriptor /FontName /{CJK} /Flags 6 /FontBBox [-25 -254 1000 880]"
        " /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 737 /StemV 58 >>"
    ).encode("ascii"),
}
_RESOURCE_DICT = b"<< /Font << /F1 4 0 R /F2 5 0 R /F3 6 0 R >> /ProcSet [/PDF /Text] >>"


class PdfWriter:
    """Writes a PDF to a binary file: `add_page` for each page, then `close` (which does not
    close the file). Page contents are PDF content-stream text, compressed here."""

    def __init__(self, file: BinaryIO, compress: int = 6) -> None:
        self.file = file
        self.compress = compress
        self.position = 0
        self.offsets = array("Q", [0] * _FIRST_PAGE)
        self.pages = 0
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._object(_RESOURCES, _RESOURCE_DICT)
        for number, body in _FONTS.items():
            self._object(number, body)
        self._stream(9, _TO_UNICODE)

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.position += len(data)

    def _object(self, number: int, body: bytes) -> None:
        while len(self.offsets) <= number:
            self.offsets.append(0)
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _stream(self, number: int, data: bytes) -> None:
        if self.compress:
            data = zlib.compress(data, self.compress)
            head = b"<< /Length %d /Filter /FlateDecode >>" % len(data)
        else:
            head = b"<< /Length %d >>" % len(data)
        self._object(number, head + b"\nstream\n" + data + b"\nendstream")

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
        """Write the page tree, catalog, cross-reference table and trailer."""
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
