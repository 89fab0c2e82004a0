"""Text drawn as pixels with the packaged faces (Pillow): for ZPL printers that have no font for
it (sent as a `^GF` graphic field), and the bitmap a ZPL graphic field holds."""

from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from .fonts import PT, face, runs
from .layout import ASCENT, LEADING, Text


@lru_cache(maxsize=256)
def pil_font(latin: bool, bold: bool, px: int) -> ImageFont.FreeTypeFont:
    """The face of (latin, bold) at `px` pixels an em, at its weight."""
    chosen = face(latin, bold)
    font = ImageFont.truetype(chosen.file, px)
    font.set_variation_by_axes([chosen.weight])
    return font


def placed(item: Text, k: float) -> list[tuple[float, ImageFont.FreeTypeFont, str]]:
    """The runs of a line of text drawn `k` pixels a mm: each one's distance in pixels from
    the line's start, its font and its text. Text wider in these faces than the layout
    measured is narrowed to the layout's width."""
    size = item.size * PT * k
    parts = runs(item.text)

    def length(px: float) -> float:
        return sum(pil_font(lat, item.bold, max(1, round(px))).getlength(t) for lat, t in parts)

    room = item.width * k
    if length(size) > room:
        size *= room / length(size)
    out, x = [], 0.0
    for lat, chunk in parts:
        font = pil_font(lat, item.bold, max(1, round(size)))
        out.append((x, font, chunk))
        x += font.getlength(chunk)
    return out


def text_image(item: Text, dpi: int) -> Image.Image:
    """A one-bit image of a line of text (black on white), as tall as its line box; the
    baseline `ASCENT` sizes below the top, the left end of the baseline at x = 0, narrowed
    to the layout's width like `placed`."""
    k = dpi / 25.4
    image = Image.new(
        "1",
        (max(1, math.ceil(item.width * k)), max(1, round(LEADING * item.size * PT * k))),
        1,
    )
    draw = ImageDraw.Draw(image)
    baseline = ASCENT * item.size * PT * k
    for x, font, chunk in placed(item, k):
        draw.text((x, baseline), chunk, font=font, fill=0, anchor="ls")
    return image


def graphic_field(image: Image.Image) -> str:
    """`^GFA` of a one-bit image: total bytes, bytes per row, rows as hex (1 = black dot)."""
    row = (image.width + 7) // 8
    data = bytes(b ^ 0xFF for b in image.convert("1").tobytes())  # Pillow: 1 = white
    return f"^GFA,{len(data)},{len(data)},{row},{data.hex().upper()}"


def graphic_image(field: str) -> Image.Image:
    """The one-bit image a `^GFA,total,total,row,hex` field holds (for checking)."""
    _, total, _, row, data = field.split(",", 4)
    raw = bytes.fromhex(data[: 2 * int(total)])
    height = len(raw) // int(row)
    return Image.frombytes("1", (8 * int(row), height), bytes(b ^ 0xFF for b in raw))
