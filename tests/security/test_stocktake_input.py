"""Hostile and mistaken stocktaking input: rack files of a freezer with positions outside their
box, a tube twice, a rack code that is not a box (or not in the freezer), a box read twice, too
many files, codes a spreadsheet would run; a tube code already a barcode; a new rack's file
whose positions are taken. Each is a 4xx that says why, never a 500, and nothing is written.
And two connections applying the same count, or registering the same rack, at the same time:
one wins, the other is told why (on PostgreSQL a real race on row locks)."""

from __future__ import annotations

from collections import Counter

import requests
from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.exchange import limits
from repository.models import Barcode, Event, Item, TubeCode
from repository.vocabulary import EventType
from tests.clients import call
from tests.integration.test_stocktake_api import a_freezer, post
from tests.security.test_races import in_parallel
from tests.servers import threaded_server


def written(world) -> tuple[int, int, int]:
    """What a refused request must not have changed: items, events, tube codes."""
    app, _, _ = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        return (
            db.scalar(select(func.count(Item.id))),
            db.scalar(select(func.count(Event.id))),
            db.scalar(select(func.count()).select_from(TubeCode)),
        )


def test_bad_rack_files_of_a_freezer(world):
    _, _, ids = world
    freezer, first, second, v = a_freezer(world)
    path = f"/api/v1/storage/{freezer}/stocktake?apply=true&version=0000"
    cases = [
        ([f"{first},A01,{v[0]}\n{first},I01,{v[1]}\n"], "Outside the 8x12 rack"),
        ([f"{first},A01,{v[0]}\n{first},A02,{v[0]}\n"], "Tube read twice (line 1)."),
        ([f"{first},A01,{v[0]}\n", f"{second},A01,{v[0]}\n"], "is read twice"),
        ([f"{first},A01,{v[0]}\n", f"{first},A02,{v[1]}\n"], "as file 1"),
        ([f"{ids['rack']},A01,{v[0]}\n"], "not a box"),
        ([f"{ids['box']},A01,{v[0]}\n"], "which is not in Counted"),
        ([f"{v[2]},A01,{v[0]}\n"], "not of a storage unit"),
        ([f"A01,{v[0]}\n"], "names no rack"),
        ([f'{first},A01,=HYPERLINK("x")\n'], "spreadsheet formula"),
        ([b"\x00\x01binary".decode()], "Not a text file"),
    ]
    before = written(world)
    for racks, message in cases:
        response = post(world, path, {"racks": [r.encode() for r in racks]})
        assert response.status_code == 422, (racks, response.json)
        assert message in str(response.json), (racks, response.json)
    assert written(world) == before


def test_bad_codes_of_a_freezer(world):
    _, _, ids = world
    freezer, first, _, v = a_freezer(world)
    path = f"/api/v1/storage/{freezer}/stocktake"
    cases = [
        ({"codes": f"{ids['box']}\n{v[0]}\n"}, 422, "is not in Counted"),
        ({"codes": f"{v[0]}\n{first}\n{v[0]}\n"}, 422, "read twice"),
        ({"codes": "@SUM(1)\n"}, 422, "spreadsheet formula"),
        ({"codes": "X" * 65 + "\n"}, 422, "at most 64"),
        ({"codes": "A\x07B\n"}, 422, "control character"),
        ({"codes": "x\n" * (limits.CODES_LINES + 1)}, 422, "at most"),
        ({"codes": "x" * (limits.RACK_FILE + 1)}, 422, "codes"),
        ({"racks": [b"x"] * (limits.STOCKTAKE_RACKS + 1)}, 422, "racks"),
        ({"note": "n"}, 422, "Give the codes read"),
        ({"codes": v[0], "surprise": "1"}, 422, "surprise"),
    ]
    before = written(world)
    for form, status, message in cases:
        response = post(world, path + "?apply=true&version=0", form)
        assert response.status_code == status, (form.keys(), response.json)
        assert message in str(response.json), (form.keys(), response.json)
    missing = post(world, "/api/v1/storage/NOSUCH/stocktake", {"codes": v[0]})
    assert missing.status_code == 404
    # a tube from elsewhere read in the freezer itself, not in a box: it has no place there
    verified = post(world, path, {"codes": ids["vials"][0]})
    assert verified.json["counts"]["arrived"] == 1
    version = verified.json["version"]
    refused = post(world, f"{path}?apply=true&version={version}", {"codes": ids["vials"][0]})
    assert refused.status_code == 409 and "holds no items" in refused.json["detail"]
    assert written(world) == before


