"""Public reference records that materials link to: Cellosaurus cell-line entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamp, utcnow


class CellosaurusEntry(Base):
    """One Cellosaurus entry, as its text format gives it; cell lines link by CVCL accession."""

    __tablename__ = "cellosaurus_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    accession: Mapped[str] = mapped_column(String(16), unique=True)  # AC, CVCL_xxxx
    name: Mapped[str] = mapped_column(String(200))  # ID
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)  # SY
    species: Mapped[list[str]] = mapped_column(JSON, default=list)  # OX, the names
    taxon_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # OX, NCBI_TaxID
    category: Mapped[str | None] = mapped_column(String(64))  # CA
    sex: Mapped[str | None] = mapped_column(String(32))  # SX
    # ST: marker → what each source reports, [{"alleles": ["11", "12"], "sources": ["ATCC"]}]
    # (no sources: all of the entry's sources agree); repository.str_profiles reads it
    str_markers: Mapped[dict[str, list[dict[str, list[str]]]]] = mapped_column(JSON, default=dict)
    str_sources: Mapped[list[str]] = mapped_column(JSON, default=list)  # ST Source(s)
    cautions: Mapped[list[str]] = mapped_column(JSON, default=list)  # CC Problematic cell line
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
