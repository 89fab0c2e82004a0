"""PDF output: labels on rolls (a page per label at the stock's size) or on sheets (a grid).

Pages are laid out by `layout` and drawn into content streams here; `pdfwriter.PdfWriter`
writes each page as soon as it is drawn, so memory stays flat however many labels there are.
Text runs are set in Arimo when Latin (cp1252) and in Noto Sans SC otherwise, both embedded
and subset by the writer; codes are UCS-2 with a ToUnicode map, so the text reads back.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import replace

from .errors import LabelError
from .fonts import PT, runs
from .layout import Code, Page, Rect, Text, layout
from .model import BoxMap, Label, PackingList
from .pdfwriter import FONT_NAMES, PdfWriter
from .settings import DEFAULT_SETTINGS, Settings
from .sheets import Sheet
from .sink import Output, open_output
from .stocks import TEMPLATES, Stock

MM = 1 / PT  # points per mm


def _n(value: float) -> str:
    return f"{value:.2f}"


def draw(page: Page, used: dict[tuple[bool, bool], set[str]]) -> str:
    """The content stream of a laid-out page, in its own coordinates (origin bottom-left);
    the characters of each face are added to `used`."""
    height = page.height * MM
    out: list[str] = []
    for mark in page.marks:
        if isinstance(mark, Code):
            m = mark.module * MM
            x, y = mark.origin
            out.append(f"q {_n(m)} 0 0 {_n(-m)} {_n(x * MM)} {_n(height - y * MM)} cm\n")
            out.append("".join(f"{c} {r} {n} 1 re " for r, c, n in mark.qr.runs))
            out.append("f Q\n")
        elif isinstance(mark, Text):
            head = "1 g " if mark.white else ""
            parts = [f"{head}BT {_n(mark.x * MM)} {_n(height - mark.y * MM)} Td "]
            for latin, chunk in runs(mark.text):
                used[(latin, mark.bold)].update(chunk)
                hexed = chunk.encode("utf-16-be").hex()
                parts.append(f"{FONT_NAMES[(latin, mark.bold)]} {_n(mark.size)} Tf <{hexed}> Tj ")
            parts.append("ET 0 g\n" if mark.white else "ET\n")
            out.append("".join(parts))
        elif isinstance(mark, Rect):
            x, y, w, h = mark.x * MM, height - (mark.y + mark.h) * MM, mark.w * MM, mark.h * MM
            if mark.fill:
                out.append(f"{_n(x)} {_n(y)} {_n(w)} {_n(h)} re f\n")
            else:
                out.append(f"{_n(mark.stroke * MM)} w {_n(x)} {_n(y)} {_n(w)} {_n(h)} re S\n")
    return "".join(out)


def _pages(things: Iterable[Label | BoxMap | PackingList], settings: Settings) -> Iterator[Page]:
    for thing in things:
        yield from layout(thing, settings)


def render_pdf(
    things: Iterable[Label | BoxMap | PackingList],
    out: Output = None,
    *,
    sheet: Sheet | None = None,
    start: int = 1,
    settings: Settings = DEFAULT_SETTINGS,
) -> bytes | None:
    """Render labels, box maps and packing lists to PDF, streamed to `out` (a path or binary
    file; None returns the bytes). Without `sheet`, one page per label at its stock size (a
    roll). With `sheet`, labels fill its cells row by row, beginning at cell `start` (1-based)
    on the first page so a half-used sheet can be used up; all labels must share one stock."""
    with open_output(out) as (file, result):
        for _ in _document(PdfWriter(file), things, sheet, start, settings):
            pass
    return result()


def stream_pdf(
    things: Iterable[Label | BoxMap | PackingList],
    *,
    sheet: Sheet | None = None,
    start: int = 1,
    settings: Settings = DEFAULT_SETTINGS,
    piece: int = 64 * 1024,
) -> Iterator[bytes]:
    """`render_pdf`'s document in pieces of about `piece` bytes as it is written: the header
    first, before any label is read from `things` (an HTTP response starts at once), then the
    pages as they are drawn; memory stays flat however many labels there are."""
    buffer = io.BytesIO()
    writer = PdfWriter(buffer)
    yield _taken(buffer)
    for _ in _document(writer, things, sheet, start, settings):
        if buffer.tell() >= piece:
            yield _taken(buffer)
    yield _taken(buffer)


def _taken(buffer: io.BytesIO) -> bytes:
    """What the buffer holds, leaving it empty."""
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data


def _document(
    writer: PdfWriter,
    things: Iterable[Label | BoxMap | PackingList],
    sheet: Sheet | None,
    start: int,
    settings: Settings,
) -> Iterator[None]:
    """Draw the document into `writer`, pausing after each page written; closed at the end."""
    if sheet is not None and sheet.label is not None:  # laid out at the cut labels' size
        stocks = dict.fromkeys(TEMPLATES - {"box-map", "packing-list"}, sheet.label)
        settings = replace(settings, stocks={**settings.stocks, **stocks})
    pages = _pages(things, settings)
    if sheet is None:
        for page in pages:
            writer.add_page(
                page.width * MM, page.height * MM, draw(page, writer.used).encode("latin-1")
            )
            yield
    else:
        yield from _sheets(writer, pages, sheet, start)
    writer.close()


def _sheets(writer: PdfWriter, pages: Iterator[Page], sheet: Sheet, start: int) -> Iterator[None]:
    if not 1 <= start <= sheet.cells:
        raise LabelError(f"start position {start} is not on a sheet of {sheet.cells} labels")
    size = sheet.page.width_mm * MM, sheet.page.height_mm * MM
    stock: Stock | None = None
    index = start - 1
    parts: list[str] = []
    for page in pages:
        if stock is None:
            if page.width > sheet.page.width_mm / 2 and page.height > sheet.page.height_mm / 2:
                raise LabelError("box maps and packing lists are pages of their own, not labels")
            stock = Stock(page.width, page.height)
            sheet.check(stock)
        elif (page.width, page.height) != (stock.width_mm, stock.height_mm):
            raise LabelError("labels of different sizes cannot share a sheet")
        x, y = sheet.cell(index, stock)
        dy = (sheet.page.height_mm - y - page.height) * MM
        parts.append(f"q 1 0 0 1 {_n(x * MM)} {_n(dy)} cm\n{draw(page, writer.used)}Q\n")
        index += 1
        if index == sheet.cells:
            writer.add_page(*size, "".join(parts).encode("latin-1"))
            parts, index = [], 0
            yield
    if parts or writer.pages == 0:
        writer.add_page(*size, "".join(parts).encode("latin-1"))
