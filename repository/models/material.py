"""Materials (accessions) of the five kinds, their identifiers, and the donors of specimens."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..vocabulary import AbsStatus, AccessLevel, BiologicalStatus, MaterialKind, Sex
from .base import Base, Timestamp, choice, trigram_index, utcnow
from .collection import Collection
from .reference import CellosaurusEntry

if TYPE_CHECKING:
    from ..visibility import MaterialSight

Str = String(200)


class Material(Base):
    """An accession: the catalogued resource, unique by accession number in its collection."""

    __tablename__ = "materials"
    __table_args__: tuple[Any, ...] = (
        UniqueConstraint("collection_id", "accession_number"),
        CheckConstraint("risk_group BETWEEN 1 AND 4", name="risk_group"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude"),
        Index("ix_materials_taxon_name", "taxon_name"),
        Index("ix_materials_designation", "designation"),
        Index("ix_materials_accession_number", "accession_number"),  # pages in this order
        Index("ix_materials_access_level_kind", "access_level", "kind"),  # a search's count
        *(
            trigram_index("materials", column)  # the text search
            for column in (
                "accession_number",
                "designation",
                "designation_zh",
                "taxon_name",
                "taxon_name_zh",
            )
        ),
    )
    __mapper_args__ = {"polymorphic_on": "kind"}

    id: Mapped[int] = mapped_column(primary_key=True)
    # indexed by the unique (collection_id, accession_number)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"))
    accession_number: Mapped[str] = mapped_column(String(64))
    kind: Mapped[MaterialKind] = mapped_column(choice(MaterialKind, "material_kind"))
    designation: Mapped[str] = mapped_column(Str)
    designation_zh: Mapped[str | None] = mapped_column(Str)
    taxon_name: Mapped[str] = mapped_column(Str)
    taxon_name_zh: Mapped[str | None] = mapped_column(Str)
    taxon_id: Mapped[int | None] = mapped_column(Integer)
    origin_country: Mapped[str | None] = mapped_column(String(3))
    origin_site: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    elevation_m: Mapped[int | None] = mapped_column(Integer)
    collection_date: Mapped[str | None] = mapped_column(String(10))  # YYYY[-MM[-DD]]
    collector: Mapped[str | None] = mapped_column(Str)
    donor_institute: Mapped[str | None] = mapped_column(Str)
    donor_accession: Mapped[str | None] = mapped_column(String(64))
    biological_status: Mapped[BiologicalStatus | None] = mapped_column(
        choice(BiologicalStatus, "biological_status")
    )
    access_level: Mapped[AccessLevel] = mapped_column(
        choice(AccessLevel, "access_level"), default=AccessLevel.OPEN
    )
    risk_group: Mapped[int] = mapped_column(Integer, default=1)
    abs_status: Mapped[AbsStatus] = mapped_column(
        choice(AbsStatus, "abs_status"), default=AbsStatus.UNKNOWN
    )
    abs_permits: Mapped[str | None] = mapped_column(String(500))
    ipr: Mapped[str | None] = mapped_column(String(500))
    restrictions_on_use: Mapped[str | None] = mapped_column(String(500))
    remarks: Mapped[str | None] = mapped_column(Text)
    internal_remarks: Mapped[str | None] = mapped_column(Text)
    # Sharing: the last N units are never distributed; below the threshold, an alert is raised.
    minimum_stock: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    regeneration_threshold: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)

    collection: Mapped[Collection] = relationship()
    identifiers: Mapped[list[Identifier]] = relationship(
        back_populates="material", cascade="all, delete-orphan", order_by="Identifier.id"
    )

    if TYPE_CHECKING:
        offer: dict[str, Any]  # not stored: what can be had and on what terms (`catalogue`)
        sight: MaterialSight  # not stored: what the asker sees of it (`visibility`)


class Identifier(Base):
    """Another number the material is known by (ATCC, DSM, CVCL_, PI, JAX, ...)."""

    __tablename__ = "identifiers"
    __table_args__ = (
        UniqueConstraint("material_id", "scheme", "value"),
        trigram_index("identifiers", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(64), index=True)

    material: Mapped[Material] = relationship(back_populates="identifiers")


class Strain(Material):
    """A microbial strain, with the MIRRI strain data fields."""

    __tablename__ = "strains"
    __mapper_args__ = {"polymorphic_identity": MaterialKind.STRAIN}

    id: Mapped[int] = mapped_column(ForeignKey("materials.id"), primary_key=True)
    organism_type: Mapped[str | None] = mapped_column(String(32))
    type_strain: Mapped[bool] = mapped_column(Boolean, default=False)
    isolation_source: Mapped[str | None] = mapped_column(String(500))
    genotype: Mapped[str | None] = mapped_column(String(500))
    plasmids: Mapped[str | None] = mapped_column(String(500))
    genetically_modified: Mapped[bool] = mapped_column(Boolean, default=False)
    growth_medium: Mapped[str | None] = mapped_column(Str)
    growth_temperature_c: Mapped[float | None] = mapped_column(Float)
    oxygen_relationship: Mapped[str | None] = mapped_column(String(32))
    form_of_supply: Mapped[list[str]] = mapped_column(JSON, default=list)
    applications: Mapped[str | None] = mapped_column(String(500))
    literature: Mapped[str | None] = mapped_column(String(500))


class Seed(Material):
    """A seed (germplasm) accession, with the MCPD v2.1 passport descriptors."""

    __tablename__ = "seeds"
    __table_args__ = (CheckConstraint("mls_status IN (0, 1, 99)", name="mls_status"),)
    __mapper_args__ = {"polymorphic_identity": MaterialKind.SEED}

    id: Mapped[int] = mapped_column(ForeignKey("materials.id"), primary_key=True)
    crop_name: Mapped[str | None] = mapped_column(Str)
    crop_name_zh: Mapped[str | None] = mapped_column(Str)
    sample_status: Mapped[int | None] = mapped_column(Integer)  # SAMPSTAT
    acquisition_source: Mapped[int | None] = mapped_column(Integer)  # COLLSRC
    acquisition_date: Mapped[str | None] = mapped_column(String(8))  # ACQDATE YYYYMMDD
    ancestral_data: Mapped[str | None] = mapped_column(String(500))  # ANCEST
    breeding_institute: Mapped[str | None] = mapped_column(Str)  # BREDCODE, ;-separated
    storage_types: Mapped[list[int]] = mapped_column(JSON, default=list)  # STORAGE
    mls_status: Mapped[int | None] = mapped_column(Integer)  # MLSSTAT: 0, 1 or 99 (other)
    thousand_seed_weight_g: Mapped[float | None] = mapped_column(Float)
    puid: Mapped[str | None] = mapped_column(Str)  # PUID
    collecting_number: Mapped[str | None] = mapped_column(String(64))  # COLLNUMB
    collecting_institutes: Mapped[list[str]] = mapped_column(  # COLLCODE
        JSON, default=list, server_default="[]"
    )
    collecting_institute_name: Mapped[str | None] = mapped_column(Str)  # COLLNAME
    collecting_institute_address: Mapped[str | None] = mapped_column(String(500))
    collecting_mission: Mapped[str | None] = mapped_column(Str)  # COLLMISSID
    genus: Mapped[str | None] = mapped_column(String(100))  # GENUS
    specific_epithet: Mapped[str | None] = mapped_column(String(100))  # SPECIES
    species_author: Mapped[str | None] = mapped_column(Str)  # SPAUTHOR
    subtaxa: Mapped[str | None] = mapped_column(Str)  # SUBTAXA
    subtaxa_author: Mapped[str | None] = mapped_column(Str)  # SUBTAUTHOR
    latitude_dms: Mapped[str | None] = mapped_column(String(8))  # LATITUDE, DDMMSSH
    longitude_dms: Mapped[str | None] = mapped_column(String(9))  # LONGITUDE, DDDMMSSH
    coordinate_uncertainty_m: Mapped[int | None] = mapped_column(Integer)  # COORDUNCERT
    coordinate_datum: Mapped[str | None] = mapped_column(String(32))  # COORDDATUM
    georeference_method: Mapped[str | None] = mapped_column(String(64))  # GEOREFMETH
    breeding_institute_name: Mapped[str | None] = mapped_column(Str)  # BREDNAME
    donor_institute_code: Mapped[str | None] = mapped_column(String(16))  # DONORCODE
    safety_duplicate_sites: Mapped[list[str]] = mapped_column(  # DUPLSITE
        JSON, default=list, server_default="[]"
    )
    safety_duplicate_name: Mapped[str | None] = mapped_column(Str)  # DUPLINSTNAME

    @property
    def in_mls(self) -> bool:
        """In the Multilateral System (MLSSTAT 1): distributed under the SMTA."""
        return self.mls_status == 1


class CellLine(Material):
    """A cell line, described as Cellosaurus describes it, with its STR profile."""

    __tablename__ = "cell_lines"
    __table_args__ = (CheckConstraint("max_passage >= 0", name="max_passage"),)
    __mapper_args__ = {"polymorphic_identity": MaterialKind.CELL_LINE}

    id: Mapped[int] = mapped_column(ForeignKey("materials.id"), primary_key=True)
    cellosaurus_id: Mapped[str | None] = mapped_column(String(16), index=True)
    category: Mapped[str | None] = mapped_column(String(64))
    cell_type: Mapped[str | None] = mapped_column(Str)
    tissue: Mapped[str | None] = mapped_column(Str)
    disease: Mapped[str | None] = mapped_column(Str)
    disease_ncit: Mapped[str | None] = mapped_column(String(16))
    donor_sex: Mapped[str | None] = mapped_column(String(32))
    donor_age: Mapped[str | None] = mapped_column(String(32))
    population: Mapped[str | None] = mapped_column(String(100))
    growth_mode: Mapped[str | None] = mapped_column(String(16))
    culture_medium: Mapped[str | None] = mapped_column(Str)
    problematic: Mapped[str | None] = mapped_column(Text)
    str_profile: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # the supplier's limit: the highest passage number its lots may reach (None: no limit)
    max_passage: Mapped[int | None] = mapped_column(Integer)

    reference: Mapped[CellosaurusEntry | None] = relationship(
        primaryjoin="foreign(CellLine.cellosaurus_id) == CellosaurusEntry.accession",
        viewonly=True,
    )


class AnimalLine(Material):
    """A laboratory animal line or strain, named by the official nomenclature."""

    __tablename__ = "animal_lines"
    __table_args__ = (CheckConstraint("wean_age_days BETWEEN 10 AND 60", name="wean_age_days"),)
    __mapper_args__ = {"polymorphic_identity": MaterialKind.ANIMAL_LINE}

    id: Mapped[int] = mapped_column(ForeignKey("materials.id"), primary_key=True)
    background: Mapped[str | None] = mapped_column(String(100))
    genotype: Mapped[str | None] = mapped_column(String(500))
    zygosity: Mapped[str | None] = mapped_column(String(16))
    breeding_scheme: Mapped[str | None] = mapped_column(String(16))
    coat_colour: Mapped[str | None] = mapped_column(String(64))
    phenotype: Mapped[str | None] = mapped_column(String(500))
    health_status: Mapped[str | None] = mapped_column(String(64))
    protocol_number: Mapped[str | None] = mapped_column(String(64))
    # the pups' age at weaning, in days (None: 21)
    wean_age_days: Mapped[int | None] = mapped_column(Integer)


class Donor(Base):
    """A (pseudonymised) human donor of specimens."""

    __tablename__ = "donors"
    __table_args__ = (
        UniqueConstraint("collection_id", "code"),
        CheckConstraint("year_of_birth BETWEEN 1880 AND 2200", name="year_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"))
    code: Mapped[str] = mapped_column(String(32))
    sex: Mapped[Sex] = mapped_column(choice(Sex, "sex"), default=Sex.UNKNOWN)
    year_of_birth: Mapped[int | None] = mapped_column(Integer)

    consents: Mapped[list[Consent]] = relationship(
        back_populates="donor", cascade="all, delete-orphan", order_by="Consent.id"
    )


class Consent(Base):
    """What a donor agreed to, when, and whether it was withdrawn."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id", ondelete="CASCADE"))
    scope: Mapped[list[str]] = mapped_column(JSON, default=list)
    signed_on: Mapped[date] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    document_ref: Mapped[str | None] = mapped_column(String(100))

    donor: Mapped[Donor] = relationship(back_populates="consents")


