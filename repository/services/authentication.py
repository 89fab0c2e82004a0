"""Authentication of cell lines by their STR profile: a lot's STR test is recorded as its QC
result and searched at once against every reference (the Cellosaurus entries and the
collection's cell lines); the verdict compares the line's own references (its own profile, its
Cellosaurus entry, and lines of the same entry) with the best of the others:

- *authenticated*: an own reference scores at or above the related threshold (Tanabe 90 %,
  Masters 80 %) and no other reference scores higher;
- *mismatch*: another reference scores higher than every own one (or, with no own reference
  to compare, another one is related), or the own reference scores below the ambiguous
  threshold (Tanabe 80 %, Masters 60 %);
- *ambiguous*: otherwise (the own reference in between, or none to compare and nothing else
  related).

A mismatch, or an own reference the Cellosaurus lists as problematic (misidentified,
contaminated), quarantines the lot and the lots made from it: the request checks refuse to
distribute them, naming the match, until a curator lifts the quarantine with a reason."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..errors import ValidationFailed
from ..models import Authentication, CellLine, Lot
from ..schemas.authentication import StrTest
from ..schemas.inventory import NewQc
from ..schemas.str_search import StrSearch
from ..str_search import THRESHOLDS, Options, Query, Reference, ReferenceIndex
from ..vocabulary import Authenticity, QcOutcome, QcTest
from .accounts import STAFF_VIEW
from .cell_culture import quarantine_lot
from .inventory import get_lot, record_qc
from .str_search import (
    CELLOSAURUS,
    COLLECTION,
    Result,
    cell_line_references,
    cellosaurus_references,
    search,
)

KEPT = 10  # best matches kept with a test
OUTCOMES = {
    Authenticity.AUTHENTICATED: QcOutcome.PASS,
    Authenticity.MISMATCH: QcOutcome.FAIL,
    Authenticity.AMBIGUOUS: QcOutcome.INCONCLUSIVE,
}


def own(reference: Reference, line: CellLine) -> bool:
    """Whether a reference is the line itself: its own profile, its Cellosaurus entry, or
    another of the collection's lines of the same entry."""
    if reference.kind == COLLECTION and reference.material_id == line.id:
        return True
    entry = line.cellosaurus_id
    if entry is None:
        return False
    key = reference.key if reference.kind == CELLOSAURUS else reference.cellosaurus_id
    return key == entry


def own_references(session: Session, line: CellLine) -> list[Reference]:
    """The references that are the line itself, to score whatever the search's filters."""
    same = CellLine.id == line.id
    if line.cellosaurus_id is not None:
        same = or_(same, CellLine.cellosaurus_id == line.cellosaurus_id)
    entries = [line.cellosaurus_id] if line.cellosaurus_id else []
    return cellosaurus_references(session, entries) + cell_line_references(session, same)


def record_str_test(session: Session, lot_id: int, command: StrTest) -> Authentication:
    """Record a lot's STR test (a QC result), search it and keep the verdict; a mismatch or a
    problematic own reference quarantines the lot and the lots made from it."""
    lot = get_lot(session, lot_id)
    line = lot.material
    if not isinstance(line, CellLine):
        raise ValidationFailed(
            {
                "lot_id": [
                    f"{lot.label} is not a cell line's lot: STR tests authenticate cell lines."
                ]
            }
        )
    options = Options(algorithm=command.algorithm, max_results=KEPT)
    found = search(session, STAFF_VIEW, StrSearch(profile=command.profile, options=options))
    others = [r for r in found.results if not own(r.reference, line)]
    scored, _ = ReferenceIndex(own_references(session, line)).search(
        Query.of(command.profile), replace(options, score_filter=0.0)
    )
    mine = scored[0] if scored else None
    verdict, reason = _verdict(
        mine.score if mine else None,
        mine.reference if mine else None,
        others[0] if others else None,
        command,
    )
    cautions = mine.reference.cautions if mine is not None else ()
    result = record_qc(
        session,
        lot.id,
        NewQc(
            test=QcTest.STR_PROFILE,
            outcome=OUTCOMES[verdict],
            tested_on=command.tested_on,
            value=round(mine.score, 2) if mine else None,
            value_unit="%" if mine else None,
            method=command.kit,
            note=command.note,
        ),
    )
    quarantine = verdict is Authenticity.MISMATCH or bool(cautions)
    if verdict is not Authenticity.MISMATCH and cautions:
        reason = f"{reason}; its reference is listed as problematic: {cautions[0]}"
    test = Authentication(
        lot_id=lot.id,
        qc_result_id=result.id,
        tested_on=command.tested_on,
        lab=command.lab,
        kit=command.kit,
        profile={m: list(a) for m, a in command.profile.markers.items()},
        algorithm=command.algorithm,
        own_score=round(mine.score, 2) if mine else None,
        own_reference=mine.reference.key if mine else None,
        verdict=verdict,
        reason=reason[:500],
        quarantined=quarantine,
        matches=[_match(r, line) for r in found.results],
    )
    session.add(test)
    session.flush()
    if quarantine:
        quarantine_lot(
            session,
            lot,
            f"STR test of {command.tested_on.isoformat()}: {reason}",
            {"str_test": command.tested_on.isoformat(), "verdict": verdict.value},
        )
    return test


def _verdict(
    own_score: float | None, mine: Reference | None, other: Result | None, command: StrTest
) -> tuple[Authenticity, str]:
    related, ambiguous = THRESHOLDS[command.algorithm]
    best = f"{other.reference.key} {other.reference.name} ({other.score:.1f} %)" if other else ""
    if own_score is None or mine is None:
        if other is not None and other.score >= related:
            return Authenticity.MISMATCH, f"matches {best}; the line has no reference to compare"
        return Authenticity.AMBIGUOUS, "the line has no reference profile to compare with"
    yours = f"its own reference {mine.key} {mine.name} ({own_score:.1f} %)"
    if other is not None and other.score > own_score:
        return Authenticity.MISMATCH, f"matches {best} better than {yours}"
    if own_score >= related:
        return Authenticity.AUTHENTICATED, f"{yours} is the best match"
    if own_score < ambiguous:
        return Authenticity.MISMATCH, f"{yours} scores below {ambiguous:g} %"
    return Authenticity.AMBIGUOUS, f"{yours} scores between {ambiguous:g} and {related:g} %"


def _match(result: Result, line: CellLine) -> dict[str, object]:
    reference = result.reference
    return {
        "kind": reference.kind,
        "key": reference.key,
        "name": reference.name,
        "score": round(result.score, 2),
        "markers": result.markers,
        "own": own(reference, line),
        "cautions": list(reference.cautions),
    }


def tests_of(session: Session, lot_id: int) -> list[Authentication]:
    """A lot's STR tests, the latest first."""
    lot = get_lot(session, lot_id)
    return list(
        session.scalars(
            select(Authentication)
            .where(Authentication.lot_id == lot.id)
            .order_by(Authentication.tested_on.desc(), Authentication.id.desc())
        )
    )


def latest(session: Session, material_ids: list[int]) -> dict[int, Authentication]:
    """The latest STR test of each material's lots, by material id (no query for none)."""
    found: dict[int, Authentication] = {}
    if not material_ids:
        return found
    for material_id, test in session.execute(
        select(Lot.material_id, Authentication)
        .join(Lot, Lot.id == Authentication.lot_id)
        .where(Lot.material_id.in_(material_ids))
        .order_by(Authentication.tested_on, Authentication.id)
    ):
        found[material_id] = test
    return found
