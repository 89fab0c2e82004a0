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
from .models import Animal, Collection, Item, Lot, Material, StorageUnit, User
from .schemas.admin import CollectionSchema, OrganisationSchema, PrinterSchema
from .schemas.authentication import StrTestIn
from .schemas.colonies import (
    LitterIn,
    LossIn,
    MatingIn,
    PlugCheckIn,
    ProtocolIn,
    RetireIn,
    WeanIn,
    WeightIn,
)
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
from .schemas.seed_bank import GerminationTestIn, SeedSettingIn
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
    authentication,
    collections,
    colonies,
    inventory,
    materials,
    printing,
    protocols,
    seed_bank,
    sharing,
    storage,
)
from .vocabulary import (
    GONE,
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
    _living(session)
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


# --- the living collections: the colony, the seed bank's viability, cell culture -------------


def _living(session: Session) -> None:
    """The living collections at work, with dates before the day of loading: a breeding colony,
    the seed lots' germination histories and the cell bank's testing schedule."""
    today = date.today()
    _colony(session, read("colony"), today)
    _seed_bank(session, read("seed_bank"), today)
    _cell_culture(session, read("cell_culture"), today)


def _on(today: date, days: int) -> str:
    """The day `days` from `today` (negative: before), as the schemas take it."""
    return (today + timedelta(days=days)).isoformat()


def _as(session: Session, email: str) -> None:
    set_actor(session, accounts.get_user(session, email).id)


def _colony(session: Session, data: dict, today: date) -> None:
    """Protocols, then matings generation after generation (plug checks, litters, weaning into
    cages under the protocol, so the pups' generations are computed), then body weights."""
    _as(session, CURATORS[data["collection"]])
    lines = {
        line.designation: line.id
        for line in session.scalars(
            select(Material).where(Material.kind == MaterialKind.ANIMAL_LINE)
        )
    }
    breeding = data["protocols"][0]["number"]
    for spec in data["protocols"]:
        given = {
            **spec,
            "approved_on": _on(today, spec["approved_on"]),
            "expires_on": _on(today, spec["expires_on"]),
            "lines": [
                {"line_id": lines[a["line"]], "animals_approved": a["animals_approved"]}
                for a in spec.get("lines", [])
            ],
        }
        protocols.create_protocol(session, ProtocolIn().load_or_fail(given))
    _as(session, "technician@biorepo.example")
    pups: dict[str, list[Item]] = {}
    for spec in data["matings"]:
        mating = colonies.set_up_mating(
            session,
            MatingIn().load_or_fail(
                {
                    "line_id": lines[spec["line"]],
                    "sire": _breeder(session, spec["sire"], pups).barcode,
                    "dams": [_breeder(session, dam, pups).barcode for dam in spec["dams"]],
                    "purpose": spec["purpose"],
                    "set_up_on": _on(today, spec["set_up_on"]),
                }
            ),
        )
        for check in spec.get("plug_checks", []):
            command = {**check, "checked_on": _on(today, check["checked_on"])}
            if len(spec["dams"]) > 1:
                command["dam"] = mating.dam.barcode
            colonies.check_plug(session, mating.id, PlugCheckIn().load_or_fail(command))
        if "litter" in spec:
            pups[spec["key"]] = _litter(session, mating, spec, breeding, today)
        if "retired_on" in spec:
            retired = RetireIn().load_or_fail({"retired_on": _on(today, spec["retired_on"])})
            colonies.retire_mating(session, mating.id, retired)
    for spec in data["weights"]:
        animal = _breeder(session, spec, pups)
        scores = spec.get("condition_scores", [None] * len(spec["grams"]))
        for n, (grams, score) in enumerate(zip(spec["grams"], scores, strict=True)):
            weighed = {"weighed_on": _on(today, spec["from"] + n * spec["every"]), "grams": grams}
            if score is not None:
                weighed["condition_score"] = score
            colonies.weigh(session, animal.barcode, WeightIn().load_or_fail(weighed))


def _breeder(session: Session, spec: dict, pups: dict[str, list[Item]]) -> Item:
    """The animal a sample mating names: the `n`th (default first) of its sex among the
    weaned pups of an earlier mating, or among the living animals of a line."""
    sex = Sex(spec["sex"])
    if "mating" in spec:
        found = [p for p in pups[spec["mating"]] if p.animal and p.animal.sex is sex]
    else:
        found = list(
            session.scalars(
                select(Item)
                .join(Lot)
                .join(Material)
                .join(Animal, Animal.item_id == Item.id)
                .where(Material.designation == spec["line"], Animal.sex == sex)
                .where(Item.status.not_in(GONE))
                .order_by(Item.id)
            )
        )
    return found[spec.get("n", 0)]


def _litter(session: Session, mating: Any, spec: dict, protocol: str, today: date) -> list[Item]:
    """The mating's litter, its losses, and its weaning (if the sample says when): males to one
    empty cage, females to another. The weaned pups, or none."""
    born = spec["litter"]
    litter = colonies.record_litter(
        session,
        mating.id,
        LitterIn().load_or_fail(
            {
                "born_on": _on(today, born["born_on"]),
                "born_alive": born["born_alive"],
                "born_dead": born.get("born_dead", 0),
                **({"dam": mating.dam.barcode} if mating.second_dam_id else {}),
            }
        ),
    )
    if born.get("died"):
        colonies.record_losses(session, litter.id, LossIn().load_or_fail({"died": born["died"]}))
    if "wean" not in spec:
        return []
    sexes = spec["wean"]["pups"]
    empty = session.scalars(
        select(StorageUnit.barcode)
        .where(StorageUnit.kind == StorageKind.CAGE, StorageUnit.occupied == 0)
        .order_by(StorageUnit.id)
        .limit(2)
    ).all()
    cage = {"M": empty[0], "F": empty[1]}
    weaned = {
        "weaned_on": _on(today, spec["wean"]["weaned_on"]),
        "protocol": protocol,
        "pups": [
            {
                "sex": (Sex.MALE if s == "M" else Sex.FEMALE).value,
                "cage": cage[s],
                "ear_tag": f"{spec['key'].upper()}-{n + 1:02d}",
            }
            for n, s in enumerate(sexes)
        ],
    }
    return colonies.wean(session, litter.id, WeanIn().load_or_fail(weaned))


def _seed_bank(session: Session, data: dict, today: date) -> None:
    """The collection's seed settings, then germination tests of every seed lot in store: when
    preserved and whenever its monitoring interval ran out (but for the lots the sample leaves
    due), and the declines that make some due for regeneration."""
    code = data["collection"]
    _as(session, CURATORS[code])
    collection = collections.get_collection(session, code)
    for setting in data["settings"]:
        seed_bank.set_setting(session, collection.id, SeedSettingIn().load_or_fail(setting))
    _as(session, "technician@biorepo.example")
    declines = {d["lot"]: d for d in data["declines"]}
    lots = session.scalars(
        select(Lot).join(Material).where(Material.kind == MaterialKind.SEED).order_by(Lot.id)
    ).all()
    for index, lot in enumerate(lots):
        initial = 96.0 - index % 4  # as the lot's germination QC result says
        tested_on = lot.preserved_on
        while tested_on <= today:
            pct = initial - (tested_on.year - lot.preserved_on.year) // 5
            _germination(session, lot.id, data["test"], tested_on, pct, None)
            if lot.label in data["not_retested"]:
                break
            tested_on = seed_bank.viability(session, lot.id).next_test_on
        decline = declines.get(lot.label)
        if decline is not None:
            day = today + timedelta(days=decline["tested_on"])
            pct = round(initial * decline["share"])
            _germination(session, lot.id, data["test"], day, pct, decline["note"])


def _germination(
    session: Session, lot_id: int, test: dict, on: date, pct: float, note: str | None
) -> None:
    """A germination test of replicates that together find about `pct` % viable seeds."""
    count, seeds = test["replicates"], test["seeds"]
    normal = round(pct * seeds * count / 100)
    replicates = []
    for n in range(count):
        share = normal // count + (1 if n < normal % count else 0)
        replicates.append({"seeds": seeds, "normal": share, "dead": seeds - share})
    given = {k: v for k, v in test.items() if k not in ("replicates", "seeds")}
    command = {**given, "tested_on": on.isoformat(), "replicates": replicates}
    if note:
        command["note"] = note
    seed_bank.record_germination_test(session, lot_id, GerminationTestIn().load_or_fail(command))


def _cell_culture(session: Session, data: dict, today: date) -> None:
    """A cell line banked under its passage limit (seed stock, master and working cell banks,
    each tested), the stock already held tested for mycoplasma and sterility, then the
    collection's testing schedule: the master cell bank is overdue for its mycoplasma test;
    and two STR tests of lines held, one authenticated, one a mismatch (quarantined)."""
    code = data["collection"]
    _as(session, CURATORS[code])
    registered = []
    for record in data["materials"]:
        record = dict(record)
        lots = [{**lot, "preserved_on": _on(today, lot["preserved_on"])} for lot in record["lots"]]
        passages = record.pop("passages")
        record.pop("lots")
        material = materials.register_material(
            session,
            MaterialIn().load_or_fail(
                {"kind": MaterialKind.CELL_LINE.value, **record, "collection": code}
            ),
        )
        registered.append(material.id)
        made = [_preserve(session, material, lot) for lot in lots]
        for step in passages:
            parent = made[step["from"]]
            source = session.scalars(
                select(Item).where(Item.lot_id == parent.id, Item.status == "available")
            ).first()
            given = {k: step[k] for k in ("tier", "items", "remarks") if k in step} | {
                "preserved_on": _on(today, step["preserved_on"]),
                "quantity": str(parent.items[0].quantity),
                "unit": parent.items[0].unit.value,
                "form": parent.items[0].form.value,
                **({"source": source.barcode} if source else {}),
            }
            lot = inventory.passage(session, parent.id, PassageIn().load_or_fail(given))
            new = list(session.scalars(select(Item).where(Item.lot_id == lot.id)))
            _store(session, new, _given(METHOD_TEMPERATURE[lot.method], "cell bank temperature"))
            made.append(lot)
            for test, day in step["tests"]:
                _qc_pass(session, lot.id, test, today + timedelta(days=day))
    _as(session, "technician@biorepo.example")
    held = session.scalars(
        select(Lot)
        .join(Material)
        .join(Collection)
        .where(Collection.code == code, Material.id.not_in(registered))
        .where(select(Item.id).where(Item.lot_id == Lot.id, Item.status.not_in(GONE)).exists())
        .order_by(Lot.id)
    ).all()
    for index, lot in enumerate(held):
        day = today - timedelta(days=data["tested_days_ago"] + index % 30)
        for test in ("mycoplasma", "sterility"):
            _qc_pass(session, lot.id, test, day)
    collections.get_collection(session, code).qc_every_months = data["qc_every_months"]
    session.flush()
    for test in data["str_tests"]:
        first = session.scalars(
            select(Lot)
            .join(Material)
            .where(Material.designation == test["designation"], Material.collection.has(code=code))
            .order_by(Lot.id)
            .limit(1)
        ).one()
        given = {k: test[k] for k in ("profile", "lab", "kit")}
        given["tested_on"] = _on(today, -test["days_ago"])
        authentication.record_str_test(session, first.id, StrTestIn().load_or_fail(given))


def _qc_pass(session: Session, lot_id: int, test: str, on: date) -> None:
    method = "PCR" if test == "mycoplasma" else "USP <71> direct inoculation"
    result = {"test": test, "outcome": "pass", "method": method, "tested_on": on.isoformat()}
    inventory.record_qc(session, lot_id, QcSchema().load_or_fail(result))
