"""Darwin Core Archives of a collection's strains and specimens (the format GBIF harvests): a zip
of meta.xml, eml.xml and occurrence.txt (tab-separated, UTF-8), one occurrence per material."""

from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import IO, Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from babel.core import Locale, get_global
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from ..models import Collection, Identifier, Item, Lot, Material, Specimen
from ..services.collections import get_collection
from ..vocabulary import AccessLevel, ItemStatus, MaterialKind
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
        return f"urn:catalog:{quote(self.institution, safe='')}:{quote(self.collection, safe='')}:"


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
    return json.dumps({k: v for k, v in values.items() if v is not None}, ensure_ascii=False)


Term = tuple[str, Callable[[Row, Context], Any]]  # a material's row: its columns and a specimen's
TERMS: list[Term] = [
    (
        DWC + "occurrenceID",
        lambda m, c: c.occurrence_prefix + quote(m.accession_number, safe=""),
    ),
    (DWC + "catalogNumber", lambda m, c: m.accession_number),
    (DWC + "basisOfRecord", lambda m, c: _basis(m)),
    (DWC + "scientificName", lambda m, c: m.taxon_name),
    (DWC + "taxonID", lambda m, c: f"NCBI:txid{m.taxon_id}" if m.taxon_id else ""),
    (DWC + "preparations", lambda m, c: " | ".join(c.methods.get(m.id, []))),
    (DWC + "disposition", lambda m, c: _disposition(c.statuses.get(m.id, set()))),
    (DWC + "recordedBy", lambda m, c: m.collector),
    (DWC + "eventDate", lambda m, c: _event_date(m)),
    (DWC + "country", lambda m, c: _country(m.origin_country)),
    (DWC + "countryCode", lambda m, c: _iso2(m.origin_country)),
    (DWC + "locality", lambda m, c: m.origin_site),
    (DWC + "decimalLatitude", lambda m, c: m.latitude),
    (DWC + "decimalLongitude", lambda m, c: m.longitude),
    (DWC + "geodeticDatum", lambda m, c: "WGS84" if m.latitude is not None else ""),
    (DWC + "institutionCode", lambda m, c: c.institution),
    (DWC + "collectionCode", lambda m, c: c.collection),
    (
        DWC + "otherCatalogNumbers",
        lambda m, c: " | ".join(c.identifiers.get(m.id, [])),
    ),
    (DWC + "associatedSequences", lambda m, c: " | ".join(c.sequences.get(m.id, []))),
    (DC + "accessRights", lambda m, c: _access_rights(m)),
    (DC + "rightsHolder", lambda m, c: m.donor_institute or c.institution),
    (DWC + "dynamicProperties", lambda m, c: _properties(m)),
]


def _text(value: Any) -> str:
    """A cell of the tab-separated core: no tabs or line breaks inside (there is no quoting)."""
    if value is None:
        return ""
    return value.translate(_FLAT) if isinstance(value, str) else str(value)


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
    for index, (term, _) in enumerate(TERMS):
        ET.SubElement(core, f"{ns}field", index=str(index), term=term)
    return ET.tostring(archive, encoding="utf-8", xml_declaration=True)


def eml_xml(collection: Collection, institution: str) -> bytes:
    """The dataset's metadata (EML 2.1.1): title, publisher and publication date."""
    ET.register_namespace("eml", "eml://ecoinformatics.org/eml-2.1.1")
    root = ET.Element(
        "{eml://ecoinformatics.org/eml-2.1.1}eml",
        packageId=f"urn:catalog:{quote(institution, safe='')}:{quote(collection.code, safe='')}",
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
    ours = select(Material.id).where(Material.collection_id == collection.id)
    methods = session.execute(
        select(Lot.material_id, Lot.method)
        .where(Lot.material_id.in_(ours))
        .group_by(Lot.material_id, Lot.method)
        .order_by(Lot.material_id, Lot.method)
    )
    statuses = session.execute(
        select(Lot.material_id, Item.status)
        .join(Item, Item.lot_id == Lot.id)
        .where(Lot.material_id.in_(ours))
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
            for material_id, scheme, value in session.execute(
                select(Identifier.material_id, Identifier.scheme, Identifier.value)
                .where(Identifier.material_id.in_(ours))
                .order_by(Identifier.material_id, Identifier.id)
            )
        ),
        sequences=accessions_by_material(session, ours),
    )


def export(session: Session, collection_code: str, out: IO[bytes]) -> int:
    """Write the open and restricted strains and specimens of a collection as a Darwin Core
    Archive to `out` (a binary file); returns how many occurrences."""
    collection = get_collection(session, collection_code)
    context = _context(session, collection)
    specimens = Specimen.__table__
    materials = session.execute(
        select(*Material.__table__.c, specimens.c.specimen_type, specimens.c.collected_at)
        .outerjoin(specimens, specimens.c.id == Material.id)
        .where(
            Material.collection_id == collection.id,
            Material.kind.in_(KINDS),
            Material.access_level != AccessLevel.INTERNAL,
        )
        .order_by(Material.accession_number)
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
            core.write("\t".join(term.rsplit("/", 1)[1] for term, _ in TERMS) + "\n")
            for material in materials:
                core.write("\t".join(_text(cell(material, context)) for _, cell in TERMS) + "\n")
                count += 1
    return count