class Specimen(Material):
    """A specimen (human sample or herbarium sheet), with MIABIS and SPREC descriptors."""

    __tablename__ = "specimens"
    __mapper_args__ = {"polymorphic_identity": MaterialKind.SPECIMEN}

    id: Mapped[int] = mapped_column(ForeignKey("materials.id"), primary_key=True)
    specimen_type: Mapped[str] = mapped_column(String(32))
    anatomical_site: Mapped[str | None] = mapped_column(String(100))
    sprec_code: Mapped[str | None] = mapped_column(String(40))
    donor_id: Mapped[int | None] = mapped_column(ForeignKey("donors.id"), index=True)
    disease_icd10: Mapped[str | None] = mapped_column(String(16))
    ethics_approval: Mapped[str | None] = mapped_column(String(64))
    collected_at: Mapped[datetime | None] = mapped_column(Timestamp)
    storage_temperature: Mapped[str | None] = mapped_column(String(32))

    donor: Mapped[Donor | None] = relationship()


KIND_MODELS: dict[MaterialKind, type[Material]] = {
    MaterialKind.STRAIN: Strain,
    MaterialKind.SEED: Seed,
    MaterialKind.CELL_LINE: CellLine,
    MaterialKind.ANIMAL_LINE: AnimalLine,
    MaterialKind.SPECIMEN: Specimen,
}
