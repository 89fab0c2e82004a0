"""Reference sets from FASTA and GenBank files (a type-strain 16S set, an ITS set): each record
with its taxon and marker, all or nothing; a set replaced whole, or removed. The taxon is read
from GenBank's organism, NCBI's [organism=...] modifier, a header that starts with the
scientific name (NCBI, RDP), a lineage (SILVA's `...;Genus;Genus species`, QIIME's
`g__Genus;s__species`) or UNITE's `Name|accession|SH|...|k__...;s__Genus_species`."""

from __future__ import annotations

import re
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import NotFound
from ..models import ReferenceSequence, ReferenceSet
from ..schemas.sequences import ImportReferenceSet, marker_name
from ..sequence_search import BadResidues, nucleotides, packed, profile
from .inserts import complete, insert_rows, reserve_ids, table_of
from .problems import ImportRejected, Report
from .sequences import FORMATS, Parsed, parse, report_control_characters

MOST_RECORDS = 100_000  # records of one set; a larger file is refused at the first past it
MOST_BASES = 200_000_000  # bases of one set, held in memory until the set is written
REFERENCES = table_of(ReferenceSequence)
CHUNK = 1000  # rows written per statement
# A scientific name at the start of a header: `Bacillus subtilis strain DSM 10 16S ...`,
# `Candidatus Liberibacter asiaticus`, `[Clostridium] difficile`, `Bacillus sp. ABC`.
NAME = re.compile(
    r"^(?:Candidatus\s+)?\[?[A-Z][a-z]+(?:-[a-z]+)?\]?\s+(?:sp\.|[a-z][a-z-]+)"
    r"(?:\s+subsp\.\s+[a-z][a-z-]+)?"
)
RANK = re.compile(r"^([a-z])__(.*)$")  # QIIME's and UNITE's ranks: k__Fungi, s__Genus_species


def taxon_of(parsed: Parsed) -> str | None:
    """The taxon a record names (see the module's docstring), or None."""
    if parsed.organism:
        return parsed.organism.strip()
    if "|" in parsed.accession:  # UNITE
        parts = parsed.accession.split("|")
        lineage = next((p for p in parts if RANK.match(p.split(";")[0])), None)
        named = _lineage(lineage) if lineage else None
        return named or (parts[0].replace("_", " ").strip() or None)
    text = parsed.description.strip()
    found = NAME.match(text)
    if found:
        return found.group(0)
    if ";" in text:
        return _lineage(text)
    return None


def _lineage(text: str) -> str | None:
    """The most specific name of a lineage: SILVA's last rank, or QIIME's species (with its
    genus when the species is its epithet alone) or genus."""
    ranks = [r.strip() for r in text.split(";") if r.strip()]
    coded = {m.group(1): m.group(2).strip() for r in ranks if (m := RANK.match(r))}
    if coded:
        genus, species = coded.get("g", ""), coded.get("s", "").replace("_", " ")
        if species and genus and not species.startswith(genus):
            return f"{genus} {species}"
        return species or genus or None
    return ranks[-1].replace("_", " ") if ranks else None


def accession_of(parsed: Parsed) -> str:
    """The record's accession: UNITE's second field, else the record's id."""
    if "|" in parsed.accession:
        parts = parsed.accession.split("|")
        return parts[1] if len(parts) > 1 and parts[1] else parts[0]
    return parsed.accession


def import_reference_set(
    session: Session,
    handle: IO[str],
    command: ImportReferenceSet,
    *,
    actor: int | None = None,
    name: str | None = None,
) -> tuple[int, Report]:
    """Import the records of a FASTA or GenBank file as the reference set `command.name`, all
    or nothing: any problem raises ImportRejected (dry, the report tells them; nothing is
    written). A problem's row is the record's number in the file."""
    if command.format not in FORMATS:
        raise ValueError(f"Reference sets are read from {' or '.join(FORMATS)}.")
    report = Report(file=name)
    existing = session.scalar(select(ReferenceSet).where(ReferenceSet.name == command.name))
    if existing is not None and not command.replace:
        report.add(
            None,
            "name",
            command.name,
            "A reference set of this name exists: replace it, or choose another name.",
        )
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    held = 0
    for parsed in parse(handle, command.format, report):
        if parsed.number > MOST_RECORDS:
            report.add(parsed.number, None, None, f"A set has at most {MOST_RECORDS:,} records.")
            break
        held += len(parsed.residues)
        if held > MOST_BASES:
            report.add(parsed.number, None, None, f"A set has at most {MOST_BASES:,} bases.")
            break
        row = _row(parsed, command, report)
        if row is None:
            continue
        first = seen.setdefault(row["accession"], parsed.number)
        if first != parsed.number:
            report.add(parsed.number, "id", row["accession"], f"Also record {first}.")
            continue
        rows.append(row)
    report.in_order()
    if not report.ok and not command.dry_run:
        raise ImportRejected(report)
    if not command.dry_run:
        if existing is not None:
            drop(session, existing)
        _write(session, command, rows, actor, name)
    return len(rows), report


