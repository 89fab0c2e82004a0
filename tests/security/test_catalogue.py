"""Hostile and mistaken catalogue searches (a page of -1 or 10^12, a text of 10,000
characters, filters with unknown values, SQL wildcards in the text) and what the catalogue
shows to whom: each is a clear 4xx or an empty result, never a 500; internal materials,
places and donors never reach the public; refusals name who may, never a permission code."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest


def page(app, token: str | None, path: str):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().get(path, headers=headers)


def found(response) -> int:
    """The number of materials the page says it found."""
    return int(re.search(r"(\d+) materials? found", response.data.decode()).group(1))


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("page=-1", b"Must be greater than or equal to 1"),
        ("page=0", b"Must be greater than or equal to 1"),
        (f"page={10**12}", b"less than or equal to 10000"),
        ("page=two", b"Not a valid integer"),
        (f"q={'x' * 10_000}", b"Longer than maximum length 200"),
        ("kind=virus", b"Must be one of"),
        ("available=perhaps", b"Not a valid boolean"),
        ("sort=password", b"Must be one of"),
    ],
)
def test_bad_search_input_is_a_clear_422(world, query, says):
    app, tokens, _ = world
    for token in (None, tokens["requester"]):
        response = page(app, token, f"/catalogue?{query}")
        assert response.status_code == 422, query
        assert says in response.data and b"The search could not run" in response.data
        assert found(response) == 0


def test_a_page_past_the_last_is_empty_and_points_back(world):
    app, _, _ = world
    response = page(app, None, "/catalogue?page=9999")
    assert response.status_code == 200
    text = response.data.decode()
    assert "There is no page 9999." in text and 'href="/catalogue?page=1"' in text
    assert 'class="card result"' not in text


@pytest.mark.parametrize(
    "query",
    [
        "collection=NOPE",
        "taxon=Nonexistens%20nullus",
        f"q={quote('%')}",
        "q=_",
        "q=o_en",
        "q=%25strain",
    ],
)
def test_unknown_filters_and_sql_wildcards_find_nothing(world, query):
    """`%` and `_` are characters to look for, not wildcards: no material has them."""
    app, tokens, _ = world
    response = page(app, tokens["requester"], f"/catalogue?{query}")
    assert response.status_code == 200 and found(response) == 0, query


def test_the_catalogue_shows_the_public_only_to_the_public(world):
    app, tokens, ids = world
    for token in (None, tokens["requester"]):
        listed = page(app, token, "/catalogue?q=strain")
        text = listed.data.decode()
        assert found(listed) == 2  # open and restricted
        assert "internal strain" not in text
        assert page(app, token, f"/catalogue/{ids['internal']}").status_code == 404
        shown = page(app, token, f"/catalogue/{ids['open']}").data.decode()
        assert "open strain" in shown
        for secret in ("freezer 3 is noisy", ids["box"], "Freezer", "Rack", *ids["vials"]):
            assert secret not in shown, secret
    staff = page(app, tokens["technician"], "/catalogue?q=strain")
    assert found(staff) == 3  # the policy's levels: staff see internal material too


def test_a_requester_opening_a_vial_is_told_who_may_without_permission_codes(world):
    app, tokens, ids = world
    response = page(app, tokens["requester"], f"/items/{ids['vials'][0]}")
    assert response.status_code == 403
    text = response.data.decode()
    assert "inventory.read" not in text and "Your roles" not in text
    assert "seen by the repository&#39;s staff only" in text and 'href="/catalogue"' in text
    home = page(app, tokens["requester"], "/").data.decode()
    assert "Scan a vial" not in home and "catalogue" in home
    assert "Scan a vial" in page(app, tokens["technician"], "/").data.decode()