def test_tube_codes_that_are_taken_or_hostile(world):
    app, tokens, _ = world
    _, first, _, v = a_freezer(world)
    before = written(world)
    path = f"/api/v1/items/{v[0]}/tube-code"
    cases = [
        ({"code": v[1]}, 409, "already in use"),  # an item's barcode
        ({"code": first}, 409, "already in use"),  # a box's barcode
        ({"code": v[1][:-1] + "3" if v[1][-1] != "3" else v[1][:-1] + "4"}, 422, "shape"),
        ({"code": "A\u0000B"}, 422, "code"),
        ({"code": "T" * 65}, 422, "code"),
        ({"code": "TUBE_1"}, 422, "no _ ^ ~"),
        ({"code": "管码"}, 422, "ASCII"),
        ({"code": ""}, 422, "code"),
        ({}, 422, "code"),
        ({"code": "7400000001", "item": "x"}, 422, "item"),
    ]
    for body, status, message in cases:
        response = call(app, "POST", path, tokens["technician"], body)
        assert response.status_code == status, (body, response.json)
        assert message in str(response.json), (body, response.json)
    gone = call(
        app,
        "POST",
        "/api/v1/items/NOSUCH01/tube-code",
        tokens["technician"],
        {"code": "7400000002"},
    )
    assert gone.status_code == 404
    assert written(world) == before
    with unit_of_work(app.extensions["biorepo"]) as db:
        assert db.get(Barcode, "7400000001") is None


def test_a_new_racks_file_that_cannot_be_registered(world):
    _, _, ids = world
    _, first, _, v = a_freezer(world)
    lot = {
        "material_id": str(ids["open"]),
        "method": "glycerol_minus80",
        "preserved_on": "2026-01-05",
        "quantity": "1",
        "unit": "ml",
        "form": "cryovial",
    }
    path = f"/api/v1/storage/{first}/rack-register"
    cases = [
        (f"{first},A01,7500000001\n", 409, "A1"),  # A1 holds a vial
        (f"{first},B01,7500000001\n{first},B02,{ids['box']}\n", 422, "storage unit"),
        (f"{first},I01,7500000001\n", 422, "Outside the 8x12 rack"),
        (f"{first},B01,7500000001\n{first},B02,7500000001\n", 422, "Tube read twice"),
        (f"{ids['rack']},B01,7500000001\n", 422, "not a box"),
        (f"{first},A01,{v[0]}\n", 422, "nothing to register"),
    ]
    before = written(world)
    for lines, status, message in cases:
        response = post(world, path, {**lot, "lines": lines})
        assert response.status_code == status, (lines, response.json)
        assert message in str(response.json), (lines, response.json)
    for bad in ({"material_id": "999999"}, {"quantity": "-1"}, {"items": "3"}, {"method": "x"}):
        response = post(world, path, {**lot, **bad, "lines": f"{first},B01,7500000001\n"})
        assert response.status_code in (404, 422), (bad, response.json)
    not_a_box = post(world, f"/api/v1/storage/{ids['rack']}/rack-register", {**lot, "lines": "x"})
    assert not_a_box.status_code == 422
    assert written(world) == before


