"""Saved searches: a person's item searches kept under a name, to run again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamp, utcnow


class SavedSearch(Base):
    """An item search's filters and sort (as the search schema writes them), under a name
    unique among its owner's; only its owner sees it."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)  # also finds an owner's searches

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
