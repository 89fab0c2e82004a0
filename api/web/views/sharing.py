"""Requests as external labs follow them: the cart (a draft request), submission, the
agreement, the timeline, delivery and feedback; the next step and who takes it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from werkzeug.wrappers import Response

from repository.models import MaterialRequest
from repository.schemas.sharing import (
    AcceptanceSchema,
    FeedbackSchema,
    RequestChangesSchema,
    StepSchema,
)
from repository.services import agreements, checks, sharing, shipping
from repository.vocabulary import (
    NEXT_STEPS,
    RESERVING,
    IntendedUse,
    ItemForm,
    LineDecision,
    RequestStatus,
    ShippingCondition,
)

from ...context import database
from ...policy import Permission, require
from ...request_access import cancellable, current_user, own, visible
from .. import forms
from ..pages import attempt, back, may, refused, show
from ..terms import term

# What happens next, as each side reads it on the request's page.
NEXT_TEXT = {
    "submit": lazy_gettext("The lab must send the request."),
    "review": lazy_gettext("The collection must start the review."),
    "decide": lazy_gettext("The collection must decide on each line."),
    "accept_agreement": lazy_gettext("The lab must accept the agreement."),
    "prepare": lazy_gettext("The collection must prepare the shipment."),
    "ship": lazy_gettext("The collection must pick the items and ship them."),
    "confirm_delivery": lazy_gettext("The lab must confirm the delivery."),
    "feedback": lazy_gettext("The lab may give feedback."),
}


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
        values["proposal"] = sharing.proposal(db, found)
    if may(Permission.DISPATCH, found.collection_id) and found.status in RESERVING:
        values["proposed_condition"] = shipping.proposed_condition(found)
        values["missing"] = shipping.missing_destination(found)
    values["next"] = NEXT_STEPS.get(found.status)
    values["next_text"] = NEXT_TEXT.get(values["next"].action) if values["next"] else None
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
    """The agreement signed: the version shown and the signer's name (the form's only fields
    the acceptance reads)."""
    signed = {k: request.form.get(k, "") for k in ("agreement_version_id", "signer_name")}
    command = forms.load(AcceptanceSchema, signed)
    sharing.accept_agreement(
        database(), current_user(), found, command, address=request.remote_addr
    )


STEPS = {
    "details": (
        own,
        lambda found: sharing.edit_details(database(), found, forms.load(RequestChangesSchema)),
    ),
    "submit": (own, lambda found: sharing.submit(database(), found, forms.load(StepSchema))),
    "agreement": (own, _accept),
    "delivery": (
        own,
        lambda found: sharing.confirm_delivery(database(), found, forms.load(StepSchema)),
    ),
    "feedback": (
        own,
        lambda found: sharing.give_feedback(
            database(), current_user(), found, forms.load(FeedbackSchema)
        ),
    ),
    "cancel": (
        cancellable,
        lambda found: sharing.cancel(database(), found, forms.load(StepSchema)),
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
    web.add_url_rule("/requests/<id:request_id>", "request_page", request_page)
    web.add_url_rule("/requests/<id:request_id>/<action>", "request_step", step, methods=["POST"])
