"""Approvals racing for the same vials on real connections: each vial is reserved once, and
every approval that loses is told why."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from repository import audit
from repository.db import unit_of_work
from repository.errors import DomainError
from repository.models import Allocation, Item, MaterialRequest, User
from repository.schemas.sharing import DecisionSchema, RequestSchema
from repository.services import sharing
from repository.vocabulary import ItemStatus, RequestStatus
from tests.sharing import DESTINATION, build, under_review

THREADS = 50
VIALS = 10


def competing_requests(factory) -> tuple[list[int], list[str]]:
    """50 requests under review, one vial each: half let the proposal choose, half pick a
    vial by barcode (five requests per vial)."""
    with unit_of_work(factory) as db:
        w, ids = under_review(db, vials=VIALS, count=THREADS)
        return ids, w.vials


def approval(request_id: int, index: int, vials: list[str]):
    def act(db) -> None:
        request = sharing.get_request(db, request_id, lock=True)
        decisions = []
        if index % 2:
            pick = [vials[index % VIALS]]
            decisions = [{"line_id": request.lines[0].id, "approve": True, "items": pick}]
        sharing.decide(db, request, DecisionSchema().load_or_fail({"decisions": decisions}))

    return act


def test_fifty_approvals_compete_for_ten_vials(committing_factory):
    ids, vials = competing_requests(committing_factory)
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = [None] * THREADS

    def run(index: int) -> None:
        try:
            with unit_of_work(committing_factory) as db:
                barrier.wait(timeout=30)
                approval(ids[index], index, vials)(db)
            outcomes[index] = "ok"
        except DomainError as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes.count("ok") == VIALS, outcomes
    refusals = [o for o in outcomes if o != "ok"]
    assert len(refusals) == THREADS - VIALS
    assert all(isinstance(r, DomainError) and r.detail for r in refusals), refusals
    with unit_of_work(committing_factory, write=False) as db:
        allocated = db.scalars(select(Allocation.item_id)).all()
        assert len(allocated) == VIALS == len(set(allocated))
        reserved = db.scalar(
            select(func.count()).select_from(Item).where(Item.status == ItemStatus.RESERVED)
        )
        assert reserved == VIALS
        approved = db.scalar(
            select(func.count())
            .select_from(MaterialRequest)
            .where(MaterialRequest.status == RequestStatus.APPROVED)
        )
        assert approved == VIALS
        assert audit.verify(db) is None


def test_the_same_idempotency_key_sent_ten_times_at_once_makes_one_request(committing_factory):
    with unit_of_work(committing_factory) as db:
        w = build(db, vials=2)
        requester_id, strain_id = w.requester.id, w.strain.id
    barrier = threading.Barrier(10)
    made: list[object] = [None] * 10
    body = {
        "lines": [{"material_id": strain_id, "form": "cryovial", "quantity": 1}],
        "idempotency_key": "twice-clicked",
        "submit": True,
        **DESTINATION,
    }

    def send(index: int) -> None:
        with unit_of_work(committing_factory) as db:
            barrier.wait(timeout=30)
            request, _ = sharing.create_request(
                db, db.get(User, requester_id), RequestSchema().load_or_fail(body)
            )
            made[index] = request.id

    threads = [threading.Thread(target=send, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert None not in made and len(set(made)) == 1
    with unit_of_work(committing_factory, write=False) as db:
        assert db.scalar(select(func.count()).select_from(MaterialRequest)) == 1
