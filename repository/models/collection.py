"""Collections: the resource libraries of an institution, each with its accession pattern."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..vocabulary import CollectionKind
from .base import Base, Timestamp, choice, utcnow
from .people import Organisation


class Collection(Base):
    __tablename__ = "collections"
    __table_args__ = (
        CheckConstraint("next_seq >= 1", name="next_seq"),
        CheckConstraint("qc_every_passages >= 1", name="qc_every_passages"),
        CheckConstraint("qc_every_months >= 1", name="qc_every_months"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[CollectionKind] = mapped_column(choice(CollectionKind, "collection_kind"))
    institute_code: Mapped[str | None] = mapped_column(String(16))  # FAO WIEWS code
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    accession_pattern: Mapped[str] = mapped_column(String(64), default="{code} {seq:05d}")
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    mta_template: Mapped[str | None] = mapped_column(Text)
    # The mycoplasma and sterility testing schedule of its cell lines: a lot is distributed
    # only with a passing test of each at most this many passages back and this many months
    # old (None: no limit of that kind; both None: no schedule).
    qc_every_passages: Mapped[int | None] = mapped_column(Integer)
    qc_every_months: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
