"""Label rendering: plain label data in, PDF / ZPL / PNG / SVG bytes out (no database, no Flask).

Data (frozen dataclasses, built by the caller from its records):
    Label(code, title="", lines=(), template="cryovial", risk_group=None)
    cage_card(code, cage, *, strain, protocol, animals, lines, risk_group, caption) -> Label
    Every label prints its code's text (`caption`, else the payload) at 1.2 mm capitals or more.
    BoxMap(name, rows, cols, cells=(BoxCell(row, col, barcode, text), ...), path="", code="")
    PackingList(number, recipient, courier, conditions, terms, rows=(PackingRow(code, barcode,
        accession, designation, quantity, lot), ...), date, title, sender)
    PickList(number, conditions, rows=(PickRow(code, barcode, accession, quantity=, lot=,
        place=, position=), ...), date): the picker's list in storage order, a box to tick
Templates: cryovial, cap, seed-packet, box, cage-card (labels); box-map, packing-list (A4,
    also the pick list's page).
Settings(stocks={template: Stock | "1x0.5in" | {"width_mm":..}}, ecc="M", quiet_modules=2,
    min_module_mm=0.25, min_text_pt=4.5, zpl_font="^A0N", zpl_font_file="")
    A stock's `symbology` is "qr" (default) or "datamatrix" (ECC 200, for tubes read by a rack
    scanner): Stock(13, 13, True, "datamatrix"), "cap-13mm datamatrix", {..., "symbology": ..}.

Rendering (`out` is a path or binary file to stream to; None returns the bytes):
    render(things, fmt, out=None, *, dpi=300, settings, sheet=None, start=1)
        -> any format of MEDIA_TYPES ("pdf", "zpl", "png", "svg": a preview of one label)
    stream(things, fmt, *, dpi=300, settings, sheet=None, start=1) -> Iterator[bytes]
        (the same document in pieces as it is made: a PDF's header before any label is read)
    render_pdf(things, out=None, *, sheet=None, start=1, settings) -> bytes | None
        (fonts embedded and subset: Arimo for Latin text, Noto Sans SC for Chinese)
    sheet_of("L7160" | "5160" | "3x10", page="A4", left=None, top=None, gap_x=0, gap_y=0) -> Sheet
        (SHEETS: the common cut-label stocks; a grid that reaches the unprintable margin is refused)
    render_zpl(labels, out=None, *, dpi=203, settings) -> bytes | None
    render_png(thing, dpi=300, *, page=0, settings) -> bytes
    render_svg(thing, *, page=0, settings) -> bytes
    layout(thing, settings) -> Iterator[Page]    (the one layout in mm every renderer draws)
Printing:
    send(data, Destination(kind="tcp" | "directory" | "cups", address, port=9100, ...))
Errors: LabelError; TransportError (a LabelError) when bytes cannot be delivered.
"""

from __future__ import annotations

from .documents import MEDIA_TYPES, render, stream
from .errors import LabelError, TransportError
from .layout import Page, layout
from .model import BoxCell, BoxMap, Label, PackingList, PackingRow, PickList, PickRow, cage_card
from .pdf import render_pdf
from .preview import render_png, render_svg
from .settings import DEFAULT_SETTINGS, Settings
from .sheets import PAGES, SHEETS, Sheet, sheet_of
from .stocks import DEFAULT_STOCKS, STOCKS, TEMPLATES, Stock
from .transports import Destination, send
from .zpl import render_zpl

__all__ = [
    "DEFAULT_SETTINGS",
    "DEFAULT_STOCKS",
    "MEDIA_TYPES",
    "PAGES",
    "SHEETS",
    "STOCKS",
    "TEMPLATES",
    "BoxCell",
    "BoxMap",
    "Destination",
    "Label",
    "LabelError",
    "PackingList",
    "PackingRow",
    "Page",
    "PickList",
    "PickRow",
    "Settings",
    "Sheet",
    "Stock",
    "TransportError",
    "cage_card",
    "layout",
    "render",
    "render_pdf",
    "render_png",
    "render_svg",
    "render_zpl",
    "send",
    "sheet_of",
    "stream",
]
