"""Material transfer agreements: each collection's templates, read by everyone (a requester
reads before accepting), written in new versions by the collection's curators."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.schemas.sharing import AgreementOut
from repository.models import AgreementTemplate
from repository.schemas.sharing import (
    AgreementIn,
    AgreementVersionSchema,
    CreateAgreement,
    NewVersion,
)
from repository.services import agreements, collections

from ..context import database
from ..policy import Permission, require

blp = Blueprint(
    "agreements",
    __name__,
    url_prefix="/api/v1/agreements",
    description="Material transfer agreements.",
)


class AgreementQuery(Schema):
    collection = fields.String(validate=validate.Length(max=32))


@blp.get("")
@blp.arguments(AgreementQuery, location="query")
@blp.response(200, AgreementOut(many=True))
def list_agreements(query: dict) -> list[AgreementTemplate]:
    """Every collection's agreements (or one collection's), each with its latest text."""
    require(Permission.CATALOGUE)
    return agreements.templates(database(), query.get("collection"))


@blp.get("/<id:agreement_id>")
@blp.response(200, AgreementOut)
def get(agreement_id: int) -> AgreementTemplate:
    """One agreement with its latest version: text and SHA-256."""
    require(Permission.CATALOGUE)
    return agreements.get_template(database(), agreement_id)


@blp.post("")
@blp.arguments(AgreementIn)
@blp.response(201, AgreementOut)
def create(command: CreateAgreement) -> AgreementTemplate:
    """A new agreement of a collection you curate (`kind`: mta, or smta for seeds of the
    multilateral system), its text as version 1."""
    db = database()
    require(Permission.REVIEW, collections.get_collection(db, command.collection).id)
    return agreements.create_template(db, command)


@blp.post("/<id:agreement_id>/versions")
@blp.arguments(AgreementVersionSchema)
@blp.response(201, AgreementOut)
def add_version(command: NewVersion, agreement_id: int) -> AgreementTemplate:
    """A new version of the text; requests accept the latest from now on."""
    db = database()
    template = agreements.get_template(db, agreement_id)
    require(Permission.REVIEW, template.collection_id)
    agreements.add_version(db, template, command)
    return template
