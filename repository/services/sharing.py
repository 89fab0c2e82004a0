"""Sharing requests: the state machine (every step kept with who and when), the cart and its
idempotent submission, review and decision with reservation, the agreement, shipment,
delivery, feedback and publications. Each step notifies the requester; a new request, the
curators."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..actor import actor_id
from ..errors import Conflict, InvalidState, NotFound, ValidationFailed
from ..models import (
    AgreementAcceptance,
    AgreementVersion,
    Feedback,
    Material,
    MaterialRequest,
    OutboxMessage,
    Publication,
    RequestLine,
    RequestStep,
    RoleGrant,
    Shipment,
    User,
)
from ..models.base import utcnow
from ..schemas.fields import given
from ..schemas.sharing import (
    Acceptance,
    Decision,
    EditDetails,
    LineVerdict,
    NewLine,
    NewPublication,
    NewRequest,
    Rating,
    Ship,
    Step,
)
from ..sql import day_of, days_after
from ..visibility import requests_filter, sees_request
from ..vocabulary import (
    CANCELLABLE,
    FINISHED,
    NEXT_STEPS,
    PUBLIC,
    REQUEST_TRANSITIONS,
    Actor,
    LineDecision,
    RequestStatus,
    Role,
)
from . import agreements, checks, due_line, notifications, reservations, shipping
from .accounts import Principal
from .due_line import DueLine

NO_DATA = Step()  # a step with neither a note nor the version read
APPROVE_ALL = Decision()  # every line approved, its items reserved from the proposal
OVERDUE_DAYS = 14  # a request idle longer in an unfinished step is overdue (REQUEST_OVERDUE_DAYS)

# --- reading ---------------------------------------------------------------------------------


def get_request(session: Session, request_id: int, *, lock: bool = False) -> MaterialRequest:
    """A request; with `lock`, its row is locked for the change to come (PostgreSQL), so two
    steps of one request never interleave."""
    query = select(MaterialRequest).where(MaterialRequest.id == request_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    request = session.scalar(query)
    if request is None:
        raise NotFound(f"No request with id {request_id}.", field="request")
    return request


def visible_request(
    session: Session, who: Principal, request_id: int, *, lock: bool = False
) -> MaterialRequest:
    """A request `who` sees (repository.visibility); one they do not see does not exist for
    them. With `lock`, locked for the change to come (see get_request)."""
    found = get_request(session, request_id, lock=lock)
    if not sees_request(who, found):
        raise NotFound(f"No request with id {request_id}.", field="request")
    return found


def list_requests(
    session: Session,
    who: Principal,
    *,
    status: RequestStatus | None = None,
    idle_since: datetime | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[MaterialRequest], int]:
    """The requests `who` sees (repository.visibility), newest first: in a status, or
    (`idle_since`) unfinished and unchanged since then; with the total count."""
    query = select(MaterialRequest).where(requests_filter(who))
    if status is not None:
        query = query.where(MaterialRequest.status == status)
    if idle_since is not None:
        query = query.where(
            MaterialRequest.status.not_in(FINISHED), MaterialRequest.changed_at < idle_since
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = session.scalars(
        query.order_by(MaterialRequest.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(found), total


def flag_overdue(requests: list[MaterialRequest], days: int) -> list[MaterialRequest]:
    """Mark each request idle in an unfinished step for longer than `days` as overdue."""
    since = utcnow() - timedelta(days=days)
    for request in requests:
        changed = request.changed_at
        if changed.tzinfo is None:
            changed = changed.replace(tzinfo=since.tzinfo)
        request.overdue = request.status not in FINISHED and changed < since
    return requests


# --- the cart and submission --------------------------------------------------------------------


def edit_details(
    session: Session, request: MaterialRequest, command: EditDetails
) -> MaterialRequest:
    """Change what a draft is for and its approvals and permits (before it is submitted)."""
    _expect(request, command.version)
    if request.status is not RequestStatus.DRAFT:
        raise InvalidState(
            f"A request that is {_words(request.status)} keeps its details.", field="status"
        )
    for name, value in given(command, "version").items():
        setattr(request, name, value)
    request.version += 1
    session.flush()
    return request


def create_request(
    session: Session, user: User, command: NewRequest
) -> tuple[MaterialRequest, bool]:
    """A new request (a draft: the cart), submitted at once if asked. With an idempotency key
    already used by this user, the request made then is returned and nothing changes.
    Returns (request, created)."""
    key = command.idempotency_key
    earlier = _made_with(session, user, key)
    if earlier is not None:
        return earlier, False
    if user.organisation_id is None:
        raise ValidationFailed(
            {"organisation": ["Your account belongs to no organisation; ask an administrator."]}
        )
    chosen = [_distributable(session, line.material_id) for line in command.lines]
    if len({m.collection_id for m in chosen}) > 1:
        raise ValidationFailed(
            {"lines": ["A request asks one collection; make one request per collection."]}
        )
    now = utcnow()
    request = MaterialRequest(
        number=f"R{now:%Y}-{secrets.token_hex(3).upper()}",
        collection_id=chosen[0].collection_id,
        organisation_id=user.organisation_id,
        requester_id=user.id,
        idempotency_key=key,
        status=RequestStatus.DRAFT,
        version=1,
        created_at=now,
        changed_at=now,
        **given(command, "lines", "idempotency_key", "submit"),
    )
    for line, material in zip(command.lines, chosen, strict=True):
        _add_line(request, material, line)
    try:
        with session.begin_nested():  # a twin sent at the same moment may win the key
            session.add(request)
            session.flush()
    except IntegrityError:
        earlier = _made_with(session, user, key)
        if earlier is None:
            raise
        return earlier, False
    _step(session, request, RequestStatus.DRAFT, None)
    if command.submit:
        submit(session, request)
    return request, True


def _made_with(session: Session, user: User, key: str | None) -> MaterialRequest | None:
    """The request this user made with this idempotency key, if any."""
    if key is None:
        return None
    return session.scalar(
        select(MaterialRequest).where(
            MaterialRequest.requester_id == user.id, MaterialRequest.idempotency_key == key
        )
    )


def add_line(session: Session, request: MaterialRequest, command: NewLine) -> RequestLine:
    """Put one more material in a draft request."""
    if request.status is not RequestStatus.DRAFT:
        raise InvalidState("Lines are added to draft requests only.", field="status")
    material = _distributable(session, command.material_id)
    if material.collection_id != request.collection_id:
        raise ValidationFailed(
            {"material_id": ["A request asks one collection; make another request for this one."]}
        )
    line = _add_line(request, material, command)
    request.version += 1
    session.flush()
    return line


def _add_line(request: MaterialRequest, material: Material, wanted: NewLine) -> RequestLine:
    if any(m.material_id == material.id and m.form is wanted.form for m in request.lines):
        raise ValidationFailed(
            {"lines": [f"{material.accession_number} as {wanted.form.value} is listed twice."]}
        )
    line = RequestLine(
        material=material,
        material_id=material.id,
        form=wanted.form,
        quantity=wanted.quantity,
        purpose=wanted.purpose,
        decision=LineDecision.PENDING,
    )
    request.lines.append(line)
    return line


def _distributable(session: Session, material_id: int) -> Material:
    """A material the catalogue offers (internal ones do not exist for requesters)."""
    material = session.get(Material, material_id)
    if material is None or material.access_level not in PUBLIC:
        raise NotFound(f"No material with id {material_id} in the catalogue.", field="material_id")
    return material


def submit(session: Session, request: MaterialRequest, command: Step = NO_DATA) -> MaterialRequest:
    """Send the request to the curators, once it passes every check."""
    note = _begin(request, RequestStatus.SUBMITTED, command)
    checks.enforce(checks.check(session, request, request.lines))
    _move(session, request, RequestStatus.SUBMITTED, note)
    return request


# --- review and decision ---------------------------------------------------------------------


def start_review(
    session: Session, request: MaterialRequest, command: Step = NO_DATA
) -> MaterialRequest:
    """A curator takes the request under review."""
    note = _begin(request, RequestStatus.UNDER_REVIEW, command)
    _move(session, request, RequestStatus.UNDER_REVIEW, note)
    return request


def proposal(session: Session, request: MaterialRequest) -> dict[int, list]:
    """The items each undecided or approved line would get now (nothing is reserved)."""
    return {
        line.id: reservations.propose(session, line)
        for line in request.lines
        if line.decision is not LineDecision.REJECTED
    }


def decide(
    session: Session, request: MaterialRequest, command: Decision = APPROVE_ALL
) -> MaterialRequest:
    """Approve (all or some lines) or reject, with a reason for what is rejected. The checks
    run again, and the approved lines' items are reserved: the curator's picks, or the
    proposal. All of it, or nothing."""
    note = _begin(request, RequestStatus.APPROVED, command)
    by_id = {line.id: line for line in request.lines}
    picks: dict[int, list[str]] = {}
    decided: dict[int, LineVerdict] = {}
    for verdict in command.decisions:
        line = by_id.get(verdict.line_id)
        if line is None:
            raise ValidationFailed({"decisions": [f"No line {verdict.line_id} here."]})
        if not verdict.approve and not (verdict.reason or note):
            raise ValidationFailed({"decisions": [f"Say why line {line.id} is rejected."]})
        if verdict.items:
            if not verdict.approve:
                raise ValidationFailed({"decisions": ["Items are picked for approved lines."]})
            picks[line.id] = list(verdict.items)
        decided[line.id] = verdict
    for line in request.lines:
        verdict = decided.get(line.id, LineVerdict(line_id=line.id, approve=True))
        line.decision = LineDecision.APPROVED if verdict.approve else LineDecision.REJECTED
        line.decision_reason = verdict.reason or (None if verdict.approve else note)
        line.decided_by = actor_id(session)
    approved = [line for line in request.lines if line.decision is LineDecision.APPROVED]
    if not approved:
        request.decision_reason = note or "; ".join(
            line.decision_reason for line in request.lines if line.decision_reason
        )
        _move(session, request, RequestStatus.REJECTED, request.decision_reason)
        return request
    checks.enforce(checks.check(session, request, approved))
    reservations.reserve(session, request, approved, picks)
    whole = len(approved) == len(request.lines)
    request.decision_reason = note
    _move(
        session,
        request,
        RequestStatus.APPROVED if whole else RequestStatus.PARTLY_APPROVED,
        note,
    )
    return request


# --- agreement, preparation, shipment, delivery ------------------------------------------------


def accept_agreement(
    session: Session,
    user: User,
    request: MaterialRequest,
    command: Acceptance,
    *,
    address: str | None = None,
) -> AgreementAcceptance:
    """The requester accepts the latest version of the agreement the request falls under (the
    SMTA for seeds of the multilateral system): who, for which organisation, when, from
    which network address."""
    _begin(request, RequestStatus.AGREEMENT_SIGNED, command)
    approved = [x.material for x in request.lines if x.decision is LineDecision.APPROVED]
    template = agreements.applicable(session, request.collection_id, approved)
    if template is None:
        kind = agreements.required_kind(approved).value.upper()
        raise InvalidState(
            f"{request.collection.code} has no {kind} to accept yet; the curators will add it.",
            field="agreement",
        )
    version = session.get(AgreementVersion, command.agreement_version_id)
    if version is None or version.template_id != template.id:
        raise ValidationFailed(
            {"agreement_version_id": [f"This request is accepted under {template.name!r}."]}
        )
    latest = template.versions[-1]
    if version.id != latest.id:
        raise Conflict(
            f"Version {version.number} of {template.name!r} was replaced by version "
            f"{latest.number}; read and accept that one.",
            field="agreement_version_id",
        )
    acceptance = AgreementAcceptance(
        request=request,
        version=version,
        user_id=user.id,
        organisation_id=request.organisation_id,
        signer_name=command.signer_name,
        address=(address or "")[:64] or None,
        accepted_at=utcnow(),
    )
    session.add(acceptance)
    _move(session, request, RequestStatus.AGREEMENT_SIGNED, None)  # the acceptance says who
    return acceptance


def prepare(session: Session, request: MaterialRequest, command: Step = NO_DATA) -> MaterialRequest:
    """Start preparing the shipment."""
    note = _begin(request, RequestStatus.BEING_PREPARED, command)
    _move(session, request, RequestStatus.BEING_PREPARED, note)
    return request


def ship(session: Session, request: MaterialRequest, command: Ship) -> Shipment:
    """The reserved items leave: packaging, conditions, courier and tracking number; they
    become distributed and leave their positions, keeping their history."""
    note = _begin(request, RequestStatus.SHIPPED, command)
    shipping.require_destination(request)
    reservations.dispatch(session, request)
    shipment = Shipment(
        request=request,
        packaging=command.packaging,
        condition=command.condition,
        courier=command.courier,
        tracking_number=command.tracking_number,
        shipped_at=utcnow(),
    )
    session.add(shipment)
    _move(session, request, RequestStatus.SHIPPED, note)  # the shipment says how
    return shipment


def confirm_delivery(session: Session, request: MaterialRequest, command: Step = NO_DATA) -> None:
    """The requester confirms the parcel arrived."""
    note = _begin(request, RequestStatus.DELIVERED, command)
    assert request.shipment is not None, "only a shipped request may be delivered"
    request.shipment.delivered_at = utcnow()
    _move(session, request, RequestStatus.DELIVERED, note)


def close(session: Session, request: MaterialRequest, command: Step = NO_DATA) -> None:
    """Close a delivered request."""
    note = _begin(request, RequestStatus.CLOSED, command)
    _move(session, request, RequestStatus.CLOSED, note)


def cancel(session: Session, request: MaterialRequest, command: Step = NO_DATA) -> None:
    """Cancel at any step before shipping; reserved items go back to the stock."""
    _expect(request, command.version)
    if request.status not in CANCELLABLE:
        raise InvalidState(
            f"A request that is {_words(request.status)} can no longer be cancelled.",
            field="status",
        )
    reservations.release(session, request, command.note)
    _move(session, request, RequestStatus.CANCELLED, command.note)


# --- after delivery -----------------------------------------------------------------------------


def give_feedback(
    session: Session, user: User, request: MaterialRequest, command: Rating
) -> Feedback:
    """The requester's rating and comment; a delivered request is closed by it."""
    _after_delivery(request, "Feedback")
    if request.feedback is not None:
        raise Conflict("Feedback was given already.", field="feedback")
    feedback = Feedback(
        request=request,
        user_id=user.id,
        at=utcnow(),
        rating=command.rating,
        comment=command.comment,
    )
    session.add(feedback)
    session.flush()
    if request.status is RequestStatus.DELIVERED:
        _move(session, request, RequestStatus.CLOSED, None)  # the feedback says how it went
    return feedback


