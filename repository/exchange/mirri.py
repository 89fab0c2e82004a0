"""The MIRRI strain data sheet (the columns of the MIRRI-IS strains spreadsheet) of a culture
collection's strains, as CSV, and read back into strains."""

from __future__ import annotations

from typing import IO

from sqlalchemy.orm import Session

from ..models import Strain
from ..vocabulary import AbsStatus
from . import sheets
from .problems import Report
from .tabular import Table

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


# Reading a sheet back: each MIRRI column into our field, through the inverse of its export.
_ORGANISMS = {v: k for k, v in reversed(list(ORGANISM_TYPES.items()))}  # "Virus": "virus"
_NAGOYA = {"1": "out_of_scope", "2": "in_scope", "3": "unknown"}
_PLAIN = {
    "Accession number": "accession_number",
    "Restrictions on use": "restrictions_on_use",
    "ABS related files": "abs_permits",
    "Risk group": "risk_group",
    "Taxon name": "taxon_name",
    "Depositor": "donor_institute",
    "Collected by": "collector",
    "Date of collection": "collection_date",
    "Substrate/host of isolation": "isolation_source",
    "Recommended growth temperature": "growth_temperature_c",
    "Recommended medium for growth": "growth_medium",
    "Form of supply": "form_of_supply",
    "Other denomination": "designation",
    "Altitude of geographic origin": "elevation_m",
    "GMO": "genetically_modified",
    "Genotype": "genotype",
    "Plasmids": "plasmids",
    "Literature": "literature",
    "Applications": "applications",
    "Intellectual property rights": "ipr",
    "Remarks": "remarks",
}
_DERIVED = {
    "abs_status": "Nagoya protocol restrictions and compliance conditions",
    "identifiers": "Other culture collection numbers",
    "organism_type": "Organism type",
    "type_strain": "Status",
    "latitude": "Coordinates of geographic origin",
    "longitude": "Coordinates of geographic origin",
    "origin_site": "Geographic origin",
    "origin_country": "Geographic origin",
}
FIELDS = ["kind", *_PLAIN.values(), *_DERIVED]
TITLES = {field: title for title, field in _PLAIN.items()} | _DERIVED


class Translator:
    """Turns a MIRRI strain sheet into a table of strains for the bulk importer; a value of a
    MIRRI column that cannot be read goes to the import's report under that column."""

    def __call__(self, table: Table, report: Report) -> Table | None:
        missing = [t for t in ("Accession number", "Taxon name") if t not in table.header]
        if missing:
            report.add(1, missing[0], None, "A MIRRI strain sheet needs this column.")
            return None
        rows = (
            (number, self._row(number, dict(zip(table.header, cells, strict=False)), report))
            for number, cells in table.rows
        )
        return Table(table.name, FIELDS, rows, table.size, TITLES)

    def _row(self, number: int, given: dict[str, str], report: Report) -> list[str]:
        given = {title: (text or "").strip() for title, text in given.items()}
        values = {"kind": "strain"}
        values |= {field: given.get(title, "") for title, field in _PLAIN.items()}
        nagoya_code = given.get(_DERIVED["abs_status"], "")
        if nagoya_code:
            if nagoya_code not in _NAGOYA:
                report.add(number, _DERIVED["abs_status"], nagoya_code, "Not 1, 2 or 3.")
            values["abs_status"] = _NAGOYA.get(nagoya_code, "")
        organism = given.get(_DERIVED["organism_type"], "")
        if organism:
            if organism not in _ORGANISMS:
                known = ", ".join(sorted(_ORGANISMS))
                report.add(number, _DERIVED["organism_type"], organism, f"Not one of {known}.")
            values["organism_type"] = _ORGANISMS.get(organism, "")
        values["type_strain"] = "yes" if given.get("Status", "").startswith("type strain") else ""
        numbers = [n.strip() for n in given.get(_DERIVED["identifiers"], "").split(";")]
        values["identifiers"] = ";".join(n.replace(" ", ":", 1) for n in numbers if n)
        where = given.get(_DERIVED["latitude"], "")
        if where:
            latitude, _, longitude = where.partition(";")
            values["latitude"], values["longitude"] = latitude.strip(), longitude.strip()
        site, _, country = given.get(_DERIVED["origin_site"], "").rpartition(", ")
        if len(country) == 3 and country.isalpha() and country.isupper():
            values["origin_site"], values["origin_country"] = site, country
        else:
            values["origin_site"] = given.get(_DERIVED["origin_site"], "")
        return [values.get(field, "") for field in FIELDS]
