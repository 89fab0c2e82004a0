"""Hostile and mistaken scans: a scan of 10,000 characters, control characters (a scanner's
prefix, a NUL that PostgreSQL text cannot hold), a misread code, a code of another kind in a
scan field; and items put from a chosen position on. Each is a clear answer, never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from repository.barcodes import ALPHABET
from repository.db import unit_of_work
from tests.clients import ApiClient
from tests.factories import LOT, items_of, make_box, make_strain, preserve


def page(app, token: str, method: str, path: str, form: dict | None = None):
    """A page as the holder of `token` sees it (a bearer token needs no CSRF field)."""
    client = app.test_client()
    return client.open(path, method=method, data=form, headers={"Authorization": f"Bearer {token}"})


def misread(code: str) -> str:
    """`code` with its third character read wrong, as a smudged label scans."""
    wrong = ALPHABET[(ALPHABET.index(code[2]) + 1) % len(ALPHABET)]
    return code[:2] + wrong + code[3:]


LONG = "A" * 10_000
CONTROL = ["AB\x00CD", "\x02{vial}\x03", "AB\x1dCD", "AB\nCD"]


def test_a_scan_of_ten_thousand_characters_is_refused_without_echo(world, client: ApiClient):
    app, tokens, ids = world
    response = page(app, tokens["technician"], "GET", f"/scan?code={LONG}")
    assert response.status_code == 422
    assert b"A code has at most 64 characters; this one has 10000." in response.data
    assert b"<code>AAAA" not in response.data  # the heading does not repeat it
    response = page(
        app,
        tokens["technician"],
        "POST",
        f"/bench/lots/{ids['cell_lot']}/place",
        {"container": LONG},
    )
    assert response.status_code == 422 and b"at most 64 characters" in response.data
    response = client.get(f"/api/v1/items/{LONG}", token=tokens["technician"])
    assert response.status_code == 422


@pytest.mark.parametrize("code", CONTROL)
def test_control_characters_in_a_scan_are_refused(world, client: ApiClient, code):
    app, tokens, ids = world
    code = code.format(vial=ids["vials"][0])
    response = page(app, tokens["technician"], "GET", f"/scan?code={quote(code)}")
    assert response.status_code == 422
    assert b"The code holds a control character (U+00" in response.data
    response = page(
        app,
        tokens["technician"],
        "POST",
        f"/bench/lots/{ids['cell_lot']}/place",
        {"container": code},
    )
    assert response.status_code == 422 and b"control character" in response.data
    response = page(
        app, tokens["technician"], "POST", f"/storage/{ids['box']}/place", {"items": code}
    )
    assert response.status_code in (404, 422)  # split at the line break: one part is unknown
    response = client.get(f"/api/v1/items/{quote(code)}", token=tokens["technician"])
    assert response.status_code in (404, 422)


def test_a_misread_code_says_to_scan_it_again(world, client: ApiClient):
    app, tokens, ids = world
    wrong = misread(ids["vials"][0])
    response = page(app, tokens["technician"], "GET", f"/scan?code={wrong}")
    assert response.status_code == 404
    assert b"looks misread: its check character does not match. Scan it again." in response.data
    assert b"Nothing has the code" not in response.data
    response = client.get(f"/api/v1/items/{wrong}", token=tokens["technician"])
    assert response.status_code == 404 and "looks misread" in response.get_json()["detail"]
    response = page(
        app,
        tokens["technician"],
        "POST",
        f"/bench/lots/{ids['cell_lot']}/place",
        {"container": misread(ids["box"])},
    )
    assert response.status_code == 404 and b"looks misread" in response.data


def test_a_requester_learns_nothing_from_the_misread_answer(world):
    """Whether a code looks misread depends on the code alone, never on what exists."""
    app, tokens, ids = world
    for code in (ids["vials"][0], misread(ids["vials"][0])):
        response = page(app, tokens["requester"], "GET", f"/scan?code={code}")
        assert response.status_code == 404
    unknown = page(app, tokens["requester"], "GET", "/scan?code=" + ids["vials"][0])
    assert b"Nothing has the code" in unknown.data


def test_a_code_of_another_kind_in_a_scan_field_says_what_it_is(world):
    app, tokens, ids = world
    response = page(
        app,
        tokens["technician"],
        "POST",
        f"/bench/lots/{ids['cell_lot']}/place",
        {"container": ids["vials"][0]},
    )
    assert response.status_code == 404
    assert b"is the barcode of an item, not of a storage unit." in response.data
    assert b'aria-invalid="true"' in response.data  # on the box field, which the next scan replaces
    response = page(
        app, tokens["technician"], "POST", f"/storage/{ids['box']}/place", {"items": ids["box"]}
    )
    assert response.status_code == 404
    assert b"is the barcode of a storage unit, not of an item." in response.data


def position_of(client: ApiClient, token: str, vial: str) -> str:
    return client.get(f"/api/v1/items/{vial}", token=token).get_json()["position"]


def test_items_from_a_chosen_position_go_to_the_next_free_ones(world, client: ApiClient):
    """On a box of its own (its vials at A1 to A4), as it moves them."""
    app, tokens, _ = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        made = make_box(db)
        lot = preserve(db, make_strain(db, "API"), {**LOT, "items": 4}, made)
        box, vials = made.barcode, [item.barcode for item in items_of(db, lot)]
    tech = tokens["technician"]
    response = page(
        app,
        tech,
        "POST",
        f"/storage/{box}/place",
        {"items": f"{vials[0]}\n{vials[1]}\n{vials[1].lower()}", "position": "C5"},
    )
    assert response.status_code == 303
    assert [position_of(client, tech, v) for v in vials[:2]] == ["C5", "C6"]
    taken = page(app, tech, "POST", f"/storage/{box}/place", {"items": vials[2], "position": "C6"})
    assert taken.status_code == 409 and f"Box C6 is occupied by {vials[1]}".encode() in taken.data
    late = page(
        app,
        tech,
        "POST",
        f"/storage/{box}/place",
        {"items": f"{vials[2]} {vials[3]}", "position": "i9"},
    )
    assert late.status_code == 409
    assert b"Box has 1 free positions from I9 on, 2 are needed." in late.data
    for position, message in (
        ("Z99", b"Z99 is outside the 9x9 grid of Box."),
        ("B", b"Write the position as the grid names it"),
        ("<script>", b"Write the position as the grid names it"),
    ):
        response = page(
            app, tech, "POST", f"/storage/{box}/place", {"items": vials[2], "position": position}
        )
        assert response.status_code == 422 and message in response.data
        assert b"<script>" not in response.data.split(b"<main")[1].replace(b"&lt;script&gt;", b"")
    assert position_of(client, tech, vials[2]) == "A3"  # nothing moved


def test_too_many_scanned_items_are_refused(world):
    app, tokens, ids = world
    codes = "\n".join([ids["vials"][0]] * 1001)
    response = page(
        app, tokens["technician"], "POST", f"/storage/{ids['box']}/place", {"items": codes}
    )
    assert response.status_code == 422
    assert b"At most 1000 items at once; 1001 were scanned." in response.data
