"""QR codes as runs of dark modules, made with `qrcode`; the module count a printer will use."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import qrcode
from qrcode.exceptions import DataOverflowError
from qrcode.main import precomputed_qr_blanks
from qrcode.util import MODE_8BIT_BYTE, QRData, mask_func

from .errors import LabelError

_ECC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


@dataclass(frozen=True, slots=True)
class QrCode:
    """A square 2-D symbol without quiet zone: `size` modules a side, dark modules as
    horizontal runs (row, first column, length), which is all a renderer needs to draw it;
    `symbology` "qr" (made here) or "datamatrix" (`datamatrix.make_datamatrix`)."""

    payload: str
    size: int
    runs: tuple[tuple[int, int, int], ...]
    symbology: str = "qr"

    def dark(self, row: int, col: int) -> bool:
        """Whether the module at (row, col) is dark (for tests and debugging)."""
        return any(r == row and c <= col < c + n for r, c, n in self.runs)


def make_qr(payload: str, ecc: str = "M") -> QrCode:
    """Encode a payload (UTF-8 for non-ASCII) at the smallest version for its length, with the
    mask of lowest penalty, as `qrcode` picks it (see `_best_rows`)."""
    code = qrcode.QRCode(error_correction=_ECC[ecc], border=0, mask_pattern=0)
    try:
        code.add_data(payload)
        code.make(fit=True)
    except (DataOverflowError, ValueError) as error:
        raise LabelError(f"payload of {len(payload)} characters does not fit a QR code") from error
    n = code.modules_count
    rows = _best_rows(
        code, [int(bytes(map(bool, row)).translate(_BITS), 2) for row in code.modules]
    )
    runs = tuple(
        (r, m.start(), m.end() - m.start())
        for r, row in enumerate(rows)
        for m in _DARK.finditer(format(row, f"0{n}b"))
    )
    return QrCode(payload, n, runs)


_DARK = re.compile("1+")
_BITS = bytes.maketrans(b"\x00\x01", b"01")
_RUN5 = re.compile("0{5,}|1{5,}")


@dataclass(frozen=True)
class _Frame:
    """For one version and level, per row as bits (column 0 the most significant): each mask
    pattern over the data modules, the format/version modules, and their values per mask."""

    masks: tuple[tuple[int, ...], ...]
    fixed: tuple[int, ...]
    info: tuple[tuple[int, ...], ...]


@lru_cache(maxsize=128)
def _frame(version: int, correction: int) -> _Frame:
    code = qrcode.QRCode(version=version, error_correction=correction, border=0)
    code.add_data("")
    code.makeImpl(True, 0)  # fills qrcode's cache of blank symbols for this version
    n = code.modules_count
    blank = precomputed_qr_blanks[version]

    def bits(pick: Callable[[int, int], bool]) -> tuple[int, ...]:
        return tuple(sum(1 << (n - 1 - c) for c in range(n) if pick(r, c)) for r in range(n))

    def unset_and(pattern: Callable[[int, int], bool]) -> Callable[[int, int], bool]:
        return lambda r, c: data[r][c] is None and bool(pattern(r, c))

    def dark_info(done: list[list[bool | None]]) -> Callable[[int, int], bool]:
        return lambda r, c: blank[r][c] is None and done[r][c] is True

    code.modules = [row[:] for row in blank]
    code.setup_type_info(True, 0)
    if version >= 7:
        code.setup_type_number(True)
    data = code.modules
    patterns = [mask_func(k) for k in range(8)]
    masks = tuple(bits(unset_and(f)) for f in patterns)
    fixed = bits(lambda r, c: data[r][c] is not None and blank[r][c] is None)
    info = []
    for k in range(8):
        code.modules = [row[:] for row in blank]
        code.setup_type_info(False, k)
        if version >= 7:
            code.setup_type_number(False)
        info.append(bits(dark_info(code.modules)))
    return _Frame(masks, fixed, tuple(info))


def _penalty(rows: list[int], n: int) -> int:
    """The mask penalty of ISO/IEC 18004 (runs, 2x2 blocks, finder-like patterns, balance),
    computed as `qrcode.util.lost_point` computes it, on rows of bits."""
    lines = [format(row, f"0{n}b") for row in rows]
    text = "|".join(lines) + "|" + "|".join(map("".join, zip(*lines, strict=True)))
    runs = _RUN5.findall(text)
    # neither finder-like pattern can overlap itself, so counting them is exact
    finders = text.count("10111010000") + text.count("00001011101")
    points = sum(map(len, runs)) - 2 * len(runs) + 40 * finders
    inner = (1 << (n - 1)) - 1
    for a, b in pairwise(rows):
        same = ~(a ^ b)
        points += 3 * (same & (same >> 1) & ~(a ^ (a >> 1)) & inner).bit_count()
    dark = sum(row.bit_count() for row in rows)
    return points + int(abs(dark * 20 / (n * n) - 10)) * 10


def _best_rows(code: qrcode.QRCode, rows: list[int]) -> list[int]:
    """The symbol's rows under the mask of lowest penalty, from the symbol made with mask 0:
    the other masks are tried by flipping data bits, not by re-encoding (8 times faster)."""
    frame = _frame(code.version, code.error_correction)
    n = code.modules_count
    unmasked = [row ^ m for row, m in zip(rows, frame.masks[0], strict=True)]
    best, best_points = 0, -1
    for k in range(8):
        trial = [
            (row ^ m) & ~f for row, m, f in zip(unmasked, frame.masks[k], frame.fixed, strict=True)
        ]
        points = _penalty(trial, n)
        if best_points < 0 or points < best_points:
            best, best_points = k, points
    return [
        ((row ^ m) & ~f) | i
        for row, m, f, i in zip(
            unmasked, frame.masks[best], frame.fixed, frame.info[best], strict=True
        )
    ]


@lru_cache(maxsize=256)
def _byte_mode_size(length: int, ecc: str) -> int:
    code = qrcode.QRCode(error_correction=_ECC[ecc], border=0)
    # the stubs type MODE_8BIT_BYTE as int where QRData's overloads want Literal[4]
    code.add_data(QRData(b"a" * length, mode=MODE_8BIT_BYTE))  # type: ignore[call-overload]
    try:
        version = code.best_fit()
    except DataOverflowError as error:
        raise LabelError(f"payload of {length} bytes does not fit a QR code") from error
    return version * 4 + 17


def printer_modules(payload: str, ecc: str = "M") -> int:
    """Modules a side when a printer encodes the payload itself (ZPL `^BQ`): the size for
    byte mode, the largest any encoder picks, so the printed code never outgrows its place."""
    return _byte_mode_size(len(payload.encode("utf-8")), ecc)
