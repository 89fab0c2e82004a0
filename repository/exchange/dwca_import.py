"""Darwin Core Archives read back: the core occurrence file found through meta.xml, its rows
translated into strains (LivingSpecimen) and specimens for the bulk importer."""

from __future__ import annotations

import codecs
import csv
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET

from babel.core import Locale, get_global

from ..vocabulary import MaterialKind
from .problems import Report
from .tabular import Table, decoded_lines

# Our field for each term read as it is.
TERMS = {
    "catalogNumber": "accession_number",
    "scientificName": "taxon_name",
    "recordedBy": "collector",
    "eventDate": "collection_date",
    "locality": "origin_site",
    "decimalLatitude": "latitude",
    "decimalLongitude": "longitude",
}
# Our field for each key of dynamicProperties (as the export writes them).
PROPERTIES = {
    "designation": "designation",
    "specimenType": "specimen_type",
    "absStatus": "abs_status",
    "absPermits": "abs_permits",
    "ipr": "ipr",
    "restrictionsOnUse": "restrictions_on_use",
    "riskGroup": "risk_group",
    "accessLevel": "access_level",
}
FIELDS = [
    *TERMS.values(),
    *PROPERTIES.values(),
    "kind",
    "taxon_id",
    "origin_country",
    "identifiers",
]
SOURCES = (
    {field: term for term, field in TERMS.items()}
    | {field: "dynamicProperties" for field in PROPERTIES.values()}
    | {"kind": "basisOfRecord", "taxon_id": "taxonID", "origin_country": "countryCode"}
    | {"identifiers": "otherCatalogNumbers"}
)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _unescaped(text: str) -> str:
    return text.encode().decode("unicode_escape")


def read_archive(path: Path, report: Report) -> Iterator[Table]:
    """The archive's core file as one table read as a stream, its header the terms' local names
    (a column meta.xml does not name is left out); a default of meta.xml is a column of its own."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        report.add(None, None, None, f"Not a Darwin Core Archive with a core file ({error}).")
        return
    with archive:
        try:
            core = next(
                e for e in ET.fromstring(archive.read("meta.xml")) if _local(e.tag) == "core"
            )
            location = next(e.text for e in core.iter() if _local(e.tag) == "location")
            info = archive.getinfo(location or "")
        except (KeyError, StopIteration, ET.ParseError) as error:
            report.add(None, None, None, f"Not a Darwin Core Archive with a core file ({error}).")
            return
        encoding = core.get("encoding", "UTF-8")
        try:
            codecs.lookup(encoding)
        except LookupError:
            report.add(None, None, None, f"The core file's encoding {encoding} is unknown.")
            return
        fields = [e for e in core if _local(e.tag) == "field"]
        indexed = {int(e.get("index", "")): e.get("term", "") for e in fields if e.get("index")}
        defaults = {e.get("term", ""): e.get("default", "") for e in fields if not e.get("index")}
        width = max(indexed, default=-1) + 1
        header = [_local(indexed.get(i, "")).rsplit("/", 1)[-1] for i in range(width)]
        header += [term.rsplit("/", 1)[-1] for term in defaults]
        with archive.open(info) as raw:
            lines = _lines(raw, encoding, report)
            rows = _rows(lines, core, width, list(defaults.values()), report)
            yield Table(location or "core", header, rows, info.file_size)


def _lines(raw: IO[bytes], encoding: str, report: Report) -> Iterator[str]:
    """The core file's lines, decoded one by one (tabular's reading) so that bytes of another
    encoding are reported at their line; reading stops there."""
    number = 1  # of the line being read
    try:
        for line in decoded_lines(raw, encoding):
            yield line
            number += 1
    except UnicodeDecodeError as error:
        report.add(
            number,
            None,
            None,
            f"Line {number} of the core file is not {encoding} text ({error.reason}); "
            "nothing from there on was read.",
        )


def _rows(
    lines: Iterator[str], core: ET.Element, width: int, defaults: list[str], report: Report
) -> Iterator[tuple[int, list[str]]]:
    enclosed = _unescaped(core.get("fieldsEnclosedBy", '"'))
    reader = csv.reader(
        lines,
        delimiter=_unescaped(core.get("fieldsTerminatedBy", ",")),
        quotechar=enclosed or None,
        quoting=csv.QUOTE_MINIMAL if enclosed else csv.QUOTE_NONE,
    )
    skip = int(core.get("ignoreHeaderLines", "0") or 0)
    for number, cells in enumerate(reader, start=1):
        if number <= skip or not any(c.strip() for c in cells):
            continue
        if len(cells) < width:
            report.add(number, None, None, f"The row has {len(cells)} fields, meta.xml {width}.")
            continue
        yield number, cells[:width] + defaults


def _alpha3() -> dict[str, str]:
    """ISO alpha-3 codes by alpha-2, of the territories with a name (no private-use codes)."""
    named = Locale("en").territories
    aliases = get_global("territory_aliases")
    return {v[0]: k for k, v in aliases.items() if len(k) == 3 and k.isalpha() and v[0] in named}


class Translator:
    """Turns the core table of an archive into a table of our fields for the bulk importer;
    problems of the archive's own forms go to the import's report."""

    def __init__(self) -> None:
        self.countries = _alpha3()

    def __call__(self, table: Table, report: Report) -> Table | None:
        if "catalogNumber" not in table.header:
            report.add(1, "catalogNumber", None, "The core has no catalogNumber.")
            return None
        rows = (
            (number, self._row(number, dict(zip(table.header, cells, strict=True)), report))
            for number, cells in table.rows
        )
        return Table(table.name, FIELDS, rows, table.size, SOURCES)

    def _row(self, number: int, given: dict[str, str], report: Report) -> list[str]:
        given = {term: text.strip() for term, text in given.items() if term and text.strip()}
        values = {field: given[term] for term, field in TERMS.items() if term in given}
        living = given.get("basisOfRecord") == "LivingSpecimen"
        values["kind"] = (MaterialKind.STRAIN if living else MaterialKind.SPECIMEN).value
        taxon = given.get("taxonID", "")
        if taxon:
            values["taxon_id"] = taxon.removeprefix("NCBI:txid")
        country = given.get("countryCode", "").upper()
        if country:
            if country not in self.countries:
                report.add(number, "countryCode", country, "Not an ISO 3166 alpha-2 code.")
            values["origin_country"] = self.countries.get(country, "")
        others = [part.strip() for part in given.get("otherCatalogNumbers", "").split("|")]
        values["identifiers"] = ";".join(part for part in others if part)
        values |= self._properties(number, given.get("dynamicProperties", ""), report)
        values.setdefault("designation", values.get("accession_number", ""))
        return [str(values.get(field, "")) for field in FIELDS]

    def _properties(self, number: int, text: str, report: Report) -> dict[str, str]:
        if not text:
            return {}
        try:
            found = json.loads(text)
        except json.JSONDecodeError:
            report.add(number, "dynamicProperties", text, "Not JSON.")
            return {}
        if not isinstance(found, dict):
            report.add(number, "dynamicProperties", text, "Not a JSON object.")
            return {}
        return {
            field: str(found[key])
            for key, field in PROPERTIES.items()
            if found.get(key) not in (None, "")
        }
