"""The animal colony: welfare protocols and the animals they allow, matings and plug checks,
litters and their weaning into animals (with their generation), pedigrees, body weights with
the humane endpoint, exits, and what is due."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, Select, cast, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from ..errors import InvalidState, NotFound, ValidationFailed
from ..generations import offspring_generation
from ..models import (
    Animal,
    BodyWeight,
    Item,
    Litter,
    Lot,
    Material,
    Mating,
    PlugCheck,
    Protocol,
)
from ..schemas.colonies import (
    Exit,
    Losses,
    NewLitter,
    NewMating,
    NewPlugCheck,
    NewWeight,
    Retire,
    Wean,
)
from ..schemas.inventory import NewAnimal, NewLot
from ..sql import days_after
from ..vocabulary import (
    GONE,
    AnimalExit,
    EventType,
    ItemForm,
    ItemStatus,
    MatingStatus,
    MatingType,
    PreservationMethod,
    Sex,
    Unit,
)
from . import due_line
from .due_line import DueLine
from .events import record_event, record_events
from .inventory import create_lot, get_item
from .protocols import get_line, get_protocol
from .storage import get_unit, place_items, relocate

WEAN_AGE_DAYS = 21  # a line's default age of its pups at weaning
WEIGHT_LOSS_LIMIT = 0.20  # of the baseline (first) weight: the humane endpoint
CONDITION_LIMIT = 2  # a body condition score at or below it: the humane endpoint
WEIGH_EVERY_DAYS = 7  # an animal being weighed is weighed again within this many days
EXPIRY_NOTICE_DAYS = 30
PEDIGREE_DEPTH = 10


# --- matings -------------------------------------------------------------------------------------


def _living_animal(session: Session, barcode: str, field: str) -> Item:
    """The live animal a barcode names (still in the colony)."""
    item = get_item(session, barcode, field)
    if item.animal is None:
        raise InvalidState(f"{item.barcode} is not an animal.", field=field)
    if item.status in GONE or item.animal.exit is not None:
        raise InvalidState(f"{item.barcode} has left the colony.", field=field)
    return item


def set_up_mating(session: Session, command: NewMating) -> Mating:
    """Set up a mating of a line: a male sire and one or two female dams, all living animals,
    none twice."""
    line = get_line(session, command.line_id)
    codes = [command.sire, *command.dams]
    sire = _living_animal(session, command.sire, "sire")
    dams = [_living_animal(session, code, "dams") for code in command.dams]
    if len({item.id for item in (sire, *dams)}) != len(codes):
        raise ValidationFailed({"dams": ["The sire and the dams are different animals."]})
    assert sire.animal is not None
    if sire.animal.sex is not Sex.MALE:
        raise InvalidState(f"The sire {sire.barcode} is not male.", field="sire")
    for dam in dams:
        assert dam.animal is not None
        if dam.animal.sex is not Sex.FEMALE:
            raise InvalidState(f"The dam {dam.barcode} is not female.", field="dams")
    mating = Mating(
        line_id=line.id,
        sire_id=sire.id,
        dam_id=dams[0].id,
        second_dam_id=dams[1].id if len(dams) > 1 else None,
        type=command.type,
        purpose=command.purpose,
        set_up_on=command.set_up_on,
        status=MatingStatus.ACTIVE,
    )
    session.add(mating)
    session.flush()
    _animal_events(session, [sire, *dams], {"mated": mating.label, "set_up_on": mating.set_up_on})
    return mating


def _animal_events(session: Session, animals: list[Item], data: dict[str, Any]) -> None:
    record_events(
        session,
        EventType.ANNOTATED,
        ({"item_id": item.id, "lot_id": item.lot_id, "data": data} for item in animals),
    )


def get_mating(session: Session, mating_id: int) -> Mating:
    mating = session.get(Mating, mating_id)
    if mating is None:
        raise NotFound(f"No mating with id {mating_id}.", field="mating_id")
    return mating


def _active(mating: Mating) -> None:
    if mating.status is not MatingStatus.ACTIVE:
        raise InvalidState(f"Mating {mating.label} is retired.", field="status")


def _dam_of(session: Session, mating: Mating, barcode: str | None) -> Item:
    """The dam of the mating a barcode names; none names a pair's only dam."""
    if barcode is None:
        if mating.second_dam_id is not None:
            raise ValidationFailed({"dam": ["Name the dam of this trio."]})
        return mating.dam
    item = get_item(session, barcode, "dam")
    if item.id not in {mating.dam_id, mating.second_dam_id}:
        raise ValidationFailed({"dam": [f"{item.barcode} is not a dam of {mating.label}."]})
    return item


