"""Sequences from FASTA and GenBank files (read by biopython), each attached to a material of the
collection by its accession number or another identifier, all or nothing; and a collection's
sequences written back as FASTA."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqRecord import SeqRecord
from Bio.SeqUtils import gc_fraction
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..models import Identifier, Material, Sequence
from ..sequence_search import packed, profile
from ..services.collections import get_collection
from ..services.events import record_events
from ..services.sequence_checks import check_filed
from ..visibility import exported
from ..vocabulary import EventType
from .problems import ImportRejected, Report

FORMATS = ("fasta", "genbank")
DNA = frozenset("ACGTRYSWKMBDHVN")  # IUPAC nucleotides, with the ambiguity codes
MODIFIER = re.compile(r"\[(\w+)=([^\]]*)\]")  # NCBI's FASTA modifiers: [strain=DSM 18039]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # no header keeps these (a tab it may)
MARKERS = [
    (re.compile(r"\b16S\b", re.I), "16S rRNA"),
    (re.compile(r"\b18S\b", re.I), "18S rRNA"),
    (re.compile(r"\b23S\b", re.I), "23S rRNA"),
    (re.compile(r"\b28S\b", re.I), "28S rRNA"),
    (re.compile(r"\bITS\d?\b|internal transcribed spacer", re.I), "ITS"),
    (re.compile(r"\bCOX?[1I]\b|cytochrome (c )?oxidase subunit (1|I)\b", re.I), "COI"),
    (re.compile(r"\bplasmid\b", re.I), "plasmid"),
]


@dataclass
class Parsed:
    """What one record of a file says: its own id, the names of its material, its organism,
    the marker and the residues."""

    number: int
    accession: str
    description: str
    names: list[str]
    organism: str | None
    marker: str | None
    residues: str


def key(name: str) -> str:
    """A name as the lookup compares it: `DSM 18039`, `DSM:18039` and `dsm_18039` are one."""
    return re.sub(r"[\s:_\-./]", "", name).upper()


def marker_of(text: str) -> str | None:
    return next((name for pattern, name in MARKERS if pattern.search(text)), None)


def control_characters(parsed: Parsed) -> list[tuple[str, str]]:
    """The parts of a record's header, as (column, value), that hold control characters (a
    NUL, which PostgreSQL refuses in text, an escape)."""
    parts = (
        ("id", parsed.accession),
        ("organism", parsed.organism),
        ("description", parsed.description),
    )
    return [(column, value) for column, value in parts if value and CONTROL.search(value)]


def report_control_characters(parsed: Parsed, report: Report) -> bool:
    """Report the header's control characters, if any; whether it has none."""
    found = control_characters(parsed)
    for column, value in found:
        report.add(
            parsed.number,
            column,
            value.encode("unicode_escape").decode("ascii"),
            "A header may not hold control characters (such as NUL or escape).",
        )
    return not found


def _qualifiers(record: SeqRecord, name: str) -> list[str]:
    return [v for f in record.features for v in f.qualifiers.get(name, [])]


def _id(record: SeqRecord) -> str:
    """A record's own id (Biopython's parsers always give one; its type allows None)."""
    if record.id is None:
        raise ValueError("A sequence record without an id.")
    return record.id


def _from_genbank(number: int, record: SeqRecord) -> Parsed:
    notes = " ".join(
        _qualifiers(record, "product") + _qualifiers(record, "gene") + _qualifiers(record, "note")
    )
    plasmid = _qualifiers(record, "plasmid")
    organism = record.annotations.get("organism")
    return Parsed(
        number=number,
        accession=_id(record),
        description=record.description,
        names=_qualifiers(record, "culture_collection") + _qualifiers(record, "strain"),
        organism=next(
            iter(_qualifiers(record, "organism")),
            organism if isinstance(organism, str) else None,
        ),
        marker="plasmid" if plasmid else marker_of(f"{notes} {record.description}"),
        residues=str(record.seq).upper(),
    )


