"""Factories for records in tests: a collection, a strain, a storage unit, a box (with its
site, room, freezer and rack unless given a parent), a lot (of vials); records of given input
fields (collections, organisations, materials, donors, printers, tokens), loaded by the
schemas the API loads them with; the items of a lot; and the input fields of a lot of one
vial."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from repository.models import (
    ApiToken,
    Collection,
    Donor,
    Item,
    Lot,
    Material,
    Organisation,
    Printer,
    StorageUnit,
)
from repository.schemas.admin import CollectionSchema, NewToken, OrganisationSchema, PrinterSchema
from repository.schemas.donors import DonorIn
from repository.schemas.inventory import LotIn, UnitIn
from repository.schemas.materials import MaterialIn
from repository.services import accounts, collections, inventory, materials, printing, storage

LOT = {
    "method": "glycerol_minus80",
    "preserved_on": "2025-03-01",
    "items": 1,
    "quantity": "1",
    "unit": "ml",
    "form": "cryovial",
}  # the input fields of a lot of one cryovial (its material_id aside)


def add_collection(db, fields: dict) -> Collection:
    """A collection of the given input fields."""
    return collections.create_collection(db, CollectionSchema().load_or_fail(fields))


def add_organisation(db, fields: dict) -> Organisation:
    """An organisation of the given input fields."""
    return collections.create_organisation(db, OrganisationSchema().load_or_fail(fields))


def add_material(db, code: str, fields: dict) -> Material:
    """A material of the given input fields (its kind among them) in collection `code`."""
    return materials.register_material(
        db, MaterialIn().load_or_fail({**fields, "collection": code})
    )


def add_donor(db, code: str, fields: dict) -> Donor:
    """A donor of the given input fields in collection `code`."""
    return materials.register_donor(db, DonorIn().load_or_fail({**fields, "collection": code}))


def add_printer(db, fields: dict) -> Printer:
    """A printer of the given input fields."""
    return printing.create_printer(db, PrinterSchema().load_or_fail(fields))


def add_token(db, email: str, days: int = 90, name: str = "cli") -> ApiToken:
    """An API token of the user of `email` (its `secret` on the record)."""
    return accounts.create_token(db, NewToken(name=name, days=days, email=email))


def make_collection(db, code: str = "TST") -> Collection:
    """A culture collection."""
    return add_collection(
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
    return add_material(db, code, data)


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
