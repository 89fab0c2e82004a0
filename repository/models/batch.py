"""Batch edits of items and of materials: one row per batch (which kind, who, when, what it
was given, the counts) and, per record it changed, the values before and after, so that it can
be undone."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..vocabulary import ItemStatus
from .base import Base, Quantity, Timestamp, choice, utcnow


class ItemBatch(Base):
    """A batch edit of items or of materials (`kind`): who made it and when, what chose the
    records (a search, kept as the search schema writes it, or a sheet) and the SHA-256 of that
    and of the changes, how many records were updated, left unchanged or refused; when and by
    whom it was undone."""

    __tablename__ = "item_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="item", server_default="item")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    source: Mapped[str] = mapped_column(String(16))  # "search" or "sheet"
    query: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    matched: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    refused: Mapped[int] = mapped_column(Integer)
    undone_at: Mapped[datetime | None] = mapped_column(Timestamp)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone: Mapped[int | None] = mapped_column(Integer)


class ItemBatchRow(Base):
    """One item a batch changed: its status, quantity and place before, and what the batch
    left; `undone` once an undo put it back."""

    __tablename__ = "item_batch_rows"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("item_batches.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True, index=True)
    old_status: Mapped[ItemStatus] = mapped_column(choice(ItemStatus, "old_status"))
    new_status: Mapped[ItemStatus] = mapped_column(choice(ItemStatus, "new_status"))
    old_quantity: Mapped[Decimal] = mapped_column(Quantity)
    new_quantity: Mapped[Decimal] = mapped_column(Quantity)
    old_container_id: Mapped[int | None] = mapped_column(ForeignKey("storage_units.id"))
    old_row: Mapped[int | None] = mapped_column(Integer)
    old_col: Mapped[int | None] = mapped_column(Integer)
    new_container_id: Mapped[int | None] = mapped_column(ForeignKey("storage_units.id"))
    new_row: Mapped[int | None] = mapped_column(Integer)
    new_col: Mapped[int | None] = mapped_column(Integer)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)


class MaterialBatchRow(Base):
    """One material a batch changed: the values of the fields it set, before and after (as
    JSON); `undone` once an undo put them back."""

    __tablename__ = "material_batch_rows"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("item_batches.id", ondelete="CASCADE"), primary_key=True
    )
    material_id: Mapped[int] = mapped_column(
        ForeignKey("materials.id"), primary_key=True, index=True
    )
    old: Mapped[dict[str, Any]] = mapped_column(JSON)
    new: Mapped[dict[str, Any]] = mapped_column(JSON)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
