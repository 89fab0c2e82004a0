"""Nucleotide sequences of materials (16S rRNA, ITS, COI, plasmids...), read from FASTA or
GenBank files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamp, utcnow
from .material import Material


class Sequence(Base):
    """One sequence record of a material, under the accession or identifier it was filed as."""

    __tablename__ = "sequences"
    __table_args__ = (
        UniqueConstraint("material_id", "accession"),
        CheckConstraint("length >= 0", name="length"),
        CheckConstraint("gc_content BETWEEN 0 AND 100", name="gc_content"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(
        ForeignKey("materials.id", ondelete="CASCADE"), index=True
    )
    accession: Mapped[str] = mapped_column(String(64))  # the record's id (GenBank accession)
    marker: Mapped[str | None] = mapped_column(String(32))  # 16S rRNA, ITS, COI, plasmid...
    description: Mapped[str | None] = mapped_column(String(500))
    residues: Mapped[str] = mapped_column(Text)
    length: Mapped[int] = mapped_column(Integer)
    gc_content: Mapped[float | None] = mapped_column(Float)  # percent of G and C (and S)
    source_format: Mapped[str] = mapped_column(String(16))  # fasta, genbank
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    material: Mapped[Material] = relationship()
