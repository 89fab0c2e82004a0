"""Rendering settings: stocks, QR code and text limits, printer font (filled from config)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import LabelError
from .stocks import Stock, StockSpec, stock_for


@dataclass(frozen=True)
class Settings:
    """What a deployment may change. Defaults suit thermal printers and laser label sheets.

    - `stocks`: template name -> stock (a `Stock`, a name such as "1x0.5in", "25x13mm", or a
      mapping with width_mm/height_mm/round), overriding `stocks.DEFAULT_STOCKS`;
    - `ecc`: QR error correction level (L, M, Q, H);
    - `quiet_modules`: the white margin around each QR code, in modules;
    - `min_module_mm`: the smallest QR module printed (0.25 mm: 2 dots at 203 dpi);
    - `min_text_pt`: text never shrinks below this size (it wraps, then is ellipsised);
    - `zpl_font`: the ZPL font command prefix, "^A0N" by default; a TrueType font on the
      printer for Chinese, e.g. "^A@N" with `zpl_font_file` "E:SIMSUN.TTF"."""

    stocks: Mapping[str, StockSpec] = field(default_factory=dict)
    ecc: str = "M"
    quiet_modules: int = 2
    min_module_mm: float = 0.25
    min_text_pt: float = 4.5
    zpl_font: str = "^A0N"
    zpl_font_file: str = ""

    def __post_init__(self) -> None:
        if self.ecc not in ("L", "M", "Q", "H"):
            raise LabelError(f"QR error correction {self.ecc!r} is not one of L, M, Q, H")
        if self.quiet_modules < 0 or self.min_module_mm <= 0 or self.min_text_pt <= 0:
            raise LabelError("quiet zone, module size and text size must be positive")

    def stock(self, template: str) -> Stock:
        """The stock this deployment uses for a template."""
        return stock_for(template, self.stocks)


DEFAULT_SETTINGS = Settings()