def retire_mating(session: Session, mating_id: int, command: Retire) -> Mating:
    mating = get_mating(session, mating_id)
    _active(mating)
    if command.retired_on < mating.set_up_on:
        raise ValidationFailed({"retired_on": ["A mating retires after it was set up."]})
    mating.status, mating.retired_on = MatingStatus.RETIRED, command.retired_on
    session.flush()
    _animal_events(
        session,
        [mating.sire, *mating.dams],
        {"retired_from": mating.label, "retired_on": command.retired_on},
    )
    return mating


def check_plug(session: Session, mating_id: int, command: NewPlugCheck) -> PlugCheck:
    """Record a plug check of a dam of an active natural mating."""
    mating = get_mating(session, mating_id)
    _active(mating)
    if mating.type is not MatingType.NATURAL:
        raise InvalidState(f"Mating {mating.label} is not a natural mating.", field="type")
    if command.checked_on < mating.set_up_on:
        raise ValidationFailed({"checked_on": ["A plug is checked after the mating is set up."]})
    dam = _dam_of(session, mating, command.dam)
    check = PlugCheck(
        mating_id=mating.id,
        dam_id=dam.id,
        checked_on=command.checked_on,
        plug=command.plug,
        note=command.note,
    )
    session.add(check)
    session.flush()
    _animal_events(
        session,
        [dam],
        {
            "plug_check": mating.label,
            "checked_on": command.checked_on,
            "plug": "found" if command.plug else "none",
        },
    )
    return check


def line_matings(session: Session, line_id: int) -> list[Mating]:
    """The matings of a line (with their litters), oldest first."""
    get_line(session, line_id)
    return list(
        session.scalars(select(Mating).where(Mating.line_id == line_id).order_by(Mating.id))
    )


# --- litters and weaning -------------------------------------------------------------------------


def record_litter(session: Session, mating_id: int, command: NewLitter) -> Litter:
    """A litter born to a dam of the mating; its weaning is due at the line's weaning age."""
    mating = get_mating(session, mating_id)
    if command.born_on < mating.set_up_on:
        raise ValidationFailed({"born_on": ["A litter is born after its mating was set up."]})
    dam = _dam_of(session, mating, command.dam)
    line = get_line(session, mating.line_id)
    litter = Litter(
        mating_id=mating.id,
        dam_id=dam.id,
        born_on=command.born_on,
        born_alive=command.born_alive,
        born_dead=command.born_dead,
        died=0,
        weaned=0,
        wean_due_on=command.born_on + timedelta(days=line.wean_age_days or WEAN_AGE_DAYS),
    )
    session.add(litter)
    session.flush()
    _animal_events(
        session,
        [dam],
        {
            "litter": litter.label,
            "born_on": litter.born_on,
            "born_alive": litter.born_alive,
            "born_dead": litter.born_dead,
        },
    )
    return litter


def get_litter(session: Session, litter_id: int) -> Litter:
    litter = session.get(Litter, litter_id)
    if litter is None:
        raise NotFound(f"No litter with id {litter_id}.", field="litter_id")
    return litter


def record_losses(session: Session, litter_id: int, command: Losses) -> Litter:
    """Pups of a litter that died before weaning."""
    litter = get_litter(session, litter_id)
    _not_weaned(litter)
    _within_litter(litter, command.died, "died")
    litter.died += command.died
    session.flush()
    record_event(
        session,
        EventType.ANNOTATED,
        item_id=litter.dam_id,
        data={"litter_losses": litter.label, "died": command.died},
        note=command.note,
    )
    return litter


def _not_weaned(litter: Litter) -> None:
    if litter.weaned_on is not None:
        raise InvalidState(f"Litter {litter.label} was weaned on {litter.weaned_on}.")


def _within_litter(litter: Litter, count: int, field: str) -> None:
    alive = litter.born_alive - litter.died - litter.weaned
    if count > alive:
        raise InvalidState(
            f"Litter {litter.label} has {alive} pup(s) alive ({litter.born_alive} born alive, "
            f"{litter.died} died); {count} were given.",
            field=field,
        )


