"""The label data: plain frozen dataclasses, built by the caller from its records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import LabelError


def _strings(values: Iterable[object]) -> tuple[str, ...]:
    return tuple(str(v) for v in values if v is not None and str(v) != "")


@dataclass(frozen=True)
class Label:
    """One label: a template name, a title, text lines and the payload of its QR code.

    `caption` is the code as a person reads it (the barcode, when the QR code holds a link),
    printed legibly beside or under the code; the payload itself when not given.
    `risk_group` (1-4) marks the label prominently ("RG2", white on black) when it is 2 or more.
    Empty lines are dropped; lines may be given as any iterable of strings."""

    code: str
    title: str = ""
    lines: tuple[str, ...] = ()
    template: str = "cryovial"
    risk_group: int | None = None
    caption: str | None = None

    def __post_init__(self) -> None:
        if not self.code:
            raise LabelError("a label needs a code payload")
        object.__setattr__(self, "lines", _strings(self.lines))
        if self.risk_group is not None and not 1 <= self.risk_group <= 4:
            raise LabelError(f"risk group {self.risk_group} is not between 1 and 4")

    @property
    def code_text(self) -> str:
        """The code's text printed on the label."""
        return self.code if self.caption is None else self.caption

    @property
    def marking(self) -> str | None:
        """The risk-group marking shown on the label ("RG2".."RG4"), or None."""
        if self.risk_group is not None and self.risk_group >= 2:
            return f"RG{self.risk_group}"
        return None


def cage_card(
    code: str,
    cage: str,
    *,
    strain: str = "",
    protocol: str = "",
    animals: Iterable[str] = (),
    lines: Iterable[str] = (),
    risk_group: int | None = None,
    caption: str | None = None,
) -> Label:
    """A `cage-card` label for one cage: the cage's name as title, its strain and protocol,
    then a line per animal in it (its barcode, sex, birth, parents, as the caller writes it)."""
    fields = [
        strain,
        f"Protocol: {protocol}" if protocol else "",
        *lines,
        *animals,
    ]
    return Label(code, cage, tuple(fields), "cage-card", risk_group, caption)


@dataclass(frozen=True)
class BoxCell:
    """What stands in one position of a box: 1-based row and column, barcode and a short text."""

    row: int
    col: int
    barcode: str
    text: str = ""


@dataclass(frozen=True)
class BoxMap:
    """A box's grid with the item in each position, drawn on one A4 sheet (`box-map`).

    `code` is the box's own QR payload (its barcode by default); `path` its place in storage."""

    name: str
    rows: int
    cols: int
    cells: tuple[BoxCell, ...] = ()
    path: str = ""
    code: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", tuple(self.cells))
        if not (1 <= self.rows <= 40 and 1 <= self.cols <= 40):
            raise LabelError(f"a box map of {self.rows} x {self.cols} positions cannot be drawn")
        for cell in self.cells:
            if not (1 <= cell.row <= self.rows and 1 <= cell.col <= self.cols):
                raise LabelError(f"position {cell.row},{cell.col} is outside the box {self.name}")


@dataclass(frozen=True)
class PackingRow:
    """One shipped item: QR payload, barcode, accession, designation, quantity and lot."""

    code: str
    barcode: str
    accession: str
    designation: str = ""
    quantity: str = ""
    lot: str = ""


@dataclass(frozen=True)
class PackingList:
    """The A4 list that travels with a shipment: header fields, terms, and a QR code per item.

    `terms` are the lines that must travel with the material (ABS/Nagoya permits, IP notes,
    MTA reference); they are printed in full on the first page."""

    number: str
    recipient: tuple[str, ...] = ()
    courier: str = ""
    conditions: str = ""
    terms: tuple[str, ...] = ()
    rows: tuple[PackingRow, ...] = ()
    date: str = ""
    title: str = "Packing list"
    sender: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "recipient", _strings(self.recipient))
        object.__setattr__(self, "sender", _strings(self.sender))
        object.__setattr__(self, "terms", _strings(self.terms))
        object.__setattr__(self, "rows", tuple(self.rows))


@dataclass(frozen=True)
class PickRow(PackingRow):
    """One item to pick: where it is (the units from the site down) and its box position."""

    place: str = ""
    position: str = ""


@dataclass(frozen=True)
class PickList(PackingList):
    """The picker's A4 list of a shipment's reserved items in storage order: where each one
    is, with a box to tick; `conditions` says how the parcel travels."""

    rows: tuple[PickRow, ...] = ()
    title: str = "Pick list"