def report_publication(
    session: Session, user: User, request: MaterialRequest, command: NewPublication
) -> Publication:
    """A publication or result that used the material."""
    _after_delivery(request, "Publications")
    publication = Publication(
        request=request,
        user_id=user.id,
        at=utcnow(),
        citation=command.citation,
        doi=command.doi,
        note=command.note,
    )
    session.add(publication)
    session.flush()
    return publication


def _after_delivery(request: MaterialRequest, what: str) -> None:
    if request.status not in (RequestStatus.DELIVERED, RequestStatus.CLOSED):
        raise InvalidState(
            f"{what} come after delivery; the request is {_words(request.status)}.",
            field="status",
        )


def packing_list(session: Session, request: MaterialRequest) -> dict[str, Any]:
    """The packing list as plain data: request, recipient, shipment, the agreement, the
    ABS/Nagoya and IP terms, and one row per item."""
    shipment, acceptance = request.shipment, request.acceptance
    rows: list[dict[str, Any]] = []
    terms: list[str] = []
    for allocation in request.allocations:
        item, material = allocation.item, allocation.line.material
        material_terms = agreements.terms(material)
        terms.extend(t for t in material_terms if t not in terms)
        rows.append(
            {
                "barcode": item.barcode,
                "accession_number": material.accession_number,
                "designation": material.designation,
                "lot": item.lot.label,
                "quantity": format(item.quantity.normalize(), "f"),
                "unit": item.unit.value,
                "terms": material_terms,
            }
        )
    return {
        "request": request.number,
        "recipient": request.requester.name,
        "organisation": request.organisation.name,
        "address": request.shipping_address,
        "country": request.destination_country,
        "courier": shipment.courier if shipment else None,
        "tracking_number": shipment.tracking_number if shipment else None,
        "condition": shipment.condition.value if shipment else None,
        "packaging": shipment.packaging if shipment else None,
        "agreement": (
            f"{acceptance.version.template.name} v{acceptance.version.number} "
            f"(SHA-256 {acceptance.version.sha256[:16]}…)"
            if acceptance
            else None
        ),
        "terms": terms,
        "rows": rows,
    }


