"""The item search over HTTP: every filter, the sorts, pages, who may search, and saved
searches (each person's own, run by id)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from sqlalchemy import update

from repository.db import unit_of_work
from repository.models import Event, Material
from repository.schemas.inventory import ConsumeIn, DestroyIn, NoteIn, QcSchema
from repository.schemas.search import SORT_CHOICES, ItemSearch
from repository.services import accounts, inventory, item_search
from tests.clients import call
from tests.factories import add_material, items_of, make_box, make_unit, preserve

SEARCHABLE = "q=Searchable"  # the designations of this module's own materials


@pytest.fixture(scope="module")
def made(world) -> SimpleNamespace:
    """This module's items beside the world's: a strain of API with a lot of five vials in box
    S1 (one used in part, one missing, one destroyed; QC passed for the lot, failed for one
    vial) and a lot of three ampoules in box S2 beside it (QC failed, then passed); a seed of
    OTH with two packets in box T1 of another freezer, last touched in 2020."""
    app = world.app
    with unit_of_work(app.extensions["biorepo"]) as db:
        s1 = make_box(db, name="S1")
        s2 = make_unit(db, {"kind": "box", "name": "S2", "rows": 9, "cols": 9}, s1.parent)
        t1 = make_box(db, name="T1")
        strain = add_material(
            db,
            "API",
            {
                "kind": "strain",
                "designation": "Searchable coli",
                "taxon_name": "Escherichia coli",
                "identifiers": [{"scheme": "DSM", "value": "498"}],
            },
        )
        seed = add_material(
            db,
            "OTH",
            {"kind": "seed", "designation": "Searchable wheat", "taxon_name": "Triticum aestivum"},
        )
        vials = {
            "method": "glycerol_minus80",
            "preserved_on": "2024-01-10",
            "items": 5,
            "quantity": "1",
            "unit": "ml",
            "form": "cryovial",
        }
        lot_a = preserve(db, strain, vials, s1)
        ampoules = {
            "method": "lyophilised",
            "preserved_on": "2025-06-01",
            "items": 3,
            "quantity": "1",
            "unit": "ampoule",
            "form": "ampoule",
        }
        lot_b = preserve(db, strain, ampoules, s2, [(2, 1), (2, 2), (2, 3)])
        packets = {
            "method": "dried_seed_minus18",
            "preserved_on": "2023-05-01",
            "items": 2,
            "quantity": "100",
            "unit": "seeds",
            "form": "seed_packet",
        }
        lot_c = preserve(db, seed, packets, t1)
        a = [i.barcode for i in items_of(db, lot_a)]
        b = [i.barcode for i in items_of(db, lot_b)]
        c = [i.barcode for i in items_of(db, lot_c)]
        inventory.consume(db, a[1], ConsumeIn().load({"quantity": "0.4"}))
        inventory.mark_missing(db, a[2], NoteIn().load({}))
        inventory.destroy(db, a[3], DestroyIn().load({"reason": "thawed"}))

        def qc(lot, outcome: str, on: str, item: str | None = None) -> None:
            command = QcSchema().load({"test": "sterility", "outcome": outcome, "tested_on": on})
            inventory.record_qc(db, lot.id, command, item)

        qc(lot_a, "pass", "2024-02-01")
        qc(lot_a, "fail", "2024-03-01", a[4])
        qc(lot_b, "fail", "2025-07-01")
        qc(lot_b, "pass", "2025-08-01")
        ids = {i.barcode: i.id for i in items_of(db, lot_c)}
        db.execute(
            update(Event)
            .where(Event.item_id.in_(ids.values()))
            .values(at=datetime(2020, 6, 1, tzinfo=UTC))
        )
        return SimpleNamespace(
            a=a,
            b=b,
            c=c,
            strain=db.get(Material, strain.id).accession_number,
            freezer=s1.parent.parent.barcode,
            s2=s2.barcode,
        )


def search(world, query: str, role: str = "technician"):
    return call(world.app, "GET", f"/api/v1/items?{query}", world.tokens[role])


def barcodes(world, query: str, role: str = "technician") -> list[str]:
    response = search(world, f"{query}&page_size=100", role)
    assert response.status_code == 200, response.json
    return [row["barcode"] for row in response.json]


def test_every_filter(world, made):
    a, b, c = made.a, made.b, made.c
    cases = {
        "": a + b + c,
        f"material={made.strain}": a + b,
        f"material={made.strain}&lot=2": b,
        "kind=seed": c,
        "collection=OTH": c,
        "status=missing": [a[2]],
        "status=missing&status=destroyed": [a[2], a[3]],
        "status=available": [a[0], a[1], a[4], *b, *c],
        f"container={made.freezer}": [a[0], a[1], a[4], *b],
        f"container={made.s2}": b,
        f"container={made.freezer}&position_from=A2&position_to=b1": [a[1], a[4], b[0]],
        "position_from=B2": [b[1], b[2]],
        "form=ampoule": b,
        "form=seed_packet&form=ampoule": b + c,
        "method=lyophilised": b,
        "preserved_from=2024-01-01&preserved_to=2024-12-31": a,
        "preserved_to=2023-12-31": c,
        "last_event_to=2020-12-31": c,
        "last_event_from=2021-01-01": a + b,
        "qc_result=fail": [a[4]],
        "qc_result=pass": a[:4] + b,
        "qc_from=2025-01-01": b,
        "qc_to=2024-02-28": a[:4],
        "qc_to=2024-12-31&qc_result=fail": [a[4]],
        "quantity_max=0.7": [a[1]],
        "quantity_min=50": c,
        "unit=seeds": c,
        "collection=API&status=available&form=cryovial": [a[0], a[1], a[4]],
    }
    for query, expected in cases.items():
        assert sorted(barcodes(world, f"{SEARCHABLE}&{query}")) == sorted(expected), query


def test_text_finds_codes_and_names(world, made):
    assert sorted(barcodes(world, "q=498")) == sorted(made.a + made.b)  # an identifier
    assert barcodes(world, f"q={made.a[0].lower()}") == [made.a[0]]  # a barcode, any case
    assert sorted(barcodes(world, "q=triticum")) == sorted(made.c)  # a taxon
    assert sorted(barcodes(world, f"q={made.strain}")) == sorted(made.a + made.b)


def test_the_worlds_items_are_found_too(world, made):
    """Without the text, a filter finds every item it fits: the world's vials as well."""
    found = barcodes(world, "collection=API&form=cryovial&status=available")
    assert {*world.ids["vials"], made.a[0], made.a[1], made.a[4]} <= set(found)
    assert not set(found) & {*made.b, *made.c}


