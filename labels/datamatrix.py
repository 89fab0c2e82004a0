"""ECC 200 Data Matrix symbols (ISO/IEC 16022) as runs of dark modules, like `qr.QrCode`.

Square symbols from 10 x 10 to 44 x 44 modules, which hold up to 144 data codewords in one
Reed-Solomon block: enough for any sample code, and the sizes a tube's etched code or a
cryovial cap can carry. Data is encoded in ASCII mode (digit pairs in one codeword, other
ASCII characters one codeword each); the smallest symbol that holds it is chosen, as a
printer's own encoder (ZPL `^BX` at quality 200) does. reportlab's `ecc200datamatrix` draws
only the 44 x 44 symbol in C40, too large for a cap, hence this encoder.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import groupby

from .errors import LabelError
from .qr import QrCode

# Square ECC 200 sizes with one Reed-Solomon block: size -> (data codewords, error
# correction codewords, data regions a side).
SIZES: dict[int, tuple[int, int, int]] = {
    10: (3, 5, 1),
    12: (5, 7, 1),
    14: (8, 10, 1),
    16: (12, 12, 1),
    18: (18, 14, 1),
    20: (22, 18, 1),
    22: (30, 20, 1),
    24: (36, 24, 1),
    26: (44, 28, 1),
    32: (62, 36, 2),
    36: (86, 42, 2),
    40: (114, 48, 2),
    44: (144, 56, 2),
}

_PAD = 129
_DIGITS = re.compile(r"\d\d")

# GF(256) with the Data Matrix polynomial x^8 + x^5 + x^3 + x^2 + 1.
_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _i in range(255):
    _EXP[_i] = _EXP[_i + 255] = _value
    _LOG[_value] = _i
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x12D


def _mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@lru_cache(maxsize=16)
def _generator(n: int) -> tuple[int, ...]:
    """Coefficients of (x - a^1)...(x - a^n), highest power first."""
    poly = [1]
    for i in range(1, n + 1):
        poly = [*poly, 0]
        for j in range(len(poly) - 1, 0, -1):
            poly[j] ^= _mul(poly[j - 1], _EXP[i])
    return tuple(poly)


def _ecc(data: list[int], n: int) -> list[int]:
    gen = _generator(n)
    rest = [0] * n
    for word in data:
        factor = word ^ rest[0]
        rest = [*rest[1:], 0]
        for j in range(n):
            rest[j] ^= _mul(gen[j + 1], factor)
    return rest


def codewords(payload: str) -> list[int]:
    """The payload in ASCII mode; LabelError for characters outside ASCII."""
    if not payload.isascii():
        raise LabelError(f"Data Matrix codes carry ASCII only, not {payload!r}")
    words: list[int] = []
    i = 0
    while i < len(payload):
        if _DIGITS.match(payload, i):
            words.append(130 + int(payload[i : i + 2]))
            i += 2
        else:
            words.append(ord(payload[i]) + 1)
            i += 1
    return words


def symbol_size(payload: str) -> int:
    """Modules a side of the smallest square symbol that holds the payload."""
    count = len(codewords(payload))
    for size, (capacity, _, _) in SIZES.items():
        if count <= capacity:
            return size
    raise LabelError(f"payload of {len(payload)} characters does not fit a Data Matrix code")


def _padded(words: list[int], capacity: int) -> list[int]:
    """Data codewords padded to the symbol's capacity: 129, then the 253-state pad."""
    out = list(words)
    if len(out) < capacity:
        out.append(_PAD)
    while len(out) < capacity:
        pad = _PAD + (149 * (len(out) + 1)) % 253 + 1
        out.append(pad if pad <= 254 else pad - 254)
    return out


