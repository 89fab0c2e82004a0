"""The demo data loads through the services, is realistic, and is safe to load twice."""

from sqlalchemy import func, select

from repository import audit, demo
from repository.db import unit_of_work
from repository.models import (
    CellLine,
    Donor,
    Identifier,
    Item,
    Material,
    MaterialRequest,
    StorageUnit,
)
from repository.services import queries
from repository.vocabulary import GONE, PUBLIC, MaterialKind


def test_demo_loads_once_and_is_realistic(factory):
    with unit_of_work(factory) as db:
        assert demo.load(db).startswith("Demo data loaded")
    with unit_of_work(factory) as db:
        again = demo.load(db)  # loads nothing, but still says how to log in
        assert again.startswith("Demo data is loaded already.") and "biorepo-demo" in again
    with unit_of_work(factory, write=False) as db:
        kinds = dict(db.execute(select(Material.kind, func.count()).group_by(Material.kind)).all())
        assert set(kinds) == set(MaterialKind) and min(kinds.values()) >= 30
        donors = db.scalars(select(Donor.code)).all()
        public = db.scalars(select(Material).where(Material.access_level.in_(PUBLIC))).all()
        named = [m.designation for m in public if any(d in m.designation for d in donors)]
        assert donors and not named, named  # no donor code in what the catalogue shows
        hela = db.scalar(select(CellLine).where(CellLine.cellosaurus_id == "CVCL_0030"))
        assert hela.designation == "HeLa" and hela.str_profile["TH01"] == "7"
        for scheme, value in [("ATCC", "ATCC 700926"), ("JAX", "000664"), ("PI", "PI 550473")]:
            assert db.scalar(
                select(Identifier).where(Identifier.scheme == scheme, Identifier.value == value)
            ), value
        assert (
            db.scalar(
                select(func.count())
                .select_from(Material)
                .where(Material.designation_zh.is_not(None) | Material.taxon_name_zh.is_not(None))
            )
            > 100
        )
        unplaced = db.scalar(
            select(func.count())
            .select_from(Item)
            .where(Item.container_id.is_(None), Item.status.not_in(GONE), Item.status != "missing")
        )
        assert unplaced == 0
        occupied = db.scalar(select(func.sum(StorageUnit.occupied)))
        assert occupied == db.scalar(
            select(func.count()).select_from(Item).where(Item.container_id.is_not(None))
        )
        vial = db.scalar(
            select(Item).join(Item.container).where(StorageUnit.temperature_c.is_(None)).limit(1)
        )
        scan = queries.scan(db, vial.barcode)
        assert scan.location[0]["kind"] == "site" and scan.temperature_c is not None
        statuses = set(db.scalars(select(MaterialRequest.status)))
        assert {"submitted", "approved", "agreement_signed", "closed"} <= statuses
        assert audit.verify(db) is None
