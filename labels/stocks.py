"""Label stocks (sizes in mm) and the default stock of each template."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .errors import LabelError

INCH = 25.4
SYMBOLOGIES = ("qr", "datamatrix")


@dataclass(frozen=True)
class Stock:
    """A label's size in mm; a round stock is a disc of diameter `width_mm`. `symbology` is
    the 2-D code printed on it: "qr", or "datamatrix" (ECC 200) where the stock asks for it,
    e.g. a tube whose rack scanner reads Data Matrix only."""

    width_mm: float
    height_mm: float
    round: bool = False
    symbology: str = "qr"

    def __post_init__(self) -> None:
        if self.width_mm <= 0 or self.height_mm <= 0:
            raise LabelError(f"stock {self.width_mm} x {self.height_mm} mm has no area")
        if self.symbology not in SYMBOLOGIES:
            raise LabelError(f"symbology {self.symbology!r} is not one of {', '.join(SYMBOLOGIES)}")
        if self.round and self.width_mm != self.height_mm:
            raise LabelError("a round stock has one diameter: width and height must be equal")


A4 = Stock(210, 297)

# Common stocks by name; a settings mapping may refer to them ("cryovial": "1x0.5in").
STOCKS: dict[str, Stock] = {
    "33x13mm": Stock(33, 13),
    "1x0.5in": Stock(INCH, INCH / 2),
    "38x13mm": Stock(38, 13),
    "cap-13mm": Stock(13, 13, round=True),
    "cap-9.5mm": Stock(9.5, 9.5, round=True),
    "seed-70x40mm": Stock(70, 40),
    "box-51x25mm": Stock(50.8, 25.4),
    "cage-4x3in": Stock(4 * INCH, 3 * INCH),
    "a4": A4,
}

# The stock each template prints on unless the caller's settings say otherwise.
DEFAULT_STOCKS: dict[str, Stock] = {
    "cryovial": STOCKS["33x13mm"],
    "cap": STOCKS["cap-13mm"],
    "seed-packet": STOCKS["seed-70x40mm"],
    "box": STOCKS["box-51x25mm"],
    "cage-card": STOCKS["cage-4x3in"],
    "box-map": A4,
    "packing-list": A4,
}

TEMPLATES = frozenset(DEFAULT_STOCKS)

StockSpec = Stock | str | Mapping[str, Any]

_SIZE = re.compile(r"^\s*([\d.]+)\s*x\s*([\d.]+)\s*(mm|in)?\s*(round)?\s*$", re.IGNORECASE)


def parse_stock(spec: StockSpec) -> Stock:
    """A stock from a `Stock`, a stock name ("1x0.5in"), a size ("33x13mm", "13x13mm round")
    or a mapping with `width_mm`, `height_mm` and optionally `round` and `symbology` (as read
    from config). A name or size may end with a symbology: "cap-13mm datamatrix"."""
    if isinstance(spec, Stock):
        return spec
    if isinstance(spec, str):
        head, _, last = spec.strip().rpartition(" ")
        if head and last.lower() in SYMBOLOGIES:
            return replace(parse_stock(head), symbology=last.lower())
        if spec in STOCKS:
            return STOCKS[spec]
        match = _SIZE.match(spec)
        if not match:
            raise LabelError(f"unknown stock {spec!r}")
        unit = INCH if (match[3] or "mm").lower() == "in" else 1.0
        return Stock(float(match[1]) * unit, float(match[2]) * unit, bool(match[4]))
    try:
        return Stock(
            float(spec["width_mm"]),
            float(spec["height_mm"]),
            bool(spec.get("round", False)),
            str(spec.get("symbology", "qr")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise LabelError(f"invalid stock {spec!r}: {error}") from None


def stock_for(template: str, overrides: Mapping[str, StockSpec] | None = None) -> Stock:
    """The stock of a template: the caller's override if any, else the template's default."""
    if template not in TEMPLATES:
        raise LabelError(f"unknown template {template!r} (known: {', '.join(sorted(TEMPLATES))})")
    if overrides and template in overrides:
        return parse_stock(overrides[template])
    return DEFAULT_STOCKS[template]
