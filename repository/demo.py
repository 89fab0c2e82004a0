"""The demo: collections of every kind, their materials, a storage layout, placed lots and some
history, loaded from `sample_data/` through the services (validated like any input)."""

from __future__ import annotations

import json
import math
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import sample_data

from . import barcodes
from .actor import set_actor
from .errors import Conflict
from .models import Collection, Item, Lot, Material, StorageUnit, User
from .schemas.admin import CollectionSchema, OrganisationSchema, PrinterSchema
from .schemas.donors import DonorIn
from .schemas.inventory import (
    Consume,
    Destroy,
    ItemsSchema,
    LotSchema,
    Note,
    PassageIn,
    QcSchema,
    UnitIn,
)
from .schemas.materials import MaterialIn
from .schemas.sharing import (
    AcceptanceSchema,
    AgreementIn,
    DecisionSchema,
    FeedbackSchema,
    PublicationSchema,
    RequestSchema,
    ShipmentSchema,
)
from .services import (
    accounts,
    agreements,
    collections,
    inventory,
    materials,
    printing,
    sharing,
    storage,
)
from .vocabulary import (
    METHOD_TEMPERATURE,
    MaterialKind,
    PreservationMethod,
    Role,
    Sex,
    StorageKind,
)

DATA = Path(sample_data.__file__).parent
DEMO_PASSWORD = "biorepo-demo"  # every demo user's; a demo database is not for real data
MATERIAL_FILES = ("strains", "seeds", "cell_lines", "animal_lines", "specimens")
KIND_OF_FILE = {
    "strains": MaterialKind.STRAIN,
    "seeds": MaterialKind.SEED,
    "cell_lines": MaterialKind.CELL_LINE,
    "animal_lines": MaterialKind.ANIMAL_LINE,
    "specimens": MaterialKind.SPECIMEN,
}
CURATORS = {
    "CCBR": "curator.microbes@biorepo.example",
    "CHN901": "curator.seeds@biorepo.example",
    "CBBR": "curator.cells@biorepo.example",
    "LAFBR": "curator.animals@biorepo.example",
    "BBBR": "curator.biobank@biorepo.example",
}


def read(name: str) -> Any:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


T = TypeVar("T")


def _given(value: T | None, what: str) -> T:
    """`value`, which the sample data guarantees is there; else an error naming `what`."""
    if value is None:
        raise LookupError(f"the sample data has no {what}")
    return value


SEED = 20261201  # the demo's barcodes are the same on every machine


def load(session: Session) -> str:
    """Load everything in one go (with the same barcodes everywhere); when the demo
    collections exist already, only say how to log in."""
    setup = read("collections")
    codes = [c["code"] for c in setup["collections"]]
    logins = "\n".join(
        f"  {u['email']:<40} {' '.join(filter(None, u['roles'][0]))}" for u in setup["users"]
    )
    welcome = f"Log in with password {DEMO_PASSWORD!r} as:\n{logins}"
    if session.scalar(select(Collection.id).where(Collection.code.in_(codes))):
        return f"Demo data is loaded already.\n{welcome}"
    with barcodes.repeatable(SEED):
        summary = _load(session, setup)
    return f"{summary}\n{welcome}"


def _load(session: Session, setup: dict) -> str:
    for organisation in setup["organisations"]:
        collections.create_organisation(session, OrganisationSchema().load_or_fail(organisation))
    for collection in setup["collections"]:
        collections.create_collection(session, CollectionSchema().load_or_fail(collection))
    for user in setup["users"]:
        accounts.register_user(
            session,
            user["email"],
            user["name"],
            organisation=user["organisation"],
            roles=[(Role(role), code) for role, code in user["roles"]],
            password=DEMO_PASSWORD,
        )
    for printer in setup["printers"]:
        printing.create_printer(session, PrinterSchema().load_or_fail(printer))
    for root in read("storage")["tree"]:
        _build(session, root, None)

    counts = {}
    for name in MATERIAL_FILES:
        data = read(name)
        code = data["collection"]
        set_actor(session, session.scalar(select(User.id).where(User.email == CURATORS[code])))
        for donor in data.get("donors", []):
            materials.register_donor(session, DonorIn().load_or_fail({**donor, "collection": code}))
        for record in data["materials"]:
            lots = record.pop("lots", [])
            material = materials.register_material(
                session,
                MaterialIn().load_or_fail(
                    {"kind": KIND_OF_FILE[name].value, **record, "collection": code}
                ),
            )
            for lot in lots:
                _preserve(session, material, lot)
        counts[name] = len(data["materials"])
    _history(session)
    _sharing(session)
    set_actor(session, None)
    items = session.scalar(select(func.count()).select_from(Item))
    return (
        "Demo data loaded: "
        + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
        + f"; {items} items placed."
    )


def _build(session: Session, spec: dict, parent: StorageUnit | None) -> None:
    count = spec.get("count")
    for n in range(1, (count or 1) + 1):
        fields = {k: v for k, v in spec.items() if k not in ("children", "count")}
        fields["name"] = spec["name"].format(n=n)
        if count:
            fields["slot"] = n
        if parent is not None:
            fields["parent"] = parent.barcode
        unit = storage.create_unit(session, UnitIn().load_or_fail(fields))
        for child in spec.get("children", []):
            _build(session, child, unit)


