"""Registering materials (accessions) of every kind, and the donors of specimens."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidState, ValidationFailed
from ..models import KIND_MODELS, Collection, Consent, Donor, Identifier, Material
from ..schemas.donors import ConsentSchema, DonorSchema
from ..schemas.materials import load_material
from ..vocabulary import EventType, MaterialKind
from .collections import get_collection, next_accession_number
from .events import accessioned_event, record_event


def register_material(session: Session, collection_code: str, data: Any) -> Material:
    """Register a material; its accession number is given or drawn from the pattern."""
    fields = load_material(data)
    collection = get_collection(session, collection_code)
    kind = MaterialKind(fields.pop("kind"))
    identifiers = fields.pop("identifiers")
    donor_code = fields.pop("donor", None)
    if donor_code is not None:
        fields["donor"] = get_donor(session, collection, donor_code)
    number = fields.pop("accession_number", None)
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
    material = KIND_MODELS[kind](collection=collection, accession_number=number, **fields)
    material.identifiers = [Identifier(**i) for i in identifiers]
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


def register_donor(session: Session, collection_code: str, data: Any) -> Donor:
    fields = DonorSchema().load_or_fail(data)
    collection = get_collection(session, collection_code)
    if session.scalar(
        select(Donor.id).where(Donor.collection_id == collection.id, Donor.code == fields["code"])
    ):
        raise Conflict(f"Donor {fields['code']} exists in {collection.code}.", field="code")
    consents = [Consent(**c) for c in fields.pop("consents")]
    donor = Donor(collection_id=collection.id, consents=consents, **fields)
    session.add(donor)
    session.flush()
    return donor


def add_consent(session: Session, donor: Donor, data: Any) -> Consent:
    """Record another consent the donor signed."""
    consent = Consent(**ConsentSchema().load_or_fail(data))
    donor.consents.append(consent)
    session.flush()
    return consent


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
