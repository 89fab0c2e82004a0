"""MIABIS (core 2.0) sample attributes of a biobank's specimens, with their donors (for those
who may see them) and SPREC codes, as CSV."""

from __future__ import annotations

from typing import IO

from sqlalchemy.orm import Session, selectinload

from ..models import Specimen
from . import sheets

MATERIAL_TYPES = {
    "whole_blood": "Whole blood",
    "serum": "Serum",
    "plasma": "Plasma",
    "buffy_coat": "Buffy coat",
    "dna": "DNA",
    "rna": "RNA",
    "tissue_frozen": "Tissue (frozen)",
    "tissue_ffpe": "Tissue (FFPE)",
    "saliva": "Saliva",
    "urine": "Urine",
    "faeces": "Faeces",
    "cell_pellet": "Cell pellet",
    "herbarium_sheet": "Other",
    "other": "Other",
}


def _sampled(s: Specimen) -> str:
    return s.collected_at.isoformat() if s.collected_at else (s.collection_date or "")


COLUMNS: list[sheets.Column] = [
    ("Sample ID", lambda s: s.accession_number),
    ("Sample collection ID", lambda s: s.collection.code),
    ("Sample donor ID", lambda s: s.donor.code if s.donor else None),
    ("Sex", lambda s: s.donor.sex.value.capitalize() if s.donor else None),
    ("Year of birth", lambda s: s.donor.year_of_birth if s.donor else None),
    ("Material type", lambda s: MATERIAL_TYPES.get(s.specimen_type, "Other")),
    ("Storage temperature", lambda s: s.storage_temperature),
    ("Sampled time", _sampled),
    ("Anatomical site", lambda s: s.anatomical_site),
    ("Disease (ICD-10)", lambda s: s.disease_icd10),
    ("SPREC", lambda s: s.sprec_code),
    ("Ethics approval", lambda s: s.ethics_approval),
    ("Taxon", lambda s: s.taxon_name),
]
DONOR_COLUMNS = frozenset({"Sample donor ID", "Sex", "Year of birth", "Disease (ICD-10)"})


def _blank(_: Specimen) -> None:
    return None


def export(session: Session, collection_code: str, out: IO[str], *, donors: bool) -> int:
    """Write the open and restricted specimens of a collection as MIABIS sample rows (CSV,
    UTF-8); returns how many. The donor columns (code, sex, year of birth, diagnosis) are
    filled only with `donors`, the caller's answer to whether the reader may see the
    collection's donors; otherwise they stay empty."""
    query = sheets.shared(session, collection_code, Specimen)
    if donors:
        query = query.options(selectinload(Specimen.donor))
        return sheets.write(out, COLUMNS, session.scalars(query))
    columns = [(name, _blank if name in DONOR_COLUMNS else value) for name, value in COLUMNS]
    return sheets.write(out, columns, session.scalars(query))
