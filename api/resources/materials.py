"""Materials: the catalogue for everyone, the full record for staff, registration and edits
for the collection's curators."""

from __future__ import annotations

from collections.abc import Sequence

from flask_smorest import Blueprint
from marshmallow import fields, post_dump, validate

from api.schemas.materials import CatalogueMaterialOut, MaterialOut
from api.schemas.sharing import OfferOut
from repository.errors import NotFound
from repository.models import Material
from repository.schemas.material_batch_edits import MaterialFilters
from repository.schemas.materials import MaterialIn, MaterialPatchSchema, RegisterMaterial
from repository.services import catalogue, collections, materials, queries
from repository.visibility import material_levels, material_sight, sees_material

from ..context import database, principal, window
from ..policy import Permission, require

blp = Blueprint(
    "materials", __name__, url_prefix="/api/v1/materials", description="Materials (accessions)."
)
DONOR_DETAILS = frozenset({"donor", "disease_icd10"})  # a specimen's details about its donor


class MaterialQuery(MaterialFilters):
    """The material search's filters (the one schema a batch edit of materials reads too) and
    its sort."""

    sort = fields.String(
        load_default="accession_number",
        validate=validate.OneOf([f"{d}{k}" for k in queries.SORTABLE for d in ("", "-")]),
    )


class MaterialView(MaterialOut):
    """A material as the asker may see it: staff get every field (the kind's own under
    `details`, a specimen's donor and diagnosis only if they see the collection's donors);
    everyone else the catalogue view, without storage, internal remarks or donor details. Both
    see the offer: forms of supply, how many can be had, terms of use."""

    offer = fields.Nested(OfferOut)

    @post_dump(pass_original=True)
    def _for_the_asker(self, data: dict, material: Material, **_: object) -> dict:
        if material.sight.record:
            if not material.sight.donor_details and data.get("details"):
                data["details"] = {
                    k: v for k, v in data["details"].items() if k not in DONOR_DETAILS
                }
            return data
        public = CatalogueMaterialOut._declared_fields.keys() | {"offer"}
        return {k: v for k, v in data.items() if k in public}


def _seen(found: Sequence[Material]) -> None:
    """Set on each material what the asker sees of it (MaterialView reads it)."""
    who = principal()
    for material in found:
        material.sight = material_sight(who, material)


def _visible(material: Material | None) -> Material:
    """Internal materials do not exist for the public."""
    if material is None or not sees_material(principal(), material.access_level):
        raise NotFound("No such material.")
    catalogue.attach_offers(database(), [material])
    _seen([material])
    return material


@blp.get("")
@blp.arguments(MaterialQuery, location="query")
@blp.response(200, MaterialView(many=True))
@blp.paginate()
def list_materials(query: dict, pagination_parameters) -> list[Material]:
    """Search: accession number, name, taxon (Latin or Chinese), other identifiers; filter by
    kind, taxon (its scientific name), collection and availability. Anonymous users and
    requesters see the catalogue."""
    require(Permission.CATALOGUE)
    limit, offset = window(pagination_parameters)
    db = database()
    found, total = queries.search_materials(
        db,
        q=query.get("q"),
        kind=query.get("kind"),
        taxon=query.get("taxon"),
        collection=query.get("collection"),
        available=query.get("available"),
        access=material_levels(principal()),
        sort=query["sort"],
        limit=limit,
        offset=offset,
    )
    pagination_parameters.item_count = total
    catalogue.attach_offers(db, found)
    _seen(found)
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
def register(command: RegisterMaterial) -> Material:
    """Register a material in a collection you curate; the accession number is drawn from
    the collection's pattern unless given. The kind's own fields are validated strictly."""
    return register_as_curator(command)


def register_as_curator(command: RegisterMaterial) -> Material:
    """Register the material, if the asker curates its collection (the API and the bench page
    share this)."""
    db = database()
    require(Permission.REGISTER, collections.get_collection(db, command.collection).id)
    material = materials.register_material(db, command)
    _seen([material])
    return material


@blp.patch("/<id:material_id>")
@blp.etag
@blp.arguments(MaterialPatchSchema)
@blp.response(200, MaterialView)
def edit(changes: dict, material_id: int) -> Material:
    """Change a material: any field of every material here, and its kind's own (a strain's
    growth medium, a specimen's storage temperature…; a field of another kind is a 422, and
    so are those other records key on: a cell line's Cellosaurus id and STR profile, a
    specimen's donor); null clears an optional field. Send the ETag you read as If-Match (a
    stale one gets 412)."""
    db = database()
    material = _visible(db.get(Material, material_id))
    require(Permission.REGISTER, material.collection_id)
    blp.check_etag(material, MaterialView)
    materials.edit_material(db, material, changes)
    db.flush()
    catalogue.attach_offers(db, [material])
    return material