# --- the state machine -------------------------------------------------------------------------


def _begin(request: MaterialRequest, to: RequestStatus, command: Step) -> str | None:
    """Check the caller read the current version and the step is allowed; the step's note."""
    _expect(request, command.version)
    if to not in REQUEST_TRANSITIONS[request.status]:
        raise InvalidState(
            f"A request that is {_words(request.status)} cannot become {_words(to)}.",
            field="status",
        )
    return command.note


def _expect(request: MaterialRequest, version: int | None) -> None:
    if version is not None and version != request.version:
        raise Conflict(
            f"The request changed since you read it (it is at version {request.version}, you "
            f"sent {version}); read it again.",
            field="version",
        )


def _move(session: Session, request: MaterialRequest, to: RequestStatus, note: str | None) -> None:
    request.status = to
    request.changed_at = utcnow()
    request.version += 1
    _step(session, request, to, note)


def _step(session: Session, request: MaterialRequest, to: RequestStatus, note: str | None) -> None:
    """Record the step and tell the requester (and, for a new request, the curators)."""
    step = RequestStep(request=request, status=to, at=request.changed_at, note=note)
    step.actor_id = actor_id(session)
    session.add(step)
    session.flush()
    _notify(session, request, to, note)


def _notify(
    session: Session, request: MaterialRequest, to: RequestStatus, note: str | None
) -> None:
    subject = f"Request {request.number}: {_words(to)}"
    after = NEXT_STEPS.get(to)
    body = (
        f"Request {request.number} to {request.collection.name} is now {_words(to)}."
        + (f"\n\n{note}" if note else "")
        + (f"\n\nNext: {after.text}" if after else "")
        + f"\n\nLines: {len(request.lines)}. Follow it at /api/v1/requests/{request.id}."
    )
    notifications.enqueue(session, [request.requester.email], subject, body, request_id=request.id)
    if to is RequestStatus.SUBMITTED:
        notifications.enqueue(
            session,
            _curators(session, request),
            f"New request {request.number} from {request.organisation.name}",
            body,
            request_id=request.id,
        )


