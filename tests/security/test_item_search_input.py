"""Hostile and mistaken item searches and saved searches: huge pages, impossible dates and
positions, reversed ranges, unknown or misspelt parameters, control characters, SQL and LIKE
wildcards in the text, lists longer than their vocabulary, a saved search mixed with filters or
someone else's; each a 4xx naming what was wrong (or an empty result), never a 500; and a
refused saved search writes nothing."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.models import SavedSearch
from repository.schemas.search import ItemSearch, NewSavedSearch
from repository.services import accounts, saved_searches
from tests.clients import call, logged_in


def search(world, query: str, role: str = "technician"):
    return call(world.app, "GET", f"/api/v1/items?{query}", world.tokens[role])


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("page_size=100000", "page_size", "less than or equal to 100"),
        ("page_size=0", "page_size", "greater than or equal to 1"),
        (f"page={2**40}", None, "beyond the last"),
        ("preserved_from=2025-02-30", "preserved_from", "Not a valid date"),
        ("last_event_to=yesterday", "last_event_to", "Not a valid date"),
        ("qc_from=2025/01/01", "qc_from", "Not a valid date"),
        ("position_from=C1&position_to=B9", "position_to", "ends before it starts"),
        ("preserved_from=2025-02-02&preserved_to=2025-02-01", "preserved_to", "ends before"),
        ("last_event_from=2025-02-02&last_event_to=2025-02-01", "last_event_to", "ends before"),
        ("qc_from=2025-02-02&qc_to=2025-02-01", "qc_to", "ends before"),
        ("quantity_min=2&quantity_max=1", "quantity_max", "ends before"),
        ("position_from=Z99", "position_from", "at most 50 rows and columns"),
        ("position_from=A0", "position_from", "at most 50 rows and columns"),
        ("position_to=99999:1", "position_to", "as the grid names it"),
        (f"position_to={'A' * 5000}", "position_to", "Longer than maximum length"),
        ("quantity_min=NaN", "quantity_min", "Special numeric values"),
        ("quantity_max=Infinity", "quantity_max", "Special numeric values"),
        ("quantity_max=1e999", "quantity_max", "Not a valid number"),
        ("quantity_max=1e13", "quantity_max", "Between 0 and"),
        ("quantity_min=-1", "quantity_min", "Between 0 and"),
        ("quantity_min=lots", "quantity_min", "Not a valid number"),
        ("lot=0", "lot", "greater than or equal to 1"),
        (f"lot={2**40}", "lot", "Not a valid integer"),
        ("lot=2", "lot", "give the material too"),
        ("status=frozen", "status", "Must be one of"),
        ("status=available&" * 7, "status", "At most 6 entries"),
        ("kind=virus", "kind", "Must be one of"),
        ("sort=password", "sort", "Must be one of"),
        ("sort=barcode;DROP%20TABLE%20items", "sort", "Must be one of"),
        ("colour=red", "colour", "Unknown parameter"),
        ("Status=available", "Status", "Unknown parameter"),
        ("saved=abc", "saved", "Not a valid integer"),
        ("saved=1&status=available", "saved", "drop status"),
        (f"q={'x' * 10_000}", "q", "Longer than maximum length 200"),
        (f"q={quote('AB' + chr(0) + 'CD')}", "q", "control character (U+0000)"),
        (f"material={quote(chr(2) + 'X' + chr(3))}", "material", "control character (U+0002)"),
        (f"collection={quote('A' + chr(10))}", "collection", "control character (U+000A)"),
        (f"container={quote('AB' + chr(0))}", "container", "control character"),
        ("container=NOPE7777", "container", "No storage unit with barcode"),
    ],
)
def test_a_bad_search_is_a_422_that_names_the_parameter(world, query, field, says):
    response = search(world, query)
    assert response.status_code == 422, (query, response.json)
    assert response.content_type == "application/problem+json"
    text = str(response.json.get("errors") or response.json.get("detail"))
    assert says in text, (query, response.json)
    if field is not None:
        assert field in response.json["errors"], (query, response.json)


def test_a_container_code_of_an_item_or_misread_is_named(world):
    vial = world.ids["vials"][0]
    response = search(world, f"container={vial}")
    assert response.status_code == 422
    assert "is the barcode of an item" in response.json["errors"]["container"][0]
    misread = vial[:-1] + ("3" if vial[-1] != "3" else "4")
    response = search(world, f"container={misread}")
    assert response.status_code == 422 and "misread" in response.json["errors"]["container"][0]


@pytest.mark.parametrize(
    "text", ["%", "_", "%%", "o_en", "%strain", "/", "//", "\\", "'; DROP TABLE items; --", "*"]
)
def test_wildcards_and_sql_in_the_text_are_characters(world, text):
    """Nothing in the world has these characters: a wildcard that matched would list items."""
    response = search(world, f"q={quote(text)}")
    assert response.status_code == 200 and response.json == [], text
    assert search(world, "q=open").json  # the world's items are there to be found


def test_someone_elses_saved_search_does_not_exist(world):
    body = {"name": "Curator's own", "query": {"status": ["available"]}}
    saved = call(world.app, "POST", "/api/v1/saved-searches", world.tokens["curator"], body).json
    for role in ("other_curator", "technician", "admin"):
        response = search(world, f"saved={saved['id']}", role)
        assert response.status_code == 404 and response.json["field"] == "saved", role
    assert search(world, "saved=999999", "curator").status_code == 404
    assert search(world, f"saved={saved['id']}", "curator").status_code == 200


def saved_count(world) -> int:
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        return db.scalar(select(func.count()).select_from(SavedSearch)) or 0


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"query": {}}, "name", "Missing data"),
        ({"name": "   ", "query": {}}, "name", "Name the search."),
        ({"name": "x" * 101, "query": {}}, "name", "Longer than maximum length 100"),
        ({"name": "no query"}, "query", "Missing data"),
        ({"name": "text", "query": "status=available"}, "query", "Invalid input type"),
        ({"name": "list", "query": [{"status": "available"}]}, "query", "Invalid input type"),
        ({"name": "unknown", "query": {"colour": "red"}}, "query", "Unknown field"),
        ({"name": "nested", "query": {"saved": 1}}, "query", "Unknown field"),
        ({"name": "one", "query": {"status": "available"}}, "query", "Not a valid list"),
        ({"name": "date", "query": {"qc_to": "2025-13-13"}}, "query", "Not a valid date"),
        (
            {"name": "range", "query": {"position_from": "B1", "position_to": "A9"}},
            "query",
            "ends before it starts",
        ),
        ({"name": "extra", "query": {}, "owner_id": 1}, "owner_id", "Unknown field"),
    ],
)
def test_a_bad_saved_search_is_refused_and_writes_nothing(world, body, field, says):
    before = saved_count(world)
    response = call(world.app, "POST", "/api/v1/saved-searches", world.tokens["technician"], body)
    assert response.status_code == 422, (body, response.json)
    assert field in response.json["errors"] and says in str(response.json["errors"][field])
    assert saved_count(world) == before


def test_a_person_keeps_at_most_so_many_saved_searches(world):
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        who = accounts.authenticate_token(db, world.tokens["admin"])
        kept = db.scalar(select(func.count()).where(SavedSearch.owner_id == who.user_id))
        for n in range(saved_searches.MOST - kept):
            saved_searches.save(db, who, NewSavedSearch(name=f"kept {n}", search=ItemSearch()))
    before = saved_count(world)
    body = {"name": "one too many", "query": {}}
    response = call(world.app, "POST", "/api/v1/saved-searches", world.tokens["admin"], body)
    assert response.status_code == 409 and "delete one first" in response.json["detail"]
    assert saved_count(world) == before
    others = call(world.app, "POST", "/api/v1/saved-searches", world.tokens["technician"], body)
    assert others.status_code == 201  # the bound is per person


def test_a_saved_search_page_form_needs_its_csrf_token(world):
    client = logged_in(world.app, "technician")
    before = saved_count(world)
    response = client.post("/items/saved", data={"name": "forged", "q": "open"})
    assert response.status_code == 403 and saved_count(world) == before
