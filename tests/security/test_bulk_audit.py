"""The audit of a bulk registration is one entry per batch of rows, naming its job and file,
with a SHA-256 over the rows: `audit.verify` recomputes it from the rows, so a row changed
behind the audit's back (a barcode, a lot, a method, a quantity, a row deleted) breaks the chain
at that batch, while the single edits audited after it (moves, uses, destructions, a material's
edit) do not."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, select, update

from repository import audit
from repository.db import unit_of_work
from repository.exchange import jobs, uploads
from repository.exchange.bulk import Options, import_tables
from repository.models import (
    AuditEntry,
    Barcode,
    Event,
    ImportJob,
    Item,
    Lot,
    Material,
    Strain,
)
from repository.schemas.inventory import Consume, Destroy
from repository.services import import_jobs, inventory, materials, storage
from repository.services.storage import Place
from repository.vocabulary import ImportJobStatus
from tests.factories import make_box, make_collection

HEADER = (
    "accession_number,designation,taxon_name,lot,method,preserved_on,quantity,unit,form,box,"
    "position"
)
ROWS = 12  # items; the import writes them in batches of 5


@pytest.fixture
def imported(factory, tmp_path):
    """Two strains with a lot each and ROWS vials in a box, imported in batches of 5 rows; the
    barcodes of the vials and the box."""
    with unit_of_work(factory) as db:
        make_collection(db)
        box = make_box(db)
        spare = make_box(db)
        codes = (box.barcode, spare.barcode)
    lines = [HEADER]
    for i in range(ROWS):
        strain = i % 2
        lines.append(
            f"BA {strain},Strain {strain},Bacillus subtilis,L1,glycerol_minus80,"
            f"2025-01-0{strain + 1},1.5,ml,cryovial,{codes[0]},{chr(65 + i // 9)}{i % 9 + 1}"
        )
    path = tmp_path / "vials.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with unit_of_work(factory) as db:
        outcome = import_tables(db, [path], Options("TST", batch=5))
        assert outcome.items == ROWS
    with unit_of_work(factory, write=False) as db:
        assert audit.verify(db) is None
        vials = db.scalars(select(Item.barcode).order_by(Item.id)).all()
    return vials, codes


def batch_of(db, table: str, row_id: int) -> int:
    """The id of the batch entry that names row `row_id` of `table`."""
    for entry in db.scalars(
        select(AuditEntry).where(
            AuditEntry.table_name == table, AuditEntry.action == "batch_insert"
        )
    ):
        if any(first <= row_id <= last for first, last in entry.after["ids"]):
            return entry.id
    raise AssertionError(f"no batch names {table} {row_id}")


def item(db, barcode: str) -> Item:
    return db.scalar(select(Item).where(Item.barcode == barcode))


def test_items_come_in_batches_of_the_import(factory, imported):
    vials, _ = imported
    with unit_of_work(factory, write=False) as db:
        batches = db.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == "items", AuditEntry.action == "batch_insert")
            .order_by(AuditEntry.id)
        ).all()
        assert [b.after["rows"] for b in batches] == [5, 5, 2]
        assert batch_of(db, "items", item(db, vials[-1]).id) == batches[-1].id
        assert all(len(b.after["files"][0]["sha256"]) == 64 for b in batches)


def test_a_changed_barcode_breaks_the_batch(factory, imported):
    vials, _ = imported
    with unit_of_work(factory) as db:
        vial = item(db, vials[6])
        db.execute(insert(Barcode).values(value="FORGED1", owner="item"))
        db.execute(update(Item).where(Item.id == vial.id).values(barcode="FORGED1"))
        assert audit.verify(db) == batch_of(db, "items", vial.id)


def test_an_item_moved_to_another_lot_breaks_the_batch(factory, imported):
    vials, _ = imported
    with unit_of_work(factory) as db:
        vial = item(db, vials[0])
        other = db.scalar(select(Lot.id).where(Lot.id != vial.lot_id))
        db.execute(update(Item).where(Item.id == vial.id).values(lot_id=other))
        assert audit.verify(db) == batch_of(db, "items", vial.id)


def test_a_changed_quantity_breaks_the_batch(factory, imported):
    vials, _ = imported
    with unit_of_work(factory) as db:
        vial = item(db, vials[11])
        db.execute(update(Item).where(Item.id == vial.id).values(quantity=Decimal("1.6")))
        assert audit.verify(db) == batch_of(db, "items", vial.id)


def test_a_changed_lot_or_material_breaks_its_batch(factory, imported):
    with unit_of_work(factory) as db:
        lot = db.scalar(select(Lot).order_by(Lot.id))
        db.execute(update(Lot).where(Lot.id == lot.id).values(method="lyophilised"))
        assert audit.verify(db) == batch_of(db, "lots", lot.id)
    with unit_of_work(factory) as db:
        strain = db.scalar(select(Material.id).where(Material.accession_number == "BA 1"))
        db.execute(
            update(Strain.__table__)
            .where(Strain.__table__.c.id == strain)
            .values(genetically_modified=True)
        )
        assert audit.verify(db) == batch_of(db, "strains", strain)


def test_a_row_deleted_without_its_audit_breaks_the_batch(factory, imported):
    vials, _ = imported
    with unit_of_work(factory) as db:
        vial = item(db, vials[3])
        db.execute(delete(Event).where(Event.item_id == vial.id))
        db.execute(delete(Item).where(Item.id == vial.id))
        assert audit.verify(db) == batch_of(db, "items", vial.id)


def test_a_forged_digest_breaks_the_chain_at_its_entry(factory, imported):
    vials, _ = imported
    with unit_of_work(factory) as db:
        entry = batch_of(db, "items", item(db, vials[0]).id)
        after = dict(db.get_one(AuditEntry, entry).after)
        db.execute(
            update(AuditEntry).where(AuditEntry.id == entry).values(after={**after, "rows": 4})
        )
        assert audit.verify(db) == entry


def test_single_edits_after_the_import_keep_it_verified(factory, imported):
    vials, codes = imported
    with unit_of_work(factory) as db:
        spare = storage.get_unit(db, codes[1])
        storage.relocate(db, [(item(db, vials[0]), Place(spare, 1, 1))])
        inventory.consume(db, vials[1], Consume(quantity=Decimal("0.5")))
        inventory.consume(db, vials[2], Consume())  # used up: out of its place
        inventory.destroy(db, vials[7], Destroy(reason="cracked"))
        strain = db.scalar(select(Material).where(Material.accession_number == "BA 0"))
        materials.edit_material(db, strain, {"designation": "Strain zero", "type_strain": True})
    with unit_of_work(factory, write=False) as db:
        assert audit.verify(db) is None


def test_an_import_job_s_batches_name_the_job_and_its_file(factory):
    with unit_of_work(factory) as db:
        collection = make_collection(db)
        box = make_box(db).barcode
        job = import_jobs.create_job(
            db,
            collection_id=collection.id,
            fmt="csv",
            files=["v.csv"],
            dry_run=False,
            created_by=None,
        ).id
    content = (
        f"{HEADER}\nJB 1,Strain,Bacillus subtilis,L1,glycerol_minus80,2025-01-01,1,ml,cryovial,"
        f"{box},A1\n"
    ).encode()
    with unit_of_work(factory) as db:
        uploads.keep(db, [("v.csv", io.BytesIO(content))], owner=None, job_id=job)
    digest = hashlib.sha256(content).hexdigest()
    assert jobs.run_job(factory, job)
    with unit_of_work(factory, write=False) as db:
        assert db.get_one(ImportJob, job).status is ImportJobStatus.SUCCEEDED
        batches = db.scalars(
            select(AuditEntry).where(AuditEntry.action == audit.BATCH_INSERT)
        ).all()
        assert {b.table_name for b in batches} == {"materials", "strains", "lots", "items"}
        assert all(b.after["job"] == job for b in batches)
        assert all(b.after["files"] == [{"name": "v.csv", "sha256": digest}] for b in batches)
        assert audit.verify(db) is None
