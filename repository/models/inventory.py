"""Lots (preservation batches) and items (physical units with barcodes), and animals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..vocabulary import (
    AnimalExit,
    CellBankTier,
    ItemForm,
    ItemStatus,
    PreservationMethod,
    Sex,
    Unit,
)
from .base import Base, Quantity, Timestamp, choice, utcnow
from .material import Material
from .storage import StorageUnit


class Lot(Base):
    """One preservation batch of a material."""

    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("material_id", "number"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint("passage_number >= 0", name="passage_number"),
        CheckConstraint("regeneration_cycle >= 0", name="regeneration_cycle"),
        CheckConstraint("initial_quantity >= 0", name="initial_quantity"),
        # the lots in the order the due list reads the oldest first (never germination-tested)
        Index("ix_lots_preserved_on_id", "preserved_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique (material_id, number)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"))
    number: Mapped[int] = mapped_column(Integer)
    parent_lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    method: Mapped[PreservationMethod] = mapped_column(choice(PreservationMethod, "method"))
    preserved_on: Mapped[date] = mapped_column(Date)
    passage_number: Mapped[int | None] = mapped_column(Integer)
    generation: Mapped[str | None] = mapped_column(String(16))
    regeneration_cycle: Mapped[int | None] = mapped_column(Integer)
    # of a cell line's lot in a two-tier bank: master (mcb) or working (wcb, from a master lot)
    tier: Mapped[CellBankTier | None] = mapped_column(choice(CellBankTier, "cell_bank_tier"))
    initial_quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit: Mapped[Unit] = mapped_column(choice(Unit, "unit"))
    remarks: Mapped[str | None] = mapped_column(Text)
    # when a cell line's lot (or one it came from) tested positive for mycoplasma, failed
    # sterility or its STR profile matched another line: its items are not distributed
    quarantined_at: Mapped[datetime | None] = mapped_column(Timestamp)
    quarantine_reason: Mapped[str | None] = mapped_column(String(500))  # said by the holds
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    material: Mapped[Material] = relationship()
    parent_lot: Mapped[Lot | None] = relationship(remote_side=[id])
    # read only (an item joins its lot by Item.lot): the lot's items, in the order made
    items: Mapped[list[Item]] = relationship(viewonly=True, order_by="Item.id")

    @property
    def label(self) -> str:
        return self.label_of(self.material.accession_number, self.number)

    @staticmethod
    def label_of(accession_number: str, number: int) -> str:
        """The label of a material's lot by its number (read without loading the lot)."""
        return f"{accession_number} L{number}"


class Item(Base):
    """One physical unit with its own barcode: a vial, ampoule, packet, tube, slide or animal.

    Its place is a storage unit and, in a box, a (row, col) position. The grid columns copy the
    box's dimensions through a composite foreign key, so the database itself keeps every
    position inside its box; a unique key keeps one item per position."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("container_id", "row", "col"),
        ForeignKeyConstraint(
            ["container_id", "grid_rows", "grid_cols"],
            ["storage_units.id", "storage_units.rows", "storage_units.cols"],
            name="fk_items_grid_storage_units",
            onupdate="CASCADE",
        ),
        ForeignKeyConstraint(["barcode", "barcode_owner"], ["barcodes.value", "barcodes.owner"]),
        CheckConstraint("barcode_owner = 'item'", name="barcode_owner"),
        CheckConstraint("quantity >= 0", name="quantity"),
        CheckConstraint(
            "(row IS NULL AND col IS NULL) OR (grid_rows IS NOT NULL AND grid_cols IS NOT NULL"
            " AND row BETWEEN 1 AND grid_rows AND col BETWEEN 1 AND grid_cols)",
            name="position_in_grid",
        ),
        CheckConstraint(
            "container_id IS NULL OR status NOT IN ('distributed', 'consumed', 'destroyed')",
            name="gone_has_no_place",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    barcode: Mapped[str] = mapped_column(String(32), unique=True)
    barcode_owner: Mapped[str] = mapped_column(String(16), default="item")
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    form: Mapped[ItemForm] = mapped_column(choice(ItemForm, "form"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit: Mapped[Unit] = mapped_column(choice(Unit, "unit"))
    status: Mapped[ItemStatus] = mapped_column(
        choice(ItemStatus, "item_status"), default=ItemStatus.AVAILABLE, index=True
    )
    container_id: Mapped[int | None] = mapped_column(ForeignKey("storage_units.id"))
    row: Mapped[int | None] = mapped_column(Integer)
    col: Mapped[int | None] = mapped_column(Integer)
    grid_rows: Mapped[int | None] = mapped_column(Integer)
    grid_cols: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    lot: Mapped[Lot] = relationship()
    parent: Mapped[Item | None] = relationship(remote_side=[id])
    container: Mapped[StorageUnit | None] = relationship(foreign_keys=[container_id])
    animal: Mapped[Animal | None] = relationship(
        back_populates="item", foreign_keys="Animal.item_id"
    )
    # its tube code, if it has one: read with the items a query loads (one select for them all)
    tube: Mapped[TubeCode | None] = relationship(viewonly=True, lazy="selectin")

    @property
    def tube_code(self) -> str | None:
        return self.tube.value if self.tube is not None else None


class TubeCode(Base):
    """A code a tube carries besides its barcode, such as the Data Matrix etched in its base
    that a rack scanner reads. It holds a row of `barcodes` (as an item's code) like a barcode
    does, so no code ever names two things; an item has one tube code at most."""

    __tablename__ = "tube_codes"
    __table_args__ = (
        ForeignKeyConstraint(["value", "value_owner"], ["barcodes.value", "barcodes.owner"]),
        CheckConstraint("value_owner = 'item'", name="value_owner"),
    )

    value: Mapped[str] = mapped_column(String(32), primary_key=True)
    value_owner: Mapped[str] = mapped_column(String(16), default="item")
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Animal(Base):
    """The animal an item stands for: sex, date of birth, parents."""

    __tablename__ = "animals"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    sex: Mapped[Sex] = mapped_column(choice(Sex, "sex"))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sire_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    dam_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    ear_tag: Mapped[str | None] = mapped_column(String(32))
    transponder: Mapped[str | None] = mapped_column(String(32))
    generation: Mapped[str | None] = mapped_column(String(16))  # N10F3 (repository.generations)
    protocol_id: Mapped[int | None] = mapped_column(ForeignKey("protocols.id"), index=True)
    litter_id: Mapped[int | None] = mapped_column(ForeignKey("litters.id"), index=True)
    # how and when it left the colony, who saw to it, and (euthanasia) the method and reason
    exit: Mapped[AnimalExit | None] = mapped_column(choice(AnimalExit, "animal_exit"))
    exit_on: Mapped[date | None] = mapped_column(Date)
    exit_by: Mapped[str | None] = mapped_column(String(200))
    exit_method: Mapped[str | None] = mapped_column(String(200))
    exit_reason: Mapped[str | None] = mapped_column(String(500))

    item: Mapped[Item] = relationship(back_populates="animal", foreign_keys=[item_id])
