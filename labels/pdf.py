"""PDF output: labels on rolls (a page per label at the stock's size) or on sheets (a grid).

Pages are laid out by `layout` and drawn into content streams here; `pdfwriter.PdfWriter`
writes each page as soon as it is drawn, so memory stays flat however many labels there are.
Text runs are set in Helvetica when Latin (cp1252) and in the standard CJK font STSong-Light
otherwise (UCS-2 codes with a ToUnicode map, so the text layer reads back as Unicode).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .errors import LabelError
from .fonts import PT, runs
from .layout import Box, Code, Page, Text, layout
from .model import BoxMap, Label, PackingList
from .pdfwriter import PdfWriter
from .settings import DEFAULT_SETTINGS, Settings
from .sink import Output, open_output
from .stocks import A4, Stock

MM = 1 / PT  # points per mm


@dataclass(frozen=True)
class Sheet:
    """A sheet of labels: `cols` x `rows` cells of the labels' stock size, the first cell's
    top-left corner at (`left`, `top`) mm, cells `gap_x`/`gap_y` mm apart, on `page`."""

    cols: int
    rows: int
    left: float = 0.0
    top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    page: Stock = A4

    @property
    def cells(self) -> int:
        return self.cols * self.rows

    def cell(self, index: int, stock: Stock) -> tuple[float, float]:
        """Top-left corner (mm) of the cell at 0-based index, row by row."""
        row, col = divmod(index, self.cols)
        return (
            self.left + col * (stock.width_mm + self.gap_x),
            self.top + row * (stock.height_mm + self.gap_y),
        )

    def check(self, stock: Stock) -> None:
        right = self.left + self.cols * stock.width_mm + (self.cols - 1) * self.gap_x
        bottom = self.top + self.rows * stock.height_mm + (self.rows - 1) * self.gap_y
        if right > self.page.width_mm + 0.01 or bottom > self.page.height_mm + 0.01:
            raise LabelError(
                f"{self.cols} x {self.rows} labels of {stock.width_mm:g} x {stock.height_mm:g} mm "
                f"do not fit a {self.page.width_mm:g} x {self.page.height_mm:g} mm page"
            )


def _n(value: float) -> str:
    return f"{value:.2f}"


def _string(text: str, latin: bool) -> str:
    if latin:
        raw = text.encode("cp1252").decode("latin-1")
        return "(" + raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    return "<" + text.encode("utf-16-be").hex() + ">"


def draw(page: Page) -> str:
    """The content stream of a laid-out page, in its own coordinates (origin bottom-left)."""
    height = page.height * MM
    out: list[str] = []
    for item in page.items:
        if isinstance(item, Code):
            m = item.module * MM
            x, y = item.origin
            out.append(f"q {_n(m)} 0 0 {_n(-m)} {_n(x * MM)} {_n(height - y * MM)} cm\n")
            out.append("".join(f"{c} {r} {n} 1 re " for r, c, n in item.qr.runs))
            out.append("f Q\n")
        elif isinstance(item, Text):
            font = "/F2" if item.bold else "/F1"
            head = "1 g " if item.white else ""
            x, y = _n(item.x * MM), _n(height - item.y * MM)
            parts = [f"{head}BT {x} {y} Td "]
            for latin, chunk in runs(item.text):
                parts.append(
                    f"{font if latin else '/F3'} {_n(item.size)} Tf {_string(chunk, latin)} Tj "
                )
            parts.append("ET 0 g\n" if item.white else "ET\n")
            out.append("".join(parts))
        elif isinstance(item, Box):
            x, y, w, h = item.x * MM, height - (item.y + item.h) * MM, item.w * MM, item.h * MM
            if item.fill:
                out.append(f"{_n(x)} {_n(y)} {_n(w)} {_n(h)} re f\n")
            else:
                out.append(f"{_n(item.stroke * MM)} w {_n(x)} {_n(y)} {_n(w)} {_n(h)} re S\n")
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
        writer = PdfWriter(file)
        pages = _pages(things, settings)
        if sheet is None:
            for page in pages:
                writer.add_page(page.width * MM, page.height * MM, draw(page).encode("latin-1"))
        else:
            _sheets(writer, pages, sheet, start)
        writer.close()
    return result()


def _sheets(writer: PdfWriter, pages: Iterator[Page], sheet: Sheet, start: int) -> None:
    if not 1 <= start <= sheet.cells:
        raise LabelError(f"start position {start} is not on a sheet of {sheet.cells} labels")
    size = sheet.page.width_mm * MM, sheet.page.height_mm * MM
    stock: Stock | None = None
    index = start - 1
    parts: list[str] = []
    for page in pages:
        if stock is None:
            stock = Stock(page.width, page.height)
            sheet.check(stock)
        elif (page.width, page.height) != (stock.width_mm, stock.height_mm):
            raise LabelError("labels of different sizes cannot share a sheet")
        x, y = sheet.cell(index, stock)
        dy = (sheet.page.height_mm - y - page.height) * MM
        parts.append(f"q 1 0 0 1 {_n(x * MM)} {_n(dy)} cm\n{draw(page)}Q\n")
        index += 1
        if index == sheet.cells:
            writer.add_page(*size, "".join(parts).encode("latin-1"))
            parts, index = [], 0
    if parts or writer.pages == 0:
        writer.add_page(*size, "".join(parts).encode("latin-1"))
