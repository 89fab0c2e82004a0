"""XLSX workbooks checked before openpyxl opens them: the zip checked as every upload's is, then
each part read once as a stream (a chunk at a time, by expat) for what an XML reader of it would
hold: no DTD, no text or tag longer than TEXT, no nesting deeper than DEPTH; and the parts that
openpyxl holds whole (every part but a worksheet) small enough to hold."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from xml.parsers import expat

from .archives import open_member, open_zip
from .limits import (
    DEPTH,
    PART_ELEMENTS,
    PART_SIZE,
    SHARED_STRINGS,
    TEXT,
    Refused,
    amount,
)

CHUNK = 1 << 16
STREAMED = "worksheet"  # the root of the one part openpyxl reads as a stream
SHARED = "sst"  # the root of the shared strings table: its strings are held, one by one


def check_workbook(path: Path) -> None:
    """Raise Refused when the workbook at `path` expands past a limit or holds a DTD;
    zipfile.BadZipFile when it is no zip."""
    with open_zip(path) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                _check_part(archive, info)


def _check_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    part = _Part(info)
    with open_member(archive, info) as stream:
        while chunk := stream.read(CHUNK):
            if not part.feed(chunk):
                break
        else:
            part.feed(b"", final=True)
    if part.root is None and info.file_size > PART_SIZE:  # not XML: held whole, if read
        raise _held_whole(info.filename, info.file_size)


def _held_whole(name: str, size: int) -> Refused:
    return Refused(
        f"{name} expands to {amount(size)}, more than the {amount(PART_SIZE)} a workbook's part "
        "other than a worksheet may (it is held whole)."
    )


class _Part:
    """One part of a workbook as expat reads it; a part that is not XML from its start (an
    image) is let be: no XML reader gets into it either."""

    def __init__(self, info: zipfile.ZipInfo) -> None:
        self.name, self.size = info.filename, info.file_size
        self.root: str | None = None
        self.depth = self.text = self.elements = self.strings = self.fed = 0
        self.most = PART_ELEMENTS  # elements, once the root tells which part it is
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.StartDoctypeDeclHandler = self._doctype
        parser.CommentHandler = self._other
        parser.ProcessingInstructionHandler = self._other
        self.parser = parser

    def feed(self, chunk: bytes, final: bool = False) -> bool:
        """Read a chunk; False when the part is not XML."""
        self.fed += len(chunk)
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError as error:
            if self.root is None:
                return False
            raise Refused(f"{self.name} is not well-formed XML ({error}).") from None
        if self.fed - self.parser.CurrentByteIndex > TEXT + CHUNK:  # one token, unfinished
            raise Refused(
                f"{self.name} holds a tag, comment or declaration longer than {amount(TEXT)}."
            )
        return True

    def _start(self, name: str, attributes: object) -> None:
        if self.root is None:
            self._root(name.rpartition(":")[2])
        self.depth += 1
        self.elements += 1
        self.text = 0
        if self.depth > DEPTH:
            raise Refused(f"{self.name} nests elements deeper than {DEPTH}.")
        if self.elements > self.most:
            raise Refused(
                f"{self.name} holds more than {self.most:,} elements, the most a workbook's "
                "part other than a worksheet may (it is held whole)."
            )
        if self.depth == 2 and self.root == SHARED:
            self.strings += 1
            if self.strings > SHARED_STRINGS:
                raise Refused(
                    f"{self.name} holds more than {SHARED_STRINGS:,} shared strings, the most "
                    "a workbook may (they are held while it is read)."
                )

    def _root(self, local: str) -> None:
        self.root = local
        if local in (STREAMED, SHARED):  # read as a stream; shared: counted as strings
            self.most = sys.maxsize
        if local != STREAMED and self.size > PART_SIZE:
            raise _held_whole(self.name, self.size)

    def _end(self, name: str) -> None:
        self.depth -= 1
        self.text = 0

    def _text(self, data: str) -> None:
        self.text += len(data)
        if self.text > TEXT:
            raise Refused(
                f"{self.name} holds a text longer than {amount(TEXT)} (a cell holds at most "
                "32,767 characters)."
            )

    def _doctype(self, *declaration: object) -> None:
        raise Refused(
            f"{self.name} declares a DOCTYPE: no workbook has one, and its entities could "
            "expand without end."
        )

    def _other(self, *content: object) -> None:
        """Comments and processing instructions: nothing to check, but an event, so that the
        parser's position moves past them."""
