"""Hostile and mistaken requests for the labels of a search: someone who may not see the
inventory, someone else's saved search, more than a document holds, a huge body, a sort the
labels do not take or one that is not a sort at all, unknown filters; each a 4xx naming what
was wrong, never a 500, and no print job written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from repository.db import unit_of_work
from repository.models import PrintJob
from repository.services import labelling
from tests.clients import ApiClient, logged_in
from tests.factories import add_printer


@pytest.fixture(scope="module")
def printer(world) -> str:
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        shelf = {"name": "Hostile shelf", "protocol": "zpl", "transport": "pull"}
        add_printer(db, {**shelf, "agent": "printer@example.org"})
    return "Hostile shelf"


def jobs(world) -> int:
    with unit_of_work(world.app.extensions["biorepo"], write=False) as db:
        return db.scalar(select(func.count()).select_from(PrintJob)) or 0


def both(client: ApiClient, world, printer: str, body: dict, role: str = "technician"):
    """The same selection as a document and as a print job (which must write nothing)."""
    before = jobs(world)
    document = client.post("/api/v1/labels", json=body, token=world.tokens[role])
    job = client.post(
        "/api/v1/print-jobs", json={**body, "printer": printer}, token=world.tokens[role]
    )
    assert jobs(world) == before, "a refused print wrote a job"
    return document, job


def test_who_may_not_see_the_inventory_gets_no_labels(world, client, printer):
    for role in ("requester", "printer"):
        document, job = both(client, world, printer, {"search": {}}, role)
        assert document.status_code == 403 and job.status_code == 403
    assert logged_in(world.app, "requester").get("/labels/search").status_code == 403


def test_someone_elses_saved_search_is_not_found(world, client, printer):
    saved = client.post(
        "/api/v1/saved-searches",
        json={"name": "mine", "query": {"status": ["available"]}},
        token=world.tokens["curator"],
    )
    assert saved.status_code == 201
    body = {"search": {"saved": saved.json["id"]}}
    for role in ("technician", "other_curator"):
        document, job = both(client, world, printer, body, role)
        assert document.status_code == 404 and job.status_code == 404
    page = logged_in(world.app, "technician").get(f"/labels/search?saved={saved.json['id']}")
    assert page.status_code == 404


def test_more_labels_than_a_document_holds_are_refused_before_anything_is_drawn(
    world, client, printer, monkeypatch
):
    monkeypatch.setattr(labelling, "MAX_LABELS", 3)  # the world holds more than 3 items
    document, job = both(client, world, printer, {"search": {}})
    for response in (document, job):
        assert response.status_code == 422
        assert "At most 3 labels" in response.get_data(as_text=True)
    page = logged_in(world.app, "technician").get("/labels/search")
    assert page.status_code == 422 and "At most 3 labels" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("search", "field"),
    [
        ({"sort": "status"}, "sort"),
        ({"sort": "-barcode"}, "sort"),
        ({"sort": "location; DROP TABLE items"}, "sort"),
        ({"sort": 7}, "sort"),
        ({"nonsense": "1"}, "nonsense"),
        ({"page": 2}, "page"),
        ({"q": "x" * 100_000}, "q"),
        ({"status": ["available"] * 10_000}, "status"),
        ({"container": "NO-SUCH-BOX"}, "container"),
        ({"saved": 1, "status": ["available"]}, "saved"),
        ({"position_from": "Z99"}, "position_from"),
        ({"q": "\x00"}, "q"),
    ],
)
def test_a_bad_search_is_refused_naming_what_was_wrong(world, client, printer, search, field):
    document, job = both(client, world, printer, {"search": search})
    for response in (document, job):
        assert response.status_code == 422, (search, response.status_code)
        assert field in response.get_data(as_text=True), (search, response.get_json())


def test_a_search_beside_another_source_or_not_an_object(world, client, printer):
    for body in (
        {"search": {}, "lot": world.ids["lot"]},
        {"search": "status=available"},
        {"search": [{}]},
        {"search": {}, "template": "box-map"},
        {"search": {}, "template": "nonsense"},
    ):
        document, job = both(client, world, printer, body)
        assert document.status_code == 422 and job.status_code == 422, body


def test_the_pages_refuse_bad_input_without_a_500(world):
    browser = logged_in(world.app, "technician")
    for query in ("q=" + "x" * 300, "status=nonsense", "container=NOPE", "template=box-map"):
        response = browser.get(f"/labels/search?{query}")
        assert response.status_code in (404, 422), (query, response.status_code)
        document = browser.get(f"/labels/search/document?{query}")
        assert document.status_code in (404, 422), (query, document.status_code)
    assert browser.get("/labels/search?sort=status").status_code == 200  # storage order instead
    assert browser.get("/labels/batches/987654").status_code == 404
    before = jobs(world)
    refused = browser.post("/labels/search/print", data={"printer": "Hostile shelf"})
    assert refused.status_code in (400, 403)  # no CSRF token: nothing queued
    assert jobs(world) == before
