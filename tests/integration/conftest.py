"""The API tests' world: a database with a collection, materials of each access level, a box
of vials, a donor, a pull printer with jobs, and a user (with a token) per role; plus the app
on it. Built once per test module and backend."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api import create_app
from repository.db import unit_of_work
from repository.models import Item, Material, StockAlert
from repository.services import (
    accounts,
    collections,
    inventory,
    labelling,
    materials,
    printing,
    storage,
)
from repository.vocabulary import Role
from tests.conftest import SECRET_KEY, make_box

PASSWORD = "correct horse battery"
ROLES = {
    "admin": [(Role.ADMIN, None)],
    "curator": [(Role.CURATOR, "API")],
    "other_curator": [(Role.CURATOR, "OTH")],
    "technician": [(Role.TECHNICIAN, None)],
    "requester": [(Role.REQUESTER, None)],
    "printer": [(Role.PRINTER, None)],
}


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    """A database with a collection, materials of each access level, a box with vials, and a
    user (with a token) per role; plus the app on it."""
    from tests.conftest import POSTGRES_URL, fresh_database
    from tests.databases import drop_schema

    backend = request.param
    schema = "world_" + request.module.__name__.rsplit(".", 1)[-1]
    url = fresh_database(backend, tmp_path_factory, schema)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": SECRET_KEY})
    factory = app.extensions["biorepo"]
    tokens, ids = {}, {}
    with unit_of_work(factory) as db:
        for code in ("API", "OTH"):
            collections.create_collection(
                db, {"code": code, "name": code, "kind": "culture_collection"}
            )
        for name, grants in ROLES.items():
            accounts.register_user(db, f"{name}@example.org", name, roles=grants, password=PASSWORD)
        for level in ("open", "restricted", "internal"):
            material = materials.register_material(
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
        ids["rack"] = storage.create_unit(db, {"kind": "rack", "name": "Spare"}, freezer).barcode
        standby = storage.create_unit(
            db, {"kind": "freezer", "name": "Standby", "temperature_c": -80}, freezer.parent
        )
        storage.create_unit(db, {"kind": "rack", "name": "R1"}, standby)
        storage.create_unit(db, {"kind": "rack", "name": "R2"}, standby)
        ids["freezer"], ids["standby"] = freezer.barcode, standby.barcode
        line = materials.register_material(
            db, "API", {"kind": "cell_line", "designation": "HEK293", "taxon_name": "Homo sapiens"}
        )
        ids["cell_lot"] = inventory.create_lot(
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
        lot = inventory.create_lot(
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
            place=storage.Place(box),
        )
        ids["lot"] = lot.id
        ids["box"] = box.barcode
        ids["vials"] = list(db.scalars(select(Item.barcode).where(Item.lot_id == lot.id)))
        donor = materials.register_donor(
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
            tokens[name] = accounts.create_token(db, f"{name}@example.org", 1).secret
        ids["spare_token"] = accounts.create_token(db, "admin@example.org", 1, "spare").id
        ids["user"] = accounts.get_user(db, "requester@example.org").id
        printer = printing.create_printer(
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
    yield app, tokens, ids
    app.extensions["biorepo.engine"].dispose()
    if backend == "postgresql":
        drop_schema(POSTGRES_URL, schema)


def pytest_generate_tests(metafunc):
    if "world" in metafunc.fixturenames:
        from tests.conftest import BACKENDS

        metafunc.parametrize("world", BACKENDS, indirect=True, scope="module")


def call(app, method, path, token=None, body=None, headers=None):
    client = app.test_client()
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.open(path, method=method, json=body, headers=headers)


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client
