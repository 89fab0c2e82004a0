"""The animal colony: welfare protocols and what they approve, matings, plug checks, litters
and body weights."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..vocabulary import MatingStatus, MatingType
from .base import Base, Timestamp, choice, utcnow
from .inventory import Item
from .material import Material


class Protocol(Base):
    """An approved animal welfare (ethics) protocol: how many animals it allows, in all
    and per line, until it expires. `animals_used` counts the animals made under it; the
    database keeps it within the approval."""

    __tablename__ = "protocols"
    __table_args__ = (
        CheckConstraint("expires_on >= approved_on", name="dates"),
        CheckConstraint("animals_approved >= 0", name="animals_approved"),
        CheckConstraint(
            "animals_used >= 0 AND (animals_approved IS NULL OR animals_used <= animals_approved)",
            name="animals_used",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    species: Mapped[str] = mapped_column(String(200))
    approved_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    animals_approved: Mapped[int | None] = mapped_column(Integer)  # None: no total limit
    animals_used: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    lines: Mapped[list[ProtocolLine]] = relationship(
        back_populates="protocol", cascade="all, delete-orphan", order_by="ProtocolLine.id"
    )


class ProtocolLine(Base):
    """How many animals of one line a protocol approves, and how many were made."""

    __tablename__ = "protocol_lines"
    __table_args__ = (
        UniqueConstraint("protocol_id", "line_id"),
        CheckConstraint("animals_approved >= 0", name="animals_approved"),
        CheckConstraint(
            "animals_used >= 0 AND animals_used <= animals_approved", name="animals_used"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    line_id: Mapped[int] = mapped_column(ForeignKey("materials.id"), index=True)
    animals_approved: Mapped[int] = mapped_column(Integer)
    animals_used: Mapped[int] = mapped_column(Integer, default=0)

    protocol: Mapped[Protocol] = relationship(back_populates="lines")
    line: Mapped[Material] = relationship()


class Mating(Base):
    """A breeding unit of a line: a sire and one dam, or two (a trio)."""

    __tablename__ = "matings"
    __table_args__ = (
        CheckConstraint(
            "sire_id <> dam_id AND (second_dam_id IS NULL OR (second_dam_id <> dam_id "
            "AND second_dam_id <> sire_id))",
            name="distinct_animals",
        ),
        CheckConstraint("(status = 'retired') = (retired_on IS NOT NULL)", name="retired_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("materials.id"), index=True)
    sire_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    dam_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    second_dam_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    type: Mapped[MatingType] = mapped_column(choice(MatingType, "mating_type"))
    purpose: Mapped[str | None] = mapped_column(String(500))
    set_up_on: Mapped[date] = mapped_column(Date)
    status: Mapped[MatingStatus] = mapped_column(
        choice(MatingStatus, "mating_status"), default=MatingStatus.ACTIVE
    )
    retired_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    line: Mapped[Material] = relationship()
    sire: Mapped[Item] = relationship(foreign_keys=[sire_id])
    dam: Mapped[Item] = relationship(foreign_keys=[dam_id])
    second_dam: Mapped[Item | None] = relationship(foreign_keys=[second_dam_id])
    plug_checks: Mapped[list[PlugCheck]] = relationship(
        back_populates="mating", order_by="PlugCheck.id"
    )
    litters: Mapped[list[Litter]] = relationship(back_populates="mating", order_by="Litter.id")

    @property
    def label(self) -> str:
        return self.label_of(self.id)

    @staticmethod
    def label_of(mating_id: int) -> str:
        return f"M{mating_id}"

    @property
    def dams(self) -> list[Item]:
        return [self.dam] + ([self.second_dam] if self.second_dam is not None else [])


class PlugCheck(Base):
    """A morning's check of a dam of a mating for a copulation plug."""

    __tablename__ = "plug_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    mating_id: Mapped[int] = mapped_column(ForeignKey("matings.id"), index=True)
    dam_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    checked_on: Mapped[date] = mapped_column(Date)
    plug: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)

    mating: Mapped[Mating] = relationship(back_populates="plug_checks")
    dam: Mapped[Item] = relationship()


class Litter(Base):
    """The pups one dam of a mating gave birth to, until they are weaned; the database keeps
    those weaned and those that died within those born alive."""

    __tablename__ = "litters"
    __table_args__ = (
        CheckConstraint("born_alive >= 0 AND born_dead >= 0", name="born"),
        CheckConstraint(
            "died >= 0 AND weaned >= 0 AND died + weaned <= born_alive", name="within_born_alive"
        ),
        CheckConstraint("wean_due_on >= born_on", name="wean_due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mating_id: Mapped[int] = mapped_column(ForeignKey("matings.id"), index=True)
    dam_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    born_on: Mapped[date] = mapped_column(Date)
    born_alive: Mapped[int] = mapped_column(Integer)
    born_dead: Mapped[int] = mapped_column(Integer, default=0)
    died: Mapped[int] = mapped_column(Integer, default=0)  # before weaning
    weaned: Mapped[int] = mapped_column(Integer, default=0)
    wean_due_on: Mapped[date] = mapped_column(Date)
    weaned_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    mating: Mapped[Mating] = relationship(back_populates="litters")
    dam: Mapped[Item] = relationship()

    @property
    def label(self) -> str:
        return self.label_of(self.id, self.mating_id)

    @staticmethod
    def label_of(litter_id: int, mating_id: int) -> str:
        return f"L{litter_id} of {Mating.label_of(mating_id)}"


class BodyWeight(Base):
    """A body weight of an animal, with its body condition score (1 to 5) if scored."""

    __tablename__ = "body_weights"
    __table_args__ = (
        CheckConstraint("grams > 0", name="grams"),
        CheckConstraint("condition_score BETWEEN 1 AND 5", name="condition_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    weighed_on: Mapped[date] = mapped_column(Date)
    grams: Mapped[float] = mapped_column(Numeric(10, 2, asdecimal=False))
    condition_score: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
