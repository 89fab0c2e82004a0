"""The genotypes of animals: per animal and gene (or transgene, or allele locus), its two
alleles, how and when they were found."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamp, utcnow
from .inventory import Item


class Genotype(Base):
    """One genotyping result of an animal at one gene: allele 1 and allele 2 (`+/-`,
    `wt/ko`, `tg/0`), the method (PCR, qPCR, a lab's assay) and the day. An animal is
    genotyped at a gene once a day."""

    __tablename__ = "genotypes"
    __table_args__ = (UniqueConstraint("item_id", "gene", "genotyped_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    gene: Mapped[str] = mapped_column(String(100))
    allele1: Mapped[str] = mapped_column(String(100))
    allele2: Mapped[str] = mapped_column(String(100))
    method: Mapped[str | None] = mapped_column(String(200))
    genotyped_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    item: Mapped[Item] = relationship()