def wean(session: Session, litter_id: int, command: Wean) -> list[Item]:
    """Wean a litter in one step: each pup becomes an animal of the line (an item with its own
    barcode, in a new live lot), with its sex and marks, the mating's sire and the litter's
    dam as parents, the litter's birth date, its generation from the parents', under the
    protocol (counted against its approval), placed in its cage (within the cage's
    capacity)."""
    litter = get_litter(session, litter_id)
    _not_weaned(litter)
    _within_litter(litter, len(command.pups), "pups")
    if command.weaned_on < litter.born_on:
        raise ValidationFailed({"weaned_on": ["A litter is weaned after its birth."]})
    mating = litter.mating
    protocol = get_protocol(session, command.protocol)
    cages = {code: get_unit(session, code, "pups") for code in {p.cage for p in command.pups}}
    generation = offspring_generation(
        _parent_generation(mating.sire, mating.line_id),
        _parent_generation(litter.dam, mating.line_id),
    )
    new_lot = NewLot(
        method=PreservationMethod.LIVE,
        preserved_on=command.weaned_on,
        items=len(command.pups),
        quantity=Decimal(1),
        unit=Unit.ANIMAL,
        form=ItemForm.ANIMAL,
        generation=generation,
        animals=tuple(
            NewAnimal(
                sex=pup.sex,
                birth_date=litter.born_on,
                ear_tag=pup.ear_tag,
                sire=mating.sire.barcode,
                dam=litter.dam.barcode,
                protocol=protocol.number,
            )
            for pup in command.pups
        ),
    )
    lot = create_lot(session, mating.line, new_lot)
    pups = list(lot.items)
    by_cage: dict[str, list[Item]] = defaultdict(list)
    for item, pup in zip(pups, command.pups, strict=True):
        animal = session.get_one(Animal, item.id)
        animal.transponder, animal.generation = pup.transponder, generation
        animal.litter_id = litter.id
        by_cage[pup.cage].append(item)
    litter.weaned, litter.weaned_on = len(pups), command.weaned_on
    session.flush()
    for code, items in by_cage.items():
        place_items(session, items, cages[code])
    _animal_events(
        session,
        pups,
        {"weaned_from": litter.label, "generation": generation, "protocol": protocol.number},
    )
    return pups


def _parent_generation(parent: Item, line_id: int) -> str | None:
    """A parent's generation code for offspring_generation: its own ("" if unknown) when it
    is of the line, None (the background) when it is not."""
    if parent.lot.material_id != line_id:
        return None
    animal = parent.animal
    return (animal.generation if animal is not None else None) or parent.lot.generation or ""


# --- pedigree --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relative:
    """An animal in a pedigree: how many generations from the animal asked about."""

    item: Item
    distance: int


def pedigree(session: Session, barcode: str, depth: int = 5) -> dict[str, Any]:
    """The animal, its ancestors (parents first) and its descendants (children first), up to
    `depth` generations each way."""
    item = get_item(session, barcode)
    if item.animal is None:
        raise InvalidState(f"{item.barcode} is not an animal.", field="barcode")
    depth = max(1, min(depth, PEDIGREE_DEPTH))
    return {
        "animal": item,
        "ancestors": _walk(session, item, depth, up=True),
        "descendants": _walk(session, item, depth, up=False),
    }


def _walk(session: Session, start: Item, depth: int, *, up: bool) -> list[Relative]:
    """The relatives `depth` generations up (ancestors) or down (descendants), nearest first,
    each at the fewest generations it is reached in: one recursive select."""
    walk = select(
        cast(literal(start.id), Integer).label("id"), cast(literal(0), Integer).label("distance")
    ).cte("walk", recursive=True)
    animal = aliased(Animal)
    if up:  # the parents of the animals reached
        step = (
            select(Item.id, walk.c.distance + 1)
            .join(animal, animal.item_id == walk.c.id)
            .join(Item, or_(Item.id == animal.sire_id, Item.id == animal.dam_id))
        )
    else:  # the animals whose sire or dam was reached
        step = select(animal.item_id, walk.c.distance + 1).join(
            animal, or_(animal.sire_id == walk.c.id, animal.dam_id == walk.c.id)
        )
    walk = walk.union(step.where(walk.c.distance < depth))
    nearest = (
        select(walk.c.id, func.min(walk.c.distance).label("distance"))
        .where(walk.c.distance > 0)
        .group_by(walk.c.id)
        .subquery()
    )
    found = session.execute(
        select(Item, nearest.c.distance)
        .join(nearest, nearest.c.id == Item.id)
        .order_by(nearest.c.distance, Item.id)
    )
    return [Relative(item, distance) for item, distance in found]


