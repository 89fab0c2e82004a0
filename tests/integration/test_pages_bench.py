"""The bench pages through Flask's test client: registering a material of any kind, preserving a
lot, placing it in the proposed positions or a scanned box, and its labels and print jobs."""

from __future__ import annotations

import re

from sqlalchemy import select

from repository.db import unit_of_work
from repository.models import Item, PrintJob
from tests.clients import csrf_of, logged_in
from tests.factories import make_box, make_strain

STRAIN = {"collection": "API", "kind": "strain", "taxon_name": "Escherichia coli"}


def test_only_curators_see_and_may_register(world):
    app, _, _ = world
    for role, entry, status in (
        ("curator", True, 200),
        ("technician", False, 403),
        ("requester", False, 403),
    ):
        client = logged_in(app, role)
        nav = client.get("/").data.decode().split('<nav aria-label="Main">')[1].split("</nav>")[0]
        assert ('href="/bench/register"' in nav) is entry
        assert client.get("/bench/register").status_code == status


def test_the_form_shows_each_kinds_fields_and_only_curated_collections(world):
    app, _, _ = world
    page = logged_in(app, "other_curator").get("/bench/register?kind=seed").data.decode()
    assert '<option value="OTH"' in page and '<option value="API"' not in page
    assert re.search(r'<fieldset class="kind-fields" data-kind="seed" >', page)
    assert 'data-kind="strain" hidden disabled' in page
    assert 'name="seed.crop_name"' in page and 'name="cell_line.cellosaurus_id"' in page


def test_registering_needs_the_csrf_field(world):
    app, _, _ = world
    client = logged_in(app, "curator")
    response = client.post("/bench/register", data={**STRAIN, "designation": "no token"})
    assert response.status_code == 403


def test_registering_in_a_collection_not_curated_is_refused(world):
    app, _, _ = world
    client = logged_in(app, "other_curator")
    data = {**STRAIN, "designation": "Elsewhere", "csrf_token": csrf_of(client)}
    assert client.post("/bench/register", data=data).status_code == 403


def test_a_kind_field_error_keeps_the_input(world):
    app, _, _ = world
    client = logged_in(app, "curator")
    data = {
        **STRAIN,
        "designation": "Typed strain",
        "strain.growth_temperature_c": "warm",
        "strain.isolation_source": "pond water",
        "seed.crop_name": "ignored: another kind",
        "csrf_token": csrf_of(client),
    }
    response = client.post("/bench/register", data=data)
    assert response.status_code == 422
    page = response.data.decode()
    assert "Nothing was changed" in page and 'value="Typed strain"' in page
    assert 'value="pond water"' in page
    assert re.search(r'id="strain-growth_temperature_c"[^>]*value="warm"[^>]*aria-invalid', page)


