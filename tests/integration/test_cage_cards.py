"""Cage cards from the records: animals placed in cages give one card per cage, naming the cage
(name and code, its QR code) and listing every animal in it, Chinese names printed; one card
per cage however the items are read and queued in chunks, and counted so."""

from __future__ import annotations

import re

import pymupdf
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from labels import render_pdf
from repository.db import unit_of_work
from repository.models import Item, Material, PrintJob
from repository.schemas.inventory import Destroy
from repository.schemas.search import ItemSearch
from repository.services import inventory, labelling, printing, storage
from repository.services.accounts import Principal
from repository.vocabulary import Role
from tests.clients import logged_in
from tests.conftest import make_lot
from tests.factories import add_material, add_printer, make_unit
from tests.integration.test_search_labels import ZPL_CODE
from tests.pdfs import pdf_codes


def animals(db, line, count: int, sexes: list[str]) -> list[Item]:
    lot = make_lot(
        db,
        line,
        items=count,
        method="live",
        unit="animal",
        form="animal",
        quantity="1",
        generation="F12",
        animals=[{"sex": sex, "birth_date": "2025-03-01"} for sex in sexes],
    )
    return list(db.scalars(select(Item).where(Item.lot_id == lot.id).order_by(Item.id)))


def page_codes(page: pymupdf.Page) -> list[str]:
    pixmap = page.get_pixmap(dpi=600, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_one_card_per_cage_lists_all_its_animals(db, collection):
    line = add_material(
        db,
        "TST",
        {
            "kind": "animal_line",
            "designation": "C57BL/6J",
            "designation_zh": "黑鼠",
            "taxon_name": "Mus musculus",
            "protocol_number": "IACUC-2025-07",
        },
    )
    site = make_unit(db, {"kind": "site", "name": "S"})
    room = make_unit(db, {"kind": "room", "name": "动物房 1"}, site)
    rack = make_unit(db, {"kind": "rack", "name": "IVC"}, room)
    first = make_unit(db, {"kind": "cage", "name": "笼 A1", "capacity": 5}, rack)
    second = make_unit(db, {"kind": "cage", "name": "Cage A2", "capacity": 5}, rack)
    mice = animals(db, line, 5, ["female", "female", "male", "male", "female"])
    storage.place_items(db, mice[:3], first)
    storage.place_items(db, mice[3:4], second)
    loose = mice[4]  # kept in no cage: a card of its own
    inventory.destroy(
        db, mice[2].barcode, Destroy(reason="culled")
    )  # gone from its cage: on no card

    cards = labelling.item_labels(db, [m.barcode for m in mice if m is not mice[2]])
    assert [c.title for c in cards] == ["笼 A1", "Cage A2", loose.barcode]
    pdf = render_pdf(cards)
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        assert document.page_count == 3
        texts = [page.get_text().replace("\n", " ") for page in document]
        for text, cage, held in ((texts[0], first, mice[:2]), (texts[1], second, mice[3:4])):
            assert cage.name in text and cage.barcode in text
            assert "黑鼠" in text and "IACUC-2025-07" in text
            assert all(m.barcode in text for m in held)
            assert not any(m.barcode in text for m in mice if m not in held)
        assert loose.barcode in texts[2] and mice[0].barcode not in texts[2]
        assert page_codes(document[0]) == [first.barcode]
        assert page_codes(document[1]) == [second.barcode]

    by_cage = labelling.box_labels(db, first.barcode, "cage-card")  # the cage's own card
    assert len(by_cage) == 1 and by_cage[0].code == cards[0].code
    assert by_cage[0].lines == cards[0].lines  # the culled mouse is not on it


@pytest.fixture(scope="module")
def colony(world) -> dict:
    """An animal line with two cages in a room, one of five animals and one of three, placed
    so that their animals come apart in barcode order, and one animal kept in no cage."""
    with unit_of_work(world.app.extensions["biorepo"]) as db:
        line = add_material(
            db, "API", {"kind": "animal_line", "designation": "BALB/c", "taxon_name": "Mus"}
        )
        site = make_unit(db, {"kind": "site", "name": "Colony site"})
        room = make_unit(db, {"kind": "room", "name": "Colony room"}, site)
        rack = make_unit(db, {"kind": "rack", "name": "Colony rack"}, room)
        cages = [
            make_unit(db, {"kind": "cage", "name": name, "capacity": 6}, rack)
            for name in ("Chunk A", "Chunk B")
        ]
        mice = sorted(animals(db, line, 9, ["female"] * 9), key=lambda mouse: mouse.barcode)
        storage.place_items(db, mice[0:8:2] + mice[7:8], cages[0])
        storage.place_items(db, mice[1:7:2], cages[1])
        accession = db.get_one(Material, line.id).accession_number
        shelf = {"name": "Cage shelf", "protocol": "zpl", "transport": "pull"}
        add_printer(db, {**shelf, "agent": "printer@example.org"})
        return {
            "accession": accession,
            "cages": {cage.barcode: cage.name for cage in cages},
            "held": {cages[0].barcode: 5, cages[1].barcode: 3},
            "loose": mice[8].barcode,
        }


@pytest.mark.parametrize("sort", ["location", "barcode"])
def test_a_cage_prints_one_card_whatever_the_chunks(world, client, colony, sort, monkeypatch):
    """Read two items at a time (the chunk is 500), a cage of five animals still prints one
    card listing all of them, in a streamed PDF and in a batch of print jobs (a cage's
    animals in one job), and the labels counted are the cards printed."""
    app, tokens, _ = world
    monkeypatch.setattr(labelling, "CHUNK", 2)
    search = {"material": colony["accession"], "sort": sort}
    response = client.post("/api/v1/labels", json={"search": search}, token=tokens["technician"])
    assert response.status_code == 200 and response.is_streamed
    data = response.get_data()
    with pymupdf.open(stream=data, filetype="pdf") as document:
        texts = [page.get_text() for page in document]
    printed = [codes[0] for codes in pdf_codes(data, dpi=300)]
    assert sorted(printed) == sorted([*colony["cages"], colony["loose"]])
    for code, text in zip(printed, texts, strict=True):
        if code in colony["cages"]:
            assert colony["cages"][code] in text
            assert len(re.findall(r"\bfemale\b", text)) == colony["held"][code]

    browser = logged_in(app, "technician")
    page = browser.get(f"/labels/search?material={colony['accession']}&sort={sort}")
    assert page.status_code == 200 and "3 labels." in page.data.decode()
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        who = Principal(user_id=None, roles=frozenset({Role.TECHNICIAN}))
        chosen = labelling.selection(db, who, search=ItemSearch(**search))
        assert chosen.count == 9 and chosen.label_count(db) == 3

    body = {"printer": "Cage shelf", "search": search}
    made = client.post("/api/v1/print-jobs", json=body, token=tokens["technician"])
    assert made.status_code == 201, made.json
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        batch = made.json["batch"]
        jobs = db.scalars(select(PrintJob).where(PrintJob.id >= batch).order_by(PrintJob.id))
        jobs = [job for job in jobs if printing.batch_of(job) == batch]
        assert len(jobs) > 1 and sum(job.labels for job in jobs) == 3
        assert jobs[-1].title.endswith(f"of 3 · batch {batch}")
    queued = []
    for job in jobs:
        document = client.get(f"/api/v1/print-jobs/{job.id}/document", token=tokens["technician"])
        codes = [code.decode() for code in ZPL_CODE.findall(document.data)]
        assert len(codes) == job.labels
        queued += codes
    assert queued == printed
