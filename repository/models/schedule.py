"""The runs of the periodic work: one row per task and schedule slot, claimed by the first
worker's scheduler to reach it (repository.services.schedule)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamp


class PeriodicRun(Base):
    """Periodic task `task` queued for the slot starting at `slot` (a minute, in UTC)."""

    __tablename__ = "periodic_runs"

    task: Mapped[str] = mapped_column(String(50), primary_key=True)
    slot: Mapped[datetime] = mapped_column(Timestamp, primary_key=True)
