"""Registering materials (accessions) of every kind, and the donors of specimens."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidState, ValidationFailed
from ..models import KIND_MODELS, Collection, Consent, Donor, Identifier, Material
from ..schemas.donors import NewConsent, RegisterDonor
from ..schemas.fields import given
from ..schemas.materials import RegisterMaterial
from ..vocabulary import EventType
from .collections import get_collection, next_accession_number
from .events import accessioned_event, record_event


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
    record_event(
        session, EventType.ACCESSIONED, **accessioned_event(material.id, number, collection.code)
    )
    return material


def edit_material(session: Session, material: Material, changes: dict) -> Material:
    """Apply validated changes (MaterialPatchSchema) to a material; the audit log keeps the
    values before and after."""
    for name, value in changes.items():
        setattr(material, name, value)
    if changes:
        session.flush()
        record_event(
            session, EventType.ANNOTATED, material_id=material.id, data={"changed": sorted(changes)}
        )
    return material


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
