"""The API tests' world: a database with collections API and OTH, materials of each access
level, a box of vials, a donor, a pull printer with jobs, and a user (with a token) per role;
plus the app on it. It is shared by the tests of a module, so it is read-only: its mappings
cannot be changed, and a test that changes records makes its own (tests/conftest.py's
factories) rather than change the world's. Also: another app on a world's database."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from flask import Flask
from sqlalchemy import select

from api import create_app
from repository.db import unit_of_work
from repository.models import Item, Material, StockAlert
from repository.services import (
    accounts,
    labelling,
    printing,
)
from repository.vocabulary import Role
from tests.factories import (
    add_collection,
    add_donor,
    add_material,
    add_printer,
    add_token,
    make_box,
    make_unit,
    preserve,
)

PASSWORD = "correct horse battery"
ROLES = {
    "admin": [(Role.ADMIN, None)],
    "curator": [(Role.CURATOR, "API")],
    "other_curator": [(Role.CURATOR, "OTH")],
    "technician": [(Role.TECHNICIAN, None)],
    "requester": [(Role.REQUESTER, None)],
    "printer": [(Role.PRINTER, None)],
}


class World(NamedTuple):
    """The app, each role's token (by role name) and the ids and barcodes of what was made."""

    app: Flask
    tokens: Mapping[str, str]
    ids: Mapping[str, Any]


def build_world(url: str, secret_key: str) -> World:
    """The world on the (migrated, empty) database at `url`; the app signs cookies with
    `secret_key`."""
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": secret_key})
    factory = app.extensions["biorepo"]
    tokens, ids = {}, {}
    with unit_of_work(factory) as db:
        for code in ("API", "OTH"):
            made = add_collection(db, {"code": code, "name": code, "kind": "culture_collection"})
            ids.setdefault("collection", made.id)
        for name, grants in ROLES.items():
            accounts.register_user(db, f"{name}@example.org", name, roles=grants, password=PASSWORD)
        for level in ("open", "restricted", "internal"):
            material = add_material(
                db,
                "API",
                {
                    "kind": "strain",
                    "designation": f"{level} strain",
                    "taxon_name": "Bacillus subtilis",
                    "access_level": level,
                    "internal_remarks": "freezer 3 is noisy",
                },
            )
            ids[level] = material.id
        box = make_box(db)
        freezer = box.parent.parent
        ids["rack"] = make_unit(db, {"kind": "rack", "name": "Spare"}, freezer).barcode
        standby = make_unit(
            db, {"kind": "freezer", "name": "Standby", "temperature_c": -80}, freezer.parent
        )
        make_unit(db, {"kind": "rack", "name": "R1"}, standby)
        make_unit(db, {"kind": "rack", "name": "R2"}, standby)
        ids["freezer"], ids["standby"] = freezer.barcode, standby.barcode
        line = add_material(
            db, "API", {"kind": "cell_line", "designation": "HEK293", "taxon_name": "Homo sapiens"}
        )
        ids["cell_lot"] = preserve(
            db,
            line,
            {
                "method": "ln2_vapour",
                "preserved_on": "2025-01-01",
                "items": 1,
                "quantity": "1000000",
                "unit": "cells",
                "form": "cryovial",
                "passage_number": 5,
            },
        ).id
        lot = preserve(
            db,
            db.get(Material, ids["open"]),
            {
                "method": "glycerol_minus80",
                "preserved_on": "2025-01-01",
                "items": 6,
                "quantity": "1",
                "unit": "ml",
                "form": "cryovial",
            },
            box,
        )
        ids["lot"] = lot.id
        ids["box"] = box.barcode
        ids["vials"] = tuple(db.scalars(select(Item.barcode).where(Item.lot_id == lot.id)))
        donor = add_donor(
            db,
            "API",
            {"code": "D001", "consents": [{"scope": ["research"], "signed_on": "2024-05-01"}]},
        )
        ids["donor"], ids["consent"] = donor.id, donor.consents[0].id
        alert = StockAlert(material_id=ids["open"], kind="re_culture", available=1, threshold=3)
        db.add(alert)
        db.flush()
        ids["alert"] = alert.id
    with unit_of_work(factory) as db:
        for name in ROLES:
            tokens[name] = add_token(db, f"{name}@example.org", 1).secret
        ids["spare_token"] = add_token(db, "admin@example.org", 1, "spare").id
        ids["user"] = accounts.get_user(db, "requester@example.org").id
        printer = add_printer(
            db,
            {
                "name": "Matrix",
                "protocol": "zpl",
                "transport": "pull",
                "agent": "printer@example.org",
            },
        )
        ids["printer"] = printer.id
        things = labelling.item_labels(db, ids["vials"][5:])
        settings = app.extensions["biorepo.labels"]
        for name in ("job", "other_job"):
            ids[name] = printing.submit(db, printer, things, "matrix", "cryovial", settings).id
    return World(app, MappingProxyType(tokens), MappingProxyType(ids))


def an_app(world: World, **config: Any) -> Flask:
    """Another app (another engine, as another server process would have) on the world's
    database, with the world's cookie key and `config` added."""
    app = world.app
    return create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            **config,
        }
    )
