"""Registering materials (accessions) of every kind, and the donors of specimens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Table, inspect, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..audit import as_json, plain
from ..errors import Conflict, InvalidState, ValidationFailed
from ..models import (
    KIND_MODELS,
    Collection,
    Consent,
    Donor,
    Identifier,
    Material,
    MaterialRequest,
    RequestLine,
    Seed,
)
from ..models.base import utcnow
from ..schemas.donors import NewConsent, RegisterDonor
from ..schemas.fields import given
from ..schemas.materials import RegisterMaterial, foreign_fields
from ..sql import chunked, one_of
from ..vocabulary import FINISHED, AccessLevel, EventType, RequestStatus
from .collections import get_collection, next_accession_number
from .events import accessioned_event, record_events

# How open each access level is: a material held under a request may not become less open.
_OPENNESS = {AccessLevel.INTERNAL: 0, AccessLevel.RESTRICTED: 1, AccessLevel.OPEN: 2}
_HOLDING = frozenset(RequestStatus) - FINISHED - {RequestStatus.DRAFT}


def register_material(session: Session, command: RegisterMaterial) -> Material:
    """Register a material; its accession number is given or drawn from the pattern."""
    collection = get_collection(session, command.collection)
    fields = dict(command.fields)
    if command.donor is not None:
        fields["donor"] = get_donor(session, collection, command.donor)
    number = command.accession_number
    if number is None:
        number = next_accession_number(session, collection)
    elif session.scalar(
        select(Material.id).where(
            Material.collection_id == collection.id, Material.accession_number == number
        )
    ):
        raise Conflict(
            f"Accession number {number} is already used in {collection.code}.",
            field="accession_number",
        )
    model = KIND_MODELS[command.kind]
    material = model(collection=collection, accession_number=number, **fields)
    material.identifiers = [Identifier(**i._asdict()) for i in command.identifiers]
    session.add(material)
    session.flush()
    record_events(
        session, EventType.ACCESSIONED, [accessioned_event(material.id, number, collection.code)]
    )
    return material


def edit_refusals(
    session: Session, materials: Sequence[Material], changes: Mapping[str, Any]
) -> dict[int, str]:
    """Why each of these materials cannot take validated changes (MaterialPatchSchema), by
    id: the rules of an edit beyond its fields', which a single edit and a batch share. A
    material takes no field of another kind than its own. One a requester holds under a
    request in progress (submitted, not yet closed) keeps an access level at least as open as
    the one it is held under, and a seed so held stays in or out of the Multilateral System
    (which decides whether the request's agreement is the SMTA)."""
    refused = {}
    for material in materials:
        foreign = foreign_fields(material.kind, changes)
        if foreign:
            refused[material.id] = _not_of_kind(material, foreign)
    rest = [m for m in materials if m.id not in refused]
    level = changes.get("access_level")
    closing = [m for m in rest if _closes(m, level)]
    crossing = [m for m in rest if _crosses_mls(m, changes)]
    held = _held(session, {m.id for m in (*closing, *crossing)})
    for material in closing:
        if level is not None and material.id in held:
            refused[material.id] = (
                f"requests in progress ({held[material.id]}) hold it under access level "
                f"{material.access_level.value}; it cannot become {level.value}."
            )
    for material in crossing:
        if material.id in held and material.id not in refused:
            agreement = "the SMTA" if isinstance(material, Seed) and material.in_mls else "an MTA"
            refused[material.id] = (
                f"requests in progress ({held[material.id]}) hold it under {agreement}; it "
                "cannot move into or out of the Multilateral System until they close."
            )
    return refused


def _closes(material: Material, level: AccessLevel | None) -> bool:
    """Whether an access level is less open than the material's."""
    return level is not None and _OPENNESS[level] < _OPENNESS[material.access_level]


def _crosses_mls(material: Material, changes: Mapping[str, Any]) -> bool:
    """Whether the changes move a seed into or out of the Multilateral System."""
    if "mls_status" not in changes or not isinstance(material, Seed):
        return False
    return (changes["mls_status"] == 1) != material.in_mls


def _held(session: Session, ids: set[int]) -> dict[int, str]:
    """The numbers of the requests in progress that hold each of these materials, listed."""
    held: dict[int, list[str]] = {}
    for material_id, number in session.execute(
        select(RequestLine.material_id, MaterialRequest.number)
        .join(MaterialRequest, MaterialRequest.id == RequestLine.request_id)
        .where(
            one_of(RequestLine.material_id, sorted(ids), session.get_bind().dialect),
            MaterialRequest.status.in_(_HOLDING),
        )
        .order_by(MaterialRequest.number)
    ):
        held.setdefault(material_id, []).append(number)
    return {id_: ", ".join(dict.fromkeys(numbers)) for id_, numbers in held.items()}


def _not_of_kind(material: Material, foreign: Sequence[str]) -> str:
    """Why a material does not take fields of another kind (`foreign_fields`)."""
    kind = material.kind.value.replace("_", " ")
    named = ", ".join(foreign)
    return f"{named} {'is not a field' if len(foreign) == 1 else 'are not fields'} of a {kind}."


def edit_material(session: Session, material: Material, changes: dict) -> Material:
    """Apply validated changes (MaterialPatchSchema) to a material, if it can take them: a
    field of another kind is a 422 (nothing written), the other rules' refusals
    (`edit_refusals`) a 409; the audit log keeps the values before and after."""
    foreign = foreign_fields(material.kind, changes)
    if foreign:
        why = _not_of_kind(material, foreign)
        raise ValidationFailed({name: [why] for name in foreign}, why)
    refused = edit_refusals(session, [material], changes)
    if refused:
        field = "access_level" if _closes(material, changes.get("access_level")) else "mls_status"
        raise Conflict(f"{material.accession_number}: {refused[material.id]}", field=field)
    edit_materials(session, [(material, changes)])
    return material


def edit_materials(
    session: Session,
    edits: Sequence[tuple[Material, Mapping[str, Any]]],
    data: Mapping[str, Any] | None = None,
) -> None:
    """Write the changes of materials that can take them (`edit_refusals`): an UPDATE for
    each set of alike changes, one audit entry per material with the fields' values before and
    after, and an `annotated` event each naming the fields changed (and `data`, e.g. its
    batch). The materials are expired: they read their new values back."""
    changed = [(material, changes) for material, changes in edits if changes]
    if not changed:
        return
    session.flush()
    # the values to write and the ids taking them, by table and the values' JSON (a list, a
    # strain's form of supply, is no key itself)
    alike: dict[tuple[Table, str], tuple[dict[str, Any], list[int]]] = {}
    entries = []
    for material, changes in changed:
        before = {name: getattr(material, name) for name in changes}
        differ = [name for name, value in changes.items() if plain(before[name]) != plain(value)]
        columns = inspect(type(material)).columns  # the kind's own fields are in its table
        tables: dict[Table, dict[str, Any]] = {Material.__table__: {}}
        for name, value in changes.items():
            tables.setdefault(columns[name].table, {})[name] = value
        for table, values in tables.items():
            alike.setdefault((table, as_json(values)), (values, []))[1].append(material.id)
        if differ:
            entries.append(
                audit.entry(
                    "materials",
                    material.id,
                    "update",
                    {name: before[name] for name in differ},
                    {name: changes[name] for name in differ},
                )
            )
    now = utcnow()
    for (table, _), (values, ids) in alike.items():
        stamp = {"updated_at": now} if table is Material.__table__ else {}
        for chunk in chunked(ids):
            session.execute(update(table).where(table.c.id.in_(chunk)).values(**values, **stamp))
    audit.record(session, entries)
    for material, changes in changed:
        session.expire(material, [*changes, "updated_at"])
    record_events(
        session,
        EventType.ANNOTATED,
        (
            {"material_id": material.id, "data": {"changed": sorted(changes), **(data or {})}}
            for material, changes in changed
        ),
    )


def register_donor(session: Session, command: RegisterDonor) -> Donor:
    collection = get_collection(session, command.collection)
    if session.scalar(
        select(Donor.id).where(Donor.collection_id == collection.id, Donor.code == command.code)
    ):
        raise Conflict(f"Donor {command.code} exists in {collection.code}.", field="code")
    consents = [_consent(c) for c in command.consents]
    fields = given(command, "collection", "consents")
    donor = Donor(collection_id=collection.id, consents=consents, **fields)
    session.add(donor)
    session.flush()
    return donor


def add_consent(session: Session, donor: Donor, command: NewConsent) -> Consent:
    """Record another consent the donor signed."""
    consent = _consent(command)
    donor.consents.append(consent)
    session.flush()
    return consent


def _consent(command: NewConsent) -> Consent:
    return Consent(**{**given(command), "scope": list(command.scope)})


def withdraw_consent(session: Session, consent: Consent, on: date) -> Consent:
    """The donor withdraws a consent: from `on`, their specimens are no longer distributed
    under it."""
    if consent.withdrawn_on is not None:
        raise InvalidState(f"Consent {consent.id} was withdrawn on {consent.withdrawn_on}.")
    if on < consent.signed_on:
        raise ValidationFailed({"withdrawn_on": ["Withdrawn before it was signed."]})
    consent.withdrawn_on = on
    session.flush()
    return consent


def get_donor(session: Session, collection: Collection, code: str) -> Donor:
    donor = session.scalar(
        select(Donor).where(Donor.collection_id == collection.id, Donor.code == code)
    )
    if donor is None:
        raise ValidationFailed({"donor": [f"No donor {code!r} in {collection.code}."]})
    return donor