def _curators(session: Session, request: MaterialRequest) -> list[str]:
    """The emails of the active curators of the request's collection."""
    return list(
        session.scalars(
            select(User.email)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                RoleGrant.role == Role.CURATOR,
                RoleGrant.collection_id == request.collection_id,
                User.active.is_(True),
            )
        )
    )


REMINDER = "Overdue: "


def remind_overdue(session: Session, days: int) -> int:
    """Queue one reminder per request idle in an unfinished step for longer than `days`,
    to whoever must act next (the requester, or the collection's curators); a request is
    reminded again only after it moves on and stalls anew. Returns how many were reminded."""
    since = utcnow() - timedelta(days=days)
    reminded = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.request_id == MaterialRequest.id,
            OutboxMessage.subject.startswith(REMINDER),
            OutboxMessage.created_at >= MaterialRequest.changed_at,
        )
        .exists()
    )
    stalled = session.scalars(stalled_since(since).where(~reminded)).all()
    for request in stalled:
        step, after = _words(request.status), NEXT_STEPS[request.status]
        if after.actor is Actor.LAB:
            to, action = [request.requester.email], "It waits for you"
        else:
            to, action = _curators(session, request), "It waits for the collection"
        body = (
            f"Request {request.number} to {request.collection.name} has been {step} since "
            f"{request.changed_at:%Y-%m-%d}. {action}: {after.text} "
            f"/api/v1/requests/{request.id}."
        )
        notifications.enqueue(
            session,
            to,
            f"{REMINDER}request {request.number} is {step}",
            body,
            request_id=request.id,
        )
    return len(stalled)


