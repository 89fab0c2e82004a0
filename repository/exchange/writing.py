"""The write pass of a bulk import: what its check pass prepared (prepared.py) inserted in the
caller's write transaction, a chunk at a time: materials (with their kind's table and
identifiers), then lots, then items with their barcodes and places, with their events (one
`registered` per item, its lot and place together) and one audit entry per chunk of each table
(audit.record_batch: the import's job and files, the ids and a SHA-256 over the rows). Only
what depends on the database at this moment is found here: ids, lot numbers of stored
materials, drawn barcodes, the storage paths events name. What another writer changed since the
check (a position or barcode taken, an accession used, a material, lot or box deleted, a box
filled) breaks a constraint: the whole import is refused as a Conflict."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.orm import Session

from .. import audit, barcodes
from ..errors import Conflict
from ..models import KIND_MODELS, Barcode, Identifier, Item, Lot, Material, StorageUnit
from ..models.base import utcnow
from ..services.collections import get_collection, next_accession_numbers
from ..services.events import (
    accessioned_event,
    record_events,
    record_registered,
    registered_data,
)
from ..services.inventory import number_lots
from ..services.storage import measure_free_runs, path_label, path_rows, placed_label
from ..sql import one_of
from ..vocabulary import EventType, ItemStatus, MaterialKind
from .inserts import complete, insert_rows, reserve_ids, table_of
from .prepared import NewItem, NewLot, NewMaterial, Prepared, StoredLot

MATERIALS, IDENTIFIERS = table_of(Material), table_of(Identifier)
LOTS, ITEMS, UNITS = table_of(Lot), table_of(Item), table_of(StorageUnit)
BARCODES = table_of(Barcode)
# the columns of an item's row, in the order `_items` gives them
ITEM_COLUMNS = (
    "id",
    "barcode",
    "barcode_owner",
    "lot_id",
    "parent_id",
    "form",
    "quantity",
    "unit",
    "status",
    "container_id",
    "row",
    "col",
    "grid_rows",
    "grid_cols",
    "created_at",
)
SHOWN = 100  # the new materials and lots an import names after its commit
CHANGED = "The storage changed during the import ({}); nothing was imported: re-run it."
Row = dict[str, Any]


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
        self,
        session: Session,
        collection_code: str,
        prepared: Prepared,
        chunk: int,
        source: dict[str, Any] | None = None,
    ) -> None:
        self.session, self.code = session, collection_code
        self.prepared, self.chunk = prepared, chunk
        self.source = source or {}  # what each batch's audit entry says it came from
        self.material_ids = array("q")  # by the material's place in the import
        self.lot_ids, self.lot_numbers, self.lot_materials = array("q"), array("q"), array("q")
        self.paths: dict[int, str] = {}  # the path label of each unit items went into
        self.inserted: Counter[str] = Counter()
        self.analysed: dict[str, int] = {}
        self.created = Created()

    def write(self) -> None:
        """Everything prepared, or a Conflict (the caller rolls back) naming what changed."""
        try:
            for materials in self.prepared.new_materials(self.chunk):
                self._materials(materials)
            for lots in self.prepared.new_lots(self.chunk):
                self._lots(lots)
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
        base_rows: list[Row] = []
        identifiers: list[Row] = []
        kind_rows: dict[MaterialKind, list[Row]] = {}
        for material, id_ in zip(materials, ids, strict=True):
            base = {**material.base, "id": id_, "created_at": now, "updated_at": now}
            if base["accession_number"] is None:
                base["accession_number"] = next(drawn)
            own = {**material.own, "id": id_}
            identifiers.extend({"material_id": id_, **i} for i in material.identifiers)
            base_rows.append(base)
            kind_rows.setdefault(material.kind, []).append(own)
        self.material_ids.extend(ids)
        self.created.add_materials(ids, (b["accession_number"] for b in base_rows))
        insert_rows(self.session, MATERIALS, base_rows)
        self._grew(MATERIALS, len(base_rows))
        for kind, rows in kind_rows.items():
            insert_rows(self.session, table_of(KIND_MODELS[kind]), rows)
        identifier_rows = [
            complete(IDENTIFIERS, {"id": i, **values})
            for i, values in zip(
                reserve_ids(self.session, IDENTIFIERS, len(identifiers)), identifiers, strict=True
            )
        ]
        insert_rows(self.session, IDENTIFIERS, identifier_rows)
        audit.record_batch(self.session, MATERIALS, base_rows, self.source)
        for kind, rows in kind_rows.items():
            audit.record_batch(self.session, table_of(KIND_MODELS[kind]), rows, self.source)
        audit.record_batch(self.session, IDENTIFIERS, identifier_rows, self.source)
        record_events(
            self.session,
            EventType.ACCESSIONED,
            (accessioned_event(b["id"], b["accession_number"], self.code) for b in base_rows),
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
        number = MATERIALS.c.accession_number
        taken = self.session.scalar(
            select(number)
            .where(
                MATERIALS.c.collection_id == collection.id,
                one_of(number, numbers, dialect),
            )
            .order_by(number)
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

    def _lots(self, lots: list[NewLot]) -> None:
        """A chunk of lots, numbered after their material's (number_lots, as a single lot is:
        a new material's from 1, a stored one's past its lots, this import's included)."""
        material_ids = [
            lot.material if lot.stored else self.material_ids[lot.material] for lot in lots
        ]
        numbers = number_lots(self.session, material_ids)
        now = utcnow()
        ids = reserve_ids(self.session, LOTS, len(lots))
        rows = [
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
            for lot, id_, material_id, number in zip(lots, ids, material_ids, numbers, strict=True)
        ]
        self.lot_ids.extend(ids)
        self.lot_numbers.extend(numbers)
        self.lot_materials.extend(material_ids)
        insert_rows(self.session, LOTS, rows)
        self._grew(LOTS, len(rows))
        self.created.add_lots(ids)
        audit.record_batch(self.session, LOTS, rows, self.source)

    def _lot_of(self, item: NewItem) -> tuple[int, int, int]:
        """The id, number and material id of an item's lot: one of this import's (by its
        place), or a stored one."""
        lot = item.lot
        if isinstance(lot, StoredLot):
            return lot
        return self.lot_ids[lot], self.lot_numbers[lot], self.lot_materials[lot]

    def _items(self, new: list[NewItem]) -> None:
        given = [(c, "item") for c in (i.barcode for i in new) if c]
        insert_rows(self.session, BARCODES, given, names=("value", "owner"))
        drawn = iter(barcodes.allocate(self.session, len(new) - len(given), "item"))
        now = utcnow()
        lots = [self._lot_of(item) for item in new]
        available = ItemStatus.AVAILABLE
        items = [
            (
                id_,
                item.barcode or next(drawn),
                "item",
                lot_id,
                None,
                item.form,
                item.quantity,
                item.unit,
                available,
                item.container_id,
                item.row,
                item.col,
                item.grid_rows,
                item.grid_cols,
                now,
            )
            for item, id_, (lot_id, _, _) in zip(
                new, reserve_ids(self.session, ITEMS, len(new)), lots, strict=True
            )
        ]
        insert_rows(self.session, ITEMS, items, names=ITEM_COLUMNS)
        occupancy = Counter(item.container_id for item in new if item.container_id)
        if occupancy:
            self.session.connection().execute(
                update(UNITS)
                .where(UNITS.c.id == bindparam("unit_id"))
                .values(occupied=UNITS.c.occupied + bindparam("count")),
                [{"unit_id": k, "count": v} for k, v in occupancy.items()],
            )
            measure_free_runs(self.session, list(occupancy))
        audit.record_batch(self.session, ITEMS, items, self.source, names=ITEM_COLUMNS)
        new_units = set(occupancy) - self.paths.keys()
        self.paths.update(
            (unit, path_label(path)) for unit, path in path_rows(self.session, new_units).items()
        )
        record_registered(
            self.session,
            (
                (
                    row[0],
                    lot_id,
                    registered_data(
                        number, item.method, item.quantity, item.unit, self._place(item)
                    ),
                )
                for item, row, (lot_id, number, _) in zip(new, items, lots, strict=True)
            ),
        )

    def _place(self, item: NewItem) -> str | None:
        """Where a new item was put: its path (with its position), or None."""
        if item.container_id is None:
            return None
        return placed_label(self.paths[item.container_id], item.row, item.col)
