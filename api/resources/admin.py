"""Collections (everyone reads them; admins create them) and the audit log (admins, and
curators for their collections)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import ColumnElement, String, and_, cast, or_, select

from repository.models import (
    AuditEntry,
    Collection,
    Consent,
    Donor,
    Identifier,
    Item,
    Lot,
    Material,
)
from repository.schemas import AuditOut, CollectionOut, CollectionSchema
from repository.services import collections

from ..context import database, page, raw_body
from ..policy import Permission, allowed, require

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Collections and audit.")


class AuditQuery(Schema):
    table = fields.String(validate=validate.Length(max=64))
    row_id = fields.String(validate=validate.Length(max=64))


@blp.get("/collections")
@blp.response(200, CollectionOut(many=True))
@blp.paginate()
def list_collections(pagination_parameters) -> list:
    """The collections, by code."""
    require(Permission.CATALOGUE)
    return page(select(Collection).order_by(Collection.code), pagination_parameters)


@blp.post("/collections")
@blp.arguments(CollectionSchema)
@blp.response(201, CollectionOut)
def create_collection(body: dict) -> object:
    """A new collection (admins)."""
    require(Permission.ADMIN)
    db = database()
    return collections.create_collection(db, raw_body(CollectionSchema))


@blp.get("/audit")
@blp.arguments(AuditQuery, location="query")
@blp.response(200, AuditOut(many=True))
@blp.paginate()
def audit_log(query: dict, pagination_parameters) -> list:
    """The audit log, newest first: every change, before and after, who, and its hash chain.
    Admins see all of it; curators the rows of their collections (see `_curated_rows`)."""
    who = require(Permission.AUDIT)
    statement = select(AuditEntry).order_by(AuditEntry.id.desc())
    if "table" in query:
        statement = statement.where(AuditEntry.table_name == query["table"])
    if "row_id" in query:
        statement = statement.where(AuditEntry.row_id == query["row_id"])
    if not allowed(who, Permission.ADMIN):
        statement = statement.where(_curated_rows(who.curated))
    return page(statement, pagination_parameters)


def _curated_rows(collection_ids: frozenset[int]) -> ColumnElement[bool]:
    """The audit rows a curator reads: their collections' materials (with identifiers), lots,
    items, animals, donors and consents, and the storage tree they all share."""
    materials = select(Material.id).where(Material.collection_id.in_(collection_ids))
    lots = select(Lot.id).where(Lot.material_id.in_(materials))
    items = select(Item.id).where(Item.lot_id.in_(lots))
    donors = select(Donor.id).where(Donor.collection_id.in_(collection_ids))
    rows = {
        "materials": materials,
        "identifiers": select(Identifier.id).where(Identifier.material_id.in_(materials)),
        "lots": lots,
        "items": items,
        "animals": items,
        "donors": donors,
        "consents": select(Consent.id).where(Consent.donor_id.in_(donors)),
    }
    return or_(
        AuditEntry.table_name == "storage_units",
        *(
            and_(
                AuditEntry.table_name == table,
                AuditEntry.row_id.in_(select(cast(ids.subquery().c.id, String))),
            )
            for table, ids in rows.items()
        ),
    )
