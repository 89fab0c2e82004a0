"""One layout in mm for every renderer: where each text line, QR code and box goes on a page.

Coordinates are millimetres from the page's top-left corner, y downwards; a `Text` is placed
by the left end of its baseline, a `Code` by the square area it owns (quiet zone included).

Text is fitted by `fit_text`: it first shrinks (down to `Settings.min_text_pt`), then wraps
(at spaces, between CJK characters, or inside a word too long for a line, always between
characters), and if it still does not fit, the last line that fits is ellipsised ("…") at a
character boundary. Where wrapping keeps the text markedly larger (by 1/`WRAP_GAIN`) than
shrinking it onto one line would, and breaks no word, it wraps first (a long name in a roomy
table cell).
Text never enters the code's area: each template gives them disjoint boxes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .datamatrix import make_datamatrix
from .errors import LabelError
from .fonts import PT, clean, width_mm
from .model import BoxMap, Label, PackingList, PickList
from .qr import QrCode, make_qr
from .settings import DEFAULT_SETTINGS, Settings
from .stocks import Stock

LEADING = 1.15  # line height, in font sizes
ASCENT = 0.9  # baseline below the line's top, in font sizes
ELLIPSIS = "…"
WRAP_GAIN = 0.8  # text wraps rather than shrinks when wrapping keeps it 1/0.8 times larger
CAP_HEIGHT = 0.718  # height of capitals, in font sizes (Helvetica and its metric twin Arimo)
CODE_TEXT_MM = 1.2  # the code's text: capitals at least this tall (14 dots at 300 dpi)
CODE_TEXT_PT = CODE_TEXT_MM / (CAP_HEIGHT * PT)  # 4.74 pt


@dataclass(frozen=True, slots=True)
class Text:
    """A run of text on one line: baseline start (mm), size (pt), bold, white on black."""

    x: float
    y: float
    size: float
    text: str
    bold: bool = False
    white: bool = False

    @property
    def width(self) -> float:
        """Advance width in mm."""
        return width_mm(self.text, self.size, self.bold)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """The line box (x0, top, x1, bottom) in mm that the glyphs stay within."""
        top = self.y - ASCENT * self.size * PT
        return (self.x, top, self.x + self.width, top + LEADING * self.size * PT)


@dataclass(frozen=True, slots=True)
class Code:
    """A 2-D code (QR or Data Matrix) in the square area (x, y, side); modules of `module` mm,
    centred."""

    x: float
    y: float
    side: float
    qr: QrCode
    module: float

    @property
    def origin(self) -> tuple[float, float]:
        """Top-left corner of the symbol itself (inside the quiet zone)."""
        offset = (self.side - self.qr.size * self.module) / 2
        return (self.x + offset, self.y + offset)


@dataclass(frozen=True, slots=True)
class Rect:
    """A rectangle: filled black, or outlined with a line `stroke` mm wide."""

    x: float
    y: float
    w: float
    h: float
    fill: bool = False
    stroke: float = 0.2


Mark = Text | Code | Rect


@dataclass(frozen=True, slots=True)
class Page:
    """One label or sheet, laid out: its size in mm and what is drawn on it."""

    width: float
    height: float
    marks: tuple[Mark, ...]
    round: bool = False

    @property
    def texts(self) -> list[Text]:
        return [i for i in self.marks if isinstance(i, Text)]

    @property
    def codes(self) -> list[Code]:
        return [i for i in self.marks if isinstance(i, Code)]


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph to fit: its text, weight and size relative to the block's size."""

    text: str
    bold: bool = False
    scale: float = 1.0


# --- text ---------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s+|[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+"
)


