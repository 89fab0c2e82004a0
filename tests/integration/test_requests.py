"""Sharing requests through the services: the whole workflow, the checks, reservation, and
bad input refused with nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from repository.errors import Conflict, InvalidState, NotFound, ValidationFailed
from repository.models import Allocation, Consent, Event, Item, OutboxMessage, StockAlert
from repository.models.base import utcnow
from repository.schemas.sharing import (
    AcceptanceSchema,
    DecisionSchema,
    FeedbackSchema,
    NewVersion,
    PublicationSchema,
    RequestLineSchema,
    RequestSchema,
    ShipmentSchema,
    StepSchema,
)
from repository.services import agreements, sharing
from repository.vocabulary import EventType, ItemStatus, RequestStatus
from tests.sharing import DESTINATION, accept, available, build


@pytest.fixture
def w(db):
    return build(db)


def ask(db, w, *lines, user=None, **fields):
    data = {
        "lines": [
            {"material_id": m.id, "form": form, "quantity": n, "purpose": "growth study"}
            for m, form, n in lines
        ],
        **DESTINATION,
        **fields,
    }
    request, _ = sharing.create_request(db, user or w.requester, RequestSchema().load_or_fail(data))
    return request


def test_the_whole_workflow(db, w):
    request = ask(db, w, (w.strain, "cryovial", 2), submit=True)
    assert request.status is RequestStatus.SUBMITTED
    sharing.start_review(db, request)
    sharing.decide(db, request, DecisionSchema().load_or_fail({"note": "fine"}))
    assert request.status is RequestStatus.APPROVED
    reserved = [a.item for a in request.allocations]
    assert [i.barcode for i in reserved] == w.vials[:2]  # oldest first
    assert {i.status for i in reserved} == {ItemStatus.RESERVED}
    acceptance = accept(db, w, request)
    assert acceptance.address == "192.0.2.1" and acceptance.organisation_id == w.lab.id
    sharing.prepare(db, request)
    sharing.ship(
        db,
        request,
        ShipmentSchema().load_or_fail(
            {
                "packaging": "UN3373 box",
                "condition": "dry_ice",
                "courier": "DHL",
                "tracking_number": "1Z9",
            }
        ),
    )
    assert {i.status for i in reserved} == {ItemStatus.DISTRIBUTED}
    assert all(i.container_id is None for i in reserved)
    packing = sharing.packing_list(db, request)
    assert [r["barcode"] for r in packing["rows"]] == w.vials[:2]
    assert "Nagoya/ABS status: within the Nagoya Protocol" in packing["terms"]
    assert packing["condition"] == "dry_ice" and packing["agreement"].startswith("SHR mta v1")
    sharing.confirm_delivery(db, request)
    sharing.give_feedback(
        db,
        w.requester,
        request,
        FeedbackSchema().load_or_fail({"rating": 5, "comment": "Grew well."}),
    )
    assert request.status is RequestStatus.CLOSED
    sharing.report_publication(
        db,
        w.requester,
        request,
        PublicationSchema().load_or_fail({"citation": "Far A. (2026) J Bact."}),
    )
    steps = [s.status.value for s in request.steps]
    assert steps == [
        "draft",
        "submitted",
        "under_review",
        "approved",
        "agreement_signed",
        "being_prepared",
        "shipped",
        "delivered",
        "closed",
    ]
    history = db.scalars(select(Event.type).where(Event.item_id == reserved[0].id)).all()
    assert EventType.RESERVED in history and EventType.SHIPPED in history
    mails = db.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.request_id == request.id)
    )
    recipients = list(mails)
    assert recipients.count(w.requester.email) == 9 and "curator.shr@example.org" in recipients
    db.flush()


def test_same_idempotency_key_makes_one_request(db, w):
    first = ask(db, w, (w.strain, "cryovial", 1), submit=True, idempotency_key="k-1")
    again, created = sharing.create_request(
        db,
        w.requester,
        RequestSchema().load_or_fail(
            {
                "lines": [{"material_id": w.strain.id, "form": "cryovial", "quantity": 1}],
                "idempotency_key": "k-1",
            }
        ),
    )
    assert again.id == first.id and not created


def test_checks_name_each_rule(db, w):
    request = ask(db, w, (w.strain, "cryovial", 2), user=w.small_requester)
    with pytest.raises(ValidationFailed) as refused:
        sharing.submit(db, request)
    assert "biosafety" in refused.value.errors
    assert "BSL-1" in refused.value.errors["biosafety"][0]
    assert request.status is RequestStatus.DRAFT

    human = ask(db, w, (w.specimen, "tube", 1), intended_use="genetic_research")
    with pytest.raises(ValidationFailed) as refused:
        sharing.submit(db, human)
    assert set(refused.value.errors) == {"ethics_approval", "consent", "hgr_approval"}

    seed = ask(db, w, (w.seed, "seed_packet", 1))
    with pytest.raises(ValidationFailed) as refused:
        sharing.submit(db, seed)
    assert "phytosanitary" in refused.value.errors["seed_permits"][0]

    too_many = ask(db, w, (w.strain, "cryovial", 6))
    with pytest.raises(ValidationFailed) as refused:
        sharing.submit(db, too_many)
    assert "the last 1 are kept" in refused.value.errors["minimum_stock"][0]

    restricted = ask(db, w, (w.restricted, "cryovial", 1))
    restricted.lines[0].purpose = None
    with pytest.raises(ValidationFailed) as refused:
        sharing.submit(db, restricted)
    assert "restricted_purpose" in refused.value.errors


def test_human_material_with_approvals_passes_and_withdrawn_consent_blocks(db, w):
    fields = {"ethics_approval": "IRB-2026-7", "hgr_approval": "HGR-2026-0001"}
    human = ask(db, w, (w.specimen, "tube", 1), **fields)
    sharing.submit(db, human)
    sharing.start_review(db, human)
    consent = db.scalar(select(Consent).where(Consent.donor_id == w.specimen.donor_id))
    consent.withdrawn_on = consent.signed_on.replace(year=2025)
    with pytest.raises(ValidationFailed) as refused:  # checked again at approval
        sharing.decide(db, human)
    assert "withdrew consent" in refused.value.errors["consent"][0]


def test_partly_approved_with_picks_and_cancel_releases(db, w):
    request = ask(db, w, (w.strain, "cryovial", 2), (w.restricted, "cryovial", 1), submit=True)
    sharing.start_review(db, request)
    strain_line, restricted_line = request.lines
    with pytest.raises(ValidationFailed):
        sharing.decide(
            db,
            request,
            DecisionSchema().load_or_fail(
                {"decisions": [{"line_id": restricted_line.id, "approve": False}]}
            ),
        )
    sharing.decide(
        db,
        request,
        DecisionSchema().load_or_fail(
            {
                "decisions": [
                    {"line_id": strain_line.id, "approve": True, "items": w.vials[4:6]},
                    {
                        "line_id": restricted_line.id,
                        "approve": False,
                        "reason": "Not for this use.",
                    },
                ]
            }
        ),
    )
    assert request.status is RequestStatus.PARTLY_APPROVED
    assert sorted(a.item.barcode for a in request.allocations) == sorted(w.vials[4:6])
    assert db.scalar(select(func.count()).select_from(StockAlert)) == 0  # 4 left: threshold 3
    sharing.cancel(db, request, StepSchema().load_or_fail({"note": "Project stopped."}))
    assert request.status is RequestStatus.CANCELLED
    assert available(db, w.strain.id) == 6
    assert db.scalar(select(func.count()).select_from(Allocation)) == 0


def test_bad_input_is_refused_and_changes_nothing(db, w):
    with pytest.raises(NotFound):
        ask(db, w, (w.internal, "cryovial", 1))
    with pytest.raises(ValidationFailed):
        sharing.create_request(
            db,
            w.requester,
            RequestSchema().load_or_fail(
                {"lines": [{"material_id": 999999, "form": "vial", "quantity": 1}]}
            ),
        )
    request = ask(db, w, (w.strain, "cryovial", 1))
    with pytest.raises(InvalidState):
        sharing.ship(
            db,
            request,
            ShipmentSchema().load_or_fail(
                {"packaging": "b", "condition": "ambient", "courier": "c", "tracking_number": "t"}
            ),
        )
    with pytest.raises(InvalidState):
        sharing.decide(db, request)
    read = request.version
    sharing.add_line(
        db,
        request,
        RequestLineSchema().load_or_fail(
            {"material_id": w.restricted.id, "form": "cryovial", "quantity": 1, "purpose": "x"}
        ),
    )
    with pytest.raises(Conflict) as stale:
        sharing.submit(db, request, StepSchema().load_or_fail({"version": read}))
    assert stale.value.field == "version"
    assert request.status is RequestStatus.DRAFT
    sharing.submit(db, request)
    sharing.start_review(db, request)
    sharing.decide(db, request)
    accept(db, w, request)
    sharing.prepare(db, request)
    sharing.ship(
        db,
        request,
        ShipmentSchema().load_or_fail(
            {"packaging": "b", "condition": "ambient", "courier": "c", "tracking_number": "t"}
        ),
    )
    with pytest.raises(InvalidState):
        sharing.cancel(db, request)


def test_stale_agreement_version_is_refused(db, w):
    request = ask(db, w, (w.strain, "cryovial", 1), submit=True)
    sharing.start_review(db, request)
    sharing.decide(db, request)
    template = agreements.applicable(db, request.collection_id, [w.strain])
    old = template.versions[-1]
    agreements.add_version(db, template, NewVersion(text="Terms, revised."))
    with pytest.raises(Conflict) as stale:
        sharing.accept_agreement(
            db,
            w.requester,
            request,
            AcceptanceSchema().load_or_fail({"agreement_version_id": old.id, "signer_name": "A"}),
        )
    assert "replaced by version 2" in stale.value.detail
    assert request.status is RequestStatus.APPROVED


def test_seed_in_the_mls_goes_under_the_smta(db, w):
    seed = ask(
        db,
        w,
        (w.seed, "seed_packet", 1),
        phytosanitary_certificate="PC-1",
        destination_country="GBR",
        submit=True,
    )
    sharing.start_review(db, seed)
    sharing.decide(db, seed)
    acceptance = accept(db, w, seed)
    assert acceptance.version.template.kind.value == "smta"


def test_low_stock_raises_an_alert_once(db, w):
    request = ask(db, w, (w.strain, "cryovial", 4), submit=True)
    sharing.start_review(db, request)
    sharing.decide(db, request)
    alerts = db.scalars(select(StockAlert)).all()
    assert [(a.kind.value, a.available, a.threshold) for a in alerts] == [("re_culture", 2, 3)]
    assert db.scalar(select(func.count()).select_from(Item).where(Item.status == "reserved")) == 4


def test_stalled_requests_remind_whoever_acts_next_once(db, w):
    waiting_for_curators = ask(db, w, (w.strain, "cryovial", 1), submit=True)
    waiting_for_requester = ask(db, w, (w.strain, "cryovial", 1), submit=True)
    sharing.start_review(db, waiting_for_requester)
    sharing.decide(db, waiting_for_requester)
    fresh = ask(db, w, (w.strain, "cryovial", 1), submit=True)
    long_ago = utcnow() - timedelta(days=30)
    for request in (waiting_for_curators, waiting_for_requester):
        request.changed_at = long_ago
    db.flush()

    def reminders(request):
        return db.scalars(
            select(OutboxMessage.recipient).where(
                OutboxMessage.request_id == request.id,
                OutboxMessage.subject.startswith(sharing.REMINDER),
            )
        ).all()

    assert sharing.remind_overdue(db, days=14) == 2
    assert reminders(waiting_for_curators) == ["curator.shr@example.org"]
    assert reminders(waiting_for_requester) == [w.requester.email]
    assert reminders(fresh) == []
    assert sharing.remind_overdue(db, days=14) == 0  # once per stall
    for message in db.scalars(select(OutboxMessage)):  # as if all this was weeks ago
        message.created_at = long_ago + timedelta(days=1)
    accept(db, w, waiting_for_requester)  # the requester acts; the request may stall anew
    waiting_for_requester.changed_at = long_ago + timedelta(days=5)
    db.flush()
    assert sharing.remind_overdue(db, days=14) == 1
