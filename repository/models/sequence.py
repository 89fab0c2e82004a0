"""Nucleotide sequences of materials (16S rRNA, ITS, COI, plasmids...), read from FASTA or
GenBank files; reference sets that identification compares them with; the identity
thresholds per marker; and what each strain's sequence said of its taxon on deposit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..vocabulary import IdentityVerdict
from .base import Base, Timestamp, choice, utcnow
from .material import Material
from .people import User


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
    # its distinct 8-mers (sequence_search.packed); None for sequences filed before, which
    # identification profiles when it reads them
    kmers: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    material: Mapped[Material] = relationship()


class ReferenceSet(Base):
    """A named set of reference sequences (a type-strain 16S set, an ITS set), imported from
    one FASTA or GenBank file and replaced whole."""

    __tablename__ = "reference_sets"
    __table_args__ = (CheckConstraint("size >= 0", name="size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str | None] = mapped_column(String(200))  # the file it was read from
    source_format: Mapped[str] = mapped_column(String(16))  # fasta, genbank
    size: Mapped[int] = mapped_column(Integer)  # its sequences
    imported_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ReferenceSequence(Base):
    """One sequence of a reference set, with the taxon and marker it stands for."""

    __tablename__ = "reference_sequences"
    __table_args__ = (
        UniqueConstraint("set_id", "accession"),
        CheckConstraint("length > 0", name="length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("reference_sets.id", ondelete="CASCADE"))
    accession: Mapped[str] = mapped_column(String(64))
    taxon_name: Mapped[str] = mapped_column(String(200))
    marker: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str | None] = mapped_column(String(500))
    residues: Mapped[str] = mapped_column(Text, deferred=True)
    length: Mapped[int] = mapped_column(Integer)
    kmers: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # sequence_search.packed

    reference_set: Mapped[ReferenceSet] = relationship()


class IdentityThreshold(Base):
    """The identities (percent) at which a sequence of a marker is of a hit's species or genus,
    and the least coverage of the query for either."""

    __tablename__ = "identity_thresholds"
    __table_args__ = (
        CheckConstraint("genus > 0 AND genus <= species AND species <= 100", name="identities"),
        CheckConstraint("min_coverage BETWEEN 0 AND 100", name="min_coverage"),
    )

    marker: Mapped[str] = mapped_column(String(32), primary_key=True)
    species: Mapped[float] = mapped_column(Float)
    genus: Mapped[float] = mapped_column(Float)
    min_coverage: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(500))  # where the figures come from


class SequenceCheck(Base):
    """What a strain's sequence said of its declared taxon when it was filed: the best hit, its
    identity and verdict, and whether it places the strain in another genus (a warning on the
    record and a line of the due list until the taxon agrees or a curator reviews it)."""

    __tablename__ = "sequence_checks"
    __table_args__ = (
        CheckConstraint("identity BETWEEN 0 AND 100", name="identity"),
        CheckConstraint("coverage BETWEEN 0 AND 100", name="coverage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(
        ForeignKey("sequences.id", ondelete="CASCADE"), unique=True
    )
    checked_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    verdict: Mapped[IdentityVerdict] = mapped_column(choice(IdentityVerdict, "identity_verdict"))
    declared_taxon: Mapped[str] = mapped_column(String(200))  # the material's, when checked
    hit_accession: Mapped[str | None] = mapped_column(String(64))
    hit_taxon: Mapped[str | None] = mapped_column(String(200))
    hit_source: Mapped[str | None] = mapped_column(String(100))  # a set's name, a collection
    identity: Mapped[float | None] = mapped_column(Float)
    coverage: Mapped[float | None] = mapped_column(Float)
    # the genus the sequence places the strain in, when that is not its declared genus
    other_genus: Mapped[str | None] = mapped_column(String(100), index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(String(500))

    sequence: Mapped[Sequence] = relationship()
    reviewer: Mapped[User | None] = relationship()
