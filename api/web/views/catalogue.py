"""The public catalogue: search with filters, a page at a time; a page per material with its
forms of supply, terms and the request form; putting a material in the cart."""

from __future__ import annotations

from math import ceil
from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate
from sqlalchemy import select
from werkzeug.wrappers import Response

from repository.errors import DomainError, NotFound
from repository.models import Collection, Material, MaterialRequest
from repository.schemas.sharing import NewRequest, RequestLineSchema
from repository.services import catalogue, queries, sharing
from repository.visibility import material_levels, sees_material
from repository.vocabulary import MaterialKind, RequestStatus

from ...context import database, principal
from ...policy import Permission, require
from ...request_access import current_user, own
from ...resources.materials import MaterialQuery
from .. import forms
from ..pages import attempt, back, refused, show
from ..terms import language, term

PER_PAGE = 20
LAST_PAGE = 10_000  # far beyond any catalogue; a larger number is a typing error


class CatalogueQuery(MaterialQuery):
    """The catalogue's search form: the API's material query and a page."""

    page = fields.Integer(load_default=1, validate=validate.Range(1, LAST_PAGE))


def _choices() -> dict[str, Any]:
    """The filters' options: kinds, the taxa and collections the asker sees, availability."""
    db = database()
    return {
        "kinds": [(k.value, term(k)) for k in MaterialKind],
        "taxa": [(t, t) for t in queries.taxa(db, material_levels(principal()))],
        "collections": [
            (c.code, f"{c.code} · {c.name}")
            for c in db.scalars(select(Collection).order_by(Collection.code))
        ],
        "availability": [("true", _("Available now")), ("false", _("Out of stock"))],
    }


def _results(query: dict[str, Any]) -> dict[str, Any]:
    """One page of the materials the asker sees that match a loaded CatalogueQuery."""
    db = database()
    found, total = queries.search_materials(
        db,
        q=query.get("q"),
        kind=query.get("kind"),
        taxon=query.get("taxon"),
        collection=query.get("collection"),
        available=query.get("available"),
        access=material_levels(principal()),
        sort=query.get("sort", "accession_number"),
        limit=PER_PAGE,
        offset=(query.get("page", 1) - 1) * PER_PAGE,
    )
    catalogue.attach_offers(db, found, language())
    pages = ceil(total / PER_PAGE)
    return {"materials": found, "total": total, "page": query.get("page", 1), "pages": pages}


def catalogue_page() -> tuple[str, int]:
    """Search the catalogue a page at a time: text, kind, taxon, collection, availability."""
    require(Permission.CATALOGUE)
    try:
        query = forms.load(CatalogueQuery, request.args)
    except DomainError as error:
        empty = {"materials": [], "total": 0, "page": 1, "pages": 0}
        return refused(
            "catalogue.html", error, form_values=request.args, searched=True, **empty, **_choices()
        )
    return show("catalogue.html", form=request.args, **_results(query), **_choices())


def _visible(material_id: int) -> Material:
    """The material, if the asker may see it (internal ones exist for staff only)."""
    found = database().get(Material, material_id)
    if found is None or not sees_material(principal(), found.access_level):
        raise NotFound(_("No material with id %(id)d in the catalogue.", id=material_id))
    return found


def _material_values(found: Material) -> dict[str, Any]:
    catalogue.attach_offers(database(), [found], language())
    return {"material": found}


def material_page(material_id: int) -> tuple[str, int]:
    """One material as the catalogue shows it: what it is, its forms of supply with how many
    can be had, its terms and agreement, and the form that asks for it."""
    require(Permission.CATALOGUE)
    return show("catalogue_material.html", **_material_values(_visible(material_id)))


def _draft_for(material: Material) -> MaterialRequest | None:
    """The asker's cart for the material's collection: their newest draft request there."""
    return database().scalar(
        select(MaterialRequest)
        .where(
            MaterialRequest.requester_id == current_user().id,
            MaterialRequest.collection_id == material.collection_id,
            MaterialRequest.status == RequestStatus.DRAFT,
        )
        .order_by(MaterialRequest.id.desc())
        .limit(1)
    )


def _material(line: dict[str, str]) -> Material | None:
    """The material a cart form names, if its material_id (read by the line's own field) is
    the id of one the asker sees."""
    try:
        material_id = RequestLineSchema().fields["material_id"].deserialize(line.get("material_id"))
    except ValidationError:
        return None
    found = database().get(Material, material_id)
    return found if found is not None and sees_material(principal(), found.access_level) else None


def add_to_cart() -> Response | tuple[str, int]:
    """Put a material (form, units, purpose) in the cart of its collection."""
    require(Permission.REQUEST)
    db = database()
    line = forms.raw(RequestLineSchema)
    made: list[MaterialRequest] = []

    def add() -> None:
        material = _material(line)
        draft = _draft_for(material) if material is not None else None
        wanted = forms.load(RequestLineSchema, line)
        if draft is None:
            made.append(sharing.create_request(db, current_user(), NewRequest(lines=(wanted,)))[0])
        else:
            sharing.add_line(db, own(draft.id), wanted)
            made.append(draft)

    error = attempt(add)
    if error is not None:  # the material's page again, with what was typed; or the catalogue
        material = _material(line)
        if material is None:  # the catalogue's first page, to choose a material there
            return refused("catalogue.html", error, form_values={}, **_results({}), **_choices())
        return refused("catalogue_material.html", error, **_material_values(material))
    return back("web.request_page", request_id=made[0].id, done="add")


def routes(web: Blueprint) -> None:
    web.add_url_rule("/catalogue", "catalogue", catalogue_page)
    web.add_url_rule("/catalogue/<id:material_id>", "catalogue_material", material_page)
    web.add_url_rule("/catalogue/cart", "add_to_cart", add_to_cart, methods=["POST"])
