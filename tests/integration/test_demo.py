"""The demo data loads through the services, is realistic, and is safe to load twice."""

from datetime import date

from sqlalchemy import func, select

from repository import audit, demo
from repository.db import unit_of_work
from repository.models import (
    Animal,
    CellLine,
    Donor,
    GerminationTest,
    Identifier,
    Item,
    Litter,
    Lot,
    Material,
    MaterialRequest,
    Protocol,
    StorageUnit,
)
from repository.services import accounts, colonies, due, queries
from repository.vocabulary import GONE, PUBLIC, CellBankTier, MaterialKind


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


def test_demo_has_living_collections_with_work_due(factory):
    with unit_of_work(factory) as db:
        demo.load(db)
    with unit_of_work(factory, write=False) as db:
        generations = set(
            db.scalars(select(Animal.generation).where(Animal.litter_id.is_not(None)))
        )
        assert {"N10F41", "N10F42", "N13", "N13F1"} <= generations  # computed at weaning
        assert db.scalar(select(func.count()).select_from(Litter)) >= 5
        breeding = db.scalar(select(Protocol).where(Protocol.number == "IACUC-2026-031"))
        assert breeding.animals_approved - breeding.animals_used <= 6  # near its limit
        weighed = db.scalars(select(Item).join(Animal, Animal.item_id == Item.id)).all()
        alerts = [
            w.alert
            for item in weighed
            if item.animal.litter_id is not None
            for w in colonies.weights(db, item.barcode)
        ]
        assert any(alert and "below the baseline" in alert for alert in alerts)
        assert db.scalar(select(func.count()).select_from(GerminationTest)) > 50
        mrc5 = db.scalar(select(CellLine).where(CellLine.cellosaurus_id == "CVCL_0440"))
        assert mrc5.max_passage == 30 and mrc5.collection.qc_every_months == 12
        tiers = set(db.scalars(select(Lot.tier).where(Lot.material_id == mrc5.id)))
        assert {CellBankTier.MCB, CellBankTier.WCB} <= tiers
        admin = accounts.user_principal(db, accounts.get_user(db, "admin@biorepo.example").id)
        lines = due.due_list(db, admin, date.today())
        kinds = {line.kind for line in lines}
        assert {"weaning", "regeneration", "germination_test", "cell_culture"} <= kinds
        assert any("mycoplasma" in line.reason for line in lines if line.kind == "cell_culture")
