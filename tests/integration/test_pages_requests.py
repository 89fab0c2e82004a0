"""The request pages through Flask's test client: the catalogue and cart of an external lab,
submission, the agreement, delivery and feedback; the curators' desk with its checks, decision
with picking, preparation, shipment and packing list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from api import create_app
from repository.db import unit_of_work
from repository.models import MaterialRequest, User
from repository.services import accounts
from tests.conftest import SECRET_KEY
from tests.sharing import DESTINATION, build

TOKEN = "csrf-test-token"


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    from tests.conftest import POSTGRES_URL, fresh_database
    from tests.databases import drop_schema

    backend = request.param
    schema = "pages_requests"
    url = fresh_database(backend, tmp_path_factory, schema)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": SECRET_KEY})
    with unit_of_work(app.extensions["biorepo"]) as db:
        w = build(db, vials=6)
        users = {
            name: db.scalar(select(User.id).where(User.email == email))
            for name, email in (
                ("requester", "req@far.example"),
                ("other_requester", "req@small.example"),
                ("curator", "curator.shr@example.org"),
                ("other_curator", "curator.seed@example.org"),
            )
        }
        ids = {"strain": w.strain.id, "internal": w.internal.id, "vials": w.vials, **users}
    yield app, None, ids
    app.extensions["biorepo.engine"].dispose()
    if backend == "postgresql":
        drop_schema(POSTGRES_URL, schema)


def as_user(app, user_id: int):
    """A client with a session for the user (the login page itself is tested elsewhere)."""
    with unit_of_work(app.extensions["biorepo"]) as db:
        secret = accounts.start_session(db, user_id, timedelta(hours=1))
    client = app.test_client()
    with client.session_transaction() as session:
        session["sid"], session["csrf"] = secret, TOKEN
    return client


def post(client, path: str, **data):
    return client.post(path, data={**data, "csrf_token": TOKEN})


def a_request(app, ids) -> tuple:
    lab = as_user(app, ids["requester"])
    line = {"material_id": ids["strain"], "form": "cryovial", "quantity": "1"}
    response = post(lab, "/catalogue/cart", **line, purpose="teaching")
    assert response.status_code == 303
    request_id = int(re.search(r"/requests/(\d+)", response.location).group(1))
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        version = db.get(MaterialRequest, request_id).version
    details = post(lab, f"/requests/{request_id}/details", version=str(version), **DESTINATION)
    assert details.status_code == 303
    return lab, request_id


def test_the_catalogue_shows_offers_and_the_cart_only_to_requesters(world):
    app, _, ids = world
    page = as_user(app, ids["requester"]).get("/catalogue?q=strain").data.decode()
    assert "open strain" in page and "internal" not in page.split("<h1>")[1].split("</main>")[0]
    assert f'href="/catalogue/{ids["strain"]}"' in page and "can be had" in page
    lab_view = as_user(app, ids["requester"]).get(f"/catalogue/{ids['strain']}").data.decode()
    assert "Add to the request" in lab_view and "No IP claimed." in lab_view
    staff = as_user(app, ids["curator"]).get(f"/catalogue/{ids['strain']}").data.decode()
    assert "Add to the request" not in staff and "No IP claimed." in staff
    nav = staff.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert 'href="/catalogue"' in nav and 'href="/requests"' in nav


def test_the_cart_collects_lines_and_refuses_without_csrf(world):
    app, _, ids = world
    lab, request_id = a_request(app, ids)
    line = {"material_id": ids["strain"], "form": "cryovial", "quantity": "1"}
    assert lab.post("/catalogue/cart", data=line).status_code == 403
    response = post(lab, "/catalogue/cart", **line)
    assert response.status_code == 422 and b"listed twice" in response.data
    response = post(lab, "/catalogue/cart", **{**line, "material_id": ids["internal"]})
    assert response.status_code == 404
    page = lab.get(f"/requests/{request_id}").data.decode()
    assert "Send the request" in page and "teaching" in page
    assert as_user(app, ids["other_requester"]).get(f"/requests/{request_id}").status_code == 404
    assert post(lab, f"/requests/{request_id}/cancel").status_code == 303


def test_a_request_from_cart_to_feedback(world):
    app, _, ids = world
    lab, rid = a_request(app, ids)
    desk = as_user(app, ids["curator"])
    assert post(lab, f"/requests/{rid}/submit", note="for a class").status_code == 303
    listed = desk.get("/requests?status=submitted").data.decode()
    assert f'href="/requests/{rid}"' in listed
    assert f'href="/requests/{rid}"' not in desk.get("/requests?status=closed").data.decode()
    assert post(lab, f"/desk/requests/{rid}/review").status_code == 403
    assert post(as_user(app, ids["other_curator"]), f"/desk/requests/{rid}/review").status_code in (
        403,
        404,
    )
    assert post(desk, f"/desk/requests/{rid}/review").status_code == 303
    page = desk.get(f"/requests/{rid}").data.decode()
    assert "Every check passes." in page
    line, proposed = re.search(r'name="items-(\d+)"[^>]*value="([^"]+)"', page).groups()
    assert proposed == ids["vials"][0]
    response = post(
        desk,
        f"/desk/requests/{rid}/decision",
        **{f"line-{line}": "approve", f"items-{line}": "NOPE"},
    )
    assert response.status_code in (404, 409, 422)
    assert 'value="NOPE"' in response.data.decode()
    picked = ids["vials"][2]
    response = post(
        desk,
        f"/desk/requests/{rid}/decision",
        **{f"line-{line}": "approve", f"items-{line}": picked},
    )
    assert response.status_code == 303
    page = lab.get(f"/requests/{rid}").data.decode()
    assert "Accept the agreement" in page and "Terms." in page
    assert re.search(r'class="hash">[0-9a-f]{64}<', page)
    version = re.search(r'name="agreement_version_id" value="(\d+)"', page).group(1)
    response = post(lab, f"/requests/{rid}/agreement", agreement_version_id=version)
    assert response.status_code == 422  # no signer
    response = post(
        lab, f"/requests/{rid}/agreement", agreement_version_id=version, signer_name="Ada"
    )
    assert response.status_code == 303
    assert "The collection must prepare the shipment." in lab.get(f"/requests/{rid}").data.decode()
    assert post(desk, f"/desk/requests/{rid}/preparation").status_code == 303
    page = desk.get(f"/requests/{rid}").data.decode()
    assert "The collection must pick the items and ship them." in page and "your turn" in page
    assert '<option value="dry_ice" selected>' in page  # proposed from glycerol at -80 °C
    picks = desk.get(f"/requests/{rid}/pick-list").data.decode()
    assert picked in picks and "Ship: dry ice" in picks
    assert desk.get(f"/requests/{rid}/pick-list.pdf").mimetype == "application/pdf"
    # The labels of the request's items (an item template), in the picker's order.
    csrf = {"X-CSRF-Token": TOKEN}
    body = {"request": rid, "template": "cryovial", "format": "zpl"}
    zpl = desk.post("/api/v1/labels", json=body, headers=csrf)
    assert zpl.status_code == 200 and f"A,{picked}^FS".encode() in zpl.data
    assert zpl.data.count(b"^XA") == picks.count("<tr") - 1  # a label per item picked
    packing = desk.post("/api/v1/labels", json={"request": rid}, headers=csrf)
    assert packing.mimetype == "application/pdf"  # without a template: the packing list
    assert lab.get(f"/requests/{rid}/pick-list").status_code == 403
    assert "Nothing to do for you now." in lab.get(f"/requests/{rid}").data.decode()
    ship = {"packaging": "", "condition": "dry_ice", "courier": "SF", "tracking_number": "SF1"}
    response = post(desk, f"/desk/requests/{rid}/shipment", **ship)
    assert response.status_code == 422 and 'value="SF1"' in response.data.decode()
    assert desk.get(f"/requests/{rid}/packing-list.pdf").mimetype == "application/pdf"
    assert lab.get(f"/requests/{rid}/packing-list.pdf").status_code == 403
    response = post(desk, f"/desk/requests/{rid}/shipment", **{**ship, "packaging": "UN3373"})
    assert response.status_code == 303
    assert post(lab, f"/requests/{rid}/delivery").status_code == 303
    assert post(lab, f"/requests/{rid}/feedback", rating="9").status_code == 422
    assert post(lab, f"/requests/{rid}/feedback", rating="5", comment="fast").status_code == 303
    page = lab.get(f"/requests/{rid}").data.decode()
    steps = re.findall(r"<li><strong>([^<]+)</strong>", page)
    assert steps[0] == "draft" and steps[-1] == "closed" and "agreement signed" in steps
    assert picked in page and "★★★★★" in page
    with unit_of_work(app.extensions["biorepo"]) as db:
        assert db.get(MaterialRequest, rid).status.value == "closed"


def test_rejecting_needs_a_reason_and_keeps_it(world):
    app, _, ids = world
    lab, rid = a_request(app, ids)
    desk = as_user(app, ids["curator"])
    post(lab, f"/requests/{rid}/submit")
    post(desk, f"/desk/requests/{rid}/review")
    line = re.search(r'name="items-(\d+)"', desk.get(f"/requests/{rid}").data.decode()).group(1)
    response = post(desk, f"/desk/requests/{rid}/decision", **{f"line-{line}": "reject"})
    assert response.status_code == 422 and b"Say why" in response.data
    response = post(
        desk,
        f"/desk/requests/{rid}/decision",
        **{f"line-{line}": "reject", f"reason-{line}": "Out of stock for teaching"},
    )
    assert response.status_code == 303
    assert "Out of stock for teaching" in lab.get(f"/requests/{rid}").data.decode()


def test_a_draft_takes_its_approvals_and_permits_and_a_bad_value_keeps_the_input(world):
    app, _, ids = world
    lab, request_id = a_request(app, ids)
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        version = db.get(MaterialRequest, request_id).version
    page = f"/requests/{request_id}"
    assert "Details, approvals and permits" in lab.get(page).data.decode()
    bad = post(
        lab,
        f"{page}/details",
        version=str(version),
        ethics_approval="IRB-2026-7",
        destination_country="England",
    )
    assert bad.status_code == 422
    text = bad.data.decode()
    assert "destination_country" in text or "Destination country" in text
    assert 'value="IRB-2026-7"' in text  # what was typed is kept
    done = post(
        lab,
        f"{page}/details",
        version=str(version),
        ethics_approval="IRB-2026-7",
        destination_country="GBR",
        intended_use="research",
    )
    assert done.status_code == 303
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        saved = db.get(MaterialRequest, request_id)
        assert (saved.ethics_approval, saved.destination_country) == ("IRB-2026-7", "GBR")
        assert saved.intended_use.value == "research"
    other = as_user(app, ids["other_requester"])
    assert post(other, f"{page}/details", purpose="x").status_code == 404
