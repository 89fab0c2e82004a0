"""Rack scans by HTTP: a box verified against an uploaded rack file, then applied."""

from __future__ import annotations

from sqlalchemy import select

from repository.db import unit_of_work
from repository.models import Event, Item, Material, StorageUnit
from repository.vocabulary import EventType, ItemStatus
from tests.clients import call, send
from tests.factories import items_of, make_box, preserve


def rack_scan(world, box: str, content: bytes, query: str = "", role: str = "technician"):
    app, tokens, _ = world
    form = {"file": (content, "rack.csv"), "note": "Stocktake"}
    return send(app, "POST", f"/api/v1/storage/{box}/rack-scan{query}", tokens[role], form)


def test_verify_then_apply_a_rack_file(world):
    app, tokens, ids = world
    with unit_of_work(app.extensions["biorepo"]) as db:  # a box of this test's own
        rack = db.scalar(select(StorageUnit).where(StorageUnit.barcode == ids["rack"]))
        box = make_box(db, rack, rows=8, cols=12, name="Scanned")
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
            box,
        )
        code, vials = box.barcode, [i.barcode for i in items_of(db, lot)]
    lines = f"Rack,Position,Tube\n{code},A01,{vials[1]}\n{code},A02,{vials[0]}\n"
    lines += f"{code},A03,NO TUBE\n{code},B01,{ids['vials'][0]}\n{code},B02,NO READ\n"
    verified = rack_scan(world, code, lines.encode())
    assert verified.status_code == 200, verified.json
    body = verified.json
    assert body["counts"] == {
        "matched": 0,
        "moved": 2,
        "arrived": 1,
        "unknown": 0,
        "missing": 1,
        "no_read": 1,
    }
    assert [(e["seen"], e["position"], e["tube"], e["was"]) for e in body["entries"]][:2] == [
        ("moved", "A1", vials[1], "A2"),
        ("moved", "A2", vials[0], "A1"),
    ]
    arrived = next(e for e in body["entries"] if e["seen"] == "arrived")
    assert arrived["line"] == 5 and arrived["was"].endswith("Box [A1]")
    refused = rack_scan(world, code, lines.encode(), "?apply=true&version=0000", "requester")
    assert refused.status_code == 403
    stale = rack_scan(world, code, lines.encode(), "?apply=true&version=0000")
    assert stale.status_code == 409 and "verify it again" in stale.json["detail"]
    applied = rack_scan(world, code, lines.encode(), f"?apply=true&version={body['version']}")
    assert applied.status_code == 200 and applied.json["applied"] is True, applied.json
    grid = call(app, "GET", f"/api/v1/storage/{code}/grid", tokens["technician"]).json["rows"]
    assert [cell and cell["barcode"] for cell in grid[0][:3]] == [vials[1], vials[0], None]
    assert grid[1][0]["barcode"] == ids["vials"][0]
    with unit_of_work(app.extensions["biorepo"]) as db:
        missing = db.scalar(select(Item).where(Item.barcode == vials[2]))
        assert missing.status is ItemStatus.MISSING
        notes = db.scalars(select(Event.type).where(Event.note == "Stocktake")).all()
        assert sorted(notes).count(EventType.MOVED) == 4  # two swapped, one in, one out
    counted = call(app, "GET", f"/api/v1/storage/{code}", tokens["technician"]).json
    assert counted["last_counted_at"] is not None
    again = rack_scan(world, code, lines.encode())
    assert again.json["counts"]["matched"] == 3 and again.json["counts"]["missing"] == 0


def test_lines_as_text_instead_of_a_file(world):
    app, tokens, ids = world
    grid = call(app, "GET", f"/api/v1/storage/{ids['box']}/grid", tokens["curator"]).json["rows"]
    held = [
        (r, c, cell["barcode"]) for r, row in enumerate(grid) for c, cell in enumerate(row) if cell
    ]
    row, col, first = held[0]
    form = {"lines": f"{chr(65 + row)}{col + 1:02d};{first}\n"}
    response = send(app, "POST", f"/api/v1/storage/{ids['box']}/rack-scan", tokens["curator"], form)
    assert response.status_code == 200, response.json
    assert response.json["counts"]["matched"] == 1
    assert response.json["counts"]["missing"] == len(held) - 1
