"""Where an item may go: the rules the storage service and the bulk importer both decide with,
as pure functions of a storage unit, a position and counts. Each gives the problem (a Misfit)
or None; the caller raises it or reports it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .models.storage import position_label
from .vocabulary import HOLDS_ITEMS, StorageKind


class Holder(Protocol):
    """What the rules read of a storage unit (a StorageUnit, or an importer's copy of one)."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> StorageKind: ...

    @property
    def rows(self) -> int | None: ...

    @property
    def cols(self) -> int | None: ...

    @property
    def size(self) -> int | None: ...


@dataclass(frozen=True)
class Misfit:
    """Why an item cannot go where it is sent: what is wrong (`container`: the unit itself,
    or `position`) and the message."""

    field: str
    message: str


def position_misfit(unit: Holder, row: int | None, col: int | None) -> Misfit | None:
    """Whether an item may go into `unit` at (row, col): the unit must hold items, a grid needs
    a position inside it, anything else takes none."""
    if unit.kind not in HOLDS_ITEMS:
        return Misfit(
            "container",
            f"{unit.name} is a {unit.kind.value}; items go in boxes, cages or containers.",
        )
    if unit.rows is not None and unit.cols is not None:
        if row is None or col is None:
            return Misfit("position", f"{unit.name} is a grid; give row and col.")
        if not (1 <= row <= unit.rows and 1 <= col <= unit.cols):
            return Misfit(
                "position",
                f"{position_label(row, col)} is outside the {unit.rows}x{unit.cols} grid of "
                f"{unit.name}.",
            )
    elif row is not None or col is not None:
        return Misfit("position", f"{unit.name} has no positions.")
    return None


def capacity_misfit(unit: Holder, staying: int, coming: int) -> Misfit | None:
    """Whether `coming` more items fit in `unit`, which holds `staying` that stay."""
    if unit.size is None or staying + coming <= unit.size:
        return None
    return Misfit(
        "container", f"{unit.name} holds {unit.size}; {staying} are there and {coming} would come."
    )


def occupied(unit: Holder, row: int, col: int, barcode: str) -> Misfit:
    """The position (row, col) of `unit` holds the item `barcode` already."""
    return Misfit("position", f"{unit.name} {position_label(row, col)} is occupied by {barcode}.")
