"""PNG (Pillow) and SVG previews of a laid-out label, box map or packing-list page.

The PNG needs TrueType fonts: Liberation Sans or DejaVu Sans for Latin text and a CJK font
(Noto Sans CJK, WenQuanYi, Droid Sans Fallback, SimSun...) found in the usual places, or the
paths given in `preview_fonts`. Text wider in these fonts than in Helvetica is narrowed to the
width the layout gave it, so it never runs into the code. Modules are whole pixels.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from functools import cache, lru_cache
from itertools import islice
from xml.sax.saxutils import escape as xml_escape

from PIL import Image, ImageDraw, ImageFont

from .errors import LabelError
from .fonts import PT, runs
from .layout import Box, Code, Page, Text, layout
from .model import BoxMap, Label, PackingList
from .settings import DEFAULT_SETTINGS, Settings

_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts")
_LATIN = ("LiberationSans-Regular.ttf", "DejaVuSans.ttf", "Arial.ttf", "arial.ttf")
_LATIN_BOLD = ("LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf")
_CJK = (
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "DroidSansFallbackFull.ttf",
    "simsun.ttc",
    "Songti.ttc",
)
_SVG_FONTS = "Helvetica, Arial, 'Noto Sans CJK SC', 'Source Han Sans SC', SimSun, sans-serif"


@cache
def _find(names: tuple[str, ...]) -> str | None:
    for base in _DIRS:
        for root, _dirs, files in os.walk(base):
            for name in names:
                if name in files:
                    return os.path.join(root, name)
    return None


@lru_cache(maxsize=256)
def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _paths(settings: Settings) -> tuple[str | None, str | None, str | None]:
    given = dict(settings.preview_fonts)
    return (
        given.get("latin") or _find(_LATIN),
        given.get("latin-bold") or _find(_LATIN_BOLD),
        given.get("cjk") or _find(_CJK),
    )


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
    latin, latin_bold, cjk = _paths(settings)
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
            _text(draw, item, k, latin_bold if item.bold else latin, cjk)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def _text(
    draw: ImageDraw.ImageDraw, item: Text, k: float, latin: str | None, cjk: str | None
) -> None:
    size = item.size * PT * k
    parts = runs(item.text)

    def length(px: float) -> float:
        return sum(_font(latin if lat else cjk, max(1, round(px))).getlength(t) for lat, t in parts)

    room = item.width * k
    if length(size) > room:
        size *= room / length(size)
    x, y = item.x * k, item.y * k
    for lat, chunk in parts:
        font = _font(latin if lat else cjk, max(1, round(size)))
        draw.text((x, y), chunk, font=font, fill=255 if item.white else 0, anchor="ls")
        x += font.getlength(chunk)


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


def font_paths(settings: Settings = DEFAULT_SETTINGS) -> Sequence[str | None]:
    """The PNG fonts in use (latin, latin bold, CJK); None means Pillow's built-in font."""
    return _paths(settings)
