"""Collections (everyone reads them; admins create them) and the audit log (admins, and
curators for their collections)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api.schemas.admin import AuditOut, CollectionOut
from repository.models import AuditEntry, Collection
from repository.schemas.admin import CollectionSchema, NewCollection
from repository.services import collections
from repository.visibility import audit_filter

from ..context import database, page
from ..policy import Permission, require

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
def create_collection(command: NewCollection) -> object:
    """A new collection (admins)."""
    require(Permission.ADMIN)
    return collections.create_collection(database(), command)


@blp.get("/audit")
@blp.arguments(AuditQuery, location="query")
@blp.response(200, AuditOut(many=True))
@blp.paginate()
def audit_log(query: dict, pagination_parameters) -> list:
    """The audit log, newest first: every change, before and after, who, and its hash chain.
    Admins see all of it; curators the rows of their collections (see
    repository.visibility.audit_filter)."""
    who = require(Permission.AUDIT)
    statement = select(AuditEntry).order_by(AuditEntry.id.desc())
    if "table" in query:
        statement = statement.where(AuditEntry.table_name == query["table"])
    if "row_id" in query:
        statement = statement.where(AuditEntry.row_id == query["row_id"])
    statement = statement.where(audit_filter(who))
    return page(statement, pagination_parameters)
