"""The request desk: incoming requests (by status, overdue), and the curators' steps: review,
decision with picking, preparation, the pick list, shipment and the packing list."""

from __future__ import annotations

from flask import Blueprint, request
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from repository.errors import ValidationFailed
from repository.models import MaterialRequest
from repository.schemas.sharing import DecisionSchema, ShipmentSchema, StepSchema
from repository.services import labelling, sharing, shipping
from repository.vocabulary import RequestStatus

from ...context import database
from ...policy import Permission, require
from ...request_access import curated, visible, visible_requests
from ...resources.labels import document, selected
from ...resources.sharing import RequestQuery
from .. import forms
from ..pages import show
from ..terms import term
from .sharing import step


def desk() -> tuple[str, int]:
    """The requests the asker sees, newest first; filters: status, overdue."""
    require(Permission.REQUESTS_READ)
    given = {k: v for k, v in request.args.items() if k in ("status", "overdue") and v}
    try:
        query = RequestQuery().load(given)
    except ValidationError as error:
        raise ValidationFailed(error.normalized_messages()) from None
    found, total = visible_requests(query, 100, 0)
    statuses = [(s.value, term(s)) for s in RequestStatus]
    return show("desk.html", found=found, total=total, statuses=statuses, form=request.args)


def _decide(found: MaterialRequest) -> None:
    """Each line approved or rejected (with a reason), with the barcodes picked for it."""
    decisions = []
    for line in found.lines:
        approve = request.form.get(f"line-{line.id}", "approve") == "approve"
        decision: dict = {"line_id": line.id, "approve": approve}
        reason = request.form.get(f"reason-{line.id}", "").strip()
        if reason:
            decision["reason"] = reason
        picked = request.form.get(f"items-{line.id}", "").split()
        if approve and picked:
            decision["items"] = picked
        decisions.append(decision)
    command = DecisionSchema().load_or_fail({**forms.raw(StepSchema), "decisions": decisions})
    sharing.decide(database(), found, command)


def _review(permission: Permission):
    return lambda request_id: curated(request_id, permission)


STEPS = {
    "review": (
        _review(Permission.REVIEW),
        lambda found: sharing.start_review(database(), found, forms.load(StepSchema)),
    ),
    "decision": (_review(Permission.REVIEW), _decide),
    "preparation": (
        _review(Permission.DISPATCH),
        lambda found: sharing.prepare(database(), found, forms.load(StepSchema)),
    ),
    "shipment": (
        _review(Permission.DISPATCH),
        lambda found: sharing.ship(database(), found, forms.load(ShipmentSchema)),
    ),
    "close": (
        _review(Permission.DISPATCH),
        lambda found: sharing.close(database(), found, forms.load(StepSchema)),
    ),
}


def desk_step(request_id: int, action: str) -> Response | tuple[str, int]:
    return step(request_id, action, STEPS)


def packing_list(request_id: int) -> Response:
    """The packing list (A4 PDF): recipient, shipment, terms, a code per item."""
    found = visible(request_id)
    require(Permission.DISPATCH, found.collection_id)
    return document(selected({"request": found.id}), "pdf", 300)


def _to_pick(request_id: int) -> MaterialRequest:
    found = visible(request_id)
    require(Permission.DISPATCH, found.collection_id)
    return found


def pick_list(request_id: int) -> tuple[str, int]:
    """The picker's list: the reserved items in storage order with box and position, and
    the shipping condition their preservation calls for."""
    found = _to_pick(request_id)
    return show(
        "request_pick_list.html",
        req=found,
        entries=shipping.pick_list(database(), found),
        condition=shipping.proposed_condition(found),
    )


def pick_list_pdf(request_id: int) -> Response:
    """The pick list as an A4 PDF, a box to tick per item."""
    found = _to_pick(request_id)
    return document(
        labelling.Selected(things=(labelling.pick_list(database(), found.id),)), "pdf", 300
    )


def routes(web: Blueprint) -> None:
    web.add_url_rule("/requests", "desk", desk)
    web.add_url_rule(
        "/desk/requests/<id:request_id>/<action>", "desk_step", desk_step, methods=["POST"]
    )
    web.add_url_rule("/requests/<id:request_id>/packing-list.pdf", "packing_list", packing_list)
    web.add_url_rule("/requests/<id:request_id>/pick-list", "pick_list", pick_list)
    web.add_url_rule("/requests/<id:request_id>/pick-list.pdf", "pick_list_pdf", pick_list_pdf)
