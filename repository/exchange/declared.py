"""The materials and lots an import names, by accession number (and lot key), kept to its end:
in memory while few; past a limit, those of the batches already done move to the import's
scratch database and come back when a later row names them again, so that a file of a million
materials runs in bounded memory."""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..vocabulary import MaterialKind, PreservationMethod, Unit

DRAWN = "\x00drawn:"  # starts the key of a new material whose accession number is drawn
KEPT = 20_000  # materials and lots kept in memory before they move to the scratch database


def drawn_key(count: int, row: int) -> str:
    """The key of a row's new material without an accession number (the write pass draws it
    from the collection's pattern): the row's own, never a cell's (no cell holds a NUL)."""
    return f"{DRAWN}{count}:{row}"


def shown(accession: str) -> str:
    """An accession as a message names it: a drawn one by the row that declares it."""
    if accession.startswith(DRAWN):
        return f"the new material of row {accession.rpartition(':')[2]}"
    return accession


@dataclass(slots=True)
class MaterialRef:
    """A material named by the import: its values as a digest."""

    row: int
    signature: bytes = b""  # of the values it was declared with; empty: not declared here
    data: dict[str, Any] | None = None  # validated fields of a new material, until prepared
    id: int | None = None  # of a stored material
    kind: MaterialKind | None = None
    planned: int | None = None  # a new material's place among those the import will write


@dataclass(slots=True)
class LotRef:
    """A lot named by the import: its validated fields until it is prepared."""

    row: int
    material: MaterialRef
    signature: bytes
    method: PreservationMethod | None
    fields: dict[str, Any] | None = None
    unit: Unit | None = None
    items: int = 0
    id: int | None = None  # of a stored lot
    number: int | None = None
    stored: bool = False  # a lot already in the database (existing_lot), which items join
    planned: int | None = None  # a new lot's place among those the import will write


class Declared:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db, self._limit, self._moved = db, KEPT, False
        self._materials: dict[str, MaterialRef] = {}
        self._lots: dict[tuple[str, str], LotRef] = {}
        db.execute(
            "CREATE TABLE materials (accession TEXT PRIMARY KEY, row INTEGER, signature BLOB, "
            "id INTEGER, kind TEXT, planned INTEGER) WITHOUT ROWID"
        )
        db.execute(
            "CREATE TABLE lots (accession TEXT, key TEXT, row INTEGER, signature BLOB, "
            "method TEXT, fields BLOB, unit TEXT, items INTEGER, id INTEGER, number INTEGER, "
            "stored INTEGER, planned INTEGER, PRIMARY KEY (accession, key)) WITHOUT ROWID"
        )

    def material(self, accession: str) -> MaterialRef | None:
        ref = self._materials.get(accession)
        if ref is None and self._moved:
            found = self._db.execute(
                "SELECT row, signature, id, kind, planned FROM materials WHERE accession = ?",
                (accession,),
            ).fetchone()
            if found is not None:
                row, signature, id_, kind, planned = found
                ref = MaterialRef(
                    row, signature, None, id_, MaterialKind(kind) if kind else None, planned
                )
                self._materials[accession] = ref
        return ref

    def add_material(self, accession: str, ref: MaterialRef) -> MaterialRef:
        self._materials[accession] = ref
        return ref

    def lot(self, accession: str, key: str) -> LotRef | None:
        ref = self._lots.get((accession, key))
        if ref is None and self._moved:
            found = self._db.execute(
                "SELECT row, signature, method, fields, unit, items, id, number, stored, planned "
                "FROM lots WHERE accession = ? AND key = ?",
                (accession, key),
            ).fetchone()
            material = self.material(accession)
            if found is not None and material is not None:
                row, signature, method, fields, unit, items, id_, number, stored, planned = found
                ref = LotRef(
                    row,
                    material,
                    signature,
                    PreservationMethod(method) if method else None,
                    pickle.loads(fields) if fields else None,  # pickled by settle, below
                    Unit(unit) if unit else None,
                    items,
                    id_,
                    number,
                    bool(stored),
                    planned,
                )
                self._lots[(accession, key)] = ref
        return ref

    def add_lot(self, accession: str, key: str, ref: LotRef) -> LotRef:
        self._lots[(accession, key)] = ref
        return ref

    def settle(self, everything: bool = False) -> bool:
        """Between batches (no row holds a material or lot): past the limit, or with
        `everything`, move what is in memory to the scratch database; whether it moved."""
        if not everything and len(self._materials) + len(self._lots) <= self._limit:
            return False
        self._db.executemany(
            "INSERT OR REPLACE INTO materials VALUES (?, ?, ?, ?, ?, ?)",
            (
                (accession, m.row, m.signature, m.id, m.kind.value if m.kind else None, m.planned)
                for accession, m in self._materials.items()
            ),
        )
        self._db.executemany(
            "INSERT OR REPLACE INTO lots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    accession,
                    key,
                    lot.row,
                    lot.signature,
                    lot.method.value if lot.method else None,
                    pickle.dumps(lot.fields) if lot.fields is not None else None,  # not prepared
                    lot.unit.value if lot.unit else None,
                    lot.items,
                    lot.id,
                    lot.number,
                    lot.stored,
                    lot.planned,
                )
                for (accession, key), lot in self._lots.items()
            ),
        )
        self._materials.clear()
        self._lots.clear()
        self._moved = True
        return True

    def lots_without_items(self) -> Iterator[tuple[str, str, int, int | None, bool]]:
        """(accession, key, row, number, stored) of each lot no row gave an item."""
        self.settle(everything=True)
        yield from self._db.execute(
            "SELECT accession, key, row, number, stored FROM lots WHERE items = 0 ORDER BY row"
        )
