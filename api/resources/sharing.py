"""Sharing requests: the requester's cart, submission and every later step; the curators'
review, decision and reservation; preparation and shipment; delivery, feedback and
publications. Requesters see their own lab's requests only (another lab's do not exist)."""

from __future__ import annotations

from dataclasses import replace

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.schemas.inventory import ItemOut
from api.schemas.sharing import (
    FeedbackOut,
    PackingListOut,
    PublicationOut,
    RequestLineOut,
    RequestOut,
    RequestSummaryOut,
)
from repository.models import MaterialRequest
from repository.schemas.fields import Boolean, Integer
from repository.schemas.sharing import (
    Acceptance,
    AcceptanceSchema,
    Decision,
    DecisionSchema,
    EditDetails,
    FeedbackSchema,
    NewLine,
    NewPublication,
    NewRequest,
    PublicationSchema,
    Rating,
    RequestChangesSchema,
    RequestLineSchema,
    RequestSchema,
    Ship,
    ShipmentSchema,
    Step,
    StepSchema,
)
from repository.services import sharing, shipping
from repository.vocabulary import RequestStatus

from ..context import database, window
from ..policy import Permission, require
from ..request_access import (
    cancellable,
    curated,
    current_user,
    overdue_days,
    own,
    visible,
    visible_requests,
)

blp = Blueprint(
    "requests", __name__, url_prefix="/api/v1/requests", description="Sharing requests."
)
IDEMPOTENCY_HEADER = "Idempotency-Key"


class RequestQuery(Schema):
    status = fields.Enum(RequestStatus, by_value=True)
    overdue = Boolean()


class ProposedItemOut(ItemOut):
    """An item the proposal would reserve, with its place, for the curator who picks it."""

    lot = fields.Function(lambda item: item.lot.label)
    preserved_on = fields.Function(lambda item: item.lot.preserved_on.isoformat())


class ProposalOut(Schema):
    line_id = Integer()
    items = fields.List(fields.Nested(ProposedItemOut))


class PickEntryOut(Schema):
    barcode = fields.String()
    accession_number = fields.String()
    lot = fields.String()
    quantity = fields.String()
    unit = fields.String()
    place = fields.String(metadata={"description": "The units from the site down to the box."})
    position = fields.String(metadata={"description": "The box position (B3); empty outside."})
    status = fields.String()


class PickListOut(Schema):
    """A request's reserved items in storage order, and how the parcel should travel."""

    condition = fields.String(
        allow_none=True,
        metadata={"description": "The shipping condition the items' preservation calls for."},
    )
    items = fields.List(fields.Nested(PickEntryOut))


def shown(found: MaterialRequest) -> MaterialRequest:
    sharing.flag_overdue([found], overdue_days())
    return found


@blp.get("")
@blp.arguments(RequestQuery, location="query")
@blp.response(200, RequestSummaryOut(many=True))
@blp.paginate()
def list_requests(query: dict, pagination_parameters) -> list[MaterialRequest]:
    """Requests, newest first: a requester sees their lab's, a curator their collections',
    technicians and admins all. `overdue=true`: those idle in a step for longer than the
    configured number of days."""
    limit, offset = window(pagination_parameters)
    found, total = visible_requests(query, limit, offset)
    pagination_parameters.item_count = total
    return found


@blp.post("")
@blp.arguments(RequestSchema)
@blp.response(201, RequestOut)
@blp.alt_response(200, schema=RequestOut, description="Made before with this idempotency key.")
def create(command: NewRequest) -> object:
    """A new request (the cart, a draft), submitted at once with `submit: true`. The same
    idempotency key (in the body or an Idempotency-Key header) twice makes one request: the
    second answer is the first request, with 200."""
    require(Permission.REQUEST)
    if request.headers.get(IDEMPOTENCY_HEADER):
        command = replace(command, idempotency_key=request.headers[IDEMPOTENCY_HEADER][:100])
    made, created = sharing.create_request(database(), current_user(), command)
    return shown(made), 201 if created else 200


@blp.get("/<id:request_id>")
@blp.response(200, RequestOut)
def get(request_id: int) -> MaterialRequest:
    """The request with every step (who, when), lines, reserved items, agreement, shipment,
    feedback and publications."""
    return shown(visible(request_id))


@blp.patch("/<id:request_id>")
@blp.arguments(RequestChangesSchema)
@blp.response(200, RequestOut)
def edit(command: EditDetails, request_id: int) -> MaterialRequest:
    """Change a draft's purpose, intended use, approvals, permits and address (send the
    `version` you read: a stale one is a 409)."""
    return shown(sharing.edit_details(database(), own(request_id), command))


@blp.post("/<id:request_id>/lines")
@blp.arguments(RequestLineSchema)
@blp.response(201, RequestLineOut)
def add_line(command: NewLine, request_id: int) -> object:
    """Put one more material in the cart (a draft request)."""
    return sharing.add_line(database(), own(request_id), command)


@blp.post("/<id:request_id>/submit")
@blp.arguments(StepSchema)
@blp.response(200, RequestOut)
def submit(command: Step, request_id: int) -> MaterialRequest:
    """Send the cart to the curators; every check runs, each failure named."""
    return shown(sharing.submit(database(), own(request_id), command))