def stalled_since(since: datetime) -> Select[MaterialRequest]:
    """The requests in an unfinished step unchanged since `since` (overdue when `since` is
    REQUEST_OVERDUE_DAYS ago), oldest change first."""
    return (
        select(MaterialRequest)
        .where(MaterialRequest.status.not_in(FINISHED), MaterialRequest.changed_at < since)
        .order_by(MaterialRequest.changed_at, MaterialRequest.id)
    )


# The unfinished steps that wait for the collection.
WAITING = tuple(status for status, step in NEXT_STEPS.items() if step.actor is Actor.COLLECTION)


@lru_cache(maxsize=8)
def overdue_requests(days: int = OVERDUE_DAYS) -> due_line.Rule:
    """The rule of the requests that wait for their collection and are overdue by the end of
    a day: due `days` after their last step (one rule for each `days`)."""

    def rows(today: date) -> Select[Any]:
        end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC)
        return (
            stalled_since(end - timedelta(days=days))
            .with_only_columns(
                *due_line.key(
                    days_after(day_of(MaterialRequest.changed_at), days),
                    "request",
                    MaterialRequest.id,
                    MaterialRequest.collection_id,
                ),
                MaterialRequest.number,
                MaterialRequest.status,
                MaterialRequest.changed_at,
            )
            .where(MaterialRequest.status.in_(WAITING))
            .order_by(None)
        )

    return due_line.Rule(rows, _overdue_line)


def _overdue_line(row: Any) -> DueLine:
    return due_line.line(
        "request",
        "request",
        row.record_id,
        row.number,
        row.due_on,
        row.collection_id,
        "request_overdue",
        number=row.number,
        status=row.status.value,
        since=f"{row.changed_at:%Y-%m-%d}",
    )


def due(session: Session, today: date, days: int = OVERDUE_DAYS) -> list[DueLine]:
    """The requests overdue by the end of `today` (overdue_requests)."""
    return overdue_requests(days)(session, today)


def _words(status: RequestStatus) -> str:
    return status.value.replace("_", " ")