# --- body weights and exits ------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Why a weight reaches the humane endpoint: its loss from the baseline (per cent, when
    it is 20 % or more) and its body condition score (when it is 2 or less)."""

    baseline: float | None
    loss_pct: float | None
    condition_score: int | None

    def __str__(self) -> str:
        reasons = []
        if self.loss_pct is not None and self.baseline is not None:
            reasons.append(f"{self.loss_pct:g} % below the baseline of {self.baseline:g} g")
        if self.condition_score is not None:
            reasons.append(f"body condition score {self.condition_score}")
        return "; ".join(reasons)


@dataclass(frozen=True)
class Weighed:
    """A body weight and, when it reaches the humane endpoint, why."""

    weight: BodyWeight
    endpoint: Endpoint | None

    @property
    def alert(self) -> str | None:
        return str(self.endpoint) if self.endpoint is not None else None


def endpoint_reached(
    baseline: float | None, grams: float, condition_score: int | None
) -> Endpoint | None:
    """Why a weight reaches the humane endpoint (a loss of 20 % or more from the baseline,
    the first weight; a body condition score of 2 or less), or None."""
    loss = None
    if baseline and grams <= baseline * (1 - WEIGHT_LOSS_LIMIT):
        loss = round(100 * (baseline - grams) / baseline, 1)
    score = condition_score
    if score is not None and score > CONDITION_LIMIT:
        score = None
    return Endpoint(baseline, loss, score) if loss is not None or score is not None else None


def weights(session: Session, barcode: str) -> list[Weighed]:
    """The animal's body weights, oldest first, each with its humane-endpoint alert."""
    item = _animal(session, barcode)
    found = list(
        session.scalars(
            select(BodyWeight)
            .where(BodyWeight.item_id == item.id)
            .order_by(BodyWeight.weighed_on, BodyWeight.id)
        )
    )
    baseline = found[0].grams if found else None
    return [Weighed(w, endpoint_reached(baseline, w.grams, w.condition_score)) for w in found]


def _animal(session: Session, barcode: str) -> Item:
    item = get_item(session, barcode)
    if item.animal is None:
        raise InvalidState(f"{item.barcode} is not an animal.", field="barcode")
    return item


def weigh(session: Session, barcode: str, command: NewWeight) -> Weighed:
    """Record a body weight of a living animal; the first is its baseline. A weight at the
    humane endpoint says so, in the answer and the event."""
    item = _living_animal(session, barcode, "barcode")
    baseline = session.scalar(
        select(BodyWeight.grams)
        .where(BodyWeight.item_id == item.id)
        .order_by(BodyWeight.weighed_on, BodyWeight.id)
        .limit(1)
    )
    weight = BodyWeight(
        item_id=item.id,
        weighed_on=command.weighed_on,
        grams=command.grams,
        condition_score=command.condition_score,
    )
    session.add(weight)
    session.flush()
    reached = endpoint_reached(baseline, command.grams, command.condition_score)
    _animal_events(
        session,
        [item],
        {
            "weight_g": command.grams,
            "weighed_on": command.weighed_on,
            "condition_score": command.condition_score,
            "humane_endpoint": str(reached) if reached is not None else None,
        },
    )
    return Weighed(weight, reached)


EXIT_STATUS = {
    AnimalExit.DEATH: ItemStatus.DESTROYED,
    AnimalExit.EUTHANASIA: ItemStatus.DESTROYED,
    AnimalExit.SHIPPED: ItemStatus.DISTRIBUTED,
}


def leave(session: Session, barcode: str, command: Exit) -> Item:
    """An animal leaves the colony (found dead, euthanised, shipped): it leaves its cage, and
    its item is destroyed or distributed."""
    item = _living_animal(session, barcode, "barcode")
    animal = item.animal
    assert animal is not None
    if animal.birth_date is not None and command.exit_on < animal.birth_date:
        raise ValidationFailed({"exit_on": ["An animal leaves after its birth."]})
    relocate(session, [(item, None)])
    item.status = EXIT_STATUS[command.exit]
    animal.exit, animal.exit_on, animal.exit_by = command.exit, command.exit_on, command.by
    animal.exit_method, animal.exit_reason = command.method, command.reason
    session.flush()
    _animal_events(
        session,
        [item],
        {
            "exit": command.exit,
            "exit_on": command.exit_on,
            "by": command.by,
            "euthanasia_method": command.method,
            "reason": command.reason,
        },
    )
    return item


# --- what is due -----------------------------------------------------------------------------


