"""Hostile and mistaken batch edits of materials: bad changes and searches are a 422 naming the
field; those who curate no collection cannot preview, commit, read or undo; another
collection's materials are not there (a search does not find them, a sheet naming them is told
they do not exist, a batch of theirs is not listed, read or undone). Sheets: a formula for a
code, an unknown column, a material twice, a bad value, another encoding, binary junk, a huge
file are a 422 naming the line; unknown accession numbers are refusals; nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.exchange.batch_sheets import SHEET_FILE, SHEET_LINES
from repository.models import ItemBatch
from tests.clients import call
from tests.integration.test_material_batch_edits import (
    BASE,
    COMMIT,
    PREVIEW,
    SHEET,
    SHEET_PREVIEW,
    fields_of,
    material_id,
    own_materials,
    post,
    sheet,
)


def batches(world) -> int:
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        return db.scalar(select(func.count()).select_from(ItemBatch)) or 0


BAD_BODIES = [
    ({"changes": {}}, "changes"),
    ({"changes": {"access_level": "secret"}}, "access_level"),
    ({"changes": {"risk_group": 5}}, "risk_group"),
    ({"changes": {"risk_group": 2**40}}, "risk_group"),
    ({"changes": {"remarks": "a\x00b"}}, "remarks"),
    ({"changes": {"remarks": "x" * 5001}}, "remarks"),
    ({"changes": {"accession_number": "NEW-1"}}, "accession_number"),  # not a single edit's
    ({"changes": {"collection_id": 2}}, "collection_id"),
    ({"changes": {"cellosaurus_id": "CVCL_0030"}}, "cellosaurus_id"),  # others key on it
    ({"changes": {"donor": "D001"}}, "donor"),
    ({"changes": {"str_profile": {"TH01": "6,9.3"}}}, "str_profile"),
    ({"changes": {"growth_temperature_c": 500}}, "growth_temperature_c"),  # a strain's, checked
    ({"changes": {"growth_temperature_c": "warm"}}, "growth_temperature_c"),
    ({"changes": {"type_strain": None}}, "type_strain"),  # a yes/no is never null
    ({"changes": {"form_of_supply": None}}, "form_of_supply"),  # a list is emptied, not null
    ({"changes": {"form_of_supply": "agar"}}, "form_of_supply"),
    ({"changes": {"form_of_supply": ["mould"]}}, "form_of_supply"),
    ({"changes": {"specimen_type": None}}, "specimen_type"),  # required at registration
    ({"changes": {"storage_temperature": "x" * 33}}, "storage_temperature"),
    ({"changes": {"collected_at": "2025-03-01T09:30:00"}}, "collected_at"),  # no time zone
    ({"changes": {"designation": ""}}, "designation"),
    ({"changes": {"mls_status": 2}}, "mls_status"),  # MLSSTAT is 0, 1 or 99
    ({"changes": {"mls_status": "1; DROP TABLE seeds"}}, "mls_status"),
    ({"changes": "internal"}, "changes"),
    ({"changes": ["remarks"]}, "changes"),
    ({"changes": {"remarks": "x"}, "search": {"kind": "virus"}}, "kind"),
    ({"changes": {"remarks": "x"}, "search": {"q": "x" * 201}}, "q"),
    ({"changes": {"remarks": "x"}, "search": {"status": ["available"]}}, "status"),
    ({"changes": {"remarks": "x"}, "search": [None]}, "search"),
    ({"changes": {"remarks": "x"}, "page_size": 100_000}, "page_size"),
    ({"changes": {"remarks": "x"}, "skip_refused": "maybe"}, "skip_refused"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_input_is_a_422_naming_the_field(world, body, field):
    numbers = own_materials(world, f"Mhostile {field}", 1)
    before, made = fields_of(world, numbers, "remarks", "access_level"), batches(world)
    body = {"search": {"q": f"Mhostile {field}"}, **body}
    for path in (PREVIEW, COMMIT):
        response = post(world, path, body)
        assert response.status_code == 422, response.json
        assert field in str(response.json["errors"]), response.json
    assert fields_of(world, numbers, "remarks", "access_level") == before
    assert batches(world) == made


@pytest.mark.parametrize("role", [None, "requester", "technician", "printer"])
def test_only_curators_batch_edit_materials(world, role):
    numbers = own_materials(world, f"Mforbidden {role}", 1)
    body = {"search": {"q": f"Mforbidden {role}"}, "changes": {"access_level": "internal"}}
    token = world.tokens[role] if role else None
    for method, path, data in (
        ("POST", PREVIEW, body),
        ("POST", COMMIT, body),
        ("GET", BASE, None),
        ("GET", f"{BASE}/1", None),
        ("POST", f"{BASE}/1/undo", {}),
        ("POST", SHEET_PREVIEW, None),
    ):
        response = call(world.app, method, path, token, data)
        assert response.status_code == (401 if role is None else 403), (path, response.json)
    assert fields_of(world, numbers, "access_level") == [("open",)]


def test_another_collections_materials_are_not_there(world):
    theirs = own_materials(world, "Mforeign", 1, code="OTH")
    shown = post(world, PREVIEW, {"search": {"q": "Mforeign"}, "changes": {"risk_group": 3}})
    assert shown.status_code == 200 and shown.json["matched"] == 0
    named = sheet(world, SHEET, f"accession_number,risk_group\n{theirs[0]},3\n".encode())
    assert named.status_code == 422, named.json
    said = named.json["errors"]["materials"][0]
    assert said == f"{theirs[0]}: No material {theirs[0]} in the collections you curate."
    # the same words as for a number of no material: nothing tells that it exists
    assert fields_of(world, theirs, "risk_group") == [(1,)]
    made = post(world, COMMIT, {"search": {"q": "Mforeign"}, "changes": {"risk_group": 3}}, "admin")
    assert made.status_code == 201, made.json
    read = call(world.app, "GET", f"{BASE}/{made.json['id']}", world.tokens["curator"])
    assert read.status_code == 404, read.json  # a batch of another collection's is not there
    listed = call(world.app, "GET", BASE, world.tokens["curator"]).json
    assert made.json["id"] not in [batch["id"] for batch in listed]
    undo = post(world, f"{BASE}/{made.json['id']}/undo", {})
    assert undo.status_code == 404, undo.json
    assert fields_of(world, theirs, "risk_group") == [(3,)]


BAD_SHEETS = [
    ("accession_number,colour\n{a},red\n", 1, "Not a column of a sheet"),
    ("remarks\nx\n", 1, "The header names the materials' accession number column"),
    ("accession_number\n{a}\n", 1, "Name what to change"),
    ('accession_number,remarks\n=HYPERLINK("http://x"),x\n', 2, "spreadsheet formula"),
    ("accession_number,remarks\n@SUM(A1),x\n", 2, "spreadsheet formula"),
    ("accession_number,remarks\n{a},x\n{a},y\n", 3, "A material listed twice (line 2)."),
    ("accession_number,risk_group\n{a},9\n", 2, None),
    ("accession_number,access_level\n{a},secret\n", 2, None),
    ("accession_number,remarks\n{a},x,extra\n", 2, "A line has at most 2 cells."),
    ("accession_number,remarks\n,x\n", 2, "Give the material's accession_number."),
    ("accession_number,remarks\n" + "A" * 65 + ",x\n", 2, "at most 64 characters"),
    ("accession_number,designation\n{a},(clear)\n", 2, "must have a value: (clear) cannot"),
    ("accession_number,risk_group,remarks\n{a},(clear),x\n", 2, "must have a value"),
    ("accession_number,type_strain\n{a},(clear)\n", 2, "must have a value"),
    ("accession_number,form_of_supply\n{a},agar;mould\n", 2, "Must be one of: lyophilised"),
    ("accession_number,growth_temperature_c\n{a},=1+1\n", 2, "valid number"),
    ("accession_number,cellosaurus_id\n{a},CVCL_0030\n", 1, "Not a column of a sheet"),
]


@pytest.mark.parametrize(("content", "line", "message"), BAD_SHEETS)
def test_a_bad_sheet_names_the_line_and_writes_nothing(world, content, line, message):
    numbers = own_materials(world, "Mbadsheet", 1)
    before, made = fields_of(world, numbers, "remarks", "risk_group"), batches(world)
    data = content.format(a=numbers[0]).encode()
    for path in (SHEET_PREVIEW, SHEET):
        response = sheet(world, path, data)
        assert response.status_code == 422, response.json
        problems = response.json["errors"]["problems"]
        assert line in [p["row"] for p in problems], problems
        if message:
            assert any(message in p["message"] for p in problems), problems
    assert fields_of(world, numbers, "remarks", "risk_group") == before
    assert batches(world) == made


@pytest.mark.parametrize(
    "data",
    [
        "accession_number,remarks\nA-1,caf\u00e9\n".encode("utf-16"),
        "accession_number,remarks\nA-1,caf\u00e9 cr\u00e8me\n".encode("latin-1"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b"PK\x03\x04" + b"\x00" * 64,
        b"",
    ],
)
def test_junk_and_other_encodings_are_a_422(world, data):
    made = batches(world)
    for path in (SHEET_PREVIEW, SHEET):
        response = sheet(world, path, data)
        assert response.status_code == 422, response.json
        assert response.json["errors"]["problems"], response.json
    assert batches(world) == made


def test_a_huge_sheet_is_refused_before_it_is_read(world):
    made = batches(world)
    huge = b"accession_number,remarks\n" + b"A-1," + b"x" * SHEET_FILE + b"\n"
    response = sheet(world, SHEET_PREVIEW, huge)
    assert response.status_code == 422
    assert "at most 2 MiB" in str(response.json)
    many = b"accession_number,risk_group\n" + b"".join(
        b"N-%d,2\n" % n for n in range(SHEET_LINES + 1)
    )
    response = sheet(world, SHEET, many)
    assert response.status_code == 422
    assert f"at most {SHEET_LINES + 1} lines" in str(response.json)
    assert batches(world) == made


def test_unknown_accession_numbers_refuse_the_sheet(world):
    numbers = own_materials(world, "Munknown", 1)
    data = f"accession_number,remarks\n{numbers[0]},ok\nGHOST-1,x\nGHOST-2,y\n".encode()
    response = sheet(world, SHEET, data)
    assert response.status_code == 422, response.json
    assert [m.split(":")[0] for m in response.json["errors"]["materials"]] == [
        "GHOST-1",
        "GHOST-2",
    ]
    assert fields_of(world, numbers, "remarks") == [(None,)]
    formula = sheet(world, SHEET, f"accession_number,remarks\n{numbers[0]},=1+1\n".encode())
    assert formula.status_code == 201, formula.json  # a formula in a text is kept as text
    assert fields_of(world, numbers, "remarks") == [("=1+1",)]


def test_a_field_of_another_kind_refuses_the_batch_and_writes_nothing(world):
    numbers = own_materials(world, "Mforeignkind", 2)
    before, made = fields_of(world, numbers, "remarks"), batches(world)
    body = {"search": {"q": "Mforeignkind"}, "changes": {"crop_name": "Rice", "remarks": "x"}}
    shown = post(world, PREVIEW, body)
    assert shown.status_code == 200, shown.json
    assert shown.json["refused"] == 2 and shown.json["updated"] == 0
    assert {line["reason"] for line in shown.json["lines"]} == {
        "crop_name is not a field of a strain."
    }
    for extra in ({}, {"skip_refused": True}):  # left out, nothing is left to change
        response = post(world, COMMIT, {**body, **extra})
        assert response.status_code in (409, 422), response.json
    data = f"accession_number,crop_name,remarks\n{numbers[0]},Rice,x\n{numbers[1]},,x\n"
    refused = sheet(world, SHEET, data.encode())
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"]["materials"] == [
        f"{numbers[0]}: crop_name is not a field of a strain."
    ]
    assert fields_of(world, numbers, "remarks") == before
    assert batches(world) == made
    kept = sheet(world, SHEET, data.encode(), skip_refused="true")  # only the other line
    assert kept.status_code == 201, kept.json
    assert fields_of(world, numbers, "remarks") == [before[0], ("x",)]


def test_a_single_edit_of_another_kind_s_fields_writes_nothing(world):
    numbers = own_materials(world, "Mforeignpatch", 1)
    found = material_id(world, numbers[0])
    path = f"/api/v1/materials/{found}"
    etag = call(world.app, "GET", path, world.tokens["curator"]).headers["ETag"]
    for body in (
        {"specimen_type": "serum", "remarks": "x"},
        {"storage_temperature": None, "remarks": "x"},  # a clearing too
        {"wean_age_days": 21, "max_passage": 3, "remarks": "x"},
    ):
        response = call(world.app, "PATCH", path, world.tokens["curator"], body, {"If-Match": etag})
        assert response.status_code == 422, response.json
        assert set(response.json["errors"]) == set(body) - {"remarks"}, response.json
    assert call(world.app, "GET", path, world.tokens["curator"]).headers["ETag"] == etag
    assert fields_of(world, numbers, "remarks") == [(None,)]
