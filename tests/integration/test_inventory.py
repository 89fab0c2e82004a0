"""Lots and items: preservation, passage, aliquots, derivatives, QC, consume, destroy, missing."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from repository import barcodes
from repository.errors import InvalidState, ValidationFailed
from repository.models import Animal, Event, Lot, QcResult
from repository.schemas.inventory import (
    Consume,
    Destroy,
    Found,
    ItemsSchema,
    NewItems,
    Note,
    PassageIn,
    QcSchema,
)
from repository.services import inventory, storage
from repository.vocabulary import EventType, ItemStatus
from tests.conftest import make_box, make_lot, make_strain
from tests.factories import add_material, items_of, preserve

PASSAGE = PassageIn().load_or_fail(
    {"preserved_on": "2025-06-01", "items": 1, "quantity": "1", "unit": "ml", "form": "cryovial"}
)


def test_lot_of_n_items_with_barcodes_and_events(db, collection):
    lot = make_lot(db, make_strain(db), items=25)
    vials = items_of(db, lot)
    assert len(vials) == 25 and lot.number == 1
    assert lot.initial_quantity == Decimal("25")
    assert len({v.barcode for v in vials}) == 25
    assert all(barcodes.is_valid(v.barcode) for v in vials)
    preserved = db.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.lot_id == lot.id, Event.type == EventType.PRESERVED)
    )
    assert preserved == 25


def test_lot_placed_on_creation(db, collection):
    box = make_box(db)
    lot = preserve(
        db,
        make_strain(db),
        {
            "method": "glycerol_minus80",
            "preserved_on": "2025-03-01",
            "items": 3,
            "quantity": "1",
            "unit": "ml",
            "form": "cryovial",
        },
        box,
        [(2, 1), (2, 2), (2, 3)],
    )
    assert [(v.row, v.col) for v in items_of(db, lot)] == [(2, 1), (2, 2), (2, 3)]


def test_passage_makes_a_new_lot_at_passage_plus_one(db, collection):
    line = add_material(
        db, "TST", {"kind": "cell_line", "designation": "HEK293", "taxon_name": "Homo sapiens"}
    )
    with pytest.raises(ValidationFailed):
        make_lot(db, line, method="ln2_vapour", unit="cells", quantity="1000000")
    lot = make_lot(
        db, line, method="ln2_vapour", unit="cells", quantity="1000000", passage_number=12
    )
    source = items_of(db, lot)[0]
    new = inventory.passage(
        db,
        lot.id,
        PassageIn().load_or_fail(
            {
                "preserved_on": "2025-06-01",
                "items": 5,
                "quantity": "2000000",
                "unit": "cells",
                "form": "cryovial",
                "source": source.barcode,
            }
        ),
    )
    assert (new.passage_number, new.number, new.parent_lot_id) == (13, 2, lot.id)
    assert source.status is ItemStatus.CONSUMED and source.quantity == 0
    consumed, passaged = (
        db.scalars(select(Event).where(Event.type == kind).order_by(Event.id.desc()).limit(1)).one()
        for kind in (EventType.CONSUMED, EventType.PASSAGED)
    )
    assert consumed.item_id == source.id and consumed.note is None  # no words stored in English
    assert passaged.data["thawed"] == source.barcode and passaged.data["to_lot"] == 2
    with pytest.raises(InvalidState):
        inventory.passage(db, make_lot(db, make_strain(db)).id, PASSAGE)


def test_aliquots_take_their_quantity_from_the_parent(db, collection):
    tube = items_of(db, make_lot(db, make_strain(db), items=1, quantity="1.0"))[0]
    children = inventory.split(db, tube.barcode, NewItems(count=3, quantity=Decimal("0.3")))
    assert tube.quantity == Decimal("0.1")
    assert all(c.parent_id == tube.id and c.lot_id == tube.lot_id for c in children)
    with pytest.raises(InvalidState):
        inventory.split(db, tube.barcode, NewItems(count=1, quantity=Decimal("0.2")))
    assert tube.quantity == Decimal("0.1")


def test_derivative_gets_its_own_lot(db, collection):
    blood = items_of(db, make_lot(db, make_strain(db), items=1, quantity="4"))[0]
    dna = inventory.split(
        db,
        blood.barcode,
        ItemsSchema().load_or_fail(
            {
                "count": 2,
                "quantity": "25",
                "unit": "ug",
                "form": "tube",
                "method": "frozen_minus80",
                "taken": "2",
            }
        ),
    )
    assert blood.quantity == Decimal("2")
    lot = db.get(Lot, dna[0].lot_id)
    assert lot.parent_lot_id == blood.lot_id and lot.unit.value == "ug"
    assert (
        db.scalar(select(func.count()).select_from(Event).where(Event.type == EventType.DERIVED))
        == 3
    )


def test_qc_results(db, collection):
    lot = make_lot(db, make_strain(db))
    result = inventory.record_qc(
        db,
        lot.id,
        QcSchema().load_or_fail(
            {
                "test": "post_thaw_viability",
                "outcome": "pass",
                "value": 91.5,
                "value_unit": "%",
                "tested_on": "2025-02-01",
            }
        ),
    )
    assert db.get(QcResult, result.id).value == 91.5
    event = db.get(Event, result.event_id)
    assert event.type is EventType.QC and event.data["test"] == "post_thaw_viability"
    with pytest.raises(ValidationFailed):
        QcSchema().load_or_fail({"test": "telepathy", "outcome": "pass", "tested_on": "2025-02-01"})


def test_consume_destroy_missing_found(db, collection):
    box = make_box(db)
    vials = items_of(db, make_lot(db, make_strain(db), items=3))
    storage.place_items(db, vials, box)
    inventory.consume(db, vials[0].barcode, Consume(quantity=Decimal("0.4")))
    assert vials[0].quantity == Decimal("0.6") and vials[0].container_id == box.id
    with pytest.raises(ValidationFailed):
        inventory.consume(db, vials[0].barcode, Consume(quantity=Decimal("0.7")))
    inventory.consume(db, vials[0].barcode, Consume())
    assert vials[0].status is ItemStatus.CONSUMED and vials[0].container_id is None
    with pytest.raises(ValidationFailed):
        inventory.destroy(db, vials[1].barcode, Destroy(reason="  "))
    inventory.destroy(db, vials[1].barcode, Destroy(reason="thawed in transit"))
    with pytest.raises(InvalidState):
        inventory.destroy(db, vials[1].barcode, Destroy(reason="again"))
    inventory.mark_missing(db, vials[2].barcode, Note())
    assert vials[2].status is ItemStatus.MISSING and vials[2].container_id is None
    inventory.mark_found(db, vials[2].barcode, Found(container=box.barcode, row=5, col=5))
    assert (vials[2].status, vials[2].row, vials[2].col) == (ItemStatus.AVAILABLE, 5, 5)
    db.refresh(box)
    assert box.occupied == 1


def test_animals_with_parents(db, collection):
    line = add_material(
        db,
        "TST",
        {
            "kind": "animal_line",
            "designation": "C57BL/6J",
            "taxon_name": "Mus musculus",
            "identifiers": [{"scheme": "JAX", "value": "000664"}],
        },
    )
    parents = items_of(
        db,
        make_lot(
            db,
            line,
            items=2,
            method="live",
            unit="animal",
            form="animal",
            quantity="1",
            generation="F230",
            animals=[{"sex": "male"}, {"sex": "female"}],
        ),
    )
    pup_lot = make_lot(
        db,
        line,
        items=1,
        method="live",
        unit="animal",
        form="animal",
        quantity="1",
        generation="F231",
        animals=[
            {
                "sex": "female",
                "birth_date": "2025-05-01",
                "sire": parents[0].barcode,
                "dam": parents[1].barcode,
            }
        ],
    )
    pup = db.get(Animal, items_of(db, pup_lot)[0].id)
    assert (pup.sire_id, pup.dam_id) == (parents[0].id, parents[1].id)