def test_each_sort(world, made):
    a, b, c = made.a, made.b, made.c

    def order(sort: str) -> list[str]:
        return barcodes(world, f"{SEARCHABLE}&sort={sort}")

    everything = a + b + c
    assert order("barcode") == sorted(everything)
    assert order("-barcode") == sorted(everything, reverse=True)
    placed = [a[0], a[1], a[4], *b, *c]
    assert order("location") == [*placed, a[2], a[3]]  # box by box; no place last
    assert order("-location") == [*placed[::-1], a[3], a[2]]
    assert order("preserved_on") == c + a + b
    assert order("-preserved_on") == b[::-1] + a[::-1] + c[::-1]
    assert order("quantity") == [a[1], a[0], a[2], a[3], a[4], *b, *c]
    assert order("created_at") == everything
    assert order("-created_at") == everything[::-1]
    assert order("accession_number") in (a + b + c, c + a + b)  # then by lot and id
    statuses = [row["status"] for row in search(world, f"{SEARCHABLE}&sort=status").json]
    assert statuses == sorted(statuses)


def test_pages(world, made):
    seen, total = [], None
    for number in range(1, 5):
        response = search(world, f"{SEARCHABLE}&page_size=3&page={number}")
        assert response.status_code == 200
        pagination = json.loads(response.headers["X-Pagination"])
        total = pagination["total"]
        assert pagination["total_pages"] == 4
        seen += [row["barcode"] for row in response.json]
    assert total == 10 and sorted(seen) == sorted(made.a + made.b + made.c)
    assert len(set(seen)) == 10
    assert search(world, f"{SEARCHABLE}&page=5&page_size=3").json == []


def test_a_row_says_what_where_and_the_latest(world, made):
    row = search(world, f"q={made.a[4]}").json[0]
    assert row["accession_number"] == made.strain and row["collection"] == "API"
    assert row["designation"] == "Searchable coli" and row["lot_number"] == 1
    assert [p["kind"] for p in row["location"]] == ["site", "room", "freezer", "rack", "box"]
    assert row["location"][-1]["name"] == "S1" and row["position"] == "A5"
    assert (row["status"], row["form"], row["quantity"], row["unit"]) == (
        "available",
        "cryovial",
        "1.000000",
        "ml",
    )
    assert row["preserved_on"] == "2024-01-10" and row["method"] == "glycerol_minus80"
    assert (row["last_qc_on"], row["last_qc_outcome"], row["last_qc_test"]) == (
        "2024-03-01",
        "fail",
        "sterility",
    )
    assert row["last_event_type"] == "qc" and row["last_event_at"].startswith(
        str(datetime.now(UTC).year)
    )
    lost = search(world, f"q={made.a[3]}").json[0]
    assert lost["location"] == [] and lost["position"] is None and lost["status"] == "destroyed"
    old = search(world, f"q={made.c[0]}").json[0]
    assert old["last_event_at"].startswith("2020-06-01") and old["last_qc_on"] is None


@pytest.mark.parametrize("role", ["admin", "curator", "other_curator", "technician"])
def test_staff_search_every_collection(world, made, role):
    """The search shows what the scan shows: staff see the items of every collection."""
    assert sorted(barcodes(world, SEARCHABLE, role)) == sorted(made.a + made.b + made.c)


