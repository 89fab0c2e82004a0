"""The write pass of a bulk import: what its check pass prepared (prepared.py) inserted in the
caller's write transaction, a chunk at a time: materials (with their kind's table and
identifiers), then lots, then items with their barcodes and places, with their events and audit
entries. Only what depends on the database at this moment is found here: ids, lot numbers of
stored materials, drawn barcodes, the storage paths events name. What another writer changed
since the check (a position or barcode taken, an accession used, a material, lot or box
deleted, a box filled) breaks a constraint: the whole import is refused as a Conflict."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.orm import Session

from .. import barcodes
from ..errors import Conflict
from ..models import KIND_MODELS, Barcode, Identifier, Item, Lot, Material, StorageUnit
from ..models.base import utcnow
from ..services.collections import get_collection, next_accession_numbers
from ..services.events import record_events
from ..services.inventory import next_lot_numbers
from ..services.storage import path_label, path_rows
from ..sql import one_of
from ..vocabulary import EventType, ItemStatus
from .inserts import audit_inserts, complete, insert_rows, reserve_ids
from .prepared import NewItem, NewLot, NewMaterial, Prepared

MATERIALS, IDENTIFIERS = Material.__table__, Identifier.__table__
LOTS, ITEMS, UNITS = Lot.__table__, Item.__table__, StorageUnit.__table__
SHOWN = 100  # the new materials and lots an import names after its commit
CHANGED = "The storage changed during the import ({}); nothing was imported: re-run it."


class NumberTaken(Conflict):
    """An accession number drawn from a collection's pattern is one given by hand."""


@dataclass
class Created:
    """What a written import created, to list after its commit: its first SHOWN new materials
    (id, accession number) and lots (id)."""

    materials: list[tuple[int, str]] = field(default_factory=list)
    lots: list[int] = field(default_factory=list)

    def add_materials(self, ids: Iterable[int], numbers: Iterable[str]) -> None:
        room = SHOWN - len(self.materials)
        self.materials.extend(islice(zip(ids, numbers, strict=True), max(room, 0)))

    def add_lots(self, ids: Iterable[int]) -> None:
        self.lots.extend(islice(ids, max(SHOWN - len(self.lots), 0)))


