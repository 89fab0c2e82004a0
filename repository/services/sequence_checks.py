"""What a strain's 16S or ITS sequence says of its declared taxon when it is filed: the best hit
among the reference sets and the other materials' sequences, kept as the sequence's check; a
sequence that places the strain in another genus is a warning on the record and a line of
the due list until the taxon is corrected or a curator reviews it and says why it stays."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actor import actor_id
from ..errors import InvalidState, NotFound
from ..models import Material, Sequence, SequenceCheck
from ..models.base import aware, utcnow
from ..sequence_search import PLACING, BadResidues, Query, genus_of, nucleotides, same_genus
from ..vocabulary import EventType, MaterialKind
from . import due_line
from .due_line import DueLine
from .events import record_events
from .identification import Searcher, thresholds

if TYPE_CHECKING:
    from ..schemas.sequences import Review

# A filed sequence's candidates scored, and the best by score traced back: only its best hit
# is kept, and a file may hold hundreds (about 0.1 s each).
DEPOSIT_CANDIDATES, DEPOSIT_TRACED = 8, 3
KIND = "sequence_identity"  # of its due lines


def check_filed(session: Session, filed: Iterable[Sequence]) -> list[SequenceCheck]:
    """Check each newly filed sequence of a strain whose marker has thresholds against its
    declared taxon (a sequence too short or ambiguous to compare is not checked): its check
    recorded, and an `annotated` event on the material for one that places it in another
    genus."""
    known = thresholds(session)
    searchers: dict[str, Searcher] = {}
    checks: list[SequenceCheck] = []
    for sequence in filed:
        material = sequence.material
        if material.kind != MaterialKind.STRAIN or sequence.marker not in known:
            continue
        try:
            residues = nucleotides(sequence.residues)
        except BadResidues:
            continue
        searcher = searchers.get(sequence.marker)
        if searcher is None:
            searcher = searchers[sequence.marker] = Searcher(session, None, marker=sequence.marker)
        own = set(session.scalars(select(Sequence.id).where(Sequence.material_id == material.id)))
        found = searcher.search(
            Query(sequence.accession, residues, sequence.marker),
            known,
            hits=1,
            candidates_aligned=DEPOSIT_CANDIDATES,
            leave_out=own,
            traced=DEPOSIT_TRACED,
        )
        best = found.best
        placed = genus_of(best.taxon) if best is not None and best.verdict in PLACING else None
        declared = genus_of(material.taxon_name)
        other = placed if placed and declared and not same_genus(placed, declared) else None
        check = SequenceCheck(
            sequence=sequence,
            verdict=found.verdict,
            declared_taxon=material.taxon_name,
            hit_accession=best.accession if best else None,
            hit_taxon=best.taxon if best else None,
            hit_source=(best.material or best.source)[:100] if best else None,
            identity=best.comparison.identity if best else None,
            coverage=best.comparison.coverage if best else None,
            other_genus=other,
        )
        session.add(check)
        checks.append(check)
    session.flush()
    record_events(
        session,
        EventType.ANNOTATED,
        (
            {
                "material_id": c.sequence.material_id,
                "data": {
                    "sequence": c.sequence.accession,
                    "placed_in": c.other_genus,
                    "identity": c.identity,
                    "identified_as": c.hit_taxon,
                },
            }
            for c in checks
            if c.other_genus is not None
        ),
    )
    return checks


def material_checks(
    session: Session, material_id: int
) -> list[tuple[Sequence, SequenceCheck | None]]:
    """The material's sequences, each with its check (None: not checked), by accession."""
    return [
        (sequence, check)
        for sequence, check in session.execute(
            select(Sequence, SequenceCheck)
            .outerjoin(SequenceCheck, SequenceCheck.sequence_id == Sequence.id)
            .where(Sequence.material_id == material_id)
            .order_by(Sequence.accession)
        )
    ]


def warns(check: SequenceCheck | None, material: Material) -> bool:
    """The check places the material in another genus than its taxon now names, and no
    curator has reviewed it."""
    return (
        check is not None
        and check.other_genus is not None
        and check.reviewed_at is None
        and not same_genus(check.other_genus, genus_of(material.taxon_name))
    )


def get_check(session: Session, sequence_id: int) -> SequenceCheck:
    found = session.scalar(select(SequenceCheck).where(SequenceCheck.sequence_id == sequence_id))
    if found is None:
        if session.get(Sequence, sequence_id) is None:
            raise NotFound(f"No sequence with id {sequence_id}.", field="sequence_id")
        raise NotFound(
            "This sequence was not checked against its taxon (not a strain's 16S or ITS).",
            field="sequence_id",
        )
    return found


def review(session: Session, sequence_id: int, command: Review) -> SequenceCheck:
    """A curator keeps the declared taxon of a strain whose sequence places it in another
    genus, and says why: the warning and its due line end."""
    check = get_check(session, sequence_id)
    material = check.sequence.material
    if check.other_genus is None:
        raise InvalidState(
            f"{check.sequence.accession} does not place {material.accession_number} in another "
            "genus: there is nothing to review.",
            field="sequence_id",
        )
    if check.reviewed_at is not None:
        raise InvalidState(
            f"Reviewed already, on {aware(check.reviewed_at).date().isoformat()}.",
            field="sequence_id",
        )
    if not warns(check, material):
        raise InvalidState(
            f"{material.accession_number} is named in {check.other_genus} now: there is "
            "nothing to review.",
            field="sequence_id",
        )
    check.reviewed_at = utcnow()
    check.reviewed_by = actor_id(session)
    check.review_note = command.note
    session.flush()
    record_events(
        session,
        EventType.ANNOTATED,
        [
            {
                "material_id": material.id,
                "data": {"taxon_kept": material.taxon_name, "sequence": check.sequence.accession},
            }
        ],
        note=command.note,
    )
    return check


def warning(check: SequenceCheck | None, sequence: Sequence, material: Material) -> DueLine | None:
    """The warning a sequence's check stands for now, as the line of the due list it makes
    (its reason said in either language), or None."""
    if check is None or not warns(check, material):
        return None
    return due_line.line(
        KIND,
        "material",
        material.id,
        material.accession_number,
        aware(check.checked_at).date(),
        material.collection_id,
        "taxon_conflict",
        sequence=sequence.accession,
        marker=sequence.marker or "",
        material=material.accession_number,
        genus=check.other_genus,
        identity=f"{check.identity:g}" if check.identity is not None else "",
        hit=check.hit_taxon or "",
        declared=material.taxon_name,
    )


def due(session: Session, today: date) -> list[DueLine]:
    """The strains whose filed 16S or ITS sequence places them in another genus than their
    taxon names, not reviewed: correct the taxon, or review the sequence and say why it
    stays; due since the check."""
    lines = []
    for check, sequence, material in session.execute(
        select(SequenceCheck, Sequence, Material)
        .join(Sequence, Sequence.id == SequenceCheck.sequence_id)
        .join(Material, Material.id == Sequence.material_id)
        .where(SequenceCheck.other_genus.is_not(None), SequenceCheck.reviewed_at.is_(None))
        .order_by(SequenceCheck.checked_at, SequenceCheck.id)
    ):
        line = warning(check, sequence, material)
        if line is not None and line.due_on <= today:
            lines.append(line)
    return lines