def test_the_public_may_not_search(world, made):
    assert search(world, SEARCHABLE, "requester").status_code == 403
    assert search(world, SEARCHABLE, "printer").status_code == 403
    assert call(world.app, "GET", f"/api/v1/items?{SEARCHABLE}").status_code == 401
    body = {"name": "mine", "query": {"q": "Searchable"}}
    for role in ("requester", "printer"):
        assert (
            call(world.app, "POST", "/api/v1/saved-searches", world.tokens[role], body).status_code
            == 403
        )
        assert (
            call(world.app, "GET", "/api/v1/saved-searches", world.tokens[role]).status_code == 403
        )


def test_saved_searches_are_their_owners(world, made):
    app, tokens = world.app, world.tokens
    query = {"q": "Searchable", "status": ["available"], "container": made.freezer.lower()}
    body = {"name": "  Freezer vials  ", "query": query}
    created = call(app, "POST", "/api/v1/saved-searches", tokens["curator"], body)
    assert created.status_code == 201, created.json
    saved = created.json
    assert saved["name"] == "Freezer vials"
    assert saved["query"] == {  # as the search reads it
        "q": "Searchable",
        "status": ["available"],
        "container": made.freezer.lower(),
    }
    expected = [made.a[0], made.a[1], made.a[4], *made.b]
    assert barcodes(world, f"saved={saved['id']}", "curator") == sorted(expected)
    by_place = barcodes(world, f"saved={saved['id']}&sort=-location", "curator")
    assert by_place == expected[::-1]
    again = call(app, "POST", "/api/v1/saved-searches", tokens["curator"], body)
    assert again.status_code == 409 and again.json["field"] == "name"
    listed = call(app, "GET", "/api/v1/saved-searches", tokens["curator"]).json
    assert [s["id"] for s in listed] == [saved["id"]]
    one = call(app, "GET", f"/api/v1/saved-searches/{saved['id']}", tokens["curator"])
    assert one.status_code == 200 and one.json == saved
    # nobody else sees it, runs it or deletes it
    other = tokens["other_curator"]
    assert call(app, "GET", "/api/v1/saved-searches", other).json == []
    assert call(app, "GET", f"/api/v1/saved-searches/{saved['id']}", other).status_code == 404
    refused = search(world, f"saved={saved['id']}", "other_curator")
    assert refused.status_code == 404 and refused.json["field"] == "saved"
    deleted = call(app, "DELETE", f"/api/v1/saved-searches/{saved['id']}", other)
    assert deleted.status_code == 404
    kept = call(app, "GET", f"/api/v1/saved-searches/{saved['id']}", tokens["curator"])
    assert kept.status_code == 200
    gone = call(app, "DELETE", f"/api/v1/saved-searches/{saved['id']}", tokens["curator"])
    assert gone.status_code == 204
    assert search(world, f"saved={saved['id']}", "curator").status_code == 404


def test_a_saved_search_keeps_its_sort_and_every_filter(world, made):
    query = {
        "material": made.strain,
        "lot": 1,
        "kind": ["strain"],
        "collection": "API",
        "status": ["available", "missing"],
        "form": ["cryovial"],
        "method": ["glycerol_minus80"],
        "preserved_from": "2024-01-01",
        "preserved_to": "2024-12-31",
        "position_from": "a1",
        "position_to": "I9",
        "last_event_from": "2021-01-01",
        "qc_result": ["pass", "fail"],
        "qc_from": "2024-01-01",
        "quantity_min": "0.5",
        "quantity_max": "1",
        "unit": ["ml"],
        "sort": "-barcode",
    }
    body = {"name": "Everything", "query": query}
    saved = call(world.app, "POST", "/api/v1/saved-searches", world.tokens["admin"], body).json
    assert saved["query"]["position_from"] == "A1" and saved["query"]["quantity_min"] == "0.500000"
    direct = barcodes(world, urlencode(query, doseq=True), "admin")
    assert direct == sorted([made.a[0], made.a[1], made.a[4]], reverse=True)
    assert barcodes(world, f"saved={saved['id']}", "admin") == direct


@pytest.mark.parametrize("sort", SORT_CHOICES)
def test_a_page_is_the_same_read_along_the_index_or_gathered(world, made, sort):
    """Both ways of cutting a page (`walks` picks one by the count) give the same items in
    the same order, on every page."""
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        who = accounts.authenticate_token(db, world.tokens["technician"])
        ids = item_search.matching(db, who, ItemSearch(q="Searchable"))
        pages = {
            walk: [
                list(db.scalars(item_search.ordered(ids, sort, limit=3, offset=o, walk=walk)))
                for o in range(0, 12, 3)
            ]
            for walk in (True, False)
        }
    assert pages[True] == pages[False]
    assert sum(len(p) for p in pages[True]) == 10
