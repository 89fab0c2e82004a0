"""Cage cards from the records: animals placed in cages give one card per cage, naming the cage
(name and code, its QR code) and listing every animal in it, Chinese names printed."""

from __future__ import annotations

import pymupdf
import zxingcpp
from PIL import Image
from sqlalchemy import select

from labels import render_pdf
from repository.models import Item
from repository.schemas.inventory import Destroy
from repository.services import inventory, labelling, storage
from tests.conftest import make_lot
from tests.factories import add_material, make_unit


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
