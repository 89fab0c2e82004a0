"""The fonts every renderer sets text in, and text measurement: Arimo (metric twin of Helvetica
and Arial) for Latin text, Noto Sans SC for Chinese and the rest; both installed as packages
(fontpkg-arimo, justmytype-intl-cjk; SIL OFL), embedded in PDFs, drawn into previews and ZPL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from reportlab.pdfbase.pdfmetrics import getFont

LATIN = "Helvetica"  # metrics of Latin text (Arimo's are the same)
LATIN_BOLD = "Helvetica-Bold"
PT = 25.4 / 72  # mm per point


@dataclass(frozen=True)
class Face:
    """A font file (a variable font) at one weight."""

    name: str
    package: str
    path: str
    weight: int

    @property
    def file(self) -> str:
        return str(files(self.package).joinpath(self.path))


_ARIMO = ("fontpkg_arimo", "files/Arimo[wght].ttf")
_NOTO_SC = ("justmytype_intl_cjk", "fonts/ofl/notosanssc/NotoSansSC[wght].ttf")
FACES = {  # (latin, bold) -> face
    (True, False): Face("Arimo", *_ARIMO, 400),
    (True, True): Face("Arimo-Bold", *_ARIMO, 700),
    (False, False): Face("NotoSansSC", *_NOTO_SC, 400),
    (False, True): Face("NotoSansSC-Bold", *_NOTO_SC, 700),
}


def face(latin: bool, bold: bool) -> Face:
    """The face a run of text is set in."""
    return FACES[(latin, bold)]


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


def _widths(font: str) -> dict[str, float]:
    """Advance widths (1/1000 em) of the cp1252 characters of a standard font."""
    widths = getFont(font).widths
    return {bytes([b]).decode("cp1252", "ignore") or chr(b): widths[b] for b in range(256)}


_LATIN_WIDTHS = (_widths(LATIN), _widths(LATIN_BOLD))


@lru_cache(maxsize=1 << 16)  # lines are measured again at each size tried
def _em(text: str, bold: bool) -> float:
    """Width of text in ems: Helvetica (or its bold) for Latin characters, 1 em otherwise."""
    table = _LATIN_WIDTHS[bold]
    return sum(table.get(c, 1000) for c in text) / 1000


def width_pt(text: str, size: float, bold: bool = False) -> float:
    """Advance width in points: Helvetica metrics for Latin runs, 1 em per CJK character."""
    return _em(text, bold) * size


def width_mm(text: str, size: float, bold: bool = False) -> float:
    """Advance width in mm of text set at `size` points."""
    return width_pt(text, size, bold) * PT
