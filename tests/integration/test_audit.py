"""The audit log: every change, before and after, who, chained; a failed use case writes none."""

import pytest
from sqlalchemy import func, select, update

from repository import audit
from repository.db import unit_of_work
from repository.errors import Conflict
from repository.models import AuditEntry, Collection
from repository.services import collections, storage
from tests.conftest import make_box, make_lot, make_strain


def entries(db, table):
    return db.scalars(
        select(AuditEntry).where(AuditEntry.table_name == table).order_by(AuditEntry.id)
    ).all()


def test_changes_are_logged_with_actor_and_chained(factory):
    with unit_of_work(factory) as db:
        user = collections.create_user(db, "curator@example.org", "Curator")
    with unit_of_work(factory, actor=user.id) as db:
        collections.create_collection(
            db, {"code": "TST", "name": "T", "kind": "culture_collection"}
        )
        box = make_box(db)
        vial = make_lot(db, make_strain(db), items=1)
    with unit_of_work(factory, actor=user.id) as db:
        from tests.integration.test_inventory import items_of

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
        collections.create_collection(
            db, {"code": "TST", "name": "T", "kind": "culture_collection"}
        )
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
        collections.create_collection(
            db, {"code": "TST", "name": "T", "kind": "culture_collection"}
        )
    with unit_of_work(factory, write=False) as db:
        before = db.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(Conflict), unit_of_work(factory) as db:
        make_strain(db)
        collections.create_collection(db, {"code": "TST", "name": "again", "kind": "seed_bank"})
    with unit_of_work(factory, write=False) as db:
        assert db.scalar(select(func.count()).select_from(AuditEntry)) == before
        assert db.scalar(select(func.count()).select_from(Collection)) == 1
