"""History: append-only events, QC results, and the hash-chained audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..vocabulary import AuditAction, EventType, QcOutcome, QcTest
from .base import Base, Timestamp, choice, utcnow


class Event(Base):
    """Something that happened to an item, lot or material: who, when, what."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_item_id_id", "item_id", "id"),
        Index("ix_events_lot_id_id", "lot_id", "id"),
        # only the events that name a material: most are an item's (migration 0031)
        Index(
            "ix_events_material_id_id",
            "material_id",
            "id",
            sqlite_where=text("material_id IS NOT NULL"),
            postgresql_where=text("material_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    type: Mapped[EventType] = mapped_column(choice(EventType, "event_type"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    material_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)


class QcResult(Base):
    """A quality-control or viability result of a lot (or one item of it)."""

    __tablename__ = "qc_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    test: Mapped[QcTest] = mapped_column(choice(QcTest, "qc_test"))
    outcome: Mapped[QcOutcome] = mapped_column(choice(QcOutcome, "qc_outcome"))
    value: Mapped[float | None] = mapped_column(Float)
    value_unit: Mapped[str | None] = mapped_column(String(16))
    method: Mapped[str | None] = mapped_column(String(200))
    tested_on: Mapped[date] = mapped_column(Date)


class AuditEntry(Base):
    """One change of one record, before and after; each row carries the hash of the one before."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_table_name_row_id", "table_name", "row_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[AuditAction] = mapped_column(choice(AuditAction, "audit_action"))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