def _weaning_rows(today: date) -> Select[Any]:
    """Litters not weaned by their weaning date."""
    return (
        select(
            *due_line.key(Litter.wean_due_on, "weaning", Litter.id, Material.collection_id),
            Litter.mating_id,
            Litter.born_on,
            (Litter.born_alive - Litter.died).label("alive"),
        )
        .join(Mating, Mating.id == Litter.mating_id)
        .join(Material, Material.id == Mating.line_id)
        .where(Litter.weaned_on.is_(None), Litter.wean_due_on <= today)
    )


def _weaning_line(row: Any) -> DueLine:
    label = Litter.label_of(row.record_id, row.mating_id)
    return due_line.line(
        "weaning",
        "litter",
        row.record_id,
        label,
        row.due_on,
        row.collection_id,
        "weaning_due",
        litter=label,
        born_on=row.born_on,
        alive=row.alive,
    )


def _plug_check_rows(today: date) -> Select[Any]:
    """Active natural matings set up before `today` with no plug found, no litter born and no
    check today: due today."""
    checked = (
        select(PlugCheck.id)
        .where(PlugCheck.mating_id == Mating.id, PlugCheck.plug | (PlugCheck.checked_on >= today))
        .exists()
    )
    born = select(Litter.id).where(Litter.mating_id == Mating.id).exists()
    return (
        select(
            *due_line.key(literal(today, Date), "plug_check", Mating.id, Material.collection_id),
            Mating.set_up_on,
        )
        .join(Material, Material.id == Mating.line_id)
        .where(
            Mating.status == MatingStatus.ACTIVE,
            Mating.type == MatingType.NATURAL,
            Mating.set_up_on < today,
            ~checked,
            ~born,
        )
    )


def _plug_check_line(row: Any) -> DueLine:
    label = Mating.label_of(row.record_id)
    return due_line.line(
        "plug_check",
        "mating",
        row.record_id,
        label,
        row.due_on,
        row.collection_id,
        "plug_check_due",
        mating=label,
        set_up_on=row.set_up_on,
    )


def _weight_rows(today: date) -> Select[Any]:
    """Living animals with weights whose last one is WEIGH_EVERY_DAYS old or more: due
    WEIGH_EVERY_DAYS after it."""
    last = (
        select(BodyWeight.item_id, func.max(BodyWeight.weighed_on).label("weighed_on"))
        .group_by(BodyWeight.item_id)
        .subquery()
    )
    return (
        select(
            *due_line.key(
                days_after(last.c.weighed_on, WEIGH_EVERY_DAYS),
                "weight",
                Item.id,
                Material.collection_id,
            ),
            Item.barcode,
            last.c.weighed_on,
        )
        .join(last, last.c.item_id == Item.id)
        .join(Lot, Lot.id == Item.lot_id)
        .join(Material, Material.id == Lot.material_id)
        .where(
            Item.status.not_in(GONE),
            last.c.weighed_on <= today - timedelta(days=WEIGH_EVERY_DAYS),
        )
    )


def _weight_line(row: Any) -> DueLine:
    return due_line.line(
        "weight",
        "animal",
        row.record_id,
        row.barcode,
        row.due_on,
        row.collection_id,
        "weighing_due",
        animal=row.barcode,
        weighed_on=row.weighed_on,
    )


def _protocol_rows(today: date) -> Select[Any]:
    """Protocols expiring within EXPIRY_NOTICE_DAYS of `today`."""
    soon = today + timedelta(days=EXPIRY_NOTICE_DAYS)
    return select(
        *due_line.key(Protocol.expires_on, "protocol_expiry", Protocol.id, None),
        Protocol.number,
        Protocol.title,
    ).where(Protocol.expires_on >= today, Protocol.expires_on <= soon)


def _protocol_line(row: Any) -> DueLine:
    return due_line.line(
        "protocol_expiry",
        "protocol",
        row.record_id,
        row.number,
        row.due_on,
        None,
        "protocol_expiring",
        protocol=row.number,
        title=row.title,
        expires_on=row.due_on,
    )


# What the colony asks for by a day: litters to wean, plug checks of active natural matings
# not yet checked that day (until a plug is found or a litter is born), animals being weighed
# whose last weight is a week old, and protocols expiring within 30 days.
due = due_line.Parts(
    due_line.Rule(_weaning_rows, _weaning_line),
    due_line.Rule(_plug_check_rows, _plug_check_line),
    due_line.Rule(_weight_rows, _weight_line),
    due_line.Rule(_protocol_rows, _protocol_line),
)
