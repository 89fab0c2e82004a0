"""Stocktaking of a freezer, a new rack's tubes registered and tube codes, by HTTP."""

from __future__ import annotations

import io

from sqlalchemy import select

from repository.db import unit_of_work
from repository.models import Item, Material, StorageUnit, TubeCode
from repository.vocabulary import ItemStatus
from tests.clients import call, send
from tests.factories import items_of, make_box, make_unit, preserve


def post(world, path: str, form: dict, role: str = "technician"):
    """A multipart POST; `racks` a list of files' bytes."""
    app, tokens, _ = world
    data = dict(form)
    if "racks" in data:
        data["racks"] = [(io.BytesIO(c), f"rack{n}.csv") for n, c in enumerate(data["racks"])]
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    return app.test_client().post(
        path, data=data, headers=headers, content_type="multipart/form-data"
    )


def a_freezer(world):
    """A freezer of this test's own: a rack with two boxes, three vials in the first."""
    app, _, ids = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        room = db.scalar(select(StorageUnit).where(StorageUnit.barcode == ids["freezer"])).parent
        freezer = make_unit(db, {"kind": "freezer", "name": "Counted", "temperature_c": -80}, room)
        rack = make_unit(db, {"kind": "rack", "name": "Counted rack"}, freezer)
        first = make_box(db, rack, rows=8, cols=12, name="First")
        second = make_box(db, rack, rows=8, cols=12, name="Second")
        lot = preserve(
            db,
            db.get(Material, ids["open"]),
            {
                "method": "glycerol_minus80",
                "preserved_on": "2025-01-01",
                "items": 3,
                "quantity": "1",
                "unit": "ml",
                "form": "cryovial",
            },
            first,
        )
        vials = [i.barcode for i in items_of(db, lot)]
        return freezer.barcode, first.barcode, second.barcode, vials


def test_a_freezer_verified_then_applied(world):
    app, tokens, _ = world
    freezer, first, second, v = a_freezer(world)
    codes = f"{first}\n{v[0]}\n{second}\n{v[1]}\n"
    path = f"/api/v1/storage/{freezer}/stocktake"
    verified = post(world, path, {"codes": codes})
    assert verified.status_code == 200, verified.json
    body = verified.json
    assert body["counted"] == 4 and body["counts"] == {
        "matched": 1,
        "moved": 1,
        "arrived": 0,
        "unknown": 0,
        "missing": 1,
        "no_read": 0,
    }
    moved = next(e for e in body["entries"] if e["seen"] == "moved")
    assert (moved["container"], moved["tube"], moved["position"]) == (second, v[1], "")
    assert moved["was"].endswith("First [A2]")
    refused = post(
        world, f"{path}?apply=true&version={body['version']}", {"codes": codes}, "requester"
    )
    assert refused.status_code == 403
    stale = post(world, f"{path}?apply=true&version=0000", {"codes": codes})
    assert stale.status_code == 409
    applied = post(
        world, f"{path}?apply=true&version={body['version']}", {"codes": codes, "note": "Count"}
    )
    assert applied.status_code == 200 and applied.json["applied"] is True, applied.json
    grid = call(app, "GET", f"/api/v1/storage/{second}/grid", tokens["technician"]).json["rows"]
    assert grid[0][0]["barcode"] == v[1]
    scanned = call(app, "GET", f"/api/v1/items/{v[2]}", tokens["technician"]).json
    assert scanned["item"]["status"] == "missing"
    for unit in (freezer, first, second):
        counted = call(app, "GET", f"/api/v1/storage/{unit}", tokens["technician"]).json
        assert counted["last_counted_at"] is not None


def test_rack_files_of_a_freezer(world):
    freezer, first, second, v = a_freezer(world)
    racks = [
        f"{first},A01,{v[0]}\n{first},A02,{v[2]}\n".encode(),
        f"{second},H12,{v[1]}\n".encode(),
    ]
    verified = post(world, f"/api/v1/storage/{freezer}/stocktake", {"racks": racks})
    assert verified.status_code == 200, verified.json
    counts = verified.json["counts"]
    assert (counts["matched"], counts["moved"], counts["missing"]) == (1, 2, 0)
    bad = post(world, f"/api/v1/storage/{freezer}/stocktake", {"racks": [b"A01,X1\n"]})
    assert bad.status_code == 422 and "names no rack" in str(bad.json)


