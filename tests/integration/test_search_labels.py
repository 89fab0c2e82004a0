"""Labels from any search over HTTP: the items an item search (or a saved search) matches, as a
PDF streamed from its first byte and read back with a scanner's decoder, in storage order or by
code; queued on a real TCP printer as a batch of jobs printed in order, with its progress; and
the pages that lead there, in English and Chinese."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from repository.db import unit_of_work
from repository.models import Item, Material, Printer, PrintJob, StorageUnit
from repository.services import labelling, printing
from tests.clients import ApiClient, logged_in
from tests.factories import add_material, add_printer, make_unit, preserve
from tests.integration.test_printing import LoopbackPrinter
from tests.pdfs import pdf_codes

ZPL_CODE = re.compile(rb"\^FD[LMQH]A,([^^]+)\^FS")


@pytest.fixture(scope="module")
def stock(world) -> dict:
    """A strain with 24 vials: 10 in a first box and 8 in a second, placed out of their
    barcodes' order, and 6 kept in no box."""
    app, _, ids = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        strain = add_material(
            db, "API", {"kind": "strain", "designation": "label run", "taxon_name": "E. coli"}
        )
        rack = db.scalar(select(StorageUnit).where(StorageUnit.barcode == ids["rack"]))
        boxes = [
            make_unit(db, {"kind": "box", "name": f"L{n}", "rows": 9, "cols": 9}, rack)
            for n in (1, 2)
        ]
        fields = {
            "method": "glycerol_minus80",
            "preserved_on": "2025-03-01",
            "quantity": "1",
            "unit": "ml",
            "form": "cryovial",
        }
        preserve(
            db,
            strain,
            {**fields, "items": 10},
            boxes[0],
            [(9 - n, 9 - n) for n in range(9)] + [(1, 2)],
        )
        preserve(db, strain, {**fields, "items": 8}, boxes[1])
        preserve(db, strain, {**fields, "items": 6})
        rows = db.execute(
            select(Item.barcode, Item.container_id, Item.row, Item.col)
            .join(Item.lot)
            .where(Item.lot.has(material_id=strain.id))
        ).all()
        accession = db.get_one(Material, strain.id).accession_number
    placed = sorted(
        (r for r in rows if r.container_id), key=lambda r: (r.container_id, r.row, r.col)
    )
    loose = sorted(r.barcode for r in rows if not r.container_id)
    return {
        "accession": accession,
        "storage": [r.barcode for r in placed] + loose,  # items in no box last
        "codes": sorted(r.barcode for r in rows),
    }


