"""Label sheets for office printers: the common cut-label stocks by their published pitch and
margins, or a grid given by columns, rows and margins; each checked against the printable area.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import LabelError
from .stocks import A4, INCH, Stock

LETTER = Stock(8.5 * INCH, 11 * INCH)
PAGES = {"A4": A4, "letter": LETTER}
UNPRINTABLE_MM = 4.2  # office printers leave about 1/6 in along each edge unprinted
MAX_COLS, MAX_ROWS = 20, 40  # no cut-label stock has more


@dataclass(frozen=True)
class Sheet:
    """A sheet of `cols` x `rows` labels on `page`. The first label's top-left corner is at
    (`left`, `top`) mm, or the grid is centred on the page where they are None; labels are
    `gap_x` / `gap_y` mm apart. `label` is the size of the cut labels of a stock (the labels
    are then laid out at that size); None places the labels at their own stock's size.
    `unprintable` is the margin along each edge that the printer cannot reach."""

    cols: int
    rows: int
    left: float | None = None
    top: float | None = None
    gap_x: float = 0.0
    gap_y: float = 0.0
    page: Stock = A4
    label: Stock | None = None
    unprintable: float = UNPRINTABLE_MM
    name: str = ""

    def __post_init__(self) -> None:
        if not (1 <= self.cols <= MAX_COLS and 1 <= self.rows <= MAX_ROWS):
            raise LabelError(
                f"a sheet of {self.cols} x {self.rows} labels is not a label sheet: at most "
                f"{MAX_COLS} columns and {MAX_ROWS} rows"
            )
        for name in ("left", "top", "gap_x", "gap_y"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 100:
                raise LabelError(f"sheet {name} {value:g} mm is not between 0 and 100 mm")

    @property
    def cells(self) -> int:
        return self.cols * self.rows

    def _extent(self, stock: Stock) -> tuple[float, float]:
        width = self.cols * stock.width_mm + (self.cols - 1) * self.gap_x
        height = self.rows * stock.height_mm + (self.rows - 1) * self.gap_y
        return width, height

    def origin(self, stock: Stock) -> tuple[float, float]:
        """The first label's top-left corner in mm (the grid centred where not given)."""
        width, height = self._extent(stock)
        left = (self.page.width_mm - width) / 2 if self.left is None else self.left
        top = (self.page.height_mm - height) / 2 if self.top is None else self.top
        return left, top

    def cell(self, index: int, stock: Stock) -> tuple[float, float]:
        """Top-left corner (mm) of the cell at 0-based index, row by row."""
        row, col = divmod(index, self.cols)
        left, top = self.origin(stock)
        return (
            left + col * (stock.width_mm + self.gap_x),
            top + row * (stock.height_mm + self.gap_y),
        )

    def check(self, stock: Stock) -> None:
        """Refuse a grid that leaves the page or reaches into the margin no printer prints."""
        width, height = self._extent(stock)
        left, top = self.origin(stock)
        edges = {
            "left": left,
            "top": top,
            "right": self.page.width_mm - left - width,
            "bottom": self.page.height_mm - top - height,
        }
        what = (
            f"{self.name + ': ' if self.name else ''}{self.cols} x {self.rows} labels of "
            f"{stock.width_mm:g} x {stock.height_mm:g} mm on a "
            f"{self.page.width_mm:g} x {self.page.height_mm:g} mm page"
        )
        for edge, room in edges.items():
            if room < -0.01:
                raise LabelError(f"{what} run {-room:.1f} mm past the page's {edge} edge")
        for edge, room in edges.items():
            if room < self.unprintable - 0.01:
                raise LabelError(
                    f"{what} come {room:.1f} mm from the page's {edge} edge: office printers "
                    f"cannot print within {self.unprintable:g} mm of an edge"
                )


def _stock(
    name: str,
    page: Stock,
    cols: int,
    rows: int,
    w: float,
    h: float,
    left: float,
    top: float,
    pitch_x: float,
    pitch_y: float,
) -> Sheet:
    return Sheet(cols, rows, left, top, pitch_x - w, pitch_y - h, page, Stock(w, h), name=name)


# Cut-label sheets by their makers' published label size, margins and pitch (mm).
SHEETS: dict[str, Sheet] = {
    sheet.name: sheet
    for sheet in (
        _stock("L7160", A4, 3, 7, 63.5, 38.1, 7.25, 15.15, 66.0, 38.1),
        _stock("L7163", A4, 2, 7, 99.1, 38.1, 4.65, 15.15, 101.6, 38.1),
        _stock("L7651", A4, 5, 13, 38.1, 21.2, 4.75, 10.7, 40.6, 21.2),
        _stock("L7656", A4, 4, 21, 46.0, 11.1, 7.6, 15.95, 49.6, 12.7),
        _stock(
            "5160", LETTER, 3, 10, 2.625 * INCH, INCH, 0.1875 * INCH, 0.5 * INCH, 2.75 * INCH, INCH
        ),
        _stock(
            "5167",
            LETTER,
            4,
            20,
            1.75 * INCH,
            0.5 * INCH,
            0.28125 * INCH,
            0.5 * INCH,
            2.0625 * INCH,
            0.5 * INCH,
        ),
    )
}

_GRID = re.compile(r"^\s*(\d{1,4})\s*x\s*(\d{1,4})\s*$", re.IGNORECASE)


def sheet_of(
    spec: str,
    *,
    page: str = "A4",
    left: float | None = None,
    top: float | None = None,
    gap_x: float = 0.0,
    gap_y: float = 0.0,
) -> Sheet:
    """A sheet by a stock's name (L7160, 5160, ...) or as COLSxROWS ("3x10") on `page` with
    the given margins (the grid centred where a margin is not given)."""
    named = {name.lower(): sheet for name, sheet in SHEETS.items()}.get(spec.strip().lower())
    if named is not None:
        return named
    match = _GRID.match(spec)
    if not match:
        raise LabelError(
            f"sheet {spec[:40]!r} is neither COLSxROWS (e.g. 3x10) nor a known stock "
            f"({', '.join(SHEETS)})"
        )
    if page not in PAGES:
        raise LabelError(f"page {page[:20]!r} is not one of {', '.join(PAGES)}")
    return Sheet(int(match[1]), int(match[2]), left, top, gap_x, gap_y, PAGES[page])
