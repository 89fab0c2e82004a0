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
from .layout import Box, Code, Page, Text, layout
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
    for item in laid.items:
        if isinstance(item, Code):
            px = max(1, int(item.module * k))
            left = round(item.x * k + (item.side * k - item.qr.size * px) / 2)
            top = round(item.y * k + (item.side * k - item.qr.size * px) / 2)
            for r, c, n in item.qr.runs:
                x, y = left + c * px, top + r * px
                draw.rectangle((x, y, x + n * px - 1, y + px - 1), fill=0)
        elif isinstance(item, Box):
            x0, y0 = round(item.x * k), round(item.y * k)
            x1, y1 = round((item.x + item.w) * k) - 1, round((item.y + item.h) * k) - 1
            if item.fill:
                draw.rectangle((x0, y0, max(x0, x1), max(y0, y1)), fill=0)
            else:
                draw.rectangle((x0, y0, x1, y1), outline=0, width=max(1, round(item.stroke * k)))
        elif isinstance(item, Text):
            for x, font, chunk in placed(item, k):
                fill = 255 if item.white else 0
                draw.text((item.x * k + x, item.y * k), chunk, font=font, fill=fill, anchor="ls")
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
    for item in laid.items:
        out.append(_svg_item(item))
    out.append("</svg>\n")
    return "".join(out).encode("utf-8")


def _svg_item(item: Text | Code | Box) -> str:
    if isinstance(item, Code):
        x, y = item.origin
        path = "".join(f"M{c} {r}h{n}v1h-{n}z" for r, c, n in item.qr.runs)
        return (
            f'<path transform="translate({x:.3f} {y:.3f}) scale({item.module:.4f})" d="{path}"/>\n'
        )
    if isinstance(item, Box):
        rect = f'<rect x="{item.x:.3f}" y="{item.y:.3f}" width="{item.w:.3f}" height="{item.h:.3f}"'
        if item.fill:
            return rect + "/>\n"
        return rect + f' fill="none" stroke="#000" stroke-width="{item.stroke:.3f}"/>\n'
    weight = ' font-weight="bold"' if item.bold else ""
    fill = ' fill="#fff"' if item.white else ""
    return (
        f'<text x="{item.x:.3f}" y="{item.y:.3f}" font-size="{item.size * PT:.3f}" '
        f'font-family="{_SVG_FONTS}"{weight}{fill} textLength="{item.width:.3f}" '
        f'lengthAdjust="spacingAndGlyphs">{xml_escape(item.text)}</text>\n'
    )