def _preserve(session: Session, material: Material, data: dict) -> Lot:
    """Preserve a lot and put its items where its method says they belong."""
    data = dict(data)
    if data["method"] == PreservationMethod.LIVE:
        data["animals"] = _animals(data["items"], date.fromisoformat(data["preserved_on"]))
    lot = inventory.create_lot(session, material, LotSchema().load_or_fail(data))
    new = list(session.scalars(select(Item).where(Item.lot_id == lot.id).order_by(Item.id)))
    temperature = METHOD_TEMPERATURE[lot.method]
    if temperature is None:  # live animals, kept in cages
        _cage(session, new)
    elif lot.method is PreservationMethod.AMBIENT and new[0].form.value == "sheet":
        cabinet = session.scalar(
            select(StorageUnit).where(StorageUnit.name == "Herbarium cabinet 1")
        )
        storage.place_items(session, new, _given(cabinet, "herbarium cabinet"))
    else:
        _store(session, new, temperature)
    return lot


def _store(session: Session, new: list[Item], temperature: float) -> None:
    """Side by side in one box if there is room, else wherever positions are free."""
    try:
        places = storage.find_free_positions(session, temperature, len(new), contiguous=True)
    except Conflict:
        places = storage.find_free_positions(session, temperature, len(new))
    storage.relocate(session, list(zip(new, places, strict=True)))


def _animals(count: int, set_up: date) -> list[dict]:
    rng = random.Random(count * 7919 + set_up.toordinal())
    return [
        {
            "sex": (Sex.FEMALE if i % 2 else Sex.MALE).value,
            "birth_date": (set_up + timedelta(days=21 + rng.randint(0, 20))).isoformat(),
            "ear_tag": f"ET{set_up:%y%m}{i + 1:02d}",
        }
        for i in range(count)
    ]


def _cage(session: Session, animals: list[Item]) -> None:
    """One line per cage: fill empty cages, five animals at most."""
    per_cage = 5
    empty = session.scalars(
        select(StorageUnit)
        .where(StorageUnit.kind == StorageKind.CAGE, StorageUnit.occupied == 0)
        .order_by(StorageUnit.id)
        .limit(math.ceil(len(animals) / per_cage))
    ).all()
    for index, cage in enumerate(empty):
        storage.place_items(session, animals[index * per_cage : (index + 1) * per_cage], cage)


def _history(session: Session) -> None:
    """Some life in the records: QC results, a passage, aliquots, a loss, a destruction."""
    set_actor(
        session, session.scalar(select(User.id).where(User.email == "technician@biorepo.example"))
    )
    today = date.today()
    for lot in session.scalars(
        select(Lot).join(Material).where(Material.kind == MaterialKind.CELL_LINE).order_by(Lot.id)
    ).all()[:12]:
        inventory.record_qc(
            session,
            lot.id,
            QcSchema().load_or_fail(
                {
                    "test": "post_thaw_viability",
                    "outcome": "pass",
                    "value": 88.0 + lot.id % 9,
                    "value_unit": "%",
                    "method": "trypan blue",
                    "tested_on": str(lot.preserved_on),
                }
            ),
        )
        inventory.record_qc(
            session,
            lot.id,
            QcSchema().load_or_fail(
                {
                    "test": "mycoplasma",
                    "outcome": "pass",
                    "method": "PCR",
                    "tested_on": str(lot.preserved_on + timedelta(days=7)),
                }
            ),
        )
    seed_lots = session.scalars(
        select(Lot).join(Material).where(Material.kind == MaterialKind.SEED).order_by(Lot.id)
    ).all()
    for index, lot in enumerate(seed_lots[:10]):
        initial = 96.0 - index % 4
        inventory.record_qc(
            session,
            lot.id,
            QcSchema().load_or_fail(
                {
                    "test": "germination",
                    "outcome": "pass",
                    "value": initial,
                    "value_unit": "%",
                    "method": "ISTA between paper, 4 x 100 seeds",
                    "tested_on": str(lot.preserved_on),
                }
            ),
        )
        if index in (2, 7):  # fell below 85 % of the initial value: due for regeneration
            inventory.record_qc(
                session,
                lot.id,
                QcSchema().load_or_fail(
                    {
                        "test": "germination",
                        "outcome": "fail",
                        "value": round(initial * 0.78, 1),
                        "value_unit": "%",
                        "method": "ISTA between paper, 4 x 100 seeds",
                        "tested_on": str(today - timedelta(days=30)),
                        "note": "Regenerate.",
                    }
                ),
            )

    hela = session.scalar(select(Material).where(Material.designation == "HeLa"))
    if hela is not None:
        lot = _given(
            session.scalars(select(Lot).where(Lot.material_id == hela.id)).first(), "HeLa lot"
        )
        source = session.scalars(select(Item).where(Item.lot_id == lot.id)).first()
        new_lot = inventory.passage(
            session,
            lot.id,
            PassageIn().load_or_fail(
                {
                    "preserved_on": str(today - timedelta(days=10)),
                    "items": 4,
                    "quantity": "1000000",
                    "unit": "cells",
                    "form": "cryovial",
                    **({"source": source.barcode} if source else {}),
                }
            ),
        )
        _store(
            session,
            list(session.scalars(select(Item).where(Item.lot_id == new_lot.id))),
            _given(METHOD_TEMPERATURE[new_lot.method], "temperature for HeLa"),
        )

    plasma = session.scalar(
        select(Item)
        .join(Lot)
        .join(Material)
        .where(Material.kind == MaterialKind.SPECIMEN, Item.unit == "ml", Item.quantity >= 0.5)
        .order_by(Item.id)
    )
    if plasma is not None:
        command = ItemsSchema().load_or_fail(
            {"count": 2, "quantity": "0.2", "note": "Aliquots for a study request"}
        )
        aliquots = inventory.split(session, plasma.barcode, command)
        _store(session, aliquots, -80)
    vials = session.scalars(
        select(Item)
        .join(Lot)
        .join(Material)
        .where(Material.kind == MaterialKind.STRAIN, Item.form == "cryovial")
        .order_by(Item.id)
    ).all()
    destroyed = Destroy(reason="Contaminated: mixed colonies on recovery plate.")
    inventory.destroy(session, vials[1].barcode, destroyed)
    missing = Note(note="Not in its position at the annual inventory.")
    inventory.mark_missing(session, vials[5].barcode, missing)
    inventory.consume(session, vials[9].barcode, Consume(note="Revived for a teaching lab."))


