"""MCPD v2.1 (FAO/Bioversity multi-crop passport descriptors) files of seed accessions: read into
the bulk importer's rows (so they are validated, reported and written as any import), and
written from what a seed bank stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session, selectinload

from ..models import Seed
from ..services.collections import get_collection
from ..visibility import exported
from ..vocabulary import MaterialKind
from . import columns, mcpd_values
from .formulas import SafeWriter
from .problems import Report
from .tabular import Table


def _same(text: str) -> str:
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Descriptor:
    """One MCPD field: the material field it fills, how a cell becomes the text the schema
    loads (a ValueError is a problem of the cell), and how the stored value is written."""

    code: str
    field: str | None
    read: Callable[[str], str] = _same
    write: Callable[[Seed], str] | None = None

    def cell(self, seed: Seed) -> str:
        if self.write is not None:
            return self.write(seed)
        return _cell(getattr(seed, self.field)) if self.field else ""


DESCRIPTORS = [
    Descriptor("PUID", "puid"),
    Descriptor("INSTCODE", None, write=lambda s: s.collection.code),
    Descriptor("ACCENUMB", "accession_number"),
    Descriptor("COLLNUMB", "collecting_number"),
    Descriptor("COLLCODE", "collecting_institutes"),
    Descriptor("COLLNAME", "collecting_institute_name"),
    Descriptor("COLLINSTADDRESS", "collecting_institute_address"),
    Descriptor("COLLMISSID", "collecting_mission"),
    Descriptor("GENUS", "genus"),
    Descriptor("SPECIES", "specific_epithet"),
    Descriptor("SPAUTHOR", "species_author"),
    Descriptor("SUBTAXA", "subtaxa"),
    Descriptor("SUBTAUTHOR", "subtaxa_author"),
    Descriptor("CROPNAME", "crop_name"),
    Descriptor(
        "ACCENAME",
        "designation",
        write=lambda s: "" if s.designation == s.accession_number else s.designation,
    ),
    Descriptor("ACQDATE", "acquisition_date"),
    Descriptor("ORIGCTY", "origin_country"),
    Descriptor("COLLSITE", "origin_site"),
    Descriptor("DECLATITUDE", "latitude"),
    Descriptor("LATITUDE", "latitude_dms", str.upper),
    Descriptor("DECLONGITUDE", "longitude"),
    Descriptor("LONGITUDE", "longitude_dms", str.upper),
    Descriptor("COORDUNCERT", "coordinate_uncertainty_m"),
    Descriptor("COORDDATUM", "coordinate_datum"),
    Descriptor("GEOREFMETH", "georeference_method"),
    Descriptor("ELEVATION", "elevation_m"),
    Descriptor(
        "COLLDATE",
        "collection_date",
        mcpd_values.iso_date,
        lambda s: mcpd_values.mcpd_date(s.collection_date),
    ),
    Descriptor("BREDCODE", "breeding_institute"),
    Descriptor("BREDNAME", "breeding_institute_name"),
    Descriptor("SAMPSTAT", "sample_status"),
    Descriptor("ANCEST", "ancestral_data"),
    Descriptor("COLLSRC", "acquisition_source"),
    Descriptor("DONORCODE", "donor_institute_code"),
    Descriptor("DONORNAME", "donor_institute"),
    Descriptor("DONORNUMB", "donor_accession"),
    Descriptor(
        "OTHERNUMB",
        "identifiers",
        mcpd_values.identifiers,
        lambda s: mcpd_values.other_numbers([(i.scheme, i.value) for i in s.identifiers]),
    ),
    Descriptor("DUPLSITE", "safety_duplicate_sites"),
    Descriptor("DUPLINSTNAME", "safety_duplicate_name"),
    Descriptor("STORAGE", "storage_types"),
    Descriptor("MLSSTAT", "mls_status"),
    Descriptor("REMARKS", "remarks"),
]
BY_CODE = {d.code: d for d in DESCRIPTORS}
REQUIRED = ("ACCENUMB", "GENUS")
# The fields of the rows given to the bulk importer, and the MCPD column each comes from.
FIELDS = [d.field for d in DESCRIPTORS if d.field] + ["kind", "taxon_name"]
SOURCES = {d.field: d.code for d in DESCRIPTORS if d.field} | {"taxon_name": "GENUS"}


class Translator:
    """Turns the tables of MCPD files into tables of seed materials for the bulk importer;
    problems of MCPD's own forms (codes, dates, coordinates) go to the import's report."""

    def __init__(self, collection_code: str) -> None:
        self.collection = collection_code

    def __call__(self, table: Table, report: Report) -> Table | None:
        known = [d.code.lower() for d in DESCRIPTORS]
        names = columns.resolve(table.header, known, {}, None, report)
        codes = [name.upper() if name else None for name in names]
        missing = [code for code in REQUIRED if code not in codes]
        for code in missing:
            report.add(1, code, None, f"Missing required MCPD column {code}.")
        if missing:
            return None
        rows = self._rows(table.rows, codes, report)
        return Table(table.name, FIELDS, rows, table.size, SOURCES)

    def _rows(
        self, rows: Iterator[tuple[int, list[str]]], codes: list[str | None], report: Report
    ) -> Iterator[tuple[int, list[str]]]:
        for number, cells in rows:
            given = {c: cell.strip() for c, cell in zip(codes, cells, strict=True) if c}
            values = self._values(number, {c: t for c, t in given.items() if t}, report)
            yield number, [values.get(name, "") for name in FIELDS]

    def _values(self, number: int, given: dict[str, str], report: Report) -> dict[str, str]:
        values = {"kind": MaterialKind.SEED.value}
        for code, text in given.items():
            descriptor = BY_CODE[code]
            try:
                value = descriptor.read(text)
            except ValueError as error:
                report.add(number, code, text, str(error))
                continue
            if descriptor.field:
                values[descriptor.field] = value
        institute = given.get("INSTCODE", self.collection)
        if institute != self.collection:
            report.add(number, "INSTCODE", institute, f"The import is into {self.collection}.")
        values.setdefault("designation", given.get("ACCENUMB", ""))
        taxon = (given.get(c) for c in ("GENUS", "SPECIES", "SUBTAXA"))
        values["taxon_name"] = " ".join(t for t in taxon if t)
        for axis, decimal, dms in (
            ("latitude", "DECLATITUDE", "LATITUDE"),
            ("longitude", "DECLONGITUDE", "LONGITUDE"),
        ):
            if dms in given:
                self._coordinate(number, axis, given.get(decimal), values, report)
        return values

    def _coordinate(
        self, number: int, axis: str, decimal: str | None, values: dict[str, str], report: Report
    ) -> None:
        dms = values.get(f"{axis}_dms")
        try:
            degrees, precision = mcpd_values.from_dms(dms or "", axis)
        except ValueError as error:
            values.pop(f"{axis}_dms", None)
            report.add(number, axis.upper(), dms, str(error))
            return
        if decimal is None:
            values[axis] = str(round(degrees, 6))
            return
        try:
            given = float(decimal)
        except ValueError:
            return  # the schema reports it
        if abs(given) <= mcpd_values.LIMIT[axis] and abs(given - degrees) > precision:
            report.add(
                number,
                axis.upper(),
                dms,
                f"Disagrees with DEC{axis.upper()} {decimal} ({degrees:.6f} degrees).",
            )


def export(
    session: Session, collection_code: str, out: IO[str], *, include_internal: bool = True
) -> int:
    """Write the seed accessions of a collection as MCPD (CSV, UTF-8, one row per accession,
    the MCPD codes as the header, formulas neutralised), the internal ones unless told not to;
    returns how many."""
    collection = get_collection(session, collection_code)
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow([d.code for d in DESCRIPTORS])
    count = 0
    shared = true() if include_internal else exported(Seed.access_level)
    seeds = session.scalars(
        select(Seed)
        .where(Seed.collection_id == collection.id, shared)
        .options(selectinload(Seed.identifiers))
        .order_by(Seed.accession_number)
        .execution_options(yield_per=500)
    )
    for seed in seeds:
        writer.writerow([d.cell(seed) for d in DESCRIPTORS])
        count += 1
    return count