class Writer:
    """Inserts what the check pass prepared, in the caller's transaction, `chunk` rows of a
    table at a time."""

    def __init__(
        self, session: Session, collection_code: str, prepared: Prepared, chunk: int
    ) -> None:
        self.session, self.code = session, collection_code
        self.prepared, self.chunk = prepared, chunk
        self.material_ids = array("q")  # by the material's place in the import
        self.lot_ids, self.lot_numbers, self.lot_materials = array("q"), array("q"), array("q")
        self.paths: dict[int, list] = {}
        self.inserted: Counter[str] = Counter()
        self.analysed: dict[str, int] = {}
        self.created = Created()

    def write(self) -> None:
        """Everything prepared, or a Conflict (the caller rolls back) naming what changed."""
        try:
            for materials in self.prepared.new_materials(self.chunk):
                self._materials(materials)
            lots_so_far = array("q", bytes(8 * len(self.material_ids)))
            for lots in self.prepared.new_lots(self.chunk):
                self._lots(lots, lots_so_far)
            for items in self.prepared.new_items(self.chunk):
                self._items(items)
        except Conflict as error:
            if isinstance(error, NumberTaken):  # not a change since the check: said as it is
                raise
            raise Conflict(CHANGED.format(error.detail.rstrip(".")), field=error.field) from error

    def _grew(self, table: Table, count: int) -> None:
        """PostgreSQL plans look-ups by its tables' statistics, which the import outgrows
        inside its own transaction (the next lot numbers of a material then read every lot row
        by row): ANALYZE a table each time the rows this import added to it doubled (at 1,000,
        2,000, 4,000…)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        self.inserted[table.name] += count
        if self.inserted[table.name] >= 2 * self.analysed.get(table.name, 500):
            self.session.execute(text(f"ANALYZE {table.name}"))
            self.analysed[table.name] = self.inserted[table.name]

    def _materials(self, materials: list[NewMaterial]) -> None:
        now = utcnow()
        ids = reserve_ids(self.session, MATERIALS, len(materials))
        drawn = iter(self._drawn(sum(1 for m in materials if m.base["accession_number"] is None)))
        base_rows, audited, identifiers = [], [], []
        own_rows: dict[Any, list[dict]] = {}
        for material, id_ in zip(materials, ids, strict=True):
            base = {**material.base, "id": id_, "created_at": now, "updated_at": now}
            if base["accession_number"] is None:
                base["accession_number"] = next(drawn)
            own = {**material.own, "id": id_}
            identifiers.extend({"material_id": id_, **i} for i in material.identifiers)
            base_rows.append(base)
            own_rows.setdefault(material.kind, []).append(own)
            audited.append({**base, **own})
        self.material_ids.extend(ids)
        self.created.add_materials(ids, (b["accession_number"] for b in base_rows))
        insert_rows(self.session, MATERIALS, base_rows)
        self._grew(MATERIALS, len(base_rows))
        for kind, own in own_rows.items():
            insert_rows(self.session, KIND_MODELS[kind].__table__, own)
        identifier_rows = [
            complete(IDENTIFIERS, {"id": i, **values})
            for i, values in zip(
                reserve_ids(self.session, IDENTIFIERS, len(identifiers)), identifiers, strict=True
            )
        ]
        insert_rows(self.session, IDENTIFIERS, identifier_rows)
        audit_inserts(self.session, "materials", audited)
        audit_inserts(self.session, "identifiers", identifier_rows)
        record_events(
            self.session,
            EventType.ACCESSIONED,
            (
                {
                    "material_id": b["id"],
                    "data": {"accession_number": b["accession_number"], "collection": self.code},
                }
                for b in base_rows
            ),
        )

    def _drawn(self, count: int) -> list[str]:
        """The accession numbers of `count` new materials, drawn from the collection's pattern
        now, under the lock of its counter (as registering one does): never one another writer
        drew since the check. One a material was given by hand is a Conflict naming it."""
        if count == 0:
            return []
        collection = get_collection(self.session, self.code)
        numbers = next_accession_numbers(self.session, collection, count)
        dialect = self.session.get_bind().dialect
        taken = self.session.scalar(
            select(Material.accession_number)
            .where(
                Material.collection_id == collection.id,
                one_of(Material.accession_number, numbers, dialect),
            )
            .order_by(Material.accession_number)
            .limit(1)
        )
        if taken is not None:
            raise NumberTaken(
                f"{taken}, the next accession number of the pattern of {self.code}, is already "
                "used; nothing was imported: give the new materials their accession numbers, "
                "or have an administrator move the collection's counter past it.",
                field="accession_number",
            )
        return numbers

    def _lots(self, lots: list[NewLot], lots_so_far: array) -> None:
        """A chunk of lots, numbered after their material's: a new material's from 1, a stored
        one's past its lots in the database (next_lot_numbers, this import's included)."""
        stored = {lot.material_id for lot in lots if lot.material is None}
        next_number = next_lot_numbers(self.session, stored)
        if gone := stored - next_number.keys():
            raise Conflict(f"material {min(gone)}, which new lots join, was deleted")
        now = utcnow()
        rows = []
        for lot, id_ in zip(lots, reserve_ids(self.session, LOTS, len(lots)), strict=True):
            if lot.material is None:
                material_id, number = lot.material_id, next_number[lot.material_id]
                next_number[material_id] += 1
            else:
                material_id = self.material_ids[lot.material]
                lots_so_far[lot.material] += 1
                number = lots_so_far[lot.material]
            rows.append(
                complete(
                    LOTS,
                    {
                        **lot.fields,
                        "id": id_,
                        "material_id": material_id,
                        "number": number,
                        "initial_quantity": lot.quantity,  # the sum of its items
                        "created_at": now,
                    },
                )
            )
            self.lot_ids.append(id_)
            self.lot_numbers.append(number)
            self.lot_materials.append(material_id)
        insert_rows(self.session, LOTS, rows)
        self._grew(LOTS, len(rows))
        self.created.add_lots(row["id"] for row in rows)
        audit_inserts(self.session, "lots", rows)

    def _items(self, new: list[NewItem]) -> None:
        given = [i.barcode for i in new if i.barcode]
        insert_rows(self.session, Barcode.__table__, [{"value": c, "owner": "item"} for c in given])
        drawn = iter(barcodes.allocate(self.session, len(new) - len(given), "item"))
        now = utcnow()
        items = []
        for item, id_ in zip(new, reserve_ids(self.session, ITEMS, len(new)), strict=True):
            items.append(
                complete(
                    ITEMS,
                    {
                        "id": id_,
                        "barcode": item.barcode or next(drawn),
                        "lot_id": item.lot_id if item.lot is None else self.lot_ids[item.lot],
                        "form": item.form,
                        "quantity": item.quantity,
                        "unit": item.unit,
                        "status": ItemStatus.AVAILABLE,
                        "container_id": item.container_id,
                        "row": item.row,
                        "col": item.col,
                        "grid_rows": item.grid_rows,
                        "grid_cols": item.grid_cols,
                        "created_at": now,
                    },
                )
            )
        insert_rows(self.session, ITEMS, items)
        occupancy = Counter(i["container_id"] for i in items if i["container_id"])
        if occupancy:
            self.session.connection().execute(
                update(UNITS)
                .where(UNITS.c.id == bindparam("unit_id"))
                .values(occupied=UNITS.c.occupied + bindparam("count")),
                [{"unit_id": k, "count": v} for k, v in occupancy.items()],
            )
        audit_inserts(self.session, "items", items)
        self._events(new, items)

    def _events(self, new: list[NewItem], items: list[dict[str, Any]]) -> None:
        record_events(
            self.session,
            EventType.PRESERVED,
            (
                {
                    "item_id": i["id"],
                    "lot_id": i["lot_id"],
                    "material_id": (
                        item.material_id if item.lot is None else self.lot_materials[item.lot]
                    ),
                    "data": {
                        "lot": item.lot_number if item.lot is None else self.lot_numbers[item.lot],
                        "method": item.method,
                        "quantity": i["quantity"],
                        "unit": i["unit"],
                    },
                }
                for item, i in zip(new, items, strict=True)
            ),
        )
        placed = [i for i in items if i["container_id"]]
        missing = {i["container_id"] for i in placed} - set(self.paths)
        self.paths.update(path_rows(self.session, missing))
        record_events(
            self.session,
            EventType.PLACED,
            (
                {
                    "item_id": i["id"],
                    "lot_id": i["lot_id"],
                    "data": {
                        "from": None,
                        "to": path_label(self.paths[i["container_id"]], i["row"], i["col"]),
                    },
                }
                for i in placed
            ),
        )
