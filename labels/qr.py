"""QR codes as runs of dark modules, made with `qrcode`; the module count a printer will use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode.exceptions import DataOverflowError
from qrcode.util import MODE_8BIT_BYTE, QRData

from .errors import LabelError

_ECC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


@dataclass(frozen=True, slots=True)
class QrCode:
    """A QR symbol without quiet zone: `size` modules a side, dark modules as horizontal runs
    (row, first column, length), which is all a renderer needs to draw it."""

    payload: str
    size: int
    runs: tuple[tuple[int, int, int], ...]

    def dark(self, row: int, col: int) -> bool:
        """Whether the module at (row, col) is dark (for tests and debugging)."""
        return any(r == row and c <= col < c + n for r, c, n in self.runs)


def make_qr(payload: str, ecc: str = "M") -> QrCode:
    """Encode a payload (UTF-8 for non-ASCII) at the smallest version for its length."""
    code = qrcode.QRCode(error_correction=_ECC[ecc], border=0)
    try:
        code.add_data(payload)
        code.make(fit=True)
    except (DataOverflowError, ValueError) as error:
        raise LabelError(f"payload of {len(payload)} characters does not fit a QR code") from error
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(code.modules):
        start = -1
        for c, dark in enumerate(row):
            if dark and start < 0:
                start = c
            elif not dark and start >= 0:
                runs.append((r, start, c - start))
                start = -1
        if start >= 0:
            runs.append((r, start, len(row) - start))
    return QrCode(payload, code.modules_count, tuple(runs))


@lru_cache(maxsize=256)
def _byte_mode_size(length: int, ecc: str) -> int:
    code = qrcode.QRCode(error_correction=_ECC[ecc], border=0)
    code.add_data(QRData(b"a" * length, mode=MODE_8BIT_BYTE))
    try:
        version = code.best_fit()
    except DataOverflowError as error:
        raise LabelError(f"payload of {length} bytes does not fit a QR code") from error
    return version * 4 + 17


def printer_modules(payload: str, ecc: str = "M") -> int:
    """Modules a side when a printer encodes the payload itself (ZPL `^BQ`): the size for
    byte mode, the largest any encoder picks, so the printed code never outgrows its place."""
    return _byte_mode_size(len(payload.encode("utf-8")), ecc)
