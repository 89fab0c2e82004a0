"""Darwin Core Archives read back: the core occurrence file found through meta.xml, its rows
translated into strains (LivingSpecimen) and specimens for the bulk importer."""

from __future__ import annotations

import csv
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from babel.core import Locale, get_global
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..vocabulary import MaterialKind
from .archives import open_member, open_zip, read_member
from .limits import COLUMNS, META, Refused
from .problems import Report
from .tabular import Table, decoded_lines, text_encoding

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


@dataclass
class Layout:
    """How meta.xml says the core file is written."""

    location: str
    encoding: str
    delimiter: str
    quote: str  # "" when fields are not enclosed
    skip: int  # header lines
    terms: dict[int, str]  # the term of each column mapped
    defaults: dict[str, str]  # the value of each term without a column

    @property
    def width(self) -> int:
        return max(self.terms, default=-1) + 1


def read_archive(path: Path, report: Report) -> Iterator[Table]:
    """The archive's core file as one table read as a stream, its header the terms' local names
    (a column meta.xml does not name is left out); a default of meta.xml is a column of its own.
    The archive is checked for what it expands to before anything is read."""
    try:
        archive = open_zip(path)
    except (zipfile.BadZipFile, OSError) as error:
        report.add(None, None, None, f"Not a Darwin Core Archive with a core file ({error}).")
        return
    except Refused as error:
        report.add(None, None, None, str(error))
        return
    with archive:
        layout = _layout(archive, report)
        if layout is None:
            return
        info = archive.getinfo(layout.location)
        header = [_local(layout.terms.get(i, "")).rsplit("/", 1)[-1] for i in range(layout.width)]
        header += [term.rsplit("/", 1)[-1] for term in layout.defaults]
        with open_member(archive, info) as raw:
            lines = _lines(raw, layout.encoding, report)
            rows = _rows(lines, layout, report)
            yield Table(layout.location, header, rows, info.file_size)


def _layout(archive: zipfile.ZipFile, report: Report) -> Layout | None:
    """meta.xml's account of the core file, every attribute checked; None (and the problems
    reported, at the attribute) when the core file cannot be read as it says."""
    try:
        root = fromstring(read_member(archive, "meta.xml", META), forbid_dtd=True)
        core = next(e for e in root if _local(e.tag) == "core")
        location = next(e.text for e in core.iter() if _local(e.tag) == "location") or ""
        archive.getinfo(location)
    except Refused as error:
        report.add(None, None, None, str(error))
        return None
    except DefusedXmlException:
        report.add(None, None, None, "meta.xml declares a DTD or entities; refused unread.")
        return None
    except (KeyError, StopIteration, ParseError) as error:
        report.add(None, None, None, f"Not a Darwin Core Archive with a core file ({error}).")
        return None
    before = report.count

    def problem(attribute: str, value: str, message: str) -> None:
        report.add(None, attribute, value, f"meta.xml: {message}")

    encoding = core.get("encoding", "UTF-8")
    if text_encoding(encoding) is None:
        problem("encoding", encoding, "the core file's encoding is unknown or not one of text.")
    delimiter = _character(core, "fieldsTerminatedBy", ",", problem)
    quote = _character(core, "fieldsEnclosedBy", '"', problem, may_be_empty=True)
    if delimiter and quote == delimiter:
        problem("fieldsEnclosedBy", quote, "the quote cannot be the delimiter too.")
    skip = core.get("ignoreHeaderLines", "0").strip() or "0"
    if not skip.isdigit():
        problem("ignoreHeaderLines", skip, "the header lines to skip are a count (0, 1, …).")
    terms, defaults = {}, {}
    for field in (e for e in core if _local(e.tag) == "field"):
        term, index = field.get("term", ""), field.get("index")
        if index is None:
            defaults[term] = field.get("default", "")
        elif not index.strip().isdigit() or int(index) >= COLUMNS:
            problem(
                "index",
                index,
                f"the column of {term or 'a field'} is not a column number from 0 to "
                f"{COLUMNS - 1:,} (a core file has at most {COLUMNS:,} columns).",
            )
        else:
            terms[int(index)] = term
    if report.count > before:
        return None
    return Layout(location, encoding, delimiter, quote, int(skip), terms, defaults)


def _character(
    core: Element,
    attribute: str,
    default: str,
    problem: Callable[[str, str, str], None],
    may_be_empty: bool = False,
) -> str:
    """A one-character attribute of meta.xml's core, written as is or escaped (\\t)."""
    written = core.get(attribute, default)
    try:
        character = written.encode().decode("unicode_escape")
    except UnicodeDecodeError:
        character = None
    if character is None or len(character) > 1 or (not character and not may_be_empty):
        problem(attribute, written, "one character (or an escape such as \\t) is expected.")
        return ""
    if character and character in "\r\n":
        problem(attribute, written, "a line break cannot part or enclose fields.")
        return ""
    return character


def _lines(raw: IO[bytes], encoding: str, report: Report) -> Iterator[str]:
    """The core file's lines, decoded one by one (tabular's reading) so that bytes of another
    encoding, a line past the limit or a broken member are reported at their line; reading
    stops there."""
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
    except Refused as error:
        report.add(number, None, None, f"{error} Nothing from there on was read.")
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        report.add(
            number,
            None,
            None,
            f"The core file is broken at line {number} ({error}); nothing from there on was read.",
        )


def _rows(lines: Iterator[str], layout: Layout, report: Report) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(
        lines,
        delimiter=layout.delimiter,
        quotechar=layout.quote or None,
        quoting=csv.QUOTE_MINIMAL if layout.quote else csv.QUOTE_NONE,
    )
    width, defaults = layout.width, list(layout.defaults.values())
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            report.add(number + 1, None, None, f"The core file cannot be read past here: {error}.")
            return
        number += 1
        if number == 1 and len(cells) < width:  # meta.xml maps columns the file does not have
            report.add(
                None,
                "index",
                str(width - 1),
                f"meta.xml: the core file has {len(cells)} columns (on its first line), but the "
                f"column {width - 1} is mapped (to {layout.terms[width - 1]}).",
            )
            return
        if number <= layout.skip or not any(c.strip() for c in cells):
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
