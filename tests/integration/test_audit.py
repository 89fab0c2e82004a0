"""The audit log: every change, before and after, who, chained; a failed use case writes none."""

import pytest
from sqlalchemy import func, select, update

from repository import audit
from repository.db import unit_of_work
from repository.errors import Conflict
from repository.models import AuditEntry, Collection
from repository.services import collections, storage
from tests.conftest import make_box, make_collection, make_lot, make_strain
from tests.factories import add_collection


def entries(db, table):
    return db.scalars(
        select(AuditEntry).where(AuditEntry.table_name == table).order_by(AuditEntry.id)
    ).all()


def test_changes_are_logged_with_actor_and_chained(factory):
    with unit_of_work(factory) as db:
        user = collections.create_user(db, "curator@example.org", "Curator")
    with unit_of_work(factory, actor=user.id) as db:
        add_collection(db, {"code": "TST", "name": "T", "kind": "culture_collection"})
        box = make_box(db)
        vial = make_lot(db, make_strain(db), items=1)
    with unit_of_work(factory, actor=user.id) as db:
        from tests.factories import items_of

        vial = items_of(db, vial)[0]
        storage.place_items(db, [vial], box, [(1, 2)])
    with unit_of_work(factory, write=False) as db:
        materials = entries(db, "materials")
        assert materials[0].action.value == "insert" and materials[0].actor_id == user.id
        assert materials[0].after["designation"] == "K-12 MG1655"
        assert materials[0].row_id == str(materials[0].after["id"])  # the new row's own key
        assert all(e.row_id == str(e.after["id"]) for e in entries(db, "lots"))
        moves = [e for e in entries(db, "items") if e.action.value == "update"]
        assert moves[-1].before["row"] is None and moves[-1].after == {
            "container_id": box.id,
            "row": 1,
            "col": 2,
            "grid_rows": 9,
            "grid_cols": 9,
        }
        assert audit.verify(db) is None


def test_tampering_is_detected(factory):
    with unit_of_work(factory) as db:
        add_collection(db, {"code": "TST", "name": "T", "kind": "culture_collection"})
        make_strain(db)
    with unit_of_work(factory) as db:
        first = db.scalar(select(func.min(AuditEntry.id)))
        rows = db.scalar(select(func.count()).select_from(AuditEntry))
        assert rows >= 3
        target = first + 1
        db.execute(
            update(AuditEntry)
            .where(AuditEntry.id == target)
            .values(after={"designation": "forged"})
        )
        assert audit.verify(db) == target


def test_failed_use_case_writes_nothing(factory):
    with unit_of_work(factory) as db:
        add_collection(db, {"code": "TST", "name": "T", "kind": "culture_collection"})
    with unit_of_work(factory, write=False) as db:
        before = db.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(Conflict), unit_of_work(factory) as db:
        make_strain(db)
        add_collection(db, {"code": "TST", "name": "again", "kind": "seed_bank"})
    with unit_of_work(factory, write=False) as db:
        assert db.scalar(select(func.count()).select_from(AuditEntry)) == before
        assert db.scalar(select(func.count()).select_from(Collection)) == 1


def test_pending_entries_read_back_as_written_from_memory_or_disk():
    written = [
        audit.entry("materials", 7, "insert", None, {"name": 'Ünïcode \t "quoted"\n', "n": 1}),
        audit.entry("items", "3/4", "update", {"row": None}, {"row": 2}),
        audit.entry("users", 1, "update", {"password_hash": "x"}, {"password_hash": "y"}),
    ] * 100
    for memory in (1 << 20, 64):  # the second spills to a file after 64 bytes
        pending = audit.Pending(memory)
        pending.extend(written)
        assert len(pending) == 300 and list(pending) == written
        pending.close()
    assert written[2][3:] == ('{"password_hash":"(secret)"}', '{"password_hash":"(secret)"}')
    with pytest.raises(ValueError):
        audit.entry("items", "a\nb", "insert", None, {})


def test_a_transaction_of_many_entries_spills_to_disk_and_chains(factory, monkeypatch):
    monkeypatch.setattr(audit, "SPOOL_MEMORY", 4096)
    with unit_of_work(factory) as db:
        make_collection(db)
        make_strain(db)
        audit.record(
            db,
            (audit.entry("notes", n, "insert", None, {"n": n, "t": "ß" * 20}) for n in range(3000)),
        )
        make_strain(db, accession_number="TST 2")
    with unit_of_work(factory, write=False) as db:
        notes = entries(db, "notes")
        assert len(notes) == 3000 and notes[-1].after == {"n": 2999, "t": "ß" * 20}
        assert len(entries(db, "materials")) == 2
        assert audit.verify(db) is None
