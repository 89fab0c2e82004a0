"""Cell culture: the passage limit (and its override), master and working cell banks, the
mycoplasma and sterility testing schedule that distribution asks for, and the quarantine a
positive result brings to a lot and the lots that came from it."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from api import create_app
from api.web.history import event_sentence
from repository.errors import InvalidState, ValidationFailed
from repository.models import Event, Lot
from repository.schemas.inventory import PassageIn, QcSchema, ReleaseIn
from repository.schemas.sharing import AgreementIn, DecisionSchema, RequestSchema
from repository.services import accounts, agreements, cell_culture, inventory, reservations, sharing
from repository.vocabulary import CellBankTier, EventType, RequestStatus, Role
from tests.factories import add_collection, add_material, items_of, make_strain, preserve
from tests.sharing import DESTINATION, build

VIALS = {
    "method": "ln2_vapour",
    "preserved_on": "2025-01-02",
    "items": 3,
    "quantity": "1000000",
    "unit": "cells",
    "form": "cryovial",
}


@pytest.fixture
def w(db) -> SimpleNamespace:
    return cell_bank(db)


def cell_bank(db) -> SimpleNamespace:
    """The sharing world plus cell bank CELL (with its agreement and curator) holding a cell
    line whose supplier allows 20 passages."""
    w = build(db)
    home = w.lot.material.collection.organisation
    add_collection(
        db, {"code": "CELL", "name": "Cells", "kind": "cell_bank", "organisation": home.name}
    )
    agreements.create_template(
        db,
        AgreementIn().load_or_fail(
            {"name": "CELL mta", "kind": "mta", "text": "Terms.", "collection": "CELL"}
        ),
    )
    accounts.register_user(db, "curator.cell@example.org", "C", roles=[(Role.CURATOR, "CELL")])
    w.line = add_material(
        db,
        "CELL",
        {
            "kind": "cell_line",
            "designation": "HeLa",
            "taxon_name": "Homo sapiens",
            "max_passage": 20,
        },
    )
    return w


def lot_at(db, w, passage: int, **fields) -> Lot:
    return preserve(db, w.line, {**VIALS, "passage_number": passage, **fields})


def passage(db, lot: Lot, **fields) -> Lot:
    given = {k: v for k, v in VIALS.items() if k != "method"}
    return inventory.passage(db, lot.id, PassageIn().load_or_fail({**given, **fields}))


def qc(db, lot: Lot, test: str, outcome: str = "pass", tested_on: date | None = None) -> None:
    day = (tested_on or date.today()).isoformat()
    inventory.record_qc(
        db, lot.id, QcSchema().load_or_fail({"test": test, "outcome": outcome, "tested_on": day})
    )


def submit(db, w, quantity: int):
    line = {"material_id": w.line.id, "form": "cryovial", "quantity": quantity}
    body = {"lines": [line], **DESTINATION}
    request, _ = sharing.create_request(db, w.requester, RequestSchema().load_or_fail(body))
    sharing.submit(db, request)
    return request


def test_a_passage_beyond_the_limit_is_refused_unless_overridden(db, w):
    at_limit = lot_at(db, w, 20)
    with pytest.raises(InvalidState) as refused:
        passage(db, at_limit)
    assert "max_passage 20" in refused.value.detail
    assert refused.value.field == "override_reason"
    with pytest.raises(ValidationFailed) as blank:
        passage(db, at_limit, override_reason="   ")
    assert "override_reason" in blank.value.errors

    beyond = passage(db, at_limit, override_reason="Last vials for the STR re-test.")
    assert beyond.passage_number == 21
    event = db.scalars(
        select(Event).where(Event.type == EventType.PASSAGED, Event.lot_id == beyond.id)
    ).one()
    assert event.data["beyond_limit"] == 20
    assert event.data["override_reason"] == "Last vials for the STR re-test."
    within = passage(db, lot_at(db, w, 5))
    assert within.passage_number == 6
    assert (
        "override_reason"
        not in db.scalars(
            select(Event.data).where(Event.type == EventType.PASSAGED, Event.lot_id == within.id)
        ).one()
    )


def test_distribution_beyond_the_limit_is_refused_by_the_checks(db, w):
    beyond = lot_at(db, w, 21)
    with pytest.raises(ValidationFailed) as refused:
        submit(db, w, 1)
    assert "beyond the limit of 20" in refused.value.errors["passage_limit"][0]

    lot_at(db, w, 19)  # within the limit: its 3 vials can go, those of `beyond` cannot
    request = submit(db, w, 2)
    sharing.start_review(db, request)
    held, good = items_of(db, beyond)[0].barcode, items_of(db, lot_at(db, w, 18))[0].barcode
    pick = {"line_id": request.lines[0].id, "approve": True, "items": [held, good]}
    picks = {"decisions": [pick]}
    with pytest.raises(ValidationFailed) as refused:
        sharing.decide(db, request, DecisionSchema().load_or_fail(picks))
    assert "passage_limit" in refused.value.errors
    sharing.decide(db, request, DecisionSchema().load_or_fail({}))
    assert request.status is RequestStatus.APPROVED
    assert {a.item.lot_id for a in request.allocations}.isdisjoint({beyond.id})


def test_a_working_bank_comes_from_a_master_bank_only(db, w):
    master = lot_at(db, w, 3, tier="mcb")
    working = passage(db, master, tier="wcb")
    assert working.tier is CellBankTier.WCB and working.parent_lot_id == master.id
    with pytest.raises(InvalidState) as refused:
        passage(db, working, tier="wcb")
    assert "from a master cell bank" in refused.value.detail and refused.value.field == "tier"
    with pytest.raises(InvalidState) as refused:
        passage(db, working, tier="mcb")
    assert "not made from a working cell bank" in refused.value.detail
    with pytest.raises(InvalidState):
        passage(db, lot_at(db, w, 3), tier="wcb")  # the parent is in no bank
    with pytest.raises(InvalidState):
        lot_at(db, w, 3, tier="wcb")  # no parent at all
    with pytest.raises(ValidationFailed) as refused:
        preserve(db, make_strain(db, "CELL"), {**VIALS, "tier": "mcb"})
    assert "tier" in refused.value.errors


def test_the_testing_schedule_holds_lots_without_recent_negative_tests(db, w):
    w.line.collection.qc_every_passages = 2
    w.line.collection.qc_every_months = 6
    parent = lot_at(db, w, 10)
    child = passage(db, parent)  # passage 11
    with pytest.raises(ValidationFailed) as refused:
        submit(db, w, 1)
    missing = refused.value.errors["testing_schedule"]
    assert any("no passing mycoplasma test" in m for m in missing)
    assert any("no passing sterility test" in m for m in missing)

    qc(db, parent, "mycoplasma")
    qc(db, parent, "sterility", tested_on=date(2020, 1, 1))  # too old
    qc(db, parent, "sterility", outcome="inconclusive")  # not a negative result
    with pytest.raises(ValidationFailed) as refused:
        submit(db, w, 1)
    assert all("sterility" in m for m in refused.value.errors["testing_schedule"])
    qc(db, parent, "sterility")
    assert cell_culture.holds(db, [w.line.id]) == {}  # the parent's tests cover passage 11
    grandchild = passage(db, child)  # passage 12: two passages after the tests
    assert {hold.rule for hold in cell_culture.holds(db, [w.line.id])[grandchild.id]} == {
        "testing_schedule"
    }
    request = submit(db, w, 6)  # the 6 vials of passages 10 and 11 are enough
    assert request.status is RequestStatus.SUBMITTED
    with pytest.raises(ValidationFailed) as refused:
        submit(db, w, 7)
    assert "testing_schedule" in refused.value.errors


def test_a_positive_result_quarantines_the_lot_and_its_descendants(db, w):
    first = lot_at(db, w, 10)
    second = passage(db, first)
    third = passage(db, second)
    other = lot_at(db, w, 4)
    qc(db, second, "mycoplasma", outcome="fail")
    quarantined = {lot.id for lot in (first, second, third, other) if lot.quarantined_at}
    assert quarantined == {second.id, third.id}
    events = db.scalars(
        select(Event).where(Event.type == EventType.ANNOTATED, Event.lot_id.in_(quarantined))
    ).all()
    assert {e.lot_id for e in events} == quarantined
    assert {e.data["quarantined"] for e in events} == {second.label}
    assert passage(db, third).quarantined_at is not None  # what grows from it stays there

    request = submit(db, w, 6)  # the vials of `first` and `other`
    line = request.lines[0]
    assert {i.lot_id for i in reservations.propose(db, line)} == {first.id, other.id}
    with pytest.raises(ValidationFailed) as refused:
        submit(db, w, 7)
    assert "quarantined since" in refused.value.errors["quarantine"][0]


def test_a_curator_lifts_a_quarantine_with_a_reason(db, w):
    first = lot_at(db, w, 10)
    second = passage(db, first)
    third = passage(db, second)
    qc(db, third, "sterility", outcome="fail")  # third alone, on its own failure
    qc(db, first, "mycoplasma", outcome="fail")  # then first and second together
    fourth = passage(db, second)  # grown from a quarantined lot: in the same quarantine
    with pytest.raises(ValidationFailed):
        ReleaseIn().load_or_fail({"reason": "  "})
    with pytest.raises(InvalidState, match="is not quarantined"):
        cell_culture.release(db, lot_at(db, w, 3).id, ReleaseIn().load_or_fail({"reason": "x"}))

    reason = "Retested negative by PCR on 2026-11-30."
    released = cell_culture.release(db, first.id, ReleaseIn().load_or_fail({"reason": reason}))
    assert {lot.id for lot in released} == {first.id, second.id, fourth.id}
    assert third.quarantined_at is not None  # its own failure is judged on its own
    events = db.scalars(
        select(Event).where(Event.lot_id.in_([first.id, second.id]), Event.type == "annotated")
    ).all()
    lifted = [e.data for e in events if "quarantine_lifted" in e.data]
    assert lifted == [{"quarantine_lifted": first.label, "reason": reason}] * 2
    held = cell_culture.holds(db, [w.line.id])
    assert set(held) == {third.id}


def test_the_history_says_the_override_and_the_quarantine_in_both_languages():
    app = create_app({"DATABASE_URL": "sqlite://"})
    quarantined = {"quarantined": "CELL 00001 L2", "test": "mycoplasma", "tested_on": "2026-01-01"}
    override = {"from_lot": 1, "to_lot": 2, "passage_number": 21}
    override |= {"beyond_limit": 20, "override_reason": "Last vials."}
    lifted = {"quarantine_lifted": "CELL 00001 L2", "reason": "Retested negative."}
    typed = {"quarantined": "CELL 00001 L2", "str_test": "2026-11-30", "verdict": "mismatch"}
    said = {}
    for lang in ("en", "zh"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            said[lang] = (
                event_sentence(EventType.ANNOTATED, quarantined),
                event_sentence(EventType.PASSAGED, override),
                event_sentence(EventType.ANNOTATED, lifted),
                event_sentence(EventType.ANNOTATED, typed),
            )
    assert said["en"] == (
        "Quarantined: the mycoplasma test of lot CELL 00001 L2 failed.",
        "Passaged from lot 1 to lot 2 (passage 21), beyond the passage limit of 20: Last vials.",
        "Quarantine lifted (with lot CELL 00001 L2): Retested negative.",
        "Quarantined after the STR test of 2026-11-30 of lot CELL 00001 L2 (mismatch).",
    )
    assert said["zh"][3] == "因批次 CELL 00001 L2 2026-11-30 的 STR 检测（鉴定不符）而隔离。"
    assert said["zh"][2] == "解除隔离（随批次 CELL 00001 L2）：Retested negative."
    assert said["zh"][0] == "已隔离：批次 CELL 00001 L2 的支原体不合格。"
    assert "超出传代上限 20 代" in said["zh"][1]
