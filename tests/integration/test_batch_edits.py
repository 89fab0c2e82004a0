"""Batch edits of items over HTTP: a preview with the values before and after and the refusals,
a commit with the events and audit of single edits, the batch read back, and its undo (refused
for items changed since, or undoing only the others)."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

from sqlalchemy import func, select

from repository.audit import verify
from repository.db import unit_of_work
from repository.models import AuditEntry, Event, Item, ItemBatch, Material, StorageUnit
from repository.vocabulary import EventType
from tests.clients import call, send
from tests.factories import add_material, items_of, make_box, preserve

PREVIEW, COMMIT = "/api/v1/items/batch-edits/preview", "/api/v1/items/batch-edits"


def own_lot(world, name: str, count: int = 4) -> SimpleNamespace:
    """A material of the test's own with a lot of `count` 1 ml vials in a box of its own."""
    app, _, ids = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        rack = db.scalar(select(StorageUnit).where(StorageUnit.barcode == ids["rack"]))
        box = make_box(db, rack, name=name)
        material = add_material(
            db, "API", {"kind": "strain", "designation": name, "taxon_name": "Escherichia coli"}
        )
        lot = preserve(
            db,
            material,
            {
                "method": "glycerol_minus80",
                "preserved_on": "2025-01-01",
                "items": count,
                "quantity": "1",
                "unit": "ml",
                "form": "cryovial",
            },
            box,
        )
        vials = [i.barcode for i in items_of(db, lot)]
        return SimpleNamespace(accession=material.accession_number, vials=vials, box=box.barcode)


def state(world, codes: list[str]) -> list[tuple]:
    app = world.app
    with unit_of_work(app.extensions["biorepo"]) as db:
        found = {
            i.barcode: (i.status.value, str(i.quantity.normalize()), i.container_id, i.row, i.col)
            for i in db.scalars(select(Item).where(Item.barcode.in_(codes)))
        }
    return [found[c] for c in codes]


def post(world, path: str, body: dict, role: str = "technician"):
    app, tokens, _ = world
    return call(app, "POST", path, tokens[role], body)


