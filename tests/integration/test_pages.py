"""The web pages through Flask's test client: login, role-aware navigation, CSRF on forms,
the scan, storage and event forms, errors that keep the input, and the language switch."""

from __future__ import annotations

import re

import pytest

from api.web.i18n import TRANSLATIONS
from tests.clients import csrf_of, logged_in, token_in
from tests.world import PASSWORD, ROLES

NAV = {
    "admin": {"/storage", "/storage/free"},
    "curator": {"/storage", "/storage/free"},
    "technician": {"/storage", "/storage/free"},
    "requester": set(),
    "printer": set(),
}


@pytest.mark.parametrize("role", [r for r in ROLES if r in NAV])
def test_each_role_sees_only_its_entries(world, role):
    app, _, _ = world
    page = logged_in(app, role).get("/").data.decode()
    nav = page.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert set(re.findall(r'href="(/storage[^"]*)"', nav)) == NAV[role]
    assert "Log out" in page


def test_anonymous_is_sent_to_login_and_back(world):
    app, _, ids = world
    client = app.test_client()
    response = client.get(f"/items/{ids['vials'][0]}")
    assert response.status_code == 302 and "/login?next=/items/" in response.location
    assert client.get("/").status_code == 303


def test_wrong_password_keeps_the_email(world):
    app, _, _ = world
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.8.0.1"
    token = token_in(client.get("/login").data)
    response = client.post(
        "/login", data={"email": "admin@example.org", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert b"Wrong email or password." in response.data
    assert b'value="admin@example.org"' in response.data


def test_login_form_needs_its_csrf_token(world):
    app, _, _ = world
    client = app.test_client()
    response = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    assert response.status_code == 403 and b"<html" in response.data


def test_forms_need_the_csrf_field(world):
    app, _, ids = world
    client = logged_in(app, "technician")
    vial = ids["vials"][1]
    response = client.post(f"/items/{vial}/missing", data={"note": "x"})
    assert response.status_code == 403
    assert client.get(f"/items/{vial}").data.count(b"status-available") == 1


def test_the_api_still_takes_the_header(world):
    app, _, _ = world
    client = logged_in(app, "technician")
    token = csrf_of(client)
    response = client.post("/api/v1/moves", json={"items": []}, headers={"X-CSRF-Token": token})
    assert response.status_code == 422  # past the CSRF check, refused by validation


def test_scan_opens_item_box_or_says_unknown(world):
    app, _, ids = world
    client = logged_in(app, "technician")
    vial = ids["vials"][0]
    response = client.get(f"/scan?code={vial.lower()}")
    assert response.status_code == 303 and response.location.endswith(f"/items/{vial}")
    page = client.get(f"/items/{vial}").data.decode()
    assert "open strain" in page and "History" in page and "Record QC / viability" in page
    response = client.get(f"/scan?code={ids['box']}")
    assert response.location.endswith(f"/storage/{ids['box']}")
    grid = client.get(f"/storage/{ids['box']}").data.decode()
    assert grid.count('class="taken') == 6 and 'class="free"' in grid
    unknown = client.get("/scan?code=NOTHING1")
    assert unknown.status_code == 404 and b"NOTHING1" in unknown.data


def test_requesters_do_not_see_inventory(world):
    app, _, ids = world
    client = logged_in(app, "requester")
    assert client.get(f"/items/{ids['vials'][0]}").status_code == 403


def test_an_event_form_error_keeps_the_input(world):
    app, _, ids = world
    client = logged_in(app, "technician")
    vial = ids["vials"][2]
    response = client.post(
        f"/items/{vial}/consume",
        data={"quantity": "99", "note": "typed by hand", "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 422
    page = response.data.decode()
    assert "Nothing was changed" in page and "typed by hand" in page and 'value="99"' in page


def test_qc_and_move_are_recorded(world):
    app, _, ids = world
    client = logged_in(app, "technician")
    vial, token = ids["vials"][3], csrf_of(client)
    form = {"test": "post_thaw_viability", "outcome": "pass", "value": "88"}
    response = client.post(
        f"/items/{vial}/qc", data={**form, "tested_on": "2025-02-01", "csrf_token": token}
    )
    assert response.status_code == 303
    response = client.post(
        f"/items/{vial}/move",
        data={"container": ids["box"], "position": "I9", "csrf_token": token},
    )
    assert response.status_code == 303
    page = client.get(f"/items/{vial}").data.decode()
    assert '<strong class="big">I9</strong>' in page and "post-thaw viability" in page


def test_moving_a_box_to_a_wrong_place_says_why(world):
    app, _, ids = world
    client = logged_in(app, "curator")
    response = client.post(
        f"/storage/{ids['box']}/move",
        data={"parent": ids["box"], "note": "kept note", "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 422
    assert b"cannot stand in a box" in response.data and b"kept note" in response.data


def test_free_space_search(world):
    app, _, _ = world
    client = logged_in(app, "technician")
    page = client.get("/storage/free?temperature=-80&count=2").data.decode()
    assert page.count("<tr>") == 3
    bad = client.get("/storage/free?temperature=-80&count=0")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.data.decode()


def test_language_from_browser_then_switch(world):
    app, _, _ = world
    client = logged_in(app, "technician")
    page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).data.decode()
    assert "退出" in page and 'lang="zh-CN"' in page
    response = client.get("/lang/en?next=/storage")
    assert response.status_code == 302 and response.location.endswith("/storage")
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).data.decode()
    assert "Log out" in page
    assert client.get("/lang/zh?next=//evil.example").location.endswith("/")


def test_every_message_is_in_the_catalogue_and_translated():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    with (TRANSLATIONS / "zh/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    assert [m.id for m in catalogue if m.id and not m.string] == []
    assert not catalogue.fuzzy
    web = TRANSLATIONS.parent
    methods = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None}
    found = {m[2] for m in extract_from_dir(web, methods, keywords=keywords)}
    assert found - {m.id for m in catalogue} == set(), "run `make translations`"


def test_pages_are_not_in_the_openapi_document(world):
    app, _, _ = world
    paths = app.extensions["biorepo.api"].spec.to_dict()["paths"]
    assert all(p.startswith("/api/v1") for p in paths)
