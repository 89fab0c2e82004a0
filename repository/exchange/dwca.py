"""Darwin Core Archives of a collection's strains and specimens (the format GBIF harvests): a zip
of meta.xml, eml.xml and occurrence.txt (tab-separated, UTF-8), one occurrence per material."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import IO, Any
from xml.etree import ElementTree as ET

from babel.core import Locale, get_global
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from ..models import Collection, Identifier, Item, Lot, Material, Specimen
from ..services.collections import get_collection
from ..visibility import exported
from ..vocabulary import ItemStatus, MaterialKind
from .formulas import neutralised
from .sequences import accessions_by_material

DWC = "http://rs.tdwg.org/dwc/terms/"
DC = "http://purl.org/dc/terms/"
OCCURRENCE = DWC + "Occurrence"
KINDS = (MaterialKind.STRAIN, MaterialKind.SPECIMEN)
# Specimen types that are a part or an extract of an organism rather than a preserved whole.
SAMPLE_TYPES = frozenset(
    {"dna", "rna", "tissue_frozen", "tissue_ffpe", "cell_pellet", "serum", "plasma"}
)
# What the items of a material say of it, the first that applies.
DISPOSITIONS = [
    ({ItemStatus.AVAILABLE, ItemStatus.RESERVED}, "in collection"),
    ({ItemStatus.MISSING}, "missing"),
    ({ItemStatus.DISTRIBUTED}, "distributed"),
    ({ItemStatus.CONSUMED}, "consumed"),
    ({ItemStatus.DESTROYED}, "destroyed"),
]


@dataclass
class Context:
    """What the rows need beyond the material itself: its collection's codes, its lots'
    methods, its items' statuses, its identifiers and its sequences' accessions."""

    institution: str
    collection: str
    methods: dict[int, list[str]]
    statuses: dict[int, set[ItemStatus]]
    identifiers: dict[int, list[str]]
    sequences: dict[int, list[str]]

    @cached_property
    def occurrence_prefix(self) -> str:
        return f"urn:catalog:{_quoted(self.institution)}:{_quoted(self.collection)}:"


@lru_cache(maxsize=512)
def _iso2(alpha3: str | None) -> str:
    if not alpha3:
        return ""
    return (get_global("territory_aliases").get(alpha3.upper()) or [""])[0]


@lru_cache(maxsize=512)
def _country(alpha3: str | None) -> str:
    code = _iso2(alpha3)
    return Locale("en").territories.get(code, "") if code else ""


def _basis(material: Row) -> str:
    if material.kind is MaterialKind.SPECIMEN:
        return "MaterialSample" if material.specimen_type in SAMPLE_TYPES else "PreservedSpecimen"
    return "LivingSpecimen"


def _disposition(statuses: set[ItemStatus]) -> str:
    return next((text for wanted, text in DISPOSITIONS if statuses & wanted), "")


def _event_date(material: Row) -> str:
    if material.collection_date:
        return material.collection_date
    return material.collected_at.date().isoformat() if material.collected_at else ""


def _access_rights(m: Row) -> str:
    parts = [
        f"Nagoya/ABS: {m.abs_status.value}",
        f"ABS permits: {m.abs_permits}" if m.abs_permits else "",
        f"IPR: {m.ipr}" if m.ipr else "",
        f"Restrictions on use: {m.restrictions_on_use}" if m.restrictions_on_use else "",
    ]
    return "; ".join(p for p in parts if p)


def _properties(m: Row) -> str:
    values = {
        "designation": m.designation,
        "specimenType": m.specimen_type,
        "absStatus": m.abs_status.value,
        "absPermits": m.abs_permits,
        "ipr": m.ipr,
        "restrictionsOnUse": m.restrictions_on_use,
        "riskGroup": m.risk_group,
        "accessLevel": m.access_level.value,
    }
    return _JSON.encode({k: v for k, v in values.items() if v is not None})


_JSON = json.JSONEncoder(ensure_ascii=False)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.~-]+")


def _quoted(text: str) -> str:
    """`text` percent-encoded as urllib.parse.quote(text, safe="") does it."""
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), text)


MATERIALS = Material.__table__
# The material's columns that the terms are made of (besides a specimen's type and date).
COLUMNS = (
    "id",
    "accession_number",
    "kind",
    "designation",
    "taxon_name",
    "taxon_id",
    "collector",
    "collection_date",
    "origin_country",
    "origin_site",
    "latitude",
    "longitude",
    "donor_institute",
    "access_level",
    "risk_group",
    "abs_status",
    "abs_permits",
    "ipr",
    "restrictions_on_use",
)
# The columns of the core file, in order; `_cells` gives a material's values in the same order.
TERMS = [
    DWC + "occurrenceID",
    DWC + "catalogNumber",
    DWC + "basisOfRecord",
    DWC + "scientificName",
    DWC + "taxonID",
    DWC + "preparations",
    DWC + "disposition",
    DWC + "recordedBy",
    DWC + "eventDate",
    DWC + "country",
    DWC + "countryCode",
    DWC + "locality",
    DWC + "decimalLatitude",
    DWC + "decimalLongitude",
    DWC + "geodeticDatum",
    DWC + "institutionCode",
    DWC + "collectionCode",
    DWC + "otherCatalogNumbers",
    DWC + "associatedSequences",
    DC + "accessRights",
    DC + "rightsHolder",
    DWC + "dynamicProperties",
]


def _cells(m: Row, c: Context) -> list[Any]:
    """A material's row (its columns and a specimen's) as the values of TERMS, in order."""
    return [
        c.occurrence_prefix + _quoted(m.accession_number),
        m.accession_number,
        _basis(m),
        m.taxon_name,
        f"NCBI:txid{m.taxon_id}" if m.taxon_id else "",
        " | ".join(c.methods.get(m.id, ())),
        _disposition(c.statuses.get(m.id, set())),
        m.collector,
        _event_date(m),
        _country(m.origin_country),
        _iso2(m.origin_country),
        m.origin_site,
        m.latitude,
        m.longitude,
        "WGS84" if m.latitude is not None else "",
        c.institution,
        c.collection,
        " | ".join(c.identifiers.get(m.id, ())),
        " | ".join(c.sequences.get(m.id, ())),
        _access_rights(m),
        m.donor_institute or c.institution,
        _properties(m),
    ]


def _line(cells: list[Any]) -> str:
    """A line of the tab-separated core: formulas neutralised (curators open it in a
    spreadsheet), no tabs or line breaks inside a cell (there is no quoting), checked on the
    whole line since they are rare."""
    texts = ["" if value is None else str(value) for value in cells]
    line = "\t".join(texts)
    if line.count("\t") >= len(texts) or _BREAK.search(line):
        texts = [text.translate(_FLAT) for text in texts]
    return "\t".join(neutralised(text) for text in texts) + "\n"


_BREAK = re.compile("[\n\r\v\f]")
_FLAT = str.maketrans("\t\n\r\v\f", "     ")


def meta_xml() -> bytes:
    """The archive's descriptor: the core file and the term of each of its columns."""
    ET.register_namespace("", "http://rs.tdwg.org/dwc/text/")
    ns = "{http://rs.tdwg.org/dwc/text/}"
    archive = ET.Element(f"{ns}archive", metadata="eml.xml")
    core = ET.SubElement(
        archive,
        f"{ns}core",
        encoding="UTF-8",
        fieldsTerminatedBy="\\t",
        linesTerminatedBy="\\n",
        fieldsEnclosedBy="",
        ignoreHeaderLines="1",
        rowType=OCCURRENCE,
    )
    ET.SubElement(ET.SubElement(core, f"{ns}files"), f"{ns}location").text = "occurrence.txt"
    ET.SubElement(core, f"{ns}id", index="0")
    for index, term in enumerate(TERMS):
        ET.SubElement(core, f"{ns}field", index=str(index), term=term)
    return ET.tostring(archive, encoding="utf-8", xml_declaration=True)