def _prefix(text: str, width: float, size: float, bold: bool) -> int:
    """How many leading characters of text fit in width (at least one)."""
    n = 1
    while n < len(text) and width_mm(text[: n + 1], size, bold) <= width:
        n += 1
    return n


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy line breaking at spaces and between CJK characters; a word longer than a line is
    broken between characters."""
    joined = " ".join(text.split())  # as the loop below spaces words
    if width_mm(joined, size, bold) <= width:  # the usual case: it fits on one line
        return [joined] if joined else []
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if token.isspace():
            line = line + " " if line else line
            continue
        if width_mm(line + token, size, bold) <= width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        while width_mm(token, size, bold) > width:
            n = _prefix(token, width, size, bold)
            lines.append(token[:n])
            token = token[n:]
        line = token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _breaks_words(paras: Sequence[Para], width: float, size: float) -> bool:
    """Whether wrapping at this size would have to break a word (a name, a number; each CJK
    character is a word of its own, as lines break between them)."""
    return any(
        width_mm(token, size * p.scale, p.bold) > width
        for p in paras
        for token in _TOKEN.findall(p.text)
        if not token.isspace()
    )


def ellipsise(text: str, width: float, size: float, bold: bool = False) -> str:
    """The longest start of text, followed by "…", that fits width (cut between characters)."""
    text = text.rstrip()
    while text and width_mm(text + ELLIPSIS, size, bold) > width:
        text = text[:-1].rstrip()
    return text + ELLIPSIS


def _place(
    lines: Sequence[tuple[Para, str]],
    size: float,
    x: float,
    y: float,
    w: float,
    h: float,
    align: str,
) -> list[Text]:
    used = sum(p.scale * size * LEADING * PT for p, _ in lines)
    top = y + (h - used) / 2 if align == "center" else y
    out = []
    for para, text in lines:
        s = para.scale * size
        left = x
        if align == "center":
            left = x + (w - width_mm(text, s, para.bold)) / 2
        out.append(Text(left, top + ASCENT * s * PT, s, text, para.bold))
        top += LEADING * s * PT
    return out


def fit_text(
    paras: Iterable[Para],
    x: float,
    y: float,
    w: float,
    h: float,
    max_pt: float,
    min_pt: float,
    align: str = "left",
) -> list[Text]:
    """Lay paragraphs out in the box (x, y, w, h) mm: the largest size up to `max_pt` at which
    every paragraph fits on one line, unless that is below `min_pt` or below `WRAP_GAIN` times
    the largest size at which the wrapped paragraphs fit (then wrapped at that size); failing
    both, as many wrapped lines at `min_pt` as fit, the last one ellipsised. `align` "center"
    centres lines and the block; raises LabelError when not even one line fits the box."""
    paras = [Para(clean(p.text).strip(), p.bold, p.scale) for p in paras]
    paras = [p for p in paras if p.text]
    if not paras:
        return []
    per_pt = sum(p.scale for p in paras) * LEADING * PT
    size = min(
        max_pt,
        h / per_pt,
        *(w / (width_mm(p.text, p.scale, p.bold) or 1e-9) for p in paras),
    )
    unwrapped = math.floor(size * 4) / 4
    if unwrapped >= WRAP_GAIN * max_pt:
        return _place([(p, p.text) for p in paras], unwrapped, x, y, w, h, align)
    size = math.floor(min(max_pt, h / (LEADING * PT * max(p.scale for p in paras))) * 2) / 2
    while size >= min_pt and size * WRAP_GAIN > unwrapped:
        lines = [(p, t) for p in paras for t in wrap(p.text, w, size * p.scale, p.bold)]
        fits = sum(p.scale * size * LEADING * PT for p, _ in lines) <= h
        if fits and (unwrapped < min_pt or not _breaks_words(paras, w, size)):
            return _place(lines, size, x, y, w, h, align)
        size -= 0.5
    if unwrapped >= min_pt:
        return _place([(p, p.text) for p in paras], unwrapped, x, y, w, h, align)
    size = min_pt
    lines = [(p, t) for p in paras for t in wrap(p.text, w, size * p.scale, p.bold)]
    kept: list[tuple[Para, str]] = []
    used = 0.0
    for para, text in lines:
        step = para.scale * size * LEADING * PT
        if used + step > h + 1e-9:
            break
        kept.append((para, text))
        used += step
    if not kept:
        raise LabelError(f"no room for text in a {w:.1f} x {h:.1f} mm box")
    if len(kept) < len(lines):
        para, text = kept[-1]
        kept[-1] = (para, ellipsise(text, w, size * para.scale, para.bold))
    return _place(kept, size, x, y, w, h, align)


def _marking(text: str, x: float, y: float, size: float) -> tuple[list[Mark], float]:
    """A white-on-black tag (the risk group) at (x, y); returns the marks and its height."""
    pad = 0.25 * size * PT
    height = LEADING * size * PT
    width = width_mm(text, size, True) + 2 * pad
    return [
        Rect(x, y, width, height, fill=True),
        Text(x + pad, y + ASCENT * size * PT, size, text, True, True),
    ], height


def text_block(
    label: Label,
    x: float,
    y: float,
    w: float,
    h: float,
    max_pt: float,
    min_pt: float,
    align: str = "left",
    *,
    optional: bool = False,
) -> list[Mark]:
    """A label's marking, title (bold, 1.2 times larger) and lines, fitted in the box.
    `optional` where the text comes after the code and its caption (what else fits): nothing
    when not even its first line fits the room left, where otherwise that is a LabelError."""
    marks: list[Mark] = []
    if label.marking:
        size = max(min_pt, min(max_pt, h / 3 / (LEADING * PT)))
        tag_w = width_mm(label.marking, size, True) + 0.5 * size * PT
        inline = h - LEADING * size * PT < 1.2 * LEADING * min_pt * PT
        tag_x = x + (w - tag_w) / 2 if align == "center" and not inline else x
        tag, tag_h = _marking(label.marking, tag_x, y, size)
        marks += tag
        if inline:  # no room for a line of its own: the tag starts the first line
            x, w = x + tag_w + 0.5, w - tag_w - 0.5
        else:
            y, h = y + tag_h + 0.3, h - tag_h - 0.3
    paras = [Para(label.title, True, 1.2)] if label.title else []
    paras += [Para(line) for line in label.lines]
    try:
        return marks + fit_text(paras, x, y, w, h, max_pt, min_pt, align)
    except LabelError:
        if optional:
            return []
        raise


def _pieces(text: str, count: int) -> list[str]:
    """Text cut into `count` pieces of equal length (a code has no spaces to wrap at)."""
    step = math.ceil(len(text) / count)
    return [text[i : i + step] for i in range(0, len(text), step)]


def _illegible(text: str, where: str) -> LabelError:
    return LabelError(
        f"the code's text {text[:40]!r} cannot be printed legibly (capitals of {CODE_TEXT_MM} mm,"
        f" {CODE_TEXT_PT:.1f} pt) {where}"
    )


def caption_lines(text: str, width: float, max_pt: float) -> tuple[list[str], float]:
    """The code's text in as few lines as fit `width` mm at `CODE_TEXT_PT` or more (bold, up to
    `max_pt`): one line, else cut into up to four equal pieces; the lines and their size.
    Raises LabelError when even four lines are not legible there."""
    text = clean(text).strip()
    for count in range(1, min(4, len(text)) + 1):
        lines = _pieces(text, count)
        widest = max(width_mm(line, 1, True) for line in lines)
        size = math.floor(min(max_pt, width / widest) * 4) / 4
        if size >= CODE_TEXT_PT - 1e-9:
            return lines, size
    raise _illegible(text, f"in the {width:.1f} mm the label leaves beside its code")


def _caption(lines: Sequence[str], size: float, x: float, y: float, w: float, align: str):
    lines_ = [(Para(line, True), line) for line in lines]
    return _place(lines_, size, x, y, w, _height(len(lines), size), align)


def _height(lines: int, size: float) -> float:
    return lines * LEADING * size * PT


# --- labels -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    max_pt: float  # size of the text lines; the title is 1.2 times larger
    margin: float  # mm, around everything
    code_max: float  # mm, the largest code area
    caption_pt: float  # the largest size of the code's text (bold)
    code_right: bool = False


SPECS: dict[str, _Spec] = {
    "cryovial": _Spec(6.5, 0.8, 20, 5),
    "cap": _Spec(6, 0.6, 20, 6.5),
    "seed-packet": _Spec(10, 2, 30, 10),
    "box": _Spec(9, 1.5, 22, 10),
    "cage-card": _Spec(12, 3, 32, 14, code_right=True),
}


SYMBOLOGY_NAMES = {"qr": "QR code", "datamatrix": "Data Matrix code"}


def make_code(payload: str, symbology: str, settings: Settings = DEFAULT_SETTINGS) -> QrCode:
    """A payload's symbol in the stock's symbology ("qr" or "datamatrix")."""
    if symbology == "datamatrix":
        return make_datamatrix(payload)
    return make_qr(payload, settings.ecc)


def _code(qr: QrCode, x: float, y: float, side: float, settings: Settings) -> Code:
    module = side / (qr.size + 2 * settings.quiet_modules)
    if module < settings.min_module_mm - 1e-9:
        need = (qr.size + 2 * settings.quiet_modules) * settings.min_module_mm
        raise LabelError(
            f"{SYMBOLOGY_NAMES[qr.symbology]} of {qr.size} modules for {qr.payload!r} needs "
            f"{need:.1f} mm, "
            f"the stock leaves {side:.1f} mm"
        )
    return Code(x, y, side, qr, module)


def layout_label(
    label: Label, settings: Settings = DEFAULT_SETTINGS, qr: QrCode | None = None
) -> Page:
    """A label laid out on its template's stock: code on one side, text on the other (round
    caps: code above, text centred below)."""
    spec = SPECS.get(label.template)
    if spec is None:
        raise LabelError(f"template {label.template!r} is not a label template")
    stock = settings.stock(label.template)
    qr = qr or make_code(label.code, stock.symbology, settings)
    if stock.round:
        return _round(label, stock, spec, qr, settings)
    w, h, m = stock.width_mm, stock.height_mm, spec.margin
    side = min(h - 2 * m, spec.code_max, w * 0.5)
    text_w = w - 2 * m - side - 0.5
    code_x = w - m - side if spec.code_right else m
    text_x = m if spec.code_right else m + side + 0.5
    code = _code(qr, code_x, m, side, settings)
    marks: list[Mark] = [code]
    lines, size = caption_lines(label.code_text, text_w, spec.caption_pt)
    used = _height(len(lines), size)
    marks += _caption(lines, size, text_x, h - m - used, text_w, "left")
    room = h - 2 * m - used - 0.3
    if room >= _height(1, settings.min_text_pt):
        marks += text_block(
            label, text_x, m, text_w, room, spec.max_pt, settings.min_text_pt, optional=True
        )
    return Page(w, h, tuple(marks))


def _round(label: Label, stock: Stock, spec: _Spec, qr: QrCode, settings: Settings) -> Page:
    """Code on top, as high as its symbol's corners stay inside the disc; the code's text
    centred under it; then what else fits, centred, above the bottom edge."""
    d = stock.width_mm
    r = d / 2
    inner = r - spec.margin
    side = 0.5 * d
    quiet = side * settings.quiet_modules / (qr.size + 2 * settings.quiet_modules)
    symbol = side - 2 * quiet
    top = r - math.sqrt(inner**2 - (symbol / 2) ** 2) - quiet
    code = _code(qr, r - side / 2, top, side, settings)
    marks: list[Mark] = [code]
    text_top = top + side
    bottom = r + 0.9 * inner

    def chord(y: float) -> float:  # the disc's width at height y, inside the margin
        return 2 * math.sqrt(max(0.0, inner**2 - (y - r) ** 2))

    text = clean(label.code_text).strip()
    best: tuple[float, list[str], float] | None = None  # size, lines, where they end
    for count in range(1, min(4, len(text)) + 1):
        lines = _pieces(text, count)
        widest = max(width_mm(line, 1, True) for line in lines)
        size = math.floor(spec.caption_pt * 4) / 4
        while size >= CODE_TEXT_PT - 1e-9:
            end = text_top + _height(count, size)
            if end <= bottom and widest * size <= chord(end):
                break
            size -= 0.25
        if size >= CODE_TEXT_PT - 1e-9 and (best is None or size > best[0]):
            best = (size, lines, end)
    if best is None:
        raise _illegible(text, f"under the code of a {d:g} mm round label")
    size, lines, end = best
    marks += _caption(lines, size, r - chord(end) / 2, text_top, chord(end), "center")
    if bottom - end >= _height(1, settings.min_text_pt) + 0.2:
        marks += text_block(
            label,
            r - chord(bottom) / 2,
            end + 0.2,
            chord(bottom),
            bottom - end - 0.2,
            spec.max_pt,
            settings.min_text_pt,
            "center",
            optional=True,
        )
    return Page(d, d, tuple(marks), round=True)


# --- A4 sheets ----------------------------------------------------------------------------------


def position_name(row: int, col: int) -> str:
    """A1-style name of a box position (rows as letters up to Z, then numbers)."""
    return f"{chr(64 + row) if row <= 26 else f'{row}:'}{col}"


def layout_box_map(box: BoxMap, settings: Settings = DEFAULT_SETTINGS) -> Page:
    """The box's grid on an A4 sheet: name, path and the box's QR code (Data Matrix when the
    `box-map` stock asks for it) on top; in each position the item's barcode (bold) and its
    short text."""
    m = 12.0
    sheet = settings.stock("box-map")
    marks: list[Mark] = []
    head_h = 26.0
    code_side = 24.0 if box.code else 0.0
    if box.code:
        marks.append(
            _code(
                make_code(box.code, sheet.symbology, settings),
                sheet.width_mm - m - code_side,
                m,
                code_side,
                settings,
            )
        )
    title = Label(
        box.code or box.name, box.name, (box.path, f"{box.rows} x {box.cols} positions"), "box"
    )
    marks += text_block(
        title, m, m, sheet.width_mm - 2 * m - code_side - 2, head_h, 12, settings.min_text_pt
    )
    gx, gy = m + 6, m + head_h + 6
    avail_w, avail_h = sheet.width_mm - m - gx, sheet.height_mm - m - gy
    cw = avail_w / box.cols
    ch = min(avail_h / box.rows, cw * 1.25)
    for c in range(1, box.cols + 1):
        marks += fit_text([Para(str(c), True)], gx + (c - 1) * cw, gy - 5.5, cw, 5, 9, 5, "center")
    for r in range(1, box.rows + 1):
        name = chr(64 + r) if r <= 26 else str(r)
        marks += fit_text([Para(name, True)], m, gy + (r - 1) * ch, 5, ch, 9, 5, "center")
    for r in range(1, box.rows + 1):
        for c in range(1, box.cols + 1):
            marks.append(Rect(gx + (c - 1) * cw, gy + (r - 1) * ch, cw, ch))
    pad = 0.8
    for cell in box.cells:
        x, y = gx + (cell.col - 1) * cw + pad, gy + (cell.row - 1) * ch + pad
        paras = [Para(cell.barcode, True), Para(cell.text)]
        marks += fit_text(paras, x, y, cw - 2 * pad, ch - 2 * pad, 8, settings.min_text_pt)
    return Page(sheet.width_mm, sheet.height_mm, tuple(marks))


_COLUMNS = (
    ("", 16.0),
    ("Barcode", 26.0),
    ("Accession", 34.0),
    ("Designation", 64.0),
    ("Quantity", 22.0),
    ("Lot", 18.0),
)
_ROW_H = 15.0


def layout_packing_list(
    packing: PackingList, settings: Settings = DEFAULT_SETTINGS
) -> Iterator[Page]:
    """The packing list on A4 pages: header fields and terms on the first page, then a row per
    item with its QR code (Data Matrix when the `packing-list` stock asks for it); every page
    carries the number and "page i of n"."""
    sheet = settings.stock("packing-list")
    m, W, H = 15.0, sheet.width_mm, sheet.height_mm
    inner = W - 2 * m
    small = settings.min_text_pt
    head = fit_text([Para(f"{packing.title} {packing.number}", True)], m, m, inner, 9, 16, small)
    y = m + 11
    left = [Para("Recipient", True), *(Para(t) for t in packing.recipient)]
    right = [
        Para(f"Shipment: {packing.number}"),
        Para(f"Date: {packing.date}" if packing.date else ""),
        Para(f"Courier: {packing.courier}" if packing.courier else ""),
        Para(f"Conditions: {packing.conditions}" if packing.conditions else ""),
    ]
    if packing.sender:
        right += [Para("Sender", True), *(Para(t) for t in packing.sender)]
    block_h = 30.0
    head += fit_text(left, m, y, inner / 2 - 3, block_h, 10, small)
    head += fit_text(right, m + inner / 2, y, inner / 2, block_h, 10, small)
    y += block_h + 2
    if packing.terms:
        size = 8.0
        lines = [(Para("Terms", True), "Terms")]
        lines += [(Para(t), line) for t in packing.terms for line in wrap(t, inner, size)]
        used = len(lines) * size * LEADING * PT
        if used > H / 2:
            raise LabelError("the terms of a packing list must fit half a page")
        head += _place(lines, size, m, y, inner, used, "left")
        y += used + 2
    first_rows = int((H - m - 8 - y - 7) // _ROW_H)
    per_page = int((H - 2 * m - 8 - 12 - 7) // _ROW_H)
    rows = packing.rows
    count = 1 + max(0, math.ceil((len(rows) - first_rows) / per_page))
    start = 0
    for number in range(1, count + 1):
        marks: list[Mark]
        if number == 1:
            marks, top, take = list(head), y, first_rows
        else:
            title = f"{packing.title} {packing.number} (continued)"
            marks, top, take = (
                [*fit_text([Para(title, True)], m, m, inner, 9, 12, small)],
                m + 12,
                per_page,
            )
        marks += _table(rows[start : start + take], m, top, settings)
        start += take
        footer = f"{len(rows)} items · page {number} of {count}"
        marks += fit_text([Para(footer)], m, H - m - 5, inner, 5, 8, small, "center")
        yield Page(W, H, tuple(marks))


def _table(rows: Sequence, x0: float, y: float, settings: Settings) -> list[Mark]:
    marks: list[Mark] = []
    symbology = settings.stock("packing-list").symbology
    x = x0
    for name, width in _COLUMNS:
        marks += fit_text([Para(name, True)], x + 1, y, width - 2, 6, 9, settings.min_text_pt)
        x += width
    total = sum(w for _, w in _COLUMNS)
    y += 6
    marks.append(Rect(x0, y, total, 0.3, fill=True))
    for row in rows:
        cells = ("", row.barcode, row.accession, row.designation, row.quantity, row.lot)
        x = x0
        for (name, width), text in zip(_COLUMNS, cells, strict=True):
            if name == "":
                marks.append(
                    _code(
                        make_code(row.code, symbology, settings),
                        x + 0.5,
                        y + 0.5,
                        _ROW_H - 1,
                        settings,
                    )
                )
            elif text:
                bold = name == "Barcode"
                marks += fit_text(
                    [Para(text, bold)], x + 1, y + 1, width - 2, _ROW_H - 2, 9, settings.min_text_pt
                )
            x += width
        y += _ROW_H
        marks.append(Rect(x0, y, total, 0.15, fill=True))
    return marks


_PICK_COLUMNS = (
    ("Done", 11.0),
    ("Place", 60.0),
    ("Position", 17.0),
    ("Barcode", 28.0),
    ("Accession", 30.0),
    ("Lot", 16.0),
    ("Quantity", 18.0),
)
_PICK_ROW_H = 9.0


def layout_pick_list(picks: PickList, settings: Settings = DEFAULT_SETTINGS) -> Iterator[Page]:
    """The pick list on A4 pages: title, date and conditions, then a row per item in the
    order given (storage order) with an empty box to tick; "page i of n" on each page."""
    sheet = settings.stock("packing-list")
    m, W, H = 15.0, sheet.width_mm, sheet.height_mm
    inner, small = W - 2 * m, settings.min_text_pt
    per_page = int((H - 2 * m - 12 - 6 - 8) // _PICK_ROW_H)
    rows = picks.rows
    count = max(1, math.ceil(len(rows) / per_page))
    facts = " · ".join(filter(None, (picks.date, picks.conditions, picks.courier)))
    for number in range(1, count + 1):
        title = f"{picks.title} {picks.number}" + (" (continued)" if number > 1 else "")
        marks: list[Mark] = [*fit_text([Para(title, True)], m, m, inner, 8, 14, small)]
        marks += fit_text([Para(facts)], m, m + 8, inner, 5, 9, small)
        y = m + 14
        x = m
        for name, width in _PICK_COLUMNS:
            marks += fit_text([Para(name, True)], x + 1, y, width - 2, 6, 9, small)
            x += width
        y += 6
        marks.append(Rect(m, y, inner, 0.3, fill=True))
        for row in rows[(number - 1) * per_page : number * per_page]:
            cells = ("", row.place, row.position, row.barcode, row.accession, row.lot)
            x = m
            for (name, width), text in zip(_PICK_COLUMNS, (*cells, row.quantity), strict=True):
                if name == "Done":
                    marks.append(Rect(x + 2.5, y + 2, 5, 5))
                elif text:
                    bold = name in ("Position", "Barcode")
                    marks += fit_text(
                        [Para(text, bold)], x + 1, y + 1, width - 2, _PICK_ROW_H - 2, 10, small
                    )
                x += width
            y += _PICK_ROW_H
            marks.append(Rect(m, y, inner, 0.15, fill=True))
        footer = f"{len(rows)} items · page {number} of {count}"
        marks += fit_text([Para(footer)], m, H - m - 5, inner, 5, 8, small, "center")
        yield Page(W, H, tuple(marks))


def layout(
    thing: Label | BoxMap | PackingList, settings: Settings = DEFAULT_SETTINGS
) -> Iterator[Page]:
    """The pages of a label (one), a box map (one) or a packing list (one or more)."""
    if isinstance(thing, Label):
        yield layout_label(thing, settings)
    elif isinstance(thing, BoxMap):
        yield layout_box_map(thing, settings)
    elif isinstance(thing, PickList):
        yield from layout_pick_list(thing, settings)
    elif isinstance(thing, PackingList):
        yield from layout_packing_list(thing, settings)
    else:
        raise LabelError(f"cannot lay out {type(thing).__name__}")
