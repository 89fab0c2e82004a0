"""PNG (Pillow) and SVG previews of a laid-out label, box map or packing-list page.

The PNG sets text in the packaged faces the PDF embeds (`raster.pil_font`: Arimo for Latin
text, Noto Sans SC for Chinese), so a preview looks the same on any machine. Text wider in
these faces than in Helvetica is narrowed to the width the layout gave it, so it never runs
into the code. Modules are whole pixels.
"""

from __future__ import annotations

import io
from itertools import islice
from xml.sax.saxutils import escape as xml_escape

from PIL import Image, ImageDraw

from .errors import LabelError
from .fonts import PT
from .layout import Code, Mark, Page, Rect, Text, layout
from .model import BoxMap, Label, PackingList
from .raster import placed
from .settings import DEFAULT_SETTINGS, Settings

_SVG_FONTS = "Helvetica, Arial, Arimo, 'Noto Sans SC', 'Noto Sans CJK SC', sans-serif"


def _page(thing: Label | BoxMap | PackingList | Page, page: int, settings: Settings) -> Page:
    if isinstance(thing, Page):
        return thing
    found = next(islice(layout(thing, settings), page, None), None)
    if found is None:
        raise LabelError(f"there is no page {page + 1}")
    return found


def render_png(
    thing: Label | BoxMap | PackingList | Page,
    dpi: int = 300,
    *,
    page: int = 0,
    settings: Settings = DEFAULT_SETTINGS,
) -> bytes:
    """A PNG of a label (or of page `page`, 0-based, of a box map or packing list)."""
    laid = _page(thing, page, settings)
    k = dpi / 25.4
    image = Image.new("L", (round(laid.width * k), round(laid.height * k)), 255)
    draw = ImageDraw.Draw(image)
    if laid.round:
        draw.ellipse((0, 0, image.width - 1, image.height - 1), outline=200)
    for mark in laid.marks:
        if isinstance(mark, Code):
            px = max(1, int(mark.module * k))
            left = round(mark.x * k + (mark.side * k - mark.qr.size * px) / 2)
            top = round(mark.y * k + (mark.side * k - mark.qr.size * px) / 2)
            for r, c, n in mark.qr.runs:
                x, y = left + c * px, top + r * px
                draw.rectangle((x, y, x + n * px - 1, y + px - 1), fill=0)
        elif isinstance(mark, Rect):
            x0, y0 = round(mark.x * k), round(mark.y * k)
            x1, y1 = round((mark.x + mark.w) * k) - 1, round((mark.y + mark.h) * k) - 1
            if mark.fill:
                draw.rectangle((x0, y0, max(x0, x1), max(y0, y1)), fill=0)
            else:
                draw.rectangle((x0, y0, x1, y1), outline=0, width=max(1, round(mark.stroke * k)))
        elif isinstance(mark, Text):
            for dx, font, chunk in placed(mark, k):
                fill = 255 if mark.white else 0
                draw.text((mark.x * k + dx, mark.y * k), chunk, font=font, fill=fill, anchor="ls")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def render_svg(
    thing: Label | BoxMap | PackingList | Page,
    *,
    page: int = 0,
    settings: Settings = DEFAULT_SETTINGS,
) -> bytes:
    """An SVG (UTF-8) of a label or of one page; sizes in mm, text held to its layout width."""
    laid = _page(thing, page, settings)
    w, h = f"{laid.width:g}", f"{laid.height:g}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}">\n<rect width="{w}" height="{h}" fill="#fff"/>\n'
    ]
    if laid.round:
        r = laid.width / 2
        out.append(f'<circle cx="{r:g}" cy="{r:g}" r="{r:g}" fill="none" stroke="#ccc" ')
        out.append('stroke-width="0.1"/>\n')
    for mark in laid.marks:
        out.append(_svg_mark(mark))
    out.append("</svg>\n")
    return "".join(out).encode("utf-8")


def _svg_mark(mark: Mark) -> str:
    if isinstance(mark, Code):
        x, y = mark.origin
        path = "".join(f"M{c} {r}h{n}v1h-{n}z" for r, c, n in mark.qr.runs)
        return (
            f'<path transform="translate({x:.3f} {y:.3f}) scale({mark.module:.4f})" d="{path}"/>\n'
        )
    if isinstance(mark, Rect):
        rect = f'<rect x="{mark.x:.3f}" y="{mark.y:.3f}" width="{mark.w:.3f}" height="{mark.h:.3f}"'
        if mark.fill:
            return rect + "/>\n"
        return rect + f' fill="none" stroke="#000" stroke-width="{mark.stroke:.3f}"/>\n'
    weight = ' font-weight="bold"' if mark.bold else ""
    fill = ' fill="#fff"' if mark.white else ""
    return (
        f'<text x="{mark.x:.3f}" y="{mark.y:.3f}" font-size="{mark.size * PT:.3f}" '
        f'font-family="{_SVG_FONTS}"{weight}{fill} textLength="{mark.width:.3f}" '
        f'lengthAdjust="spacingAndGlyphs">{xml_escape(mark.text)}</text>\n'
    )
