"""Health monitoring of animal rooms: the results of sentinel testing, per room and agent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..vocabulary import HealthResult
from .base import Base, Timestamp, choice, utcnow
from .storage import StorageUnit


class HealthReport(Base):
    """A health monitoring result of a room (a storage unit of kind room): the agent tested
    for (a virus, bacterium or parasite), the result, the day sampled and the lab."""

    __tablename__ = "health_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("storage_units.id"), index=True)
    agent: Mapped[str] = mapped_column(String(200))
    result: Mapped[HealthResult] = mapped_column(choice(HealthResult, "health_result"))
    reported_on: Mapped[date] = mapped_column(Date)
    lab: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    room: Mapped[StorageUnit] = relationship()
