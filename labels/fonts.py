"""Text measurement shared by every renderer: Helvetica for Latin text, a CJK font otherwise."""

from __future__ import annotations

import re
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth

LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
CJK = "STSong-Light"  # one of the PDF's standard CJK fonts: no font file is needed
PT = 25.4 / 72  # mm per point

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@lru_cache(maxsize=4096)
def is_latin(char: str) -> bool:
    """Whether Helvetica (WinAnsi, cp1252) has the character."""
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def clean(text: str) -> str:
    """Text safe to print: control characters become spaces, characters beyond the BMP "?"."""
    text = _CONTROL.sub(" ", text)
    if text.isascii():
        return text
    return "".join(c if ord(c) <= 0xFFFF else "?" for c in text)


def runs(text: str) -> list[tuple[bool, str]]:
    """Split text into runs of (latin, text): each run is set in one font."""
    if text.isascii():
        return [(True, text)]
    out: list[tuple[bool, str]] = []
    for char in text:
        latin = is_latin(char)
        if out and out[-1][0] == latin:
            out[-1] = (latin, out[-1][1] + char)
        else:
            out.append((latin, char))
    return out


def width_pt(text: str, size: float, bold: bool = False) -> float:
    """Advance width in points: Helvetica metrics for Latin runs, 1 em per CJK character."""
    font = LATIN_BOLD if bold else LATIN
    if text.isascii():
        return stringWidth(text, font, size)
    return sum(stringWidth(t, font, size) if lat else len(t) * size for lat, t in runs(text))


def width_mm(text: str, size: float, bold: bool = False) -> float:
    """Advance width in mm of text set at `size` points."""
    return width_pt(text, size, bold) * PT
