"""What an import will write, prepared by its check pass in its scratch database while it holds
no write lock: each new material's complete rows, each new lot's fields and the total of its
items, each item's lot, place, barcode and quantity. The write pass (writing.py) adds only what
depends on the database at that moment (ids, lot numbers, drawn barcodes) and inserts them."""

from __future__ import annotations

import pickle
import sqlite3
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from ..models import KIND_MODELS, Material
from ..models.base import QUANTUM
from ..vocabulary import ItemForm, MaterialKind, PreservationMethod, Unit
from .declared import DRAWN, LotRef, MaterialRef
from .inserts import complete, table_of

if TYPE_CHECKING:
    from .bulk import Box, Row

MATERIALS = table_of(Material)
SCALE = -int(QUANTUM.as_tuple().exponent)  # decimal places of a quantity: 6


class NewMaterial(NamedTuple):
    """A new material's rows, complete but for its id and times."""

    kind: MaterialKind
    base: dict[str, Any]  # of the materials table
    own: dict[str, Any]  # of its kind's table
    identifiers: list[dict[str, Any]]


class NewLot(NamedTuple):
    """A new lot: its material (one of the import's, by place, or a stored one, by id), its
    fields and the sum of its items' quantities."""

    material: int  # the place of a new material, or (`stored`) the id of a stored one
    stored: bool
    fields: dict[str, Any]
    quantity: Decimal


class StoredLot(NamedTuple):
    """A lot in the database that new items join."""

    id: int
    number: int
    material_id: int


class NewItem(NamedTuple):
    """A new item: its lot (one of the import's, by place, or a stored one) and its values."""

    lot: int | StoredLot
    method: str
    barcode: str | None  # given; None: drawn when written
    quantity: Decimal
    unit: Unit
    form: ItemForm
    container_id: int | None
    row: int | None
    col: int | None
    grid_rows: int | None
    grid_cols: int | None


