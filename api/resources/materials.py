"""Materials: the catalogue for everyone, the full record for staff, registration and edits
for the collection's curators."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_dump, validate

from repository.errors import NotFound
from repository.models import Material
from repository.schemas import CatalogueMaterialOut, MaterialOut, MaterialPatchSchema, OfferOut
from repository.services import catalogue, collections, materials, queries
from repository.vocabulary import AccessLevel, MaterialKind

from ..context import database, principal, window
from ..policy import Permission, allowed, require

blp = Blueprint(
    "materials", __name__, url_prefix="/api/v1/materials", description="Materials (accessions)."
)
PUBLIC = (AccessLevel.OPEN, AccessLevel.RESTRICTED)


class MaterialQuery(Schema):
    q = fields.String(validate=validate.Length(max=200))
    kind = fields.Enum(MaterialKind, by_value=True)
    collection = fields.String(validate=validate.Length(max=32))
    available = fields.Boolean()
    sort = fields.String(
        load_default="accession_number",
        validate=validate.OneOf([f"{d}{k}" for k in queries.SORTABLE for d in ("", "-")]),
    )


class MaterialIn(Schema):
    """A material of any kind: the fields of every material, plus those of its kind (see the
    kind-specific fields in the README); unknown fields are refused."""

    class Meta:
        unknown = "include"

    kind = fields.Enum(MaterialKind, by_value=True, required=True)
    collection = fields.String(required=True, validate=validate.Length(min=1, max=32))
    designation = fields.String(required=True, validate=validate.Length(min=1, max=200))
    taxon_name = fields.String(required=True, validate=validate.Length(min=2, max=200))


class MaterialView(MaterialOut):
    """A material as the asker may see it: staff get every field (the kind's own under
    `details`); everyone else the catalogue view, without storage, internal remarks or donor
    details. Both see the offer: forms of supply, how many can be had, terms of use."""

    offer = fields.Nested(OfferOut)

    @post_dump
    def _for_the_asker(self, data: dict, **_: object) -> dict:
        if allowed(principal(), Permission.INVENTORY_READ):
            return data
        public = CatalogueMaterialOut._declared_fields.keys() | {"offer"}
        return {k: v for k, v in data.items() if k in public}


def _visible(material: Material | None) -> Material:
    """Internal materials do not exist for the public."""
    if material is None or (
        material.access_level not in PUBLIC and not allowed(principal(), Permission.INVENTORY_READ)
    ):
        raise NotFound("No such material.")
    catalogue.attach_offers(database(), [material])
    return material


@blp.get("")
@blp.arguments(MaterialQuery, location="query")
@blp.response(200, MaterialView(many=True))
@blp.paginate()
def list_materials(query: dict, pagination_parameters) -> list[Material]:
    """Search: accession number, name, taxon (Latin or Chinese), other identifiers; filter by
    kind, collection and availability. Anonymous users and requesters see the catalogue."""
    require(Permission.CATALOGUE)
    staff = allowed(principal(), Permission.INVENTORY_READ)
    limit, offset = window(pagination_parameters)
    db = database()
    found, total = queries.search_materials(
        db,
        q=query.get("q"),
        kind=query.get("kind"),
        collection=query.get("collection"),
        available=query.get("available"),
        access=None if staff else PUBLIC,
        sort=query["sort"],
        limit=limit,
        offset=offset,
    )
    pagination_parameters.item_count = total
    catalogue.attach_offers(db, found)
    return found


@blp.get("/<id:material_id>")
@blp.etag
@blp.response(200, MaterialView)
def get_material(material_id: int) -> Material:
    """One material; staff see every field, others the catalogue view."""
    require(Permission.CATALOGUE)
    db = database()
    return _visible(db.get(Material, material_id))


@blp.post("")
@blp.arguments(MaterialIn)
@blp.response(201, MaterialView)
def register(body: dict) -> Material:
    """Register a material in a collection you curate; the accession number is drawn from
    the collection's pattern unless given. The kind's own fields are validated strictly."""
    data = dict(body)
    code = data.pop("collection")
    data["kind"] = data["kind"].value
    return register_in(code, data)


def register_in(code: str, data: dict) -> Material:
    """Register a material in collection `code`, if the asker curates it (the API and the
    bench page share this)."""
    db = database()
    require(Permission.REGISTER, collections.get_collection(db, code).id)
    return materials.register_material(db, code, data)


@blp.patch("/<id:material_id>")
@blp.etag
@blp.arguments(MaterialPatchSchema)
@blp.response(200, MaterialView)
def edit(changes: dict, material_id: int) -> Material:
    """Change a material; send the ETag you read as If-Match (a stale one gets 412)."""
    db = database()
    material = _visible(db.get(Material, material_id))
    require(Permission.REGISTER, material.collection_id)
    blp.check_etag(material, MaterialView)
    materials.edit_material(db, material, changes)
    db.flush()
    catalogue.attach_offers(db, [material])
    return material