def test_register_preserve_place_and_label(world):
    app, _, ids = world
    client = logged_in(app, "curator")
    token = csrf_of(client)
    data = {
        "collection": "API",
        "kind": "seed",
        "designation": "Bench barley",
        "taxon_name": "Hordeum vulgare",
        "seed.crop_name": "barley",
        "seed.mls_status": "1",
        "csrf_token": token,
    }
    response = client.post("/bench/register", data=data)
    assert response.status_code == 303 and "/lot" in response.location
    lot_page = client.get(response.location).data.decode()
    assert "Bench barley" in lot_page and 'id="method"' in lot_page and "autofocus" in lot_page
    bad = {"method": "glycerol_minus80", "preserved_on": "2025-03-01", "items": "0"}
    response = client.post(response.location, data={**bad, "csrf_token": token})
    assert response.status_code == 422 and 'value="2025-03-01"' in response.data.decode()
    lot = {**bad, "items": "3", "quantity": "1", "unit": "ml", "form": "cryovial"}
    response = client.post(
        response.request.path, data={**lot, "csrf_token": token}
    )  # the same page again
    assert response.status_code == 303 and response.location.endswith("/place")
    place = client.get(response.location).data.decode()
    proposed = re.search(r'name="proposed" value="([^"]+)"', place).group(1)
    positions = re.search(r'name="positions" value="([^"]+)"', place).group(1)
    assert proposed == ids["box"] and positions == "1:7 1:8 1:9"
    assert re.search(rf'id="container"[^>]*value="{proposed}"[^>]*autofocus', place)
    form = {"container": proposed, "proposed": proposed, "positions": positions}
    response = client.post(response.location, data={**form, "csrf_token": token})
    assert response.status_code == 303 and "/labels?lot=" in response.location
    lot_id = int(re.search(r"lot=(\d+)", response.location).group(1))
    with unit_of_work(app.extensions["biorepo"]) as db:
        places = db.execute(select(Item.row, Item.col).where(Item.lot_id == lot_id)).all()
    assert sorted(places) == [(1, 7), (1, 8), (1, 9)]
    labels = client.get(response.location).data.decode()
    assert "3 labels." in labels and 'id="printer"' in labels and "No print jobs yet." in labels
    preview = client.get(f"/labels/document?lot={lot_id}&format=png")
    assert preview.mimetype == "image/png"
    assert client.get(f"/labels/document?lot={lot_id}").mimetype == "application/pdf"
    response = client.post("/labels/print", data={"lot": lot_id, "printer": "Matrix"})
    assert response.status_code == 403  # no CSRF field
    response = client.post(
        "/labels/print", data={"lot": lot_id, "printer": "Matrix", "csrf_token": token}
    )
    assert response.status_code == 303
    page = client.get(f"/labels?lot={lot_id}").data.decode()
    job = int(re.search(r"/labels/jobs/(\d+)/cancel", page).group(1))
    assert f"lot {lot_id}: 3 labels" in page and "queued" in page
    back = f"/labels?lot={lot_id}"
    response = client.post(f"/labels/jobs/{job}/cancel", data={"next": back, "csrf_token": token})
    assert response.status_code == 303 and response.location.endswith(f"{back}&done=cancel")
    response = client.post(f"/labels/jobs/{job}/reprint", data={"next": back, "csrf_token": token})
    assert response.status_code == 303
    with unit_of_work(app.extensions["biorepo"]) as db:
        copy = db.scalar(select(PrintJob).where(PrintJob.reprint_of == job))
        assert copy is not None and copy.status.value == "queued"


def test_placing_into_a_scanned_box_and_a_wrong_one(world):
    """A lot of a strain of its own, into a box of its own."""
    app, _, _ = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        strain, box = make_strain(db, "API").id, make_box(db).barcode
    client = logged_in(app, "technician")
    token = csrf_of(client)
    lot = {"method": "ln2_vapour", "preserved_on": "2025-03-01", "items": "2"}
    lot |= {"quantity": "1000000", "unit": "cells", "form": "cryovial", "passage_number": "7"}
    response = client.post(f"/bench/materials/{strain}/lot", data={**lot, "csrf_token": token})
    place = response.location
    page = client.get(place).data.decode()
    assert "No run of 2 free positions at -150" in page  # nothing that cold in this world
    response = client.post(place, data={"container": "NOSUCHBOX", "csrf_token": token})
    assert response.status_code == 404 and 'value="NOSUCHBOX"' in response.data.decode()
    response = client.post(place, data={"container": box, "csrf_token": token})
    assert response.status_code == 303
    assert "Every item of the lot has a place." in client.get(place).data.decode()


def test_labels_of_a_box_and_an_item_and_who_may(world):
    app, _, ids = world
    client = logged_in(app, "technician")
    page = client.get(f"/labels?box={ids['box']}").data.decode()
    assert '<option value="box-map"' in page
    assert client.get(f"/labels/document?box={ids['box']}&format=png").mimetype == "image/png"
    page = client.get(f"/labels?item={ids['vials'][0]}").data.decode()
    assert "1 label." in page and '<option value="box"' not in page
    response = client.post(
        "/labels/print",
        data={"item": ids["vials"][0], "printer": "", "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 422 and 'aria-invalid="true"' in response.data.decode()
    assert client.get("/labels").status_code == 404
    assert logged_in(app, "requester").get(f"/labels?box={ids['box']}").status_code == 403
