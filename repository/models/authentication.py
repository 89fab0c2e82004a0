"""STR authentications of cell lines' lots: the profile a lab measured, the best matches the
search found for it among the references, and the verdict drawn from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..vocabulary import Authenticity, StrAlgorithm
from .base import Base, Timestamp, choice, utcnow


class Authentication(Base):
    """One STR test of a lot, recorded as its QC result (test `str_profile`) and searched at
    once: the score of the line's own reference, the best matches and the verdict."""

    __tablename__ = "authentications"
    # a lot's tests, the latest first; a material's through its lots
    __table_args__ = (Index("ix_authentications_lot_id_tested_on", "lot_id", "tested_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qc_result_id: Mapped[int] = mapped_column(ForeignKey("qc_results.id"), unique=True)
    tested_on: Mapped[date] = mapped_column(Date)
    lab: Mapped[str | None] = mapped_column(String(200))
    kit: Mapped[str | None] = mapped_column(String(200))
    profile: Mapped[dict[str, list[str]]] = mapped_column(JSON)  # marker → alleles, as measured
    algorithm: Mapped[StrAlgorithm] = mapped_column(choice(StrAlgorithm, "str_algorithm"))
    own_score: Mapped[float | None] = mapped_column(Float)  # of its own best reference
    own_reference: Mapped[str | None] = mapped_column(String(64))  # that reference's key
    verdict: Mapped[Authenticity] = mapped_column(choice(Authenticity, "authenticity"))
    # why, in English: the match that decided it
    reason: Mapped[str] = mapped_column(String(500))
    quarantined: Mapped[bool] = mapped_column(default=False)
    # the best matches: kind, key, name, score, markers, own, cautions
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
