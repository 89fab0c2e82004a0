"""Donors of human specimens and their consents: read and kept by the curators of the
collection (and admins), never shown to anyone else."""

from __future__ import annotations

from datetime import date

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api.schemas.donors import ConsentOut, DonorOut
from repository.errors import NotFound
from repository.models import Consent, Donor
from repository.schemas.donors import ConsentSchema, DonorIn, NewConsent, RegisterDonor
from repository.schemas.fields import Date
from repository.services import collections, materials

from ..context import database, page
from ..policy import Permission, require

blp = Blueprint("donors", __name__, url_prefix="/api/v1", description="Donors and consents.")


class DonorQuery(Schema):
    collection = fields.String(required=True, validate=validate.Length(min=1, max=32))


class WithdrawIn(Schema):
    withdrawn_on = Date(metadata={"description": "Default: today."})


@blp.get("/donors")
@blp.arguments(DonorQuery, location="query")
@blp.response(200, DonorOut(many=True))
@blp.paginate()
def list_donors(query: dict, pagination_parameters) -> list[Donor]:
    """The donors of a collection you curate, by code."""
    db = database()
    collection = collections.get_collection(db, query["collection"])
    require(Permission.DONORS, collection.id)
    statement = select(Donor).where(Donor.collection_id == collection.id).order_by(Donor.code)
    return page(statement, pagination_parameters)


@blp.post("/donors")
@blp.arguments(DonorIn)
@blp.response(201, DonorOut)
def register_donor(command: RegisterDonor) -> Donor:
    """A pseudonymised donor (a code, never a name) with the consents they signed."""
    db = database()
    require(Permission.DONORS, collections.get_collection(db, command.collection).id)
    return materials.register_donor(db, command)


@blp.get("/donors/<id:donor_id>")
@blp.response(200, DonorOut)
def get_donor(donor_id: int) -> Donor:
    """One donor with their consents."""
    return _donor(donor_id)


@blp.post("/donors/<id:donor_id>/consents")
@blp.arguments(ConsentSchema)
@blp.response(201, ConsentOut)
def add_consent(command: NewConsent, donor_id: int) -> Consent:
    """Record another consent the donor signed."""
    return materials.add_consent(database(), _donor(donor_id), command)


@blp.post("/consents/<id:consent_id>/withdraw")
@blp.arguments(WithdrawIn)
@blp.response(200, ConsentOut)
def withdraw_consent(body: dict, consent_id: int) -> Consent:
    """The donor withdraws a consent: their specimens stop being distributed under it."""
    db = database()
    consent = db.get(Consent, consent_id)
    if consent is None:
        raise NotFound("No such consent.")
    _donor(consent.donor_id)  # checks who may
    return materials.withdraw_consent(db, consent, body.get("withdrawn_on") or date.today())


def _donor(donor_id: int) -> Donor:
    """A donor, if the asker curates its collection."""
    donor = database().get(Donor, donor_id)
    if donor is None:
        raise NotFound("No such donor.")
    require(Permission.DONORS, donor.collection_id)
    return donor
