"""ZPL II output for Zebra-type printers at 203, 300 or 600 dpi; the printer encodes the QR codes.

Each label is one `^XA ... ^XZ` format: `^CI28` (UTF-8), `^PW`/`^LL` from the stock at the
printer's resolution, then the same layout as the PDF, in dots. Field data goes through `^FH`
with `_` as hex indicator: `^`, `~`, `_`, control and non-ASCII characters are written as the
hex of their UTF-8 bytes (`_5E`, `_7E`, `_5F`, `_E4_B8_AD`...), which under `^CI28` the printer
decodes back to the same UTF-8 text; the output is plain ASCII. QR codes are `^BQN,2,m` with
field data `<ecc>A,<payload>` (error correction level, automatic input mode): the
magnification m is the largest whose symbol fits the code's area, and never less than the
printer can resolve (`Settings.min_module_mm`, and 2 dots); otherwise `LabelError`.
Data Matrix codes (stocks whose symbology is "datamatrix") are `^BXN,m,200,s,s,,g`: ECC 200,
m dots a module chosen as for QR, the symbol size s forced to the one the layout reserved
room for, and as escape character g a character the payload does not contain (`^BX` reads
its escape sequences after `^FH` has decoded the hex).

A printer's resident font (`^A0`) is sure to have ASCII only: a line with any other character
(Chinese, °, ×...) is drawn here with the packaged faces and sent as a graphic field (`^GF`), so it
prints on any ZPL printer, unless `Settings.zpl_font_file` names a font the printer was given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .datamatrix import symbol_size
from .errors import LabelError
from .fonts import PT
from .layout import ASCENT, SYMBOLOGY_NAMES, Code, Page, Rect, Text, layout_label
from .model import BoxMap, Label, PackingList
from .qr import QrCode, printer_modules
from .raster import graphic_field, text_image
from .settings import DEFAULT_SETTINGS, Settings
from .sink import Output, open_output

DPIS = (203, 300, 600)
_SAFE = frozenset(chr(c) for c in range(0x20, 0x7F)) - set("^~_")


def escape(text: str) -> str:
    """Field data for `^FH`: `^ ~ _`, controls and non-ASCII as `_XX` UTF-8 byte escapes."""
    if not any(c not in _SAFE for c in text):
        return text
    return "".join(
        c if c in _SAFE else "".join(f"_{b:02X}" for b in c.encode("utf-8")) for c in text
    )


# candidates for ^BX's escape character: printable ASCII but ZPL's ^ ~ and the comma
_ESCAPES = "`|" + "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "`|^~,")


def _escape_character(payload: str) -> str:
    """A `^BX` escape character the payload does not contain."""
    for c in _ESCAPES:
        if c not in payload:
            return c
    raise LabelError("a Data Matrix payload using every printable character cannot go to ZPL")


def magnification(
    modules: int,
    side_mm: float,
    dpi: int,
    settings: Settings = DEFAULT_SETTINGS,
    symbology: str = "qr",
) -> int:
    """The `^BQ`/`^BX` module size in dots for a code of `modules` (plus the quiet zone) in
    a square of `side_mm`; raises LabelError when even the smallest does not fit."""
    dots_per_mm = dpi / 25.4
    smallest = max(2, math.ceil(settings.min_module_mm * dots_per_mm - 1e-6))
    mag = min(10, int(side_mm * dots_per_mm) // (modules + 2 * settings.quiet_modules))
    if mag < smallest:
        raise LabelError(
            f"a {SYMBOLOGY_NAMES[symbology]} of {modules} modules needs {smallest} dots a "
            f"module at {dpi} dpi: "
            f"{(modules + 2 * settings.quiet_modules) * smallest / dots_per_mm:.1f} mm, "
            f"the stock leaves {side_mm:.1f} mm"
        )
    return mag


def page_zpl(page: Page, dpi: int, settings: Settings = DEFAULT_SETTINGS) -> str:
    """One laid-out label as a ZPL format."""
    if dpi not in DPIS:
        raise LabelError(f"{dpi} dpi is not one of {DPIS}")
    k = dpi / 25.4
    out = [f"^XA^CI28^PW{round(page.width * k)}^LL{round(page.height * k)}^LH0,0\n"]
    font = settings.zpl_font
    tail = f",{settings.zpl_font_file}" if settings.zpl_font_file else ""
    for mark in page.marks:
        if isinstance(mark, Text) and not tail and not mark.text.isascii():
            reverse = "^FR" if mark.white else ""
            top = mark.y - ASCENT * mark.size * PT
            out.append(
                f"^FO{round(mark.x * k)},{round(top * k)}{reverse}"
                f"{graphic_field(text_image(mark, dpi))}^FS\n"
            )
        elif isinstance(mark, Text):
            h = max(10, round(mark.size / 72 * dpi))
            reverse = "^FR" if mark.white else ""
            out.append(
                f"^FT{round(mark.x * k)},{round(mark.y * k)}{font},{h},{h}{tail}"
                f"{reverse}^FH^FD{escape(mark.text)}^FS\n"
            )
        elif isinstance(mark, Code):
            size = mark.qr.size
            mag = magnification(size, mark.side, dpi, settings, mark.qr.symbology)
            offset = (mark.side * k - size * mag) / 2
            at = f"^FO{round(mark.x * k + offset)},{round(mark.y * k + offset)}"
            payload = escape(mark.qr.payload)
            if mark.qr.symbology == "datamatrix":
                g = _escape_character(mark.qr.payload)
                out.append(f"{at}^BXN,{mag},200,{size},{size},,{g}^FH^FD{payload}^FS\n")
            else:
                out.append(f"{at}^BQN,2,{mag}^FH^FD{settings.ecc}A,{payload}^FS\n")
        elif isinstance(mark, Rect):
            w, h = max(1, round(mark.w * k)), max(1, round(mark.h * k))
            t = min(w, h) if mark.fill else max(1, round(mark.stroke * k))
            out.append(f"^FO{round(mark.x * k)},{round(mark.y * k)}^GB{w},{h},{t}^FS\n")
    out.append("^XZ\n")
    return "".join(out)


def label_zpl(
    label: Label | BoxMap | PackingList, dpi: int = 203, settings: Settings = DEFAULT_SETTINGS
) -> str:
    """One label as a ZPL format (the code sized for the printer's own QR encoder); box maps
    and packing lists are refused."""
    if not isinstance(label, Label):
        raise LabelError(f"ZPL prints labels, not {type(label).__name__}")
    if settings.stock(label.template).symbology == "datamatrix":
        qr = QrCode(label.code, symbol_size(label.code), (), "datamatrix")
    else:
        qr = QrCode(label.code, printer_modules(label.code, settings.ecc), ())
    return page_zpl(layout_label(label, settings, qr), dpi, settings)


def render_zpl(
    labels: Iterable[Label | BoxMap | PackingList],
    out: Output = None,
    *,
    dpi: int = 203,
    settings: Settings = DEFAULT_SETTINGS,
) -> bytes | None:
    """Render labels to ZPL II, streamed to `out` (a path or binary file; None returns bytes)."""
    with open_output(out) as (file, result):
        for label in labels:
            file.write(label_zpl(label, dpi, settings).encode("ascii"))
    return result()
