"""Requests as external labs make them: the catalogue with its offers, the cart (a draft
request), submission, the agreement, the timeline, delivery and feedback."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from repository.models import Material, MaterialRequest
from repository.schemas import (
    FeedbackSchema,
    RequestChangesSchema,
    RequestLineSchema,
    StepSchema,
)
from repository.services import agreements, catalogue, checks, queries, requests
from repository.vocabulary import (
    PUBLIC,
    IntendedUse,
    ItemForm,
    LineDecision,
    MaterialKind,
    RequestStatus,
    ShippingCondition,
)

from ...context import database
from ...policy import Permission, require
from ...resources.requests import cancellable, current_user, own, visible
from .. import forms
from ..pages import attempt, back, may, refused, show
from ..terms import term


def _catalogue_values(q: str | None, kind: str | None, only: int | None = None) -> dict:
    db = database()
    found, total = queries.search_materials(
        db,
        q=q,
        kind=kind if kind in set(MaterialKind) else None,
        access=PUBLIC,
        limit=50,
        offset=0,
    )
    if only is not None:
        found = [m for m in found if m.id == only]
    catalogue.attach_offers(db, found)
    kinds = [(k.value, term(k)) for k in MaterialKind]
    return {"materials": found, "total": len(found) if only else total, "kinds": kinds}


def catalogue_page() -> tuple[str, int]:
    """Search the public catalogue: what each material offers and on which terms."""
    require(Permission.CATALOGUE)
    q = request.args.get("q", "").strip() or None
    values = _catalogue_values(q, request.args.get("kind"))
    return show("catalogue.html", form=request.args, **values)


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
    the id of one."""
    try:
        material_id = RequestLineSchema().fields["material_id"].deserialize(line.get("material_id"))
    except ValidationError:
        return None
    return database().get(Material, material_id)


def add_to_cart() -> Response | tuple[str, int]:
    """Put a material (form, units, purpose) in the cart of its collection."""
    require(Permission.REQUEST)
    db = database()
    line = forms.raw(RequestLineSchema)
    made: list[MaterialRequest] = []

    def add() -> None:
        material = _material(line)
        draft = _draft_for(material) if material is not None else None
        if draft is None:
            made.append(requests.create_request(db, current_user(), {"lines": [line]})[0])
        else:
            requests.add_line(db, own(draft.id), line)
            made.append(draft)

    error = attempt(add)
    if error is not None:  # the catalogue again: the material's offer, or all when none
        material = _material(line)
        if material is None or material.access_level not in PUBLIC:
            return refused("catalogue.html", error, **_catalogue_values(None, None))
        values = _catalogue_values(material.accession_number, None, material.id)
        return refused("catalogue.html", error, **values)
    return back("web.request_page", request_id=made[0].id, done="add")


def _request_values(found: MaterialRequest) -> dict[str, Any]:
    db = database()
    values: dict[str, Any] = {"req": found, "failures": [], "proposal": {}, "version": None}
    if found.status in (RequestStatus.APPROVED, RequestStatus.PARTLY_APPROVED):
        approved = [x.material for x in found.lines if x.decision is LineDecision.APPROVED]
        template = agreements.applicable(db, found.collection_id, approved)
        values["version"] = template.versions[-1] if template and template.versions else None
        values["agreement"] = template
    if may(Permission.REVIEW, found.collection_id) and found.status in (
        RequestStatus.SUBMITTED,
        RequestStatus.UNDER_REVIEW,
    ):
        values["failures"] = checks.check(db, found, found.lines)
        values["proposal"] = requests.proposal(db, found)
    values["curates"] = may(Permission.REVIEW, found.collection_id)
    values["dispatches"] = may(Permission.DISPATCH, found.collection_id)
    values["requests_it"] = may(Permission.REQUEST)
    values["forms"] = [(f.value, term(f)) for f in ItemForm]
    values["uses"] = [(u.value, term(u)) for u in IntendedUse]
    values["conditions"] = [(c.value, term(c)) for c in ShippingCondition]
    return values


def request_page(request_id: int) -> tuple[str, int]:
    """The request with its lines, timeline and the next step the asker may take."""
    return show("request.html", **_request_values(visible(request_id)))


def _accept(found: MaterialRequest) -> None:
    data = {k: request.form.get(k, "").strip() for k in ("agreement_version_id", "signer_name")}
    data = {k: v for k, v in data.items() if v}
    db = database()
    requests.accept_agreement(db, found, current_user(), data, request.remote_addr)


STEPS = {
    "details": (
        own,
        lambda found: requests.edit_details(database(), found, forms.raw(RequestChangesSchema)),
    ),
    "submit": (own, lambda found: requests.submit(database(), found, forms.raw(StepSchema))),
    "agreement": (own, _accept),
    "delivery": (
        own,
        lambda found: requests.confirm_delivery(database(), found, forms.raw(StepSchema)),
    ),
    "feedback": (
        own,
        lambda found: requests.give_feedback(
            database(), found, current_user(), forms.raw(FeedbackSchema)
        ),
    ),
    "cancel": (
        cancellable,
        lambda found: requests.cancel(database(), found, forms.raw(StepSchema)),
    ),
}


def step(request_id: int, action: str, table: dict | None = None) -> Response | tuple[str, int]:
    """One step of the request by the requester (or a curator, see the desk)."""
    chosen = (table or STEPS).get(action)
    if chosen is None:
        require(Permission.REQUESTS_READ)
        return show("error.html", 404, title=_("Not found"), detail=_("No such action."))
    fetch, act = chosen
    found = fetch(request_id)
    error = attempt(lambda: act(found))
    if error is not None:
        found = visible(request_id)
        return refused("request.html", error, action=action, **_request_values(found))
    return back("web.request_page", request_id=request_id, done=action)


def routes(web: Blueprint) -> None:
    web.add_url_rule("/catalogue", "catalogue", catalogue_page)
    web.add_url_rule("/catalogue/cart", "add_to_cart", add_to_cart, methods=["POST"])
    web.add_url_rule("/requests/<id:request_id>", "request_page", request_page)
    web.add_url_rule("/requests/<id:request_id>/<action>", "request_step", step, methods=["POST"])