def _placement(rows: int, cols: int) -> list[list[tuple[int, int]]]:
    """Where each codeword's 8 bits go in the mapping matrix (ISO/IEC 16022, annex F):
    per codeword, (row, col) of its bits from most to least significant."""
    taken = [[False] * cols for _ in range(rows)]
    out: list[list[tuple[int, int]]] = []

    def at(r: int, c: int) -> tuple[int, int]:
        if r < 0:
            r += rows
            c += 4 - (rows + 4) % 8
        if c < 0:
            c += cols
            r += 4 - (cols + 4) % 8
        taken[r][c] = True
        return (r, c)

    def utah(r: int, c: int) -> list[tuple[int, int]]:
        spots = [(r - 2, c - 2), (r - 2, c - 1), (r - 1, c - 2), (r - 1, c - 1)]
        spots += [(r - 1, c), (r, c - 2), (r, c - 1), (r, c)]
        return [at(a, b) for a, b in spots]

    corners = {
        1: [(rows - 1, 0), (rows - 1, 1), (rows - 1, 2), (0, cols - 2), (0, cols - 1),
            (1, cols - 1), (2, cols - 1), (3, cols - 1)],
        2: [(rows - 3, 0), (rows - 2, 0), (rows - 1, 0), (0, cols - 4), (0, cols - 3),
            (0, cols - 2), (0, cols - 1), (1, cols - 1)],
        3: [(rows - 3, 0), (rows - 2, 0), (rows - 1, 0), (0, cols - 2), (0, cols - 1),
            (1, cols - 1), (2, cols - 1), (3, cols - 1)],
        4: [(rows - 1, 0), (rows - 1, cols - 1), (0, cols - 3), (0, cols - 2), (0, cols - 1),
            (1, cols - 3), (1, cols - 2), (1, cols - 1)],
    }  # fmt: skip
    r, c = 4, 0
    while True:
        if r == rows and c == 0:
            out.append([at(a, b) for a, b in corners[1]])
        if r == rows - 2 and c == 0 and cols % 4:
            out.append([at(a, b) for a, b in corners[2]])
        if r == rows - 2 and c == 0 and cols % 8 == 4:
            out.append([at(a, b) for a, b in corners[3]])
        if r == rows + 4 and c == 2 and cols % 8 == 0:
            out.append([at(a, b) for a, b in corners[4]])
        while True:  # up and to the right
            if r < rows and c >= 0 and not taken[r][c]:
                out.append(utah(r, c))
            r, c = r - 2, c + 2
            if r < 0 or c >= cols:
                break
        r, c = r + 1, c + 3
        while True:  # down and to the left
            if r >= 0 and c < cols and not taken[r][c]:
                out.append(utah(r, c))
            r, c = r + 2, c - 2
            if r >= rows or c < 0:
                break
        r, c = r + 3, c + 1
        if r >= rows and c >= cols:
            break
    return out


def make_datamatrix(payload: str) -> QrCode:
    """Encode a payload in the smallest square ECC 200 symbol that holds it."""
    size = symbol_size(payload)
    capacity, ecc_words, regions = SIZES[size]
    data = _padded(codewords(payload), capacity)
    words = data + _ecc(data, ecc_words)
    side = size - 2 * regions  # the mapping matrix, without finder patterns
    region = side // regions
    dark = [[False] * size for _ in range(size)]
    mapped = [[False] * side for _ in range(side)]
    placement = _placement(side, side)
    for word, spots in zip(words, placement, strict=True):
        for bit, (r, c) in enumerate(spots):
            mapped[r][c] = bool(word >> (7 - bit) & 1)
    if not any((side - 1, side - 1) in spots for spots in placement):
        # the corner the placement leaves unfilled gets a fixed pattern
        mapped[side - 1][side - 1] = mapped[side - 2][side - 2] = True
    for r in range(side):
        for c in range(side):
            dark[r // region * (region + 2) + 1 + r % region][
                c // region * (region + 2) + 1 + c % region
            ] = mapped[r][c]
    step = region + 2
    for i in range(size):
        for block in range(0, size, step):
            dark[i][block] = True  # left edge: solid
            dark[block + step - 1][i] = True  # bottom edge: solid
            dark[block][i] = dark[block][i] or i % 2 == 0  # top edge: alternating
            dark[i][block + step - 1] = dark[i][block + step - 1] or i % 2 == 1  # right edge
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(dark):
        c = 0
        for value, group in groupby(row):
            n = len(list(group))
            if value:
                runs.append((r, c, n))
            c += n
    return QrCode(payload, size, tuple(runs), "datamatrix")
