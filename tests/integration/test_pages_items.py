"""The item search page: the form, the items found with links to each, pages, a saved search
kept, run and deleted, refusals that keep what was typed, both languages."""

from __future__ import annotations

import re
from html import unescape
from types import SimpleNamespace

import pytest

from repository.db import unit_of_work
from repository.models import Material
from tests.clients import csrf_of, logged_in
from tests.factories import add_material, items_of, make_box, preserve

PER_PAGE = 50


@pytest.fixture(scope="module")
def shelf(world) -> SimpleNamespace:
    """A strain of API, "Paged coli", with a lot of 51 vials in one box: two pages."""
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        box = make_box(db, name="Paged box")
        strain = add_material(
            db, "API", {"kind": "strain", "designation": "Paged coli", "taxon_name": "E. coli"}
        )
        lot = preserve(
            db,
            strain,
            {
                "method": "glycerol_minus80",
                "preserved_on": "2024-04-04",
                "items": PER_PAGE + 1,
                "quantity": "1",
                "unit": "ml",
                "form": "cryovial",
            },
            box,
        )
        made = [i.barcode for i in items_of(db, lot)]  # placed A1, A2 ... in this order
        return SimpleNamespace(
            vials=sorted(made),
            placed=made,
            accession=db.get(Material, strain.id).accession_number,
        )


def found(page: bytes) -> list[str]:
    """The barcodes a results table links to, in its order."""
    return re.findall(r'<a href="/items/([A-Z0-9]+)"><code>', page.decode())


def test_results_link_each_item_and_say_where_it_is(world, shelf):
    client = logged_in(world.app, "technician")
    response = client.get("/items?q=Paged+coli")
    assert response.status_code == 200
    text = unescape(response.data.decode())
    assert "51 items found." in text and "Page 1 of 2." in text
    assert found(response.data) == shelf.vials[:PER_PAGE]
    assert f"{shelf.accession} " in text and "Paged coli" in text
    assert "Site › Room › Freezer › Rack › Paged box [A1]" in text
    assert "2024-04-04" in text and "glycerol" in text
    pager = re.search(r'<nav class="pager".*?</nav>', text, re.S).group(0)
    assert 'rel="next" href="/items?q=Paged+coli&page=2"' in pager
    last = client.get("/items?q=Paged+coli&page=2")
    assert found(last.data) == shelf.vials[PER_PAGE:]


def test_filters_stay_in_the_form_and_the_page_links(world, shelf):
    client = logged_in(world.app, "curator")
    query = f"material={shelf.accession.replace(' ', '+')}&status=available&status=missing"
    response = client.get(f"/items?{query}&sort=-barcode&position_to=A5")
    text = unescape(response.data.decode())
    assert found(response.data) == sorted(shelf.placed[:5], reverse=True)
    assert 'name="status" value="available" checked' in text
    assert 'name="status" value="missing" checked' in text
    assert 'value="A5"' in text and '<option value="-barcode" selected>' in text


def test_a_search_is_saved_run_and_deleted(world, shelf):
    client = logged_in(world.app, "technician")
    csrf = csrf_of(client)
    form = {"csrf_token": csrf, "name": "Paged vials", "q": "Paged coli", "sort": "-barcode"}
    saved = client.post("/items/saved", data=form)
    assert saved.status_code == 303
    run = client.get(saved.location)
    text = unescape(run.data.decode())
    assert found(run.data) == shelf.vials[::-1][:PER_PAGE]
    assert 'value="Paged coli"' in text  # the form shows what it looks for
    assert ">Paged vials</a>" in text
    saved_id = int(saved.location.rsplit("=", 1)[1])
    # a second page of a saved search keeps to it
    assert 'href="/items?saved=' + str(saved_id) + '&page=2"' in text
    twice = client.post("/items/saved", data=form)
    assert twice.status_code == 409
    assert "already have a saved search named" in unescape(twice.data.decode())
    blank = client.post("/items/saved", data={**form, "name": "  "})
    assert blank.status_code == 422 and "Name the search." in blank.data.decode()
    # nobody else runs or deletes it
    other = logged_in(world.app, "curator")
    assert other.get(f"/items?saved={saved_id}").status_code == 404
    refused = other.post(f"/items/saved/{saved_id}/delete", data={"csrf_token": csrf_of(other)})
    assert refused.status_code == 404
    gone = client.post(f"/items/saved/{saved_id}/delete", data={"csrf_token": csrf})
    assert gone.status_code == 303
    assert ">Paged vials</a>" not in client.get("/items").data.decode()


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("preserved_from=2025-13-01", "Not a valid date"),
        ("position_from=C1&position_to=B9", "The range ends before it starts"),
        ("status=frozen", "Must be one of"),
        ("page=0", "Must be greater than or equal to 1"),
        ("container=NOPE7777", "No storage unit with barcode"),
        ("lot=2", "give the material too"),
    ],
)
def test_a_bad_search_is_refused_with_what_was_typed(world, query, says):
    client = logged_in(world.app, "technician")
    response = client.get(f"/items?q=kept&{query}")
    text = unescape(response.data.decode())
    assert response.status_code == 422, query
    assert "The search could not run:" in text and says in text
    assert 'value="kept"' in text and "0 items found." in text


def test_the_page_in_both_languages(world, shelf):
    client = logged_in(world.app, "technician")
    for language, words in (
        ("en", ("Find items", "Save this search", "available", "items found")),
        ("zh", ("查找物品", "保存此搜索", "可用", "件物品")),
    ):
        client.set_cookie("lang", language)
        text = client.get("/items?q=Paged+coli").data.decode()
        assert all(word in text for word in words), (language, words)
    client.set_cookie("lang", "en")


def test_requesters_may_not_search(world):
    requester = logged_in(world.app, "requester")
    assert requester.get("/items").status_code == 403
    form = {"csrf_token": csrf_of(requester), "name": "mine", "q": "open"}
    assert requester.post("/items/saved", data=form).status_code == 403
    assert logged_in(world.app, None).get("/items").status_code == 302
