"""Collections (everyone reads them; admins create them) and the audit log (admins, and
curators for their collections)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import Select, String, cast, func, select

from repository.models import AuditEntry, Collection, Material
from repository.schemas import AuditOut, CollectionOut, CollectionSchema
from repository.services import collections

from ..context import database, raw_body, window
from ..policy import Permission, allowed, require

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Collections and audit.")


class AuditQuery(Schema):
    table = fields.String(validate=validate.Length(max=64))
    row_id = fields.String(validate=validate.Length(max=64))


@blp.get("/collections")
@blp.response(200, CollectionOut(many=True))
def list_collections() -> list:
    """The collections."""
    require(Permission.CATALOGUE)
    db = database()
    return list(db.scalars(select(Collection).order_by(Collection.code)))


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
    Admins see all of it; curators the rows of materials of their collections."""
    who = require(Permission.AUDIT)
    limit, offset = window(pagination_parameters)
    statement = select(AuditEntry)
    if "table" in query:
        statement = statement.where(AuditEntry.table_name == query["table"])
    if "row_id" in query:
        statement = statement.where(AuditEntry.row_id == query["row_id"])
    if not allowed(who, Permission.ADMIN):
        statement = statement.where(
            AuditEntry.table_name == "materials",
            AuditEntry.row_id.in_(_material_ids_of(who.curated)),
        )
    db = database()
    pagination_parameters.item_count = db.scalar(
        select(func.count()).select_from(statement.subquery())
    )
    return list(db.scalars(statement.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)))


def _material_ids_of(collection_ids: frozenset[int]) -> Select:
    return select(cast(Material.id, String)).where(Material.collection_id.in_(collection_ids))