def _from_fasta(number: int, record: SeqRecord) -> Parsed:
    accession = _id(record)
    modifiers = dict(MODIFIER.findall(record.description))
    text = MODIFIER.sub("", record.description.removeprefix(accession)).strip()
    names = [modifiers[m] for m in ("culture_collection", "strain") if m in modifiers]
    return Parsed(
        number=number,
        accession=accession,
        description=text,
        names=[*names, accession],
        organism=modifiers.get("organism"),
        marker=modifiers.get("marker") or marker_of(text),
        residues=str(record.seq).upper(),
    )


def parse(handle: IO[str], fmt: str, report: Report) -> Iterator[Parsed]:
    """The records of a FASTA or GenBank file; a file biopython cannot read is a problem."""
    read = _from_genbank if fmt == "genbank" else _from_fasta
    number = 0
    try:
        for number, record in enumerate(SeqIO.parse(handle, fmt), start=1):
            yield read(number, record)
    except ValueError as error:
        report.add(
            number + 1, None, None, f"Not a readable {fmt} record: {str(error).splitlines()[0]}"
        )
        return
    if number == 0:
        report.add(None, None, None, f"No {fmt} records found.")


class Lookup:
    """The materials of a collection by accession number and by identifier (`DSM:18039`,
    `DSM 18039`, or the value alone)."""

    def __init__(self, session: Session, collection_id: int) -> None:
        self.ids: dict[str, set[int]] = defaultdict(set)
        ours = Material.collection_id == collection_id
        for material_id, number in session.execute(
            select(Material.id, Material.accession_number).where(ours)
        ):
            self.ids[key(number)].add(material_id)
        for material_id, scheme, value in session.execute(
            select(Identifier.material_id, Identifier.scheme, Identifier.value)
            .join(Material)
            .where(ours)
        ):
            self.ids[key(f"{scheme}{value}")].add(material_id)
            self.ids[key(value)].add(material_id)

    def find(self, names: list[str]) -> set[int]:
        """The materials the first name that is known names."""
        return next((self.ids[key(n)] for n in names if key(n) in self.ids), set())


def _same_taxon(organism: str, taxon: str) -> bool:
    a, b = organism.lower().split(), taxon.lower().split()
    n = min(len(a), len(b), 2)
    return a[:n] == b[:n]


def _check(parsed: Parsed, material: Material | None, report: Report) -> None:
    """The organism against the material's taxon, the header's characters, and the residues
    against IUPAC DNA."""
    row = parsed.number
    report_control_characters(parsed, report)
    if (
        material is not None
        and parsed.organism
        and not _same_taxon(parsed.organism, material.taxon_name)
    ):
        report.add(
            row,
            "organism",
            parsed.organism,
            f"{material.accession_number} is {material.taxon_name}.",
        )
    if not parsed.residues:
        report.add(row, "sequence", parsed.accession, "The record has no residues.")
    bad = sorted(set(parsed.residues) - DNA)
    if bad:
        first = next(i for i, c in enumerate(parsed.residues, start=1) if c in bad)
        report.add(
            row,
            "sequence",
            "".join(bad),
            f"Not IUPAC DNA (first at position {first} of {parsed.accession}).",
        )


def _gc(residues: str) -> float | None:
    if not any(c in "ACGTS" for c in residues):
        return None
    return round(gc_fraction(Seq(residues), ambiguous="remove") * 100, 2)


