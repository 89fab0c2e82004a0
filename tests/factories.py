"""Factories for records in tests: a collection, a strain, a storage unit, a box (with its
site, room, freezer and rack unless given a parent), a lot (of vials); and the items of a
lot."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from repository.models import Item, Lot, Material, StorageUnit
from repository.schemas.inventory import LotIn, UnitIn
from repository.services import collections, inventory, materials, storage


def make_collection(db, code: str = "TST"):
    """A culture collection."""
    return collections.create_collection(
        db, {"code": code, "name": "Test collection", "kind": "culture_collection"}
    )


def make_strain(db, code: str = "TST", **fields) -> Material:
    """An E. coli K-12 strain in collection `code` (`fields` override)."""
    data = {
        "kind": "strain",
        "designation": "K-12 MG1655",
        "taxon_name": "Escherichia coli",
        "taxon_id": 511145,
        **fields,
    }
    return materials.register_material(db, code, data)


def make_unit(db, fields: dict, parent: StorageUnit | None = None) -> StorageUnit:
    """A storage unit of the given input `fields` under `parent`."""
    given = {**fields, "parent": parent.barcode} if parent is not None else fields
    return storage.create_unit(db, UnitIn().load_or_fail(given))


def preserve(
    db,
    material: Material,
    fields: dict,
    container: StorageUnit | None = None,
    positions: list[tuple[int, int]] | None = None,
) -> Lot:
    """A lot of `material` of the given input `fields`, placed in `container` if given (at
    `positions`, or the first free ones)."""
    given = {**fields, "material_id": material.id}
    if container is not None:
        given["container"] = container.barcode
    if positions is not None:
        given["positions"] = [{"row": r, "col": c} for r, c in positions]
    return inventory.preserve_lot(db, LotIn().load_or_fail(given))


def make_box(
    db,
    parent: StorageUnit | None = None,
    rows: int = 9,
    cols: int = 9,
    temperature: float = -80,
    name: str = "Box",
) -> StorageUnit:
    """A box; without a parent, in a rack of a freezer of its own."""
    if parent is None:
        site = make_unit(db, {"kind": "site", "name": "Site"})
        room = make_unit(db, {"kind": "room", "name": "Room"}, site)
        freezer = make_unit(
            db, {"kind": "freezer", "name": "Freezer", "temperature_c": temperature}, room
        )
        parent = make_unit(db, {"kind": "rack", "name": "Rack"}, freezer)
    return make_unit(db, {"kind": "box", "name": name, "rows": rows, "cols": cols}, parent)


def make_lot(db, material: Material, items: int = 3, **fields):
    """A lot of `items` cryovials of `material` (`fields` override)."""
    data = {
        "method": "glycerol_minus80",
        "preserved_on": date(2025, 1, 2).isoformat(),
        "items": items,
        "quantity": "1.0",
        "unit": "ml",
        "form": "cryovial",
        **fields,
    }
    return preserve(db, material, data)


def items_of(db, lot) -> list[Item]:
    """The items of a lot, in the order they were made."""
    return list(db.scalars(select(Item).where(Item.lot_id == lot.id).order_by(Item.id)))