def eml_xml(collection: Collection, institution: str) -> bytes:
    """The dataset's metadata (EML 2.1.1): title, publisher and publication date."""
    ET.register_namespace("eml", "eml://ecoinformatics.org/eml-2.1.1")
    root = ET.Element(
        "{eml://ecoinformatics.org/eml-2.1.1}eml",
        packageId=f"urn:catalog:{_quoted(institution)}:{_quoted(collection.code)}",
        system="biorepo",
    )
    dataset = ET.SubElement(root, "dataset")
    ET.SubElement(dataset, "title").text = collection.name
    creator = ET.SubElement(dataset, "creator")
    ET.SubElement(creator, "organizationName").text = institution
    ET.SubElement(dataset, "pubDate").text = date.today().isoformat()
    abstract = ET.SubElement(dataset, "abstract")
    ET.SubElement(
        abstract, "para"
    ).text = f"Strains and specimens of {collection.name} ({collection.code})."
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _grouped(pairs: Iterable[tuple[int, Any]]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return grouped


def _context(session: Session, collection: Collection) -> Context:
    ours = select(MATERIALS.c.id).where(MATERIALS.c.collection_id == collection.id)
    lots, items, identifiers = Lot.__table__, Item.__table__, Identifier.__table__
    connection = session.connection()  # rows, not ORM objects: a collection has many
    methods = connection.execute(
        select(lots.c.material_id, lots.c.method)
        .where(lots.c.material_id.in_(ours))
        .group_by(lots.c.material_id, lots.c.method)
        .order_by(lots.c.material_id, lots.c.method)
    )
    statuses = connection.execute(
        select(lots.c.material_id, items.c.status)
        .join(items, items.c.lot_id == lots.c.id)
        .where(lots.c.material_id.in_(ours))
        .distinct()
    )
    institution = collection.institute_code or (
        collection.organisation.name if collection.organisation else collection.code
    )
    return Context(
        institution=institution,
        collection=collection.code,
        methods={k: [m.value for m in v] for k, v in _grouped(methods).items()},
        statuses={k: set(v) for k, v in _grouped(statuses).items()},
        identifiers=_grouped(
            (material_id, f"{scheme}:{value}")
            for material_id, scheme, value in connection.execute(
                select(identifiers.c.material_id, identifiers.c.scheme, identifiers.c.value)
                .where(identifiers.c.material_id.in_(ours))
                .order_by(identifiers.c.material_id, identifiers.c.id)
            )
        ),
        sequences=accessions_by_material(session, ours),
    )


def export(session: Session, collection_code: str, out: IO[bytes]) -> int:
    """Write the open and restricted strains and specimens of a collection as a Darwin Core
    Archive to `out` (a binary file); returns how many occurrences."""
    collection = get_collection(session, collection_code)
    context = _context(session, collection)
    specimens, m = Specimen.__table__, MATERIALS.c
    materials = session.connection().execute(
        select(*(m[name] for name in COLUMNS), specimens.c.specimen_type, specimens.c.collected_at)
        .outerjoin(specimens, specimens.c.id == m.id)
        .where(
            m.collection_id == collection.id,
            m.kind.in_(KINDS),
            exported(m.access_level),
        )
        .order_by(m.accession_number)
        .execution_options(yield_per=1000)
    )
    count = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("meta.xml", meta_xml())
        archive.writestr("eml.xml", eml_xml(collection, context.institution))
        with (
            archive.open("occurrence.txt", "w") as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as core,
        ):
            core.write("\t".join(term.rsplit("/", 1)[1] for term in TERMS) + "\n")
            for material in materials:
                core.write(_line(_cells(material, context)))
                count += 1
    return count
