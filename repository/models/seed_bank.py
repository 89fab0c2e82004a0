"""Seed bank records (FAO Genebank Standards 2014): germination tests and their replicates as
ISTA records them, regenerations (the field cycle that grew a lot's next cycle), safety
duplicates kept at other institutes, and a collection's monitoring and regeneration settings
(for all its seeds, or one crop)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..vocabulary import IsolationMethod
from .base import Base, Timestamp, choice, utcnow
from .inventory import Lot

COUNTS = ("normal", "abnormal", "dead", "hard", "fresh")  # what each seed of a replicate became


class GerminationTest(Base):
    """A germination test of a seed lot: its conditions, and the percentages its replicates
    give (germination: normal seedlings; viability: normal seedlings, hard and fresh seeds)."""

    __tablename__ = "germination_tests"
    __table_args__ = (
        CheckConstraint("days >= 1", name="days"),
        CheckConstraint("seeds >= 1", name="seeds"),
        CheckConstraint("germination_pct BETWEEN 0 AND 100", name="germination_pct"),
        CheckConstraint("viability_pct BETWEEN 0 AND 100", name="viability_pct"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    tested_on: Mapped[date] = mapped_column(Date)
    medium: Mapped[str | None] = mapped_column(String(64))  # e.g. TP, BP, sand
    temperature_c: Mapped[float | None] = mapped_column(Float)
    days: Mapped[int | None] = mapped_column(Integer)
    seeds: Mapped[int] = mapped_column(Integer)  # all replicates'
    germination_pct: Mapped[float] = mapped_column(Float)
    viability_pct: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    lot: Mapped[Lot] = relationship()
    replicates: Mapped[list[GerminationReplicate]] = relationship(
        order_by="GerminationReplicate.number", viewonly=True
    )


class GerminationReplicate(Base):
    """One replicate of a germination test: what each of its seeds became."""

    __tablename__ = "germination_replicates"
    __table_args__ = (
        UniqueConstraint("test_id", "number"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint("seeds >= 1", name="seeds"),
        CheckConstraint(
            "normal >= 0 AND abnormal >= 0 AND dead >= 0 AND hard >= 0 AND fresh >= 0",
            name="counts",
        ),
        CheckConstraint("normal + abnormal + dead + hard + fresh = seeds", name="counts_add_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique (test_id, number)
    test_id: Mapped[int] = mapped_column(ForeignKey("germination_tests.id"))
    number: Mapped[int] = mapped_column(Integer)
    seeds: Mapped[int] = mapped_column(Integer)
    normal: Mapped[int] = mapped_column(Integer)
    abnormal: Mapped[int] = mapped_column(Integer)
    dead: Mapped[int] = mapped_column(Integer)
    hard: Mapped[int] = mapped_column(Integer)
    fresh: Mapped[int] = mapped_column(Integer)


class Regeneration(Base):
    """The field cycle that grew a seed lot's next regeneration cycle (`lot_id`) from it
    (`from_lot_id`)."""

    __tablename__ = "regenerations"
    __table_args__ = (
        CheckConstraint("plants >= 1", name="plants"),
        CheckConstraint("seeds_harvested >= 0", name="seeds_harvested"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), unique=True)
    site: Mapped[str] = mapped_column(String(200))
    season: Mapped[str | None] = mapped_column(String(32))
    plants: Mapped[int] = mapped_column(Integer)
    isolation: Mapped[IsolationMethod] = mapped_column(choice(IsolationMethod, "isolation_method"))
    harvested_on: Mapped[date] = mapped_column(Date)
    seeds_harvested: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    from_lot: Mapped[Lot] = relationship(foreign_keys=[from_lot_id])
    lot: Mapped[Lot] = relationship(foreign_keys=[lot_id])


class SafetyDuplicate(Base):
    """A safety duplicate of a seed lot kept at another institute (MCPD DUPLSITE and
    DUPLINSTNAME), and when it was sent."""

    __tablename__ = "safety_duplicates"
    __table_args__ = (
        UniqueConstraint("lot_id", "institute_code"),
        CheckConstraint("seeds >= 1", name="seeds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique (lot_id, institute_code)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    institute_code: Mapped[str] = mapped_column(String(16))  # DUPLSITE
    institute_name: Mapped[str | None] = mapped_column(String(200))  # DUPLINSTNAME
    sent_on: Mapped[date] = mapped_column(Date)
    seeds: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class SeedSetting(Base):
    """A collection's seed monitoring and regeneration settings, for all its seeds (crop_name
    '') or for one crop; a setting left empty falls back to the collection's, then to the
    standard's."""

    __tablename__ = "seed_settings"
    __table_args__ = (
        UniqueConstraint("collection_id", "crop_name"),
        CheckConstraint("base_every_years >= 1", name="base_every_years"),
        CheckConstraint("active_every_years >= 1", name="active_every_years"),
        CheckConstraint(
            "regenerate_below_pct > 0 AND regenerate_below_pct <= 100",
            name="regenerate_below_pct",
        ),
        CheckConstraint("seeds_per_regeneration >= 1", name="seeds_per_regeneration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique (collection_id, crop_name)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"))
    crop_name: Mapped[str] = mapped_column(String(200), default="")
    base_every_years: Mapped[int | None] = mapped_column(Integer)
    active_every_years: Mapped[int | None] = mapped_column(Integer)
    # a crop known to decline in store: tested at the active collection's interval everywhere
    declining: Mapped[bool | None] = mapped_column(Boolean)
    regenerate_below_pct: Mapped[float | None] = mapped_column(Float)  # of initial viability
    seeds_per_regeneration: Mapped[int | None] = mapped_column(Integer)
