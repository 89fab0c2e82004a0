"""The storage tree: sites, rooms, freezers, tanks, racks, boxes (grids), cages and containers."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..vocabulary import StorageKind
from .base import Base, Timestamp, choice


class Barcode(Base):
    """Every barcode in use, of items and storage units alike: unique across both. Each owner
    table points here with (barcode, owner) and fixes its owner by a check, so one code can
    never label both an item and a storage unit."""

    __tablename__ = "barcodes"
    __table_args__ = (
        UniqueConstraint("value", "owner"),
        CheckConstraint("owner IN ('item', 'storage')", name="owner"),
    )

    value: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(16))  # "item" or "storage"


def _grid_size(context: DefaultExecutionContext) -> int | None:
    """The positions of a box being inserted (rows x columns), None for other units."""
    unit = context.get_current_parameters()
    rows, cols = unit.get("rows"), unit.get("cols")
    return rows * cols if rows is not None and cols is not None else None


class StorageUnit(Base):
    """A node of the storage tree. Boxes are grids (rows x columns) with one item per position;
    cages and containers hold items without positions, up to an optional capacity."""

    __tablename__ = "storage_units"
    __table_args__ = (
        UniqueConstraint("id", "rows", "cols"),  # target of items' grid foreign key
        UniqueConstraint("parent_id", "slot"),
        CheckConstraint("(kind = 'box') = (rows IS NOT NULL AND cols IS NOT NULL)", name="grid"),
        CheckConstraint("rows BETWEEN 1 AND 50 AND cols BETWEEN 1 AND 50", name="grid_size"),
        CheckConstraint("capacity >= 0", name="capacity"),
        CheckConstraint(
            "occupied >= 0 AND (rows IS NULL OR occupied <= rows * cols)"
            " AND (capacity IS NULL OR occupied <= capacity)",
            name="occupied",
        ),
        CheckConstraint("slot >= 1", name="slot"),
        CheckConstraint("parent_id <> id", name="not_own_parent"),
        CheckConstraint("barcode_owner = 'storage'", name="barcode_owner"),
        ForeignKeyConstraint(["barcode", "barcode_owner"], ["barcodes.value", "barcodes.owner"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    barcode: Mapped[str] = mapped_column(String(32), unique=True)
    barcode_owner: Mapped[str] = mapped_column(String(16), default="storage")
    kind: Mapped[StorageKind] = mapped_column(choice(StorageKind, "storage_kind"))
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("storage_units.id"), index=True)
    slot: Mapped[int | None] = mapped_column(Integer)  # place within the parent (rack 3, shelf 2)
    rows: Mapped[int | None] = mapped_column(Integer)
    cols: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer, default=0)
    # a box's longest run of free positions in row-major order (a new box: all of them), kept
    # where items come and go (services.storage); None for the other units
    free_run: Mapped[int | None] = mapped_column(Integer, default=_grid_size, index=True)
    temperature_c: Mapped[float | None] = mapped_column(Float)  # set point; None: as the parent
    description: Mapped[str | None] = mapped_column(String(500))
    last_counted_at: Mapped[datetime | None] = mapped_column(Timestamp)  # last stocktaking

    parent: Mapped[StorageUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[StorageUnit]] = relationship(
        back_populates="parent", order_by="StorageUnit.slot"
    )

    @property
    def size(self) -> int | None:
        """How many items it can hold: a box's grid, a cage's capacity, or None (no limit)."""
        if self.rows is not None and self.cols is not None:
            return self.rows * self.cols
        return self.capacity


def row_name(row: int) -> str:
    """A grid row's name: a letter up to Z (26), then its number."""
    return chr(64 + row) if row <= 26 else str(row)


def position_label(row: int | None, col: int | None) -> str:
    """A1-style position (rows as letters up to Z, then numbers: 27:1)."""
    if row is None or col is None:
        return ""
    return f"{row_name(row)}{col}" if row <= 26 else f"{row}:{col}"


POSITION = re.compile(r"^\s*(?:([A-Za-z])\s*0*(\d{1,4})|(\d{1,4})\s*[:,/ ]\s*(\d{1,4}))\s*$")


def parse_position(text: str) -> tuple[int, int] | None:
    """(row, col) of a position written as position_label writes it (B3, 27:1), or as 2:3,
    2/3 or 2,3; None if it is none of those."""
    match = POSITION.match(text)
    if match is None:
        return None
    letter, col, row, col_ = match.groups()
    return (ord(letter.upper()) - 64, int(col)) if letter else (int(row), int(col_))