# The steps a demo request goes through, in order, and who takes each.
SHARING_STEPS = (
    "submitted",
    "under_review",
    "approved",
    "agreement_signed",
    "being_prepared",
    "shipped",
    "delivered",
    "closed",
)


def _sharing(session: Session) -> None:
    """An agreement per collection (the SMTA for the seed bank's Multilateral System seeds)
    and a few requests at different steps, from submitted to closed with feedback."""
    data = read("requests")
    for spec in data["agreements"]:
        given = {k: spec[k] for k in ("collection", "name", "kind", "text")}
        agreements.create_template(session, AgreementIn().load_or_fail(given))
    technician = accounts.get_user(session, "technician@biorepo.example")
    for spec in data["requests"]:
        spec = dict(spec)
        requester = accounts.get_user(session, spec.pop("requester"))
        until = SHARING_STEPS.index(spec.pop("until"))
        after = {k: spec.pop(k) for k in ("shipment", "feedback", "publication") if k in spec}
        code = spec["lines"][0]["collection"]
        spec["lines"] = [_demo_line(session, line) for line in spec["lines"]]
        set_actor(session, requester.id)
        command = RequestSchema().load_or_fail({**spec, "submit": True})
        request, _ = sharing.create_request(session, requester, command)
        people = (requester, accounts.get_user(session, CURATORS[code]), technician)
        _advance(session, request, people, after, until)


def _advance(
    session: Session, request: Any, people: tuple[User, User, User], after: dict, until: int
) -> None:
    """Take a submitted demo request through its next `until` steps, each by its actor."""
    requester, curator, technician = people
    decision = DecisionSchema().load_or_fail({"note": "Checks passed."})
    steps = [
        (curator, lambda: sharing.start_review(session, request)),
        (curator, lambda: sharing.decide(session, request, decision)),
        (requester, lambda: _accept(session, request, requester)),
        (technician, lambda: sharing.prepare(session, request)),
        (
            technician,
            lambda: sharing.ship(
                session, request, ShipmentSchema().load_or_fail(after["shipment"])
            ),
        ),
        (requester, lambda: sharing.confirm_delivery(session, request)),
        (
            requester,
            lambda: sharing.give_feedback(
                session, requester, request, FeedbackSchema().load_or_fail(after["feedback"])
            ),
        ),
    ]
    for actor, step in steps[:until]:
        set_actor(session, actor.id)
        step()
    if "publication" in after:
        set_actor(session, requester.id)
        publication = PublicationSchema().load_or_fail(after["publication"])
        sharing.report_publication(session, requester, request, publication)


def _demo_line(session: Session, line: dict) -> dict:
    """A request line of the sample file, the material named by collection and designation."""
    material = session.scalar(
        select(Material)
        .join(Collection)
        .where(Collection.code == line["collection"], Material.designation == line["designation"])
    )
    found = _given(material, f"material {line['designation']}")
    named = ("collection", "designation")
    return {"material_id": found.id, **{k: v for k, v in line.items() if k not in named}}


def _accept(session: Session, request: Any, requester: User) -> None:
    template = _given(
        agreements.applicable(
            session, request.collection_id, [line.material for line in request.lines]
        ),
        "agreement for the request",
    )
    signed = {"agreement_version_id": template.versions[-1].id, "signer_name": requester.name}
    sharing.accept_agreement(
        session, requester, request, AcceptanceSchema().load_or_fail(signed), address="203.0.113.7"
    )