def test_preview_commit_read_and_undo(world):
    app, tokens, _ = world
    lot = own_lot(world, "Batch one")
    destroyed = post(world, f"/api/v1/items/{lot.vials[3]}/destroy", {"reason": "cracked"})
    assert destroyed.status_code == 200
    before = state(world, lot.vials)
    body = {"search": {"material": lot.accession}, "changes": {"status": "missing", "note": "lost"}}

    shown = post(world, PREVIEW, {**body, "page_size": 2})
    assert shown.status_code == 200, shown.json
    counts = {k: shown.json[k] for k in ("matched", "updated", "unchanged", "refused")}
    assert counts == {"matched": 4, "updated": 3, "unchanged": 0, "refused": 1}
    first, second = shown.json["lines"]  # refused first, two a page
    assert (first["barcode"], first["outcome"]) == (lot.vials[3], "refused")
    assert first["reason"] == f"Item {lot.vials[3]} is destroyed."
    assert (second["old_status"], second["new_status"]) == ("available", "missing")
    assert state(world, lot.vials) == before  # a preview writes nothing

    refused = post(world, COMMIT, body)
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"]["items"] == [f"{lot.vials[3]}: Item {lot.vials[3]} is destroyed."]
    assert "nothing was written" in refused.json["detail"]
    assert state(world, lot.vials) == before

    made = post(world, COMMIT, {**body, "skip_refused": True})
    assert made.status_code == 201, made.json
    batch = made.json
    assert (batch["matched"], batch["updated"], batch["refused"]) == (4, 3, 1)
    assert batch["source"] == "search" and len(batch["digest"]) == 64
    assert batch["query"] == {"material": lot.accession}
    after = state(world, lot.vials)
    assert [s[0] for s in after] == ["missing", "missing", "missing", "destroyed"]
    assert all(s[2] is None for s in after)  # out of their places, as a single edit does
    with unit_of_work(app.extensions["biorepo"]) as db:
        ids = [i.id for i in db.scalars(select(Item).where(Item.barcode.in_(lot.vials[:3])))]
        kinds = db.execute(
            select(Event.type, Event.note, Event.data).where(
                Event.item_id.in_(ids), Event.type.in_([EventType.MISSING, EventType.MOVED])
            )
        ).all()
        assert sorted(k.type for k in kinds) == [EventType.MISSING] * 3 + [EventType.MOVED] * 3
        assert {k.note for k in kinds} == {"lost"}
        assert all(k.data["batch"] == batch["id"] for k in kinds if k.type is EventType.MISSING)
        audited = db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.table_name == "items", AuditEntry.row_id.in_([str(i) for i in ids]))
        )
        assert audited >= 3
        assert db.scalar(select(ItemBatch.actor_id).where(ItemBatch.id == batch["id"]))
        assert verify(db) is None

    read = call(app, "GET", f"{COMMIT}/{batch['id']}", tokens["technician"]).json
    assert (read["total"], read["changed_since"]) == (3, 0)
    assert read["lines"][0]["old_place"].startswith("Batch one")

    found = post(world, f"/api/v1/items/{lot.vials[0]}/found", {"note": "back"})
    assert found.status_code == 200
    undo = f"{COMMIT}/{batch['id']}/undo"
    stale = post(world, undo, {})
    assert stale.status_code == 409, stale.json
    assert lot.vials[0] in stale.json["detail"] and "Nothing was undone" in stale.json["detail"]
    assert [s[0] for s in state(world, lot.vials)] == [
        "available",
        "missing",
        "missing",
        "destroyed",
    ]
    assert call(app, "GET", f"{COMMIT}/{batch['id']}", tokens["admin"]).json["changed_since"] == 1

    undone = post(world, undo, {"only_unchanged": True})
    assert undone.status_code == 200, undone.json
    assert undone.json["undone"] == 2 and undone.json["undone_at"]
    now = state(world, lot.vials)
    assert now[1:] == before[1:]  # back in their places
    assert now[0][:2] == ("available", "1") and now[0][2] is None  # found since: left as it is
    again = post(world, undo, {})
    assert again.status_code == 409 and "undone already" in again.json["detail"]
    with unit_of_work(app.extensions["biorepo"]) as db:
        assert verify(db) is None


def test_quantities_are_used_as_one_at_a_time(world):
    lot = own_lot(world, "Batch two", 3)
    search = {"material": lot.accession}
    more = post(world, PREVIEW, {"search": search, "changes": {"quantity": "2"}})
    assert more.json["refused"] == 3
    assert more.json["lines"][0]["reason"] == "Between 0 and 1.000000 ml can be used."

    post(world, f"/api/v1/items/{lot.vials[2]}/consume", {"quantity": "0.6"})
    made = post(world, COMMIT, {"search": search, "changes": {"quantity": "0.4"}})
    assert made.status_code == 201, made.json
    assert (made.json["updated"], made.json["unchanged"]) == (2, 1)
    assert [s[:2] for s in state(world, lot.vials)] == [("available", "0.4")] * 3

    empty = post(world, COMMIT, {"search": search, "changes": {"quantity": "0"}})
    assert empty.status_code == 201, empty.json
    gone = state(world, lot.vials)
    assert [s[:2] for s in gone] == [("consumed", "0")] * 3 and gone[0][2] is None
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        item = db.scalar(select(Item).where(Item.barcode == lot.vials[0]))
        used = db.scalars(
            select(Event.data).where(Event.item_id == item.id, Event.type == EventType.CONSUMED)
        ).all()
        assert [(u["quantity"], u["left"]) for u in used] == [("0.6", "0.4"), ("0.4", "0")]

    back = post(world, f"{COMMIT}/{empty.json['id']}/undo", {})
    assert back.status_code == 200, back.json
    assert [s[:2] for s in state(world, lot.vials)] == [("available", "0.4")] * 3
    assert state(world, lot.vials)[0][2] is not None  # back in the box