def test_a_new_rack_registered_then_its_tube_codes_scanned(world):
    app, tokens, ids = world
    _, first, _, v = a_freezer(world)
    lines = f"{first},A01,{v[0]}\n{first},D01,7100000001\n{first},D02,7100000002\n"
    form = {
        "lines": lines,
        "material_id": str(ids["open"]),
        "method": "glycerol_minus80",
        "preserved_on": "2026-01-05",
        "quantity": "0.5",
        "unit": "ml",
        "form": "cryovial",
    }
    path = f"/api/v1/storage/{first}/rack-register"
    assert post(world, path, form, "requester").status_code == 403
    missing = post(world, path, {"lines": lines})
    assert missing.status_code == 422 and "material_id" in missing.json["errors"]
    registered = post(world, path, form)
    assert registered.status_code == 201, registered.json
    assert [i["position"] for i in registered.json] == ["D1", "D2"]
    scanned = call(app, "GET", "/api/v1/items/7100000002", tokens["technician"]).json
    assert scanned["item"]["barcode"] == registered.json[1]["barcode"]
    again = post(world, path, form)
    assert again.status_code == 422 and "nothing to register" in str(again.json)
    verified = send(
        app, "POST", f"/api/v1/storage/{first}/rack-scan", tokens["technician"], {"lines": lines}
    )
    assert verified.json["counts"]["matched"] == 3
    assert {e["item"] for e in verified.json["entries"]} >= {registered.json[0]["barcode"]}


def test_a_tube_code_attached_by_http(world):
    app, tokens, _ = world
    _, _, _, v = a_freezer(world)
    path = f"/api/v1/items/{v[0]}/tube-code"
    attached = call(app, "POST", path, tokens["technician"], {"code": "7200000001"})
    assert attached.status_code == 201 and attached.json == {"code": "7200000001", "item": v[0]}
    taken = call(
        app, "POST", f"/api/v1/items/{v[1]}/tube-code", tokens["technician"], {"code": v[2]}
    )
    assert taken.status_code == 409 and "already in use" in taken.json["detail"]
    twice = call(app, "POST", path, tokens["technician"], {"code": "7200000002"})
    assert twice.status_code == 409
    with unit_of_work(app.extensions["biorepo"]) as db:
        item = db.scalar(select(Item).where(Item.barcode == v[1]))
        assert db.scalar(select(TubeCode).where(TubeCode.item_id == item.id)) is None
        assert item.status is ItemStatus.AVAILABLE


def test_a_tube_code_shown_found_and_removed(world):
    """The item's tube code is in its scan, its page of lot items and the item search (which
    finds the item by it); removed, it is free to attach to the tube it belongs to."""
    app, tokens, _ = world
    _, _, _, v = a_freezer(world)
    token = tokens["technician"]
    assert call(app, "POST", f"/api/v1/items/{v[0]}/tube-code", token, {"code": "FR-7300000001"})
    scanned = call(app, "GET", "/api/v1/items/FR7300000001", token).json
    assert (scanned["item"]["barcode"], scanned["item"]["tube_code"]) == (v[0], "FR7300000001")
    found = call(app, "GET", "/api/v1/items?q=fr7300000001", token).json
    assert [(i["barcode"], i["tube_code"]) for i in found] == [(v[0], "FR7300000001")]
    path = f"/api/v1/items/{v[0]}/tube-code"
    assert call(app, "DELETE", path, tokens["requester"]).status_code == 403
    removed = call(app, "DELETE", path, token, {"note": "It was the next tube's."})
    assert removed.status_code == 200 and removed.json == {"code": "FR7300000001", "item": v[0]}
    assert call(app, "DELETE", path, token).status_code == 409  # none left to remove
    assert call(app, "GET", "/api/v1/items/FR7300000001", token).status_code == 404
    assert call(app, "GET", f"/api/v1/items/{v[0]}", token).json["item"]["tube_code"] is None
    moved = call(app, "POST", f"/api/v1/items/{v[1]}/tube-code", token, {"code": "FR7300000001"})
    assert moved.status_code == 201
    history = call(app, "GET", f"/api/v1/items/{v[0]}", token).json["history"]
    removal = next(e for e in history if "tube_code_removed" in e["data"])
    assert removal["note"] == "It was the next tube's."