def test_a_search_streams_its_labels_in_storage_order_and_by_code(world, client, stock):
    _, tokens, _ = world
    search = {"material": stock["accession"], "sort": "location"}
    response = client.post("/api/v1/labels", json={"search": search}, token=tokens["technician"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.is_streamed
    pieces = iter(response.response)
    assert next(pieces).startswith(b"%PDF-1.4")  # the header, before any label is drawn
    data = response.get_data()
    pages = pdf_codes(data, dpi=300)
    assert [codes for codes in pages] == [[code] for code in stock["storage"]]
    by_code = {"search": {"material": stock["accession"]}, "template": "cryovial"}
    response = client.post("/api/v1/labels", json=by_code, token=tokens["technician"])
    assert [p[0] for p in pdf_codes(response.data, dpi=300)] == stock["codes"]
    assert len(stock["codes"]) == 24


def test_a_saved_search_prints_what_it_finds(world, client, stock):
    _, tokens, _ = world
    query = {"material": stock["accession"], "status": ["available"], "sort": "barcode"}
    saved = client.post(
        "/api/v1/saved-searches", json={"name": "labels", "query": query}, token=tokens["curator"]
    )
    assert saved.status_code == 201
    body = {"search": {"saved": saved.json["id"], "sort": "location"}, "format": "zpl"}
    response = client.post("/api/v1/labels", json=body, token=tokens["curator"])
    assert response.status_code == 200
    assert [c.decode() for c in ZPL_CODE.findall(response.data)] == stock["storage"]
    # Someone else's saved search is nobody's but its owner's.
    refused = client.post("/api/v1/labels", json=body, token=tokens["technician"])
    assert refused.status_code == 404


def test_many_labels_go_to_a_tcp_printer_as_a_batch_printed_in_order(
    world, client: ApiClient, stock, monkeypatch
):
    """Past a chunk of items (500; 10 here, so that 24 labels make three jobs), the jobs are
    queued unrendered and drawn when the worker sends them."""
    app, tokens, _ = world
    monkeypatch.setattr(labelling, "CHUNK", 10)
    loop = LoopbackPrinter()
    try:
        with unit_of_work(app.extensions["biorepo"]) as db:
            add_printer(
                db,
                {
                    "name": "Loop",
                    "protocol": "zpl",
                    "transport": "tcp",
                    "address": "127.0.0.1",
                    "port": loop.port,
                    "dpi": 203,
                },
            )
        body = {"printer": "Loop", "search": {"material": stock["accession"], "sort": "location"}}
        made = client.post("/api/v1/print-jobs", json=body, token=tokens["technician"])
        assert made.status_code == 201, made.json
        batch = made.json["batch"]
        assert batch == made.json["id"] and made.json["labels"] == 10
        with unit_of_work(app.extensions["biorepo"], write=False) as db:
            jobs = db.scalars(select(PrintJob).where(PrintJob.id >= batch).order_by(PrintJob.id))
            jobs = [j for j in jobs if printing.batch_of(j) == batch]
            assert [j.labels for j in jobs] == [10, 10, 4]
            assert jobs[2].title == f"search: labels 21–24 of 24 · batch {batch}"
        printing.work(app.extensions["biorepo"])
        received = loop.wait_for(3)
        assert len(received) == 3
        printed = [c.decode() for doc in received for c in ZPL_CODE.findall(doc)]
        assert printed == stock["storage"]
        progress = client.get(
            f"/api/v1/print-jobs/{jobs[1].id}/progress", token=tokens["technician"]
        )
        assert progress.json == {
            "batch": batch,
            "jobs": 3,
            "total": 24,
            "printed": 24,
            "queued": 0,
            "cancelled": 0,
            "failing": 0,
            "done": True,
        }
        document = client.get(f"/api/v1/print-jobs/{batch}/document", token=tokens["technician"])
        assert [c.decode() for c in ZPL_CODE.findall(document.data)] == stock["storage"][:10]
    finally:
        loop.close()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_pages_from_the_search_to_the_batch(world, stock, language, monkeypatch):
    """From the item search to its labels (an order the labels do not take falls back to
    storage order), the PDF, and a print on a pull printer followed on the batch's page."""
    app, _, _ = world
    monkeypatch.setattr(labelling, "CHUNK", 10)
    with unit_of_work(app.extensions["biorepo"]) as db:
        if db.scalar(select(Printer.id).where(Printer.name == "Shelf 9")) is None:
            shelf = {"name": "Shelf 9", "protocol": "zpl", "transport": "pull"}
            add_printer(db, {**shelf, "agent": "printer@example.org"})
    browser = logged_in(app, "technician")
    browser.set_cookie("lang", language)
    found = browser.get(f"/items?material={stock['accession']}&sort=status").data.decode()
    link = re.search(r'href="(/labels/search\?[^"]+)"', found)
    assert link, "the item search links to its labels"
    page = browser.get(unescape(link.group(1)))
    assert page.status_code == 200
    text = page.data.decode()
    assert ("24 labels." if language == "en" else "24") in text
    assert language == "en" or "搜索结果的标签" in text
    document = re.search(r'href="(/labels/search/document\?[^"]+)"', text)
    pdf = browser.get(unescape(document.group(1)))
    assert pdf.mimetype == "application/pdf"
    assert [p[0] for p in pdf_codes(pdf.data, dpi=300)] == stock["storage"]

    form = re.search(r'<form method="post" action="/labels/search/print">(.*?)</form>', text, re.S)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1))
    data = [(k, unescape(v)) for k, v in fields] + [("printer", "Shelf 9")]
    queued = browser.post("/labels/search/print", data=MultiDict(data))
    assert queued.status_code == 303
    batch = browser.get(queued.location).data.decode()
    assert '<meta http-equiv="refresh"' in batch
    if language == "en":
        assert "0 of 24 labels printed." in batch and "3 print jobs." in batch
        assert "Waiting for the printer&#39;s agent" in batch
    else:
        assert "已打印 24 个标签中的 0 个" in batch

    nowhere = browser.post(
        "/labels/search/print", data=MultiDict([*data[:-1], ("printer", "Nowhere")])
    )
    assert nowhere.status_code == 404 or nowhere.status_code == 422
