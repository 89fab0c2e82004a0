"""Writing the batches of a bulk import: materials (with their kind's table and identifiers),
lots and items with their barcodes and places, their events and audit entries."""

from __future__ import annotations

from array import array
from collections import Counter
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.orm import Session

from .. import barcodes
from ..models import KIND_MODELS, Barcode, Collection, Identifier, Item, Lot, Material, StorageUnit
from ..models.base import QUANTUM, utcnow
from ..services.events import record_events
from ..services.storage import path_label, path_rows
from ..sql import chunked, one_of
from ..vocabulary import EventType, ItemStatus, MaterialKind
from .inserts import audit_inserts, complete, insert_rows, reserve_ids

if TYPE_CHECKING:
    from .bulk import Box, Row
    from .declared import LotRef

MATERIALS, IDENTIFIERS = Material.__table__, Identifier.__table__
LOTS, ITEMS, UNITS = Lot.__table__, Item.__table__, StorageUnit.__table__


class Writer:
    """Inserts what the importer validated, batch by batch, in the caller's transaction."""

    def __init__(self, session: Session, collection: Collection) -> None:
        self.session, self.collection = session, collection
        self.new_lots = array("q")  # ids of the lots written, for their totals and audit
        self.paths: dict[int, list] = {}
        self.inserted: Counter[str] = Counter()
        self.analysed: dict[str, int] = {}

    def _grew(self, table: Table, count: int) -> None:
        """PostgreSQL plans the importer's look-ups by its tables' statistics, which the import
        outgrows inside its own transaction (an accession look-up then filters every material
        of the collection row by row): ANALYZE a table each time the rows this import added to
        it doubled (at 1,000, 2,000, 4,000…)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        self.inserted[table.name] += count
        if self.inserted[table.name] >= 2 * self.analysed.get(table.name, 500):
            self.session.execute(text(f"ANALYZE {table.name}"))
            self.analysed[table.name] = self.inserted[table.name]

    def write(self, batch: list[Row], donors: dict[str, int], boxes: dict[str, Box | None]) -> None:
        self._materials([r for r in batch if r.material is not None], donors)
        placed = [r for r in batch if r.item is not None]
        self._lots([r.lot for r in placed if r.lot.id is None])
        self._items(placed, boxes)

    def _materials(self, rows: list[Row], donors: dict[str, int]) -> None:
        if not rows:
            return
        now = utcnow()
        ids = reserve_ids(self.session, MATERIALS, len(rows))
        base_rows, audited, identifiers = [], [], []
        own_rows: dict[MaterialKind, list[dict]] = {}
        for row, id_ in zip(rows, ids, strict=True):
            ref = row.material
            data = dict(ref.data)
            kind = MaterialKind(data.pop("kind"))
            identifiers.extend({"material_id": id_, **i} for i in data.pop("identifiers"))
            if "donor" in data:
                data["donor_id"] = donors[data.pop("donor")]
            data.update(
                id=id_, collection_id=self.collection.id, kind=kind, accession_number=row.accession
            )
            data.update(created_at=now, updated_at=now)
            base = complete(MATERIALS, data)
            own_table = KIND_MODELS[kind].__table__
            own = complete(own_table, data)
            base_rows.append(base)
            own_rows.setdefault(kind, []).append(own)
            audited.append({**base, **own})
            ref.id, ref.kind = id_, kind
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
                    "data": {
                        "accession_number": b["accession_number"],
                        "collection": self.collection.code,
                    },
                }
                for b in base_rows
            ),
        )

    def _lots(self, lots: list[LotRef]) -> None:
        fresh = list({id(lot): lot for lot in lots}.values())
        if not fresh:
            return
        next_number = self._next_numbers({lot.material.id for lot in fresh})
        rows = []
        now = utcnow()
        for lot, id_ in zip(fresh, reserve_ids(self.session, LOTS, len(fresh)), strict=True):
            material_id = lot.material.id
            lot.id, lot.number = id_, next_number[material_id]
            next_number[material_id] += 1
            rows.append(
                complete(
                    LOTS,
                    {
                        **lot.fields,
                        "id": id_,
                        "material_id": material_id,
                        "number": lot.number,
                        "initial_quantity": 0,  # the sum of its items, at the end
                        "unit": lot.unit,
                        "created_at": now,
                    },
                )
            )
            lot.fields = None  # written: only its method is needed still
            self.new_lots.append(id_)
        insert_rows(self.session, LOTS, rows)
        self._grew(LOTS, len(rows))

    def _next_numbers(self, material_ids: set[int]) -> Counter[int]:
        """The next lot number of each material: past its lots in the database (this import's
        earlier batches included)."""
        numbers: Counter[int] = Counter(dict.fromkeys(material_ids, 1))
        connection = self.session.connection()
        for chunk in chunked(sorted(material_ids)):
            ours = one_of(LOTS.c.material_id, chunk, connection.dialect)
            for material_id, number in connection.execute(
                select(LOTS.c.material_id, func.max(LOTS.c.number))
                .where(ours)
                .group_by(LOTS.c.material_id)
            ):
                numbers[material_id] = number + 1
        return numbers

    def _items(self, rows: list[Row], boxes: dict[str, Box | None]) -> None:
        if not rows:
            return
        given = [r.barcode for r in rows if r.barcode]
        insert_rows(self.session, Barcode.__table__, [{"value": c, "owner": "item"} for c in given])
        drawn = iter(barcodes.allocate(self.session, len(rows) - len(given), "item"))
        now = utcnow()
        items, occupancy = [], Counter()
        for row, id_ in zip(rows, reserve_ids(self.session, ITEMS, len(rows)), strict=True):
            box = boxes.get(row.box) if row.box else None
            r, c = row.position or (None, None)
            items.append(
                complete(
                    ITEMS,
                    {
                        "id": id_,
                        "barcode": row.barcode or next(drawn),
                        "lot_id": row.lot.id,
                        "form": row.item["form"],
                        "quantity": row.item["quantity"].quantize(QUANTUM),
                        "unit": row.item["unit"],
                        "status": ItemStatus.AVAILABLE,
                        "container_id": box.id if box else None,
                        "row": r,
                        "col": c,
                        "grid_rows": box.rows if box else None,
                        "grid_cols": box.cols if box else None,
                        "created_at": now,
                    },
                )
            )
            if box:
                occupancy[box.id] += 1
        insert_rows(self.session, ITEMS, items)
        if occupancy:
            self.session.connection().execute(
                update(UNITS)
                .where(UNITS.c.id == bindparam("unit_id"))
                .values(occupied=UNITS.c.occupied + bindparam("count")),
                [{"unit_id": k, "count": v} for k, v in occupancy.items()],
            )
        audit_inserts(self.session, "items", items)
        self._events(rows, items)

    def _events(self, rows: list[Row], items: list[dict[str, Any]]) -> None:
        record_events(
            self.session,
            EventType.PRESERVED,
            (
                {
                    "item_id": i["id"],
                    "lot_id": i["lot_id"],
                    "material_id": r.lot.material.id,
                    "data": {
                        "lot": r.lot.number,
                        "method": r.lot.method,
                        "quantity": i["quantity"],
                        "unit": i["unit"],
                    },
                }
                for r, i in zip(rows, items, strict=True)
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

    def finish(self) -> None:
        """Each new lot's initial quantity, the sum of its items (all of this import), then its
        audit entry, the lot read back a chunk at a time."""
        connection = self.session.connection()
        for chunk in chunked(self.new_lots):
            ours = one_of(LOTS.c.id, chunk.tolist(), connection.dialect)
            total = select(func.sum(ITEMS.c.quantity)).where(ITEMS.c.lot_id == LOTS.c.id)
            connection.execute(
                update(LOTS).where(ours).values(initial_quantity=total.scalar_subquery())
            )
            lots = connection.execute(select(LOTS).where(ours).order_by(LOTS.c.id)).mappings()
            audit_inserts(self.session, "lots", [dict(lot) for lot in lots])
