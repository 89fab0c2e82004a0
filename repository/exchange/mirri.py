"""The MIRRI strain data sheet (the columns of the MIRRI-IS strains spreadsheet) of a culture
collection's strains, as CSV."""

from __future__ import annotations

from typing import IO

from sqlalchemy.orm import Session

from ..models import Strain
from ..vocabulary import AbsStatus
from . import sheets

ORGANISM_TYPES = {
    "bacterium": "Bacteria",
    "archaeon": "Archaea",
    "yeast": "Yeast",
    "fungus": "Fungi",
    "alga": "Algae",
    "protist": "Protists",
    "virus": "Virus",
    "bacteriophage": "Virus",
}


def nagoya(strain: Strain) -> int:
    """MIRRI's code: 1 no known Nagoya Protocol restrictions, 2 documents of legal access and
    terms of use held by the collection, 3 probably in scope (contact the collection)."""
    if strain.abs_status is AbsStatus.OUT_OF_SCOPE:
        return 1
    return 2 if strain.abs_status is AbsStatus.IN_SCOPE and strain.abs_permits else 3


def _origin(s: Strain) -> str:
    return ", ".join(part for part in (s.origin_site, s.origin_country) if part)


def _coordinates(s: Strain) -> str:
    return f"{s.latitude};{s.longitude}" if s.latitude is not None else ""


COLUMNS: list[sheets.Column] = [
    ("Accession number", lambda s: s.accession_number),
    ("Restrictions on use", lambda s: s.restrictions_on_use),
    ("Nagoya protocol restrictions and compliance conditions", nagoya),
    ("ABS related files", lambda s: s.abs_permits),
    (
        "Other culture collection numbers",
        lambda s: [f"{i.scheme} {i.value}" for i in s.identifiers],
    ),
    ("Risk group", lambda s: s.risk_group),
    ("Organism type", lambda s: ORGANISM_TYPES.get(s.organism_type or "")),
    ("Taxon name", lambda s: s.taxon_name),
    ("Status", lambda s: f"type strain of {s.taxon_name}" if s.type_strain else ""),
    ("Depositor", lambda s: s.donor_institute),
    ("Collected by", lambda s: s.collector),
    ("Date of collection", lambda s: s.collection_date),
    ("Substrate/host of isolation", lambda s: s.isolation_source),
    ("Recommended growth temperature", lambda s: s.growth_temperature_c),
    ("Recommended medium for growth", lambda s: s.growth_medium),
    ("Form of supply", lambda s: s.form_of_supply),
    ("Other denomination", lambda s: s.designation),
    ("Coordinates of geographic origin", _coordinates),
    ("Altitude of geographic origin", lambda s: s.elevation_m),
    ("Geographic origin", _origin),
    ("GMO", lambda s: s.genetically_modified),
    ("Genotype", lambda s: s.genotype),
    ("Plasmids", lambda s: s.plasmids),
    ("Literature", lambda s: s.literature),
    ("Applications", lambda s: s.applications),
    ("Intellectual property rights", lambda s: s.ipr),
    ("Remarks", lambda s: s.remarks),
]


def export(session: Session, collection_code: str, out: IO[str]) -> int:
    """Write the open and restricted strains of a collection as the MIRRI strain sheet (CSV,
    UTF-8); returns how many."""
    return sheets.write(
        out, COLUMNS, session.scalars(sheets.shared(session, collection_code, Strain))
    )
