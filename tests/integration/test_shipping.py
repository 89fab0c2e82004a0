"""What a shipment needs: no request is sent or shipped without an address and a destination
country; the shipping condition is proposed from the items' preservation; the picker gets
the reserved items in storage order with box and position (data and PDF); and after each step
both sides read what happens next and who must act."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import labels
from api.schemas.sharing import RequestOut
from repository.errors import ValidationFailed
from repository.models import Item, MaterialRequest, OutboxMessage
from repository.schemas.sharing import FeedbackSchema, RequestSchema, ShipmentSchema
from repository.services import labelling, sharing, shipping, storage
from repository.vocabulary import PreservationMethod, RequestStatus, ShippingCondition
from tests.conftest import make_box
from tests.factories import preserve
from tests.sharing import DESTINATION, accept, build

LINE = {"form": "cryovial", "purpose": "growth study"}
SHIP = {"packaging": "UN3373", "condition": "dry_ice", "courier": "DHL", "tracking_number": "1"}


@pytest.fixture
def w(db):
    return build(db, vials=6)


def approved(db, w, quantity: int = 2, material=None, **details) -> MaterialRequest:
    line = {**LINE, "material_id": (material or w.strain).id, "quantity": quantity}
    if material is w.seed:
        line["form"] = "seed_packet"
    body = {"lines": [line], **DESTINATION, **details}
    request, _ = sharing.create_request(db, w.requester, RequestSchema().load_or_fail(body))
    sharing.submit(db, request)
    sharing.start_review(db, request)
    sharing.decide(db, request)
    return request


@pytest.mark.parametrize("missing", ["shipping_address", "destination_country"])
def test_a_request_without_address_or_country_is_not_sent(db, w, missing):
    line = {**LINE, "material_id": w.strain.id, "quantity": 1}
    given = {k: v for k, v in DESTINATION.items() if k != missing}
    request, _ = sharing.create_request(
        db, w.requester, RequestSchema().load_or_fail({"lines": [line], **given})
    )
    with pytest.raises(ValidationFailed) as refused:
        sharing.submit(db, request)
    assert "shipping" in refused.value.errors and "cannot ship" not in refused.value.detail
    word = "address" if missing == "shipping_address" else "destination country"
    assert word in " ".join(refused.value.errors["shipping"])
    assert request.status is RequestStatus.DRAFT


def test_a_request_that_lost_its_address_does_not_ship(db, w):
    """Requests approved before the rule (or edited in the database) are stopped at the door."""
    request = approved(db, w)
    accept(db, w, request)
    sharing.prepare(db, request)
    request.shipping_address = None
    with pytest.raises(ValidationFailed) as refused:
        sharing.ship(
            db, request, ShipmentSchema().load_or_fail({**SHIP, "version": request.version})
        )
    assert refused.value.errors == {
        "shipping_address": ["Give the shipping address: the parcel cannot leave."]
    }
    assert f"Request {request.number} cannot ship" in refused.value.detail
    assert request.status is RequestStatus.BEING_PREPARED and request.shipment is None


def test_the_packing_list_names_where_it_goes(db, w):
    request = approved(db, w)
    accept(db, w, request)
    sharing.prepare(db, request)
    sharing.ship(db, request, ShipmentSchema().load_or_fail(SHIP))
    packing = labelling.packing_list(db, request.id)
    assert packing.recipient == (
        "Ada Far",
        w.lab.name,
        DESTINATION["shipping_address"],
        DESTINATION["destination_country"],
    )


def test_the_condition_is_proposed_from_the_preservation(db, w):
    frozen = approved(db, w)
    assert shipping.proposed_condition(frozen) is ShippingCondition.DRY_ICE
    seed = approved(db, w, 1, w.seed, phytosanitary_certificate="PC-1")
    assert shipping.proposed_condition(seed) is ShippingCondition.AMBIENT
    preserve(
        db,
        w.restricted,
        {
            "method": "ln2_vapour",
            "preserved_on": "2020-01-01",  # the oldest lot: proposed first
            "items": 1,
            "quantity": "1",
            "unit": "ml",
            "form": "cryovial",
        },
    )
    line = {**LINE, "material_id": w.restricted.id, "quantity": 1}
    tank, _ = sharing.create_request(
        db, w.requester, RequestSchema().load_or_fail({"lines": [line], **DESTINATION})
    )
    sharing.submit(db, tank)
    sharing.start_review(db, tank)
    sharing.decide(db, tank)
    assert shipping.proposed_condition(tank) is ShippingCondition.LN2_DRY_SHIPPER
    assert shipping.proposed_condition(MaterialRequest(allocations=[])) is None
    assert set(shipping.CONDITION) == set(PreservationMethod)  # every method has one


def test_the_pick_list_is_in_storage_order_with_box_and_position(db, w):
    box_10 = make_box(db, name="Box 10")
    box_2 = make_box(db, box_10.parent, name="Box 2")
    vials = {i.barcode: i for i in db.scalars(select(Item).where(Item.barcode.in_(w.vials)))}
    first, second, third = (vials[b] for b in w.vials[:3])
    storage.place_items(db, [first], box_10, [(1, 1)])
    storage.place_items(db, [second, third], box_2, [(3, 4), (1, 2)])
    request = approved(db, w, 3)
    rows = shipping.pick_list(db, request)
    assert [(r.place.rsplit(" › ", 1)[-1], r.position, r.barcode) for r in rows] == [
        ("Box 2", "A2", third.barcode),
        ("Box 2", "C4", second.barcode),
        ("Box 10", "A1", first.barcode),
    ]
    assert rows[0].place == "Site › Room › Freezer › Rack › Box 2"
    assert {r.status for r in rows} == {"reserved"}
    document = labelling.pick_list(db, request.id)
    assert document.conditions == "Ship: dry ice"
    assert [r.position for r in document.rows] == ["A2", "C4", "A1"]
    pdf = labels.render([document], "pdf")
    assert pdf.startswith(b"%PDF") and b"/Type /Page" in pdf


def test_each_step_says_what_happens_next_and_who_acts(db, w):
    line = {**LINE, "material_id": w.strain.id, "quantity": 1}
    request, _ = sharing.create_request(
        db, w.requester, RequestSchema().load_or_fail({"lines": [line], **DESTINATION})
    )

    def next_step() -> dict | None:
        return RequestOut().dump(request)["next_step"]

    seen = [next_step()]
    sharing.submit(db, request)
    seen.append(next_step())
    sharing.start_review(db, request)
    seen.append(next_step())
    sharing.decide(db, request)
    seen.append(next_step())
    accept(db, w, request)
    seen.append(next_step())
    sharing.prepare(db, request)
    seen.append(next_step())
    sharing.ship(db, request, ShipmentSchema().load_or_fail(SHIP))
    seen.append(next_step())
    sharing.confirm_delivery(db, request)
    seen.append(next_step())
    sharing.give_feedback(db, w.requester, request, FeedbackSchema().load_or_fail({"rating": 5}))
    seen.append(next_step())
    assert [(s["actor"], s["action"]) if s else None for s in seen] == [
        ("lab", "submit"),
        ("collection", "review"),
        ("collection", "decide"),
        ("lab", "accept_agreement"),
        ("collection", "prepare"),
        ("collection", "ship"),
        ("lab", "confirm_delivery"),
        ("lab", "feedback"),
        None,
    ]
    assert seen[3]["text"] == "The lab must accept the agreement."
    mails = db.scalars(select(OutboxMessage.body).where(OutboxMessage.request_id == request.id))
    assert any("Next: The lab must accept the agreement." in body for body in mails)
