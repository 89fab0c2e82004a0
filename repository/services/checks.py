"""The checks a request passes at submission and again at approval; each failure names the
rule, the line and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..errors import ValidationFailed
from ..models import MaterialRequest, RequestLine, Seed, Specimen
from ..vocabulary import AccessLevel, IntendedUse
from .cell_culture import held_failures, held_stock
from .reservations import available_counts
from .shipping import missing_destination

HUMAN = "Homo sapiens"
# Destinations that ask for an import permit for seed, besides the phytosanitary certificate
# every border asks for.
IMPORT_PERMIT_COUNTRIES = frozenset({"AUS", "BRA", "CAN", "CHN", "IND", "NZL", "USA", "ZAF"})
# The consent scope each intended use needs.
CONSENT_SCOPE = {
    IntendedUse.RESEARCH: "research",
    IntendedUse.TEACHING: "research",
    IntendedUse.GENETIC_RESEARCH: "genetic_research",
    IntendedUse.COMMERCIAL_USE: "commercial_use",
}


@dataclass(frozen=True)
class Failure:
    rule: str
    line: int
    detail: str


def check(
    session: Session, request: MaterialRequest, lines: Sequence[RequestLine]
) -> list[Failure]:
    """Every rule the request breaks: where it ships to (line 0), then its lines', in line
    order."""
    keys = [(line.material_id, line.form) for line in lines]
    counts, held = available_counts(session, keys), held_stock(session, keys)
    failures = [
        Failure("shipping", 0, message)
        for messages in missing_destination(request).values()
        for message in messages
    ]
    for line in lines:
        index = request.lines.index(line) + 1
        where = f"Line {index} ({line.material.accession_number}, {line.form.value})"
        key = (line.material_id, line.form)
        for rule, detail in (
            *_line_failures(request, line, counts),
            *held_failures(line, counts.get(key, 0), held.get(key, [])),
        ):
            failures.append(Failure(rule, index, f"{where}: {detail}"))
    return failures


def enforce(failures: Sequence[Failure]) -> None:
    """Refuse (nothing changes) when any rule failed, listing each failure under its rule."""
    if not failures:
        return
    errors: dict[str, list[str]] = {}
    for failure in failures:
        errors.setdefault(failure.rule, []).append(failure.detail)
    raise ValidationFailed(
        errors,
        detail=f"The request fails {len(failures)} check(s): "
        + " ".join(f"[{f.rule}] {f.detail}" for f in failures),
    )


def _line_failures(request: MaterialRequest, line: RequestLine, counts: dict):
    material, lab = line.material, request.organisation
    if material.access_level is AccessLevel.INTERNAL:
        yield "access", "the material is not distributed."
    if lab.biosafety_level is None:
        yield (
            "biosafety",
            f"your lab has no biosafety level on record; risk group {material.risk_group} "
            f"needs BSL-{material.risk_group}.",
        )
    elif lab.biosafety_level < material.risk_group:
        yield (
            "biosafety",
            f"risk group {material.risk_group} needs BSL-{material.risk_group}; your lab is "
            f"BSL-{lab.biosafety_level}.",
        )
    if material.access_level is AccessLevel.RESTRICTED and not (line.purpose or request.purpose):
        yield "restricted_purpose", "restricted material needs a stated purpose."
    if isinstance(material, Specimen) and material.taxon_name == HUMAN:
        yield from _human(request, material)
    if isinstance(material, Seed):
        yield from _seed_permits(request)
    available = counts.get((line.material_id, line.form), 0)
    kept = material.minimum_stock
    if line.quantity > available:
        yield "stock", f"{line.quantity} asked, {available} available."
    elif line.quantity > available - kept:
        yield (
            "minimum_stock",
            f"{line.quantity} asked, {available} available and the last {kept} are kept: "
            f"at most {max(available - kept, 0)} can be distributed.",
        )


def _human(request: MaterialRequest, specimen: Specimen):
    if not request.ethics_approval:
        yield "ethics_approval", "human material needs the ethics approval reference of the study."
    donor = specimen.donor
    if donor is None or not donor.consents:
        yield "consent", "no donor consent is recorded."
    else:
        withdrawn = [c.withdrawn_on for c in donor.consents if c.withdrawn_on]
        needed = CONSENT_SCOPE[request.intended_use]
        if withdrawn:
            yield "consent", f"the donor withdrew consent on {min(withdrawn).isoformat()}."
        elif not any(needed in c.scope for c in donor.consents):
            yield "consent", f"the donor's consent does not cover {needed.replace('_', ' ')}."
    home = request.collection.organisation
    if (home is None or home.id != request.organisation_id) and not request.hgr_approval:
        yield (
            "hgr_approval",
            "human genetic resources leaving the institution need the approval number.",
        )


def _seed_permits(request: MaterialRequest):
    home = request.collection.organisation
    origin = home.country if home else None
    destination = request.destination_country or request.organisation.country
    if destination is None:
        yield "seed_permits", "say the destination country, so that its permits can be checked."
        return
    if destination == origin:
        return
    if not request.phytosanitary_certificate:
        yield "seed_permits", f"seed sent to {destination} needs a phytosanitary certificate."
    if destination in IMPORT_PERMIT_COUNTRIES and not request.import_permit:
        yield "seed_permits", f"{destination} asks for an import permit number for seed."