def test_a_saved_search_and_found_items(world):
    lot = own_lot(world, "Batch three", 2)
    post(world, f"/api/v1/items/{lot.vials[0]}/missing", {"note": "gone"})
    post(world, f"/api/v1/items/{lot.vials[1]}/destroy", {"reason": "broken"})
    saved = post(
        world,
        "/api/v1/saved-searches",
        {"name": "Batch three", "query": {"material": lot.accession}},
    ).json
    body = {"search": {"saved": saved["id"]}, "changes": {"status": "available"}}
    shown = post(world, PREVIEW, body).json
    assert (shown["updated"], shown["refused"]) == (1, 1)
    assert shown["lines"][0]["reason"].endswith(
        "is destroyed, not missing: only a missing item becomes available again (found)."
    )
    made = post(world, COMMIT, {**body, "skip_refused": True})
    assert made.status_code == 201 and made.json["query"] == {"material": lot.accession}
    assert [s[0] for s in state(world, lot.vials)] == ["available", "destroyed"]
    others = post(world, PREVIEW, body, "curator")  # someone else's saved search
    assert others.status_code == 404


def test_nothing_to_change_and_unknown_batches(world):
    app, tokens, _ = world
    lot = own_lot(world, "Batch four", 1)
    same = post(
        world, COMMIT, {"search": {"material": lot.accession}, "changes": {"quantity": "1"}}
    )
    assert same.status_code == 409 and "Nothing to change" in same.json["detail"]
    assert call(app, "GET", f"{COMMIT}/999999", tokens["technician"]).status_code == 404
    assert post(world, f"{COMMIT}/999999/undo", {}).status_code == 404
    with unit_of_work(app.extensions["biorepo"]) as db:
        assert db.scalar(select(func.count()).select_from(Material)) > 0


def sheet(world, path: str, content: bytes, role: str = "technician", **form):
    app, tokens, _ = world
    return send(app, "POST", path, tokens[role], {"file": (content, "changes.csv"), **form})


SHEET_PREVIEW, SHEET = f"{COMMIT}/sheet/preview", f"{COMMIT}/sheet"


def test_a_sheet_of_changes_previewed_committed_and_undone(world):
    lot = own_lot(world, "Batch sheet", 3)
    before = state(world, lot.vials)
    a, b, c = lot.vials
    content = (
        f"barcode;status;quantity;note\n{a};missing;;fell\n{b.lower()};;0.25;\n"
        f"{c};destroyed;;\nNOPE7777;missing;;\n"
    ).encode()
    shown = sheet(world, SHEET_PREVIEW, content)
    assert shown.status_code == 200, shown.json
    body = shown.json
    assert (body["matched"], body["updated"], body["refused"]) == (4, 2, 2)
    refused = {line["barcode"]: (line["line"], line["reason"]) for line in body["lines"][:2]}
    assert refused[c] == (4, "Say why the item is destroyed.")
    assert refused["NOPE7777"][0] == 5 and "NOPE7777" in refused["NOPE7777"][1]
    assert state(world, lot.vials) == before

    stopped = sheet(world, SHEET, content)
    assert stopped.status_code == 422 and len(stopped.json["errors"]["items"]) == 2
    assert state(world, lot.vials) == before
    made = sheet(world, SHEET, content, skip_refused="true")
    assert made.status_code == 201, made.json
    assert made.json["source"] == "sheet" and made.json["query"] is None
    assert made.json["digest"] == hashlib.sha256(content).hexdigest()
    now = state(world, lot.vials)
    assert [s[:2] for s in now] == [("missing", "1"), ("available", "0.25"), ("available", "1")]
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        item = db.scalar(select(Item).where(Item.barcode == a))
        notes = db.scalars(
            select(Event.note).where(Event.item_id == item.id, Event.type == EventType.MISSING)
        ).all()
        assert notes == ["fell"]
    back = post(world, f"{COMMIT}/{made.json['id']}/undo", {})
    assert back.status_code == 200 and state(world, lot.vials) == before
