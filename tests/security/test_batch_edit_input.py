"""Hostile and mistaken batch edits: bad changes and searches are a 422 naming the field; a batch
that would break an invariant (a destruction without a reason, a quantity raised or below zero,
a destroyed item made available) is refused naming each item, and nothing is written; those
who may not see items cannot preview, commit, read or undo; an undo after a later change is
refused naming the item. Sheets of changes: an unknown column, an item twice, a formula for a
code, a bad value, binary junk, a huge file are a 422 naming the line; unknown codes are
refusals; nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.exchange.batch_sheets import SHEET_FILE, SHEET_LINES
from repository.models import Event, ItemBatch
from tests.clients import call, send
from tests.integration.test_batch_edits import (
    COMMIT,
    PREVIEW,
    SHEET,
    SHEET_PREVIEW,
    own_lot,
    post,
    sheet,
    state,
)


def batches(world) -> int:
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        return db.scalar(select(func.count()).select_from(ItemBatch)) or 0


BAD_BODIES = [
    ({"changes": {"quantity": "-1"}}, "quantity"),
    ({"changes": {"quantity": "1e13"}}, "quantity"),
    ({"changes": {"quantity": "abc"}}, "quantity"),
    ({"changes": {"status": "reserved"}}, "status"),
    ({"changes": {"status": "distributed"}}, "status"),
    ({"changes": {}}, "status"),
    ({"changes": {"status": "missing", "note": "a\x00b"}}, "note"),
    ({"changes": {"status": "missing", "note": "x" * 5001}}, "note"),
    ({"changes": {"status": "missing", "colour": "red"}}, "colour"),
    ({"changes": {"status": "missing"}, "page_size": 100_000}, "page_size"),
    ({"changes": {"status": "missing"}, "search": {"saved": 1, "status": ["missing"]}}, "saved"),
    ({"changes": {"status": "missing"}, "search": {"status": ["lost"]}}, "status"),
    ({"changes": {"status": "missing"}, "search": {"container": "NOPE7777"}}, "container"),
    ({"changes": {"status": "missing"}, "skip_refused": "maybe"}, "skip_refused"),
    ({"changes": "missing"}, "changes"),
    ({"changes": {"status": "missing"}, "search": [None, None]}, "search"),
    ({"changes": ["status"]}, "changes"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_input_is_a_422_naming_the_field(world, body, field):
    lot = own_lot(world, f"Hostile {field}", 1)
    before, made = state(world, lot.vials), batches(world)
    body = {"search": {"material": lot.accession}, **body}
    for path in (PREVIEW, COMMIT):
        response = post(world, path, body)
        assert response.status_code == 422, response.json
        assert field in str(response.json["errors"]), response.json
    assert state(world, lot.vials) == before and batches(world) == made


INVARIANTS = [
    ({"status": "destroyed"}, "Say why the item is destroyed."),
    ({"status": "destroyed", "note": "   "}, "Say why the item is destroyed."),
    ({"quantity": "1.5"}, "Between 0 and 1.000000 ml can be used."),
    ({"status": "available"}, "is destroyed, not missing"),
]


@pytest.mark.parametrize(("changes", "message"), INVARIANTS)
def test_a_batch_that_breaks_an_invariant_writes_nothing(world, changes, message):
    lot = own_lot(world, f"Invariant {message[:20]}", 2)
    if changes.get("status") == "available":
        post(world, f"/api/v1/items/{lot.vials[0]}/destroy", {"reason": "x"})  # never found
    before, made = state(world, lot.vials), batches(world)
    response = post(world, COMMIT, {"search": {"material": lot.accession}, "changes": changes})
    assert response.status_code == 422, response.json
    named = response.json["errors"]["items"]
    refused = [code for code in lot.vials if any(n.startswith(code) for n in named)]
    assert refused and all(message in n for n in named), named
    assert state(world, lot.vials) == before and batches(world) == made


@pytest.mark.parametrize("role", [None, "requester"])
def test_those_who_do_not_see_items_cannot_batch_them(world, role):
    app, tokens, _ = world
    lot = own_lot(world, f"Unseen {role}", 1)
    made = post(
        world, COMMIT, {"search": {"material": lot.accession}, "changes": {"quantity": "0.5"}}
    )
    assert made.status_code == 201
    before = state(world, lot.vials)
    body = {"search": {"material": lot.accession}, "changes": {"status": "missing"}}
    expected = 401 if role is None else 403
    token = tokens.get(role) if role else None
    batch = made.json["id"]
    for method, path, sent in (
        ("POST", PREVIEW, body),
        ("POST", COMMIT, body),
        ("GET", f"{COMMIT}/{batch}", None),
        ("POST", f"{COMMIT}/{batch}/undo", {}),
    ):
        response = call(app, method, path, token, sent)
        assert response.status_code == expected, (path, response.json)
        assert lot.vials[0] not in str(response.json)
    assert state(world, lot.vials) == before


def test_an_undo_after_a_later_change_is_refused_naming_the_item(world):
    lot = own_lot(world, "Changed since", 2)
    body = {"search": {"material": lot.accession}, "changes": {"quantity": "0.5"}}
    made = post(world, COMMIT, body)
    assert made.status_code == 201
    post(world, f"/api/v1/items/{lot.vials[1]}/consume", {"quantity": "0.1"})
    before = state(world, lot.vials)
    refused = post(world, f"{COMMIT}/{made.json['id']}/undo", {})
    assert refused.status_code == 409
    assert f"{lot.vials[1]} (now 0.4 ml, the batch left 0.5)" in refused.json["detail"]
    assert lot.vials[0] not in refused.json["detail"]
    assert state(world, lot.vials) == before
    bad = post(world, f"{COMMIT}/{made.json['id']}/undo", {"only_unchanged": "yes please"})
    assert bad.status_code == 422 and state(world, lot.vials) == before


BAD_SHEETS = [
    ("barcode,colour\n{a},red\n", 1, "Not a column of a sheet: barcode, status, quantity, note."),
    ("status\nmissing\n", 1, "The header names the items' barcode column (barcode)."),
    ("barcode,status,status\n{a},missing,missing\n", 1, "A column named twice."),
    ("barcode,status\n{a},missing\n{a},missing\n", 3, "An item listed twice (line 2)."),
    (
        'barcode,status\n=HYPERLINK("http://x"),missing\n',
        2,
        "A code does not start like a spreadsheet formula.",
    ),
    ("barcode,status\n@SUM(1),missing\n", 2, "A code does not start like a spreadsheet formula."),
    ("barcode,quantity\n{a},=1+1\n", 2, "Not a valid number."),
    ("barcode,quantity\n{a},-1\n", 2, "Between 0 and 1000000000000."),
    (
        "barcode,status,note\n{a},missing,(clear)\n",
        2,
        "This field must have a value: (clear) cannot clear it.",
    ),
    (
        "barcode,status\n{a},reserved\n",
        2,
        "An edit makes an item available (found), missing or destroyed.",
    ),
    ("barcode,status\n{a},\n", 2, "Say what to change: a status or a quantity."),
    ("barcode,status\n,missing\n", 2, "Give the item's barcode."),
    ("barcode,status\n{a},missing,extra\n", 2, "A line has at most 2 cells."),
    ("barcode,status\n{a},miss\x07ing\n", 2, "Not a text file (control character U+0007)."),
    ("", None, "The sheet is empty: a header line, then a line per item."),
]


def sheet_state(world, lot):
    return state(world, lot.vials), batches(world)


@pytest.mark.parametrize(("content", "line", "message"), BAD_SHEETS)
def test_a_bad_sheet_names_the_line_and_writes_nothing(world, content, line, message):
    lot = own_lot(world, f"Sheet {message[:24]}", 1)
    before = sheet_state(world, lot)
    data = content.format(a=lot.vials[0]).encode()
    for path in (SHEET_PREVIEW, SHEET):
        response = sheet(world, path, data)
        assert response.status_code == 422, response.json
        problems = response.json["errors"]["problems"]
        assert (line, message) in [(p["row"], p["message"]) for p in problems], problems
    assert sheet_state(world, lot) == before


def test_huge_binary_and_missing_sheets_are_refused(world):
    lot = own_lot(world, "Sheet sizes", 1)
    before = sheet_state(world, lot)
    huge = b"barcode,status\n" + b"X" * (SHEET_FILE + 10)
    said = sheet(world, SHEET, huge).json["errors"]["problems"][0]["message"]
    assert said.startswith("A sheet of changes has at most 2 MiB")
    many = ("barcode,status\n" + f"{lot.vials[0]},missing\n" * (SHEET_LINES + 5)).encode()
    assert "at most 20001 lines" in str(sheet(world, SHEET, many).json)  # a header and 20,000
    binary = sheet(world, SHEET, b"\xff\xfe\x00b\x00a")
    assert binary.status_code == 422 and "Not a text file" in str(binary.json)
    app, tokens, _ = world
    none = call(app, "POST", SHEET, tokens["technician"])
    assert none.status_code in (415, 422)
    empty_form = send(app, "POST", SHEET, tokens["technician"], {"skip_refused": "true"})
    assert empty_form.status_code == 422 and "file" in empty_form.json["errors"]
    assert sheet_state(world, lot) == before


def test_unknown_codes_and_unseen_items_in_a_sheet(world):
    lot = own_lot(world, "Sheet unknown", 1)
    before = sheet_state(world, lot)
    content = f"barcode,status\n{lot.vials[0]},missing\nNOPE7777,missing\n".encode()
    stopped = sheet(world, SHEET, content)
    assert stopped.status_code == 422
    assert [n.split(":")[0] for n in stopped.json["errors"]["items"]] == ["NOPE7777"]
    assert sheet_state(world, lot) == before
    for role, expected in (("requester", 403),):
        assert sheet(world, SHEET_PREVIEW, content, role).status_code == expected
        assert sheet(world, SHEET, content, role).status_code == expected
    app, _, _ = world
    anonymous = send(app, "POST", SHEET, None, {"file": (content, "c.csv")})
    assert anonymous.status_code == 401
    assert sheet_state(world, lot) == before


def test_a_note_that_looks_like_a_formula_is_kept_as_text(world):
    lot = own_lot(world, "Sheet formula note", 1)
    content = f'barcode,status,note\n{lot.vials[0]},missing,\'=HYPERLINK("x")\n'.encode()
    made = sheet(world, SHEET, content)
    assert made.status_code == 201, made.json
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        notes = db.scalars(select(Event.note).where(Event.note.like("%HYPERLINK%"))).all()
    assert '=HYPERLINK("x")' in notes