def _row(parsed: Parsed, command: ImportReferenceSet, report: Report) -> dict[str, Any] | None:
    """A record as a row of reference_sequences, or None when it has problems (reported)."""
    number, ok = parsed.number, report_control_characters(parsed, report)
    accession = accession_of(parsed)
    if len(accession) > 64:
        report.add(number, "id", accession, "An id has at most 64 characters.")
        ok = False
    taxon = taxon_of(parsed)
    if taxon is None:
        report.add(
            number,
            "taxon",
            parsed.description[:80] or parsed.accession,
            "No taxon: give [organism=...], a header starting with the scientific name, or a "
            "lineage ending in it.",
        )
        ok = False
    elif len(taxon) > 200:
        report.add(number, "taxon", taxon, "A taxon has at most 200 characters.")
        ok = False
    marker = command.marker or marker_name(parsed.marker)
    if marker is None:
        report.add(
            number,
            "marker",
            accession,
            "No marker: name the set's marker (16S rRNA, ITS...) or give [marker=...].",
        )
        ok = False
    elif len(marker) > 32:
        report.add(number, "marker", marker, "A marker has at most 32 characters.")
        ok = False
    try:
        residues = nucleotides(parsed.residues)
    except BadResidues as error:
        report.add(number, "sequence", accession, str(error))
        return None
    if not ok:
        return None
    return {
        "accession": accession,
        "taxon_name": taxon,
        "marker": marker,
        "description": parsed.description[:500] or None,
        "residues": residues,
        "length": len(residues),
    }


def _write(
    session: Session,
    command: ImportReferenceSet,
    rows: list[dict[str, Any]],
    actor: int | None,
    name: str | None,
) -> ReferenceSet:
    made = ReferenceSet(
        name=command.name,
        description=command.description,
        source=(name or "")[:200] or None,
        source_format=command.format,
        size=len(rows),
        imported_by=actor,
    )
    session.add(made)
    session.flush()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        ids = reserve_ids(session, REFERENCES, len(chunk))
        values = [
            complete(
                REFERENCES,
                {
                    **row,
                    "id": i,
                    "set_id": made.id,
                    "kmers": packed(profile(row["residues"])),
                },
            )
            for row, i in zip(chunk, ids, strict=True)
        ]
        insert_rows(session, REFERENCES, values)
        audit.record_inserts(session, REFERENCES, values)
    return made


def drop(session: Session, found: ReferenceSet) -> int:
    """Remove a reference set and its sequences (each deletion audited); how many went."""
    gone = 0
    rows = session.execute(
        select(REFERENCES).where(REFERENCES.c.set_id == found.id).order_by(REFERENCES.c.id)
    ).mappings()
    entries = []
    for row in rows:
        entries.append(audit.entry(REFERENCES.name, row["id"], "delete", dict(row), None))
        gone += 1
    audit.record(session, entries)
    session.execute(REFERENCES.delete().where(REFERENCES.c.set_id == found.id))
    session.delete(found)
    session.flush()
    return gone


def get_set(session: Session, set_id: int) -> ReferenceSet:
    found = session.get(ReferenceSet, set_id)
    if found is None:
        raise NotFound(f"No reference set with id {set_id}.", field="set_id")
    return found


def reference_sets(session: Session) -> list[ReferenceSet]:
    """Every reference set, by name."""
    return list(session.scalars(select(ReferenceSet).order_by(ReferenceSet.name)))