class Prepared:
    """The rows to write, in the scratch database; materials and lots numbered in the order the
    file declared them (their place)."""

    def __init__(self, db: sqlite3.Connection, collection_id: int) -> None:
        self._db, self.collection_id = db, collection_id
        self.materials = self.lots = self.items = 0
        db.execute("CREATE TABLE new_materials (place INTEGER PRIMARY KEY, record BLOB)")
        db.execute(
            "CREATE TABLE new_lots (place INTEGER PRIMARY KEY, material INTEGER, "
            "material_id INTEGER, fields BLOB, quanta INTEGER NOT NULL DEFAULT 0)"
        )
        # the items of a batch together, pickled: one record each of _new_item's fields
        db.execute("CREATE TABLE new_items (batch INTEGER PRIMARY KEY, records BLOB)")

    def add(self, batch: list[Row], donors: dict[str, int], boxes: dict[str, Box | None]) -> None:
        """A checked batch's new materials, lots and items (a batch without problems: every
        item has its lot)."""
        self._add_materials([(r, r.material) for r in batch if r.material is not None], donors)
        placed = [(r, r.lot, r.item) for r in batch if r.item is not None and r.lot is not None]
        self._add_lots([lot for _, lot, _ in placed if not lot.stored and lot.planned is None])
        self._add_items(placed, boxes)

    def _add_materials(self, rows: list[tuple[Row, MaterialRef]], donors: dict[str, int]) -> None:
        records = []
        for place, (row, ref) in enumerate(rows, start=self.materials):
            if ref.data is None:
                raise ValueError(f"The material of row {row.number} is prepared already.")
            data = dict(ref.data)
            kind = MaterialKind(data.pop("kind"))
            identifiers = data.pop("identifiers")
            if "donor" in data:
                data["donor_id"] = donors[data.pop("donor")]
            number = None if row.accession.startswith(DRAWN) else row.accession  # drawn later
            data.update(collection_id=self.collection_id, kind=kind, accession_number=number)
            own = complete(table_of(KIND_MODELS[kind]), data)
            material = NewMaterial(kind, complete(MATERIALS, data), own, identifiers)
            records.append((place, pickle.dumps(tuple(material))))
            ref.planned = place
        self._db.executemany("INSERT INTO new_materials VALUES (?, ?)", records)
        self.materials += len(records)

    def _add_lots(self, lots: list[LotRef]) -> None:
        records: list[tuple[int, int | None, int | None, bytes]] = []
        for lot in lots:
            if lot.planned is not None:  # two rows of this batch
                continue
            lot.planned = self.lots + len(records)
            fields = {**(lot.fields or {}), "unit": lot.unit}
            records.append(
                (lot.planned, lot.material.planned, lot.material.id, pickle.dumps(fields))
            )
            lot.fields = None  # prepared: only its method is needed still
        self._db.executemany(
            "INSERT INTO new_lots (place, material, material_id, fields) VALUES (?, ?, ?, ?)",
            records,
        )
        self.lots += len(records)

    def _add_items(
        self, rows: list[tuple[Row, LotRef, dict[str, Any]]], boxes: dict[str, Box | None]
    ) -> None:
        records = []
        totals: Counter[int] = Counter()
        for row, lot, item in rows:
            box = boxes.get(row.box) if row.box else None
            r, c = row.position or (None, None)
            quanta = _quanta(item["quantity"])
            if lot.planned is not None:
                totals[lot.planned] += quanta
            records.append(
                (
                    lot.planned,
                    lot.id if lot.stored else None,
                    lot.number if lot.stored else None,
                    lot.material.id if lot.stored else None,
                    _VALUES[lot.method] if lot.method else None,
                    row.barcode,
                    quanta,
                    _VALUES[item["unit"]],
                    _VALUES[item["form"]],
                    box.id if box else None,
                    r,
                    c,
                    box.rows if box else None,
                    box.cols if box else None,
                )
            )
        if records:
            self._db.execute(
                "INSERT INTO new_items (records) VALUES (?)",
                (pickle.dumps(records, pickle.HIGHEST_PROTOCOL),),
            )
        self._db.executemany(
            "UPDATE new_lots SET quanta = quanta + ? WHERE place = ?",
            ((total, place) for place, total in totals.items()),
        )
        self.items += len(records)

    # --- read back by the write pass, a chunk at a time --------------------------------------

    def new_materials(self, size: int) -> Iterator[list[NewMaterial]]:
        for chunk in self._chunks("SELECT record FROM new_materials ORDER BY place", size):
            yield [NewMaterial(*pickle.loads(record)) for (record,) in chunk]

    def new_lots(self, size: int) -> Iterator[list[NewLot]]:
        query = "SELECT material, material_id, fields, quanta FROM new_lots ORDER BY place"
        for chunk in self._chunks(query, size):
            yield [
                NewLot(
                    material_id if material is None else material,
                    material is None,
                    pickle.loads(fields),
                    _quantity(quanta),
                )
                for material, material_id, fields, quanta in chunk
            ]

    def new_items(self, size: int) -> Iterator[list[NewItem]]:
        """The items in the order they were prepared, `size` at a time (a batch of the check
        pass in memory at most besides)."""
        chunk: list[NewItem] = []
        for (records,) in self._db.execute("SELECT records FROM new_items ORDER BY batch"):
            for record in pickle.loads(records):
                chunk.append(_new_item(record))
                if len(chunk) == size:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    def _chunks(self, query: str, size: int) -> Iterator[list[Any]]:
        cursor = self._db.execute(query)
        while chunk := cursor.fetchmany(size):
            yield chunk


def _new_item(record: tuple[Any, ...]) -> NewItem:
    """An item as its row of new_items holds it."""
    lot, lot_id, number, material_id, method, barcode, quanta, unit, form, *place = record
    return NewItem(
        StoredLot(lot_id, number, material_id) if lot is None else lot,
        method,
        barcode,
        _quantity(quanta),
        _UNITS[unit],
        _FORMS[form],
        *place,
    )


# the members by their values, looked up without an Enum call per item; and their values
_UNITS = {member.value: member for member in Unit}
_FORMS = {member.value: member for member in ItemForm}
_VALUES = {member: member.value for kind in (Unit, ItemForm, PreservationMethod) for member in kind}


@lru_cache(maxsize=4096)  # the items of a file repeat a handful of quantities
def _quanta(quantity: Decimal) -> int:
    """A quantity as a whole number of its smallest steps (millionths), summed exactly."""
    return int(quantity.scaleb(SCALE).to_integral_value())


@lru_cache(maxsize=4096)
def _quantity(quanta: int) -> Decimal:
    return Decimal(quanta).scaleb(-SCALE)