@blp.post("/<id:request_id>/review")
@blp.arguments(StepSchema)
@blp.response(200, RequestOut)
def review(command: Step, request_id: int) -> MaterialRequest:
    """A curator of the collection takes the request under review."""
    found = curated(request_id, Permission.REVIEW)
    return shown(sharing.start_review(database(), found, command))


@blp.get("/<id:request_id>/proposal")
@blp.response(200, ProposalOut(many=True))
def proposal(request_id: int) -> list[dict]:
    """The items each line would get (oldest lot first, the minimum stock kept), with their
    places, for the curator to accept or change; nothing is reserved."""
    found = visible(request_id)
    require(Permission.REVIEW, found.collection_id)
    proposed = sharing.proposal(database(), found)
    return [{"line_id": line_id, "items": items} for line_id, items in proposed.items()]


@blp.post("/<id:request_id>/decision")
@blp.arguments(DecisionSchema)
@blp.response(200, RequestOut)
def decide(command: Decision, request_id: int) -> MaterialRequest:
    """Approve, partly approve or reject (with a reason). The checks run again and the
    approved lines' items are reserved: the picked barcodes, or the proposal."""
    found = curated(request_id, Permission.REVIEW)
    return shown(sharing.decide(database(), found, command))


@blp.post("/<id:request_id>/agreement")
@blp.arguments(AcceptanceSchema)
@blp.response(200, RequestOut)
def accept(command: Acceptance, request_id: int) -> MaterialRequest:
    """Accept the latest version of the agreement the request falls under; who, for which
    organisation, when and from which address are kept."""
    found = own(request_id)
    sharing.accept_agreement(
        database(), current_user(), found, command, address=request.remote_addr
    )
    return shown(found)


@blp.post("/<id:request_id>/preparation")
@blp.arguments(StepSchema)
@blp.response(200, RequestOut)
def prepare(command: Step, request_id: int) -> MaterialRequest:
    """Start preparing the shipment."""
    found = curated(request_id, Permission.DISPATCH)
    return shown(sharing.prepare(database(), found, command))


@blp.post("/<id:request_id>/shipment")
@blp.arguments(ShipmentSchema)
@blp.response(200, RequestOut)
def ship(command: Ship, request_id: int) -> MaterialRequest:
    """Ship: packaging, conditions, courier, tracking number. The items become distributed
    and leave their positions."""
    found = curated(request_id, Permission.DISPATCH)
    sharing.ship(database(), found, command)
    return shown(found)


@blp.get("/<id:request_id>/packing-list")
@blp.response(200, PackingListOut)
def packing_list(request_id: int) -> dict:
    """The packing list as data: recipient, shipment, agreement, ABS/Nagoya and IP terms, a
    row per item."""
    return sharing.packing_list(database(), visible(request_id))


@blp.get("/<id:request_id>/pick-list")
@blp.response(200, PickListOut)
def pick_list(request_id: int) -> dict:
    """For the technician who picks: the reserved items in storage order (site, freezer,
    rack, box, then row and column), each with its place and box position; and the shipping
    condition their preservation calls for (-80 °C: dry ice; LN2: a dry shipper; dried or
    fixed: ambient)."""
    found = visible(request_id)
    require(Permission.DISPATCH, found.collection_id)
    return {
        "condition": shipping.proposed_condition(found),
        "items": shipping.pick_list(database(), found),
    }


@blp.post("/<id:request_id>/delivery")
@blp.arguments(StepSchema)
@blp.response(200, RequestOut)
def confirm_delivery(command: Step, request_id: int) -> MaterialRequest:
    """The requester confirms the parcel arrived."""
    found = own(request_id)
    sharing.confirm_delivery(database(), found, command)
    return shown(found)


@blp.post("/<id:request_id>/feedback")
@blp.arguments(FeedbackSchema)
@blp.response(201, FeedbackOut)
def feedback(command: Rating, request_id: int) -> object:
    """Rate the service (1-5) and comment; a delivered request is closed by it."""
    found = own(request_id)
    return sharing.give_feedback(database(), current_user(), found, command)


@blp.post("/<id:request_id>/publications")
@blp.arguments(PublicationSchema)
@blp.response(201, PublicationOut)
def publication(command: NewPublication, request_id: int) -> object:
    """Report a publication or result that used the material."""
    found = own(request_id)
    return sharing.report_publication(database(), current_user(), found, command)


@blp.post("/<id:request_id>/cancel")
@blp.arguments(StepSchema)
@blp.response(200, RequestOut)
def cancel(command: Step, request_id: int) -> MaterialRequest:
    """Cancel before shipping (the requester's lab, or a curator of the collection); reserved
    items go back to the stock."""
    found = cancellable(request_id)
    sharing.cancel(database(), found, command)
    return shown(found)


@blp.post("/<id:request_id>/close")
@blp.arguments(StepSchema)
@blp.response(200, RequestOut)
def close(command: Step, request_id: int) -> MaterialRequest:
    """Close a delivered request (feedback closes it too)."""
    found = curated(request_id, Permission.DISPATCH)
    sharing.close(database(), found, command)
    return shown(found)