def import_sequences(
    session: Session,
    handle: IO[str],
    fmt: str,
    collection_code: str,
    *,
    dry_run: bool = False,
    name: str | None = None,
) -> tuple[int, Report]:
    """Attach the records of a FASTA or GenBank file to the collection's materials, all or
    nothing: any problem raises ImportRejected (dry, the report tells them; nothing is written).
    A problem's row is the record's number in the file. Each strain's 16S or ITS sequence is
    checked against its declared taxon (services.sequence_checks)."""
    if fmt not in FORMATS:
        raise ValueError(f"Sequences are read from {' or '.join(FORMATS)}, not {fmt}.")
    collection = get_collection(session, collection_code)
    report = Report(file=name)
    lookup = Lookup(session, collection.id)
    taken = {
        (material_id, accession)
        for material_id, accession in session.execute(
            select(Sequence.material_id, Sequence.accession)
            .join(Material)
            .where(Material.collection_id == collection.id)
        )
    }
    new: list[Sequence] = []
    for parsed in parse(handle, fmt, report):
        material = _material(session, lookup, parsed, collection.code, report)
        _check(parsed, material, report)
        if material is None:
            continue
        if (material.id, parsed.accession) in taken:
            report.add(
                parsed.number,
                "id",
                parsed.accession,
                f"{material.accession_number} already has this sequence.",
            )
            continue
        taken.add((material.id, parsed.accession))
        new.append(_sequence(parsed, material, fmt))
    report.in_order()
    if not report.ok and not dry_run:
        raise ImportRejected(report)
    if not dry_run:
        session.add_all(new)
        session.flush()
        record_events(
            session,
            EventType.ANNOTATED,
            (
                {
                    "material_id": s.material_id,
                    "data": {"sequence": s.accession, "marker": s.marker, "length": s.length},
                }
                for s in new
            ),
        )
        check_filed(session, new)
    return len(new), report


def _material(
    session: Session, lookup: Lookup, parsed: Parsed, code: str, report: Report
) -> Material | None:
    found = lookup.find(parsed.names)
    shown = "; ".join(parsed.names)
    if not found:
        report.add(parsed.number, "id", shown, f"No material of {code} is known by these names.")
        return None
    if len(found) > 1:
        report.add(parsed.number, "id", shown, f"Names {len(found)} materials of {code}.")
        return None
    return session.get(Material, next(iter(found)))  # the lookup's set stays whole


def _sequence(parsed: Parsed, material: Material, fmt: str) -> Sequence:
    return Sequence(
        material=material,
        accession=parsed.accession[:64],
        marker=parsed.marker,
        description=parsed.description[:500] or None,
        residues=parsed.residues,
        length=len(parsed.residues),
        gc_content=_gc(parsed.residues),
        source_format=fmt,
        kmers=packed(profile(parsed.residues)),
    )


def exported_sequences(session: Session, collection_id: int) -> Select[Sequence, Material]:
    """The sequences of a collection's open and restricted materials, in accession order."""
    return (
        select(Sequence, Material)
        .join(Material)
        .where(
            Material.collection_id == collection_id,
            exported(Material.access_level),
        )
        .order_by(Material.accession_number, Sequence.accession)
    )


def export_fasta(session: Session, collection_code: str, out: IO[str]) -> int:
    """Write a collection's sequences as FASTA, each header naming the material with NCBI's
    modifiers ([strain=...] [organism=...] [marker=...]) so that the file reads back."""
    collection = get_collection(session, collection_code)
    count = 0
    rows = session.execute(
        exported_sequences(session, collection.id).execution_options(yield_per=500)
    )
    for sequence, material in rows:
        modifiers = {
            "strain": material.accession_number,
            "organism": material.taxon_name,
            "marker": sequence.marker,
        }
        tags = " ".join(f"[{k}={v}]" for k, v in modifiers.items() if v)
        description = f"{tags} {sequence.description or ''}".strip()
        record = SeqRecord(Seq(sequence.residues), id=sequence.accession, description=description)
        SeqIO.write(record, out, "fasta")
        count += 1
    return count


def accessions_by_material(session: Session, material_ids: Select[Any]) -> dict[int, list[str]]:
    """The sequence accessions of each of the given materials."""
    found: dict[int, list[str]] = defaultdict(list)
    for material_id, accession in session.execute(
        select(Sequence.material_id, Sequence.accession)
        .where(Sequence.material_id.in_(material_ids))
        .order_by(Sequence.material_id, Sequence.accession)
    ):
        found[material_id].append(accession)
    return found