def multipart(url: str, token: str, form: dict) -> requests.Response:
    files = {k: (None, v) for k, v in form.items()}
    return requests.post(url, files=files, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def test_two_connections_apply_the_same_count(world):
    """Both verified the same records; the one that takes the freezer's rows first applies, the
    other finds them changed (a 409: verify again; SQLite may instead answer 503 busy)."""
    app, tokens, _ = world
    freezer, first, second, v = a_freezer(world)
    codes = f"{first}\n{v[0]}\n{second}\n{v[1]}\n"
    version = post(world, f"/api/v1/storage/{freezer}/stocktake", {"codes": codes}).json["version"]
    with threaded_server(app) as base:
        url = f"{base}/api/v1/storage/{freezer}/stocktake?apply=true&version={version}"
        responses = in_parallel(
            [lambda: multipart(url, tokens["technician"], {"codes": codes})] * 2
        )
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] == 1, [r.text for r in responses]
    (lost,) = (r for r in responses if r.status_code != 200)
    if app.config["DATABASE_URL"].startswith("postgresql"):  # the loser waited on the row locks
        assert lost.status_code == 409, lost.text
    assert lost.status_code in (409, 503), lost.text  # SQLite: busy, or changed
    if lost.status_code == 409:
        assert "verify it again" in lost.json()["detail"]
    with unit_of_work(app.extensions["biorepo"]) as db:
        missing = db.scalar(
            select(func.count(Event.id))
            .join(Item, Item.id == Event.item_id)
            .where(Item.barcode == v[2], Event.type == EventType.MISSING)
        )
        assert missing == 1  # marked missing once


def test_two_connections_register_the_same_rack(world):
    app, tokens, ids = world
    _, first, _, _ = a_freezer(world)
    form = {
        "lines": f"{first},F01,7600000001\n{first},F02,7600000002\n",
        "material_id": str(ids["open"]),
        "method": "glycerol_minus80",
        "preserved_on": "2026-01-05",
        "quantity": "1",
        "unit": "ml",
        "form": "cryovial",
    }
    with threaded_server(app) as base:
        url = f"{base}/api/v1/storage/{first}/rack-register"
        responses = in_parallel([lambda: multipart(url, tokens["technician"], form)] * 2)
    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 1, [r.text for r in responses]
    (lost,) = (r for r in responses if r.status_code != 201)
    if app.config["DATABASE_URL"].startswith("postgresql"):  # waited on the box's row lock
        assert lost.status_code == 422 and "nothing to register" in lost.text, lost.text
    assert lost.status_code in (409, 422, 503), lost.text
    with unit_of_work(app.extensions["biorepo"]) as db:
        new = select(func.count()).select_from(TubeCode).where(TubeCode.value.like("76%"))
        assert db.scalar(new) == 2


def test_two_connections_remove_the_same_tube_code(world):
    """One removes it; the other, which waited on its row, finds none left (a 409, not a 500);
    the code's row is gone once, and a removal's note cannot be a 6,000-character essay."""
    app, tokens, _ = world
    _, _, _, v = a_freezer(world)
    path = f"/api/v1/items/{v[0]}/tube-code"
    assert call(app, "POST", path, tokens["technician"], {"code": "7500000001"}).status_code == 201
    long = call(app, "DELETE", path, tokens["technician"], {"note": "n" * 6000})
    assert long.status_code == 422 and "note" in str(long.json)
    with threaded_server(app) as base:
        headers = {"Authorization": f"Bearer {tokens['technician']}"}
        responses = in_parallel(
            [lambda: requests.delete(f"{base}{path}", headers=headers, timeout=60)] * 2
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 200 and statuses[1] in (409, 503), [r.text for r in responses]
    with unit_of_work(app.extensions["biorepo"]) as db:
        assert db.get(Barcode, "7500000001") is None
        assert (
            db.scalar(
                select(func.count()).select_from(TubeCode).where(TubeCode.value == "7500000001")
            )
            == 0
        )
