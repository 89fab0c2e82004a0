"""A living lot's own work on its items' page: a cell line's passage (beyond its passage limit
with a reason), its STR tests and the lifting of its quarantine; a seed lot's germination
tests, when the next is due, its regeneration and its safety duplicates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from marshmallow import Schema
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from repository.errors import ValidationFailed
from repository.models import CellLine, Item, Lot, Mating
from repository.schemas.authentication import StrTestIn
from repository.schemas.inventory import PassageIn, ReleaseIn
from repository.schemas.seed_bank import (
    MOST_REPLICATES,
    GerminationTestIn,
    RegenerationIn,
    SafetyDuplicateIn,
)
from repository.services import authentication, cell_culture, inventory, seed_bank
from repository.vocabulary import MaterialKind

from ...policy import Permission, require
from .. import forms
from ..inputs import Input, labelled
from ..pages import on_field
from ..terms import language

LABELS: dict[str, Any] = {
    "source": _l("Thawed vial (scan)"),
    "override_reason": _l("Override reason"),
    "site": _l("Site"),
    "season": _l("Season"),
    "plants": _l("Plants"),
    "isolation": _l("Isolation"),
    "harvested_on": _l("Harvested on"),
    "seeds_harvested": _l("Seeds harvested"),
    "note": _l("Note"),
    "tested_on": _l("Tested on"),
    "medium": _l("Medium"),
    "temperature_c": _l("Temperature (°C)"),
    "days": _l("Days"),
    "reason": _l("Reason"),
    "institute_code": _l("Institute (FAO WIEWS code)"),
    "institute_name": _l("Institute name"),
    "sent_on": _l("Sent on"),
    "seeds": _l("Seeds"),
}
SHOWN_TESTS = 3  # a lot's latest STR tests on its page
DUPLICATE_FIELDS = ["institute_code", "institute_name", "sent_on", "seeds", "note"]
PASSAGE_FIELDS = [
    "preserved_on",
    "items",
    "quantity",
    "unit",
    "form",
    "method",
    "source",
    "override_reason",
]
REGENERATION_FIELDS = [
    "site",
    "season",
    "plants",
    "isolation",
    "harvested_on",
    "seeds_harvested",
    "items",
    "quantity",
    "unit",
    "form",
    "note",
]
TEST_FIELDS = ["tested_on", "medium", "temperature_c", "days", "note"]
COUNTS = {
    "seeds": _l("Seeds"),
    "normal": _l("Normal"),
    "abnormal": _l("Abnormal"),
    "dead": _l("Dead"),
    "hard": _l("Hard"),
    "fresh": _l("Fresh"),
}
REPLICATE_ROWS = 4  # ISTA's 4 x 100 seeds


def _inputs(schema: type[Schema], names: list[str]) -> list[Input]:
    """The schema's inputs, labelled here where the shared labels do not name them."""
    return labelled(schema, names, LABELS)


def _replicate_rows() -> int:
    """How many replicate rows the form shows: 4, or as many as were posted."""
    posted = [k for k in request.form if k.startswith("replicates-") and k.endswith("-seeds")]
    return min(max(REPLICATE_ROWS, len(posted)), MOST_REPLICATES)


def _cell_line(db: Session, found: Lot) -> dict[str, Any]:
    material = found.material
    limit = material.max_passage if isinstance(material, CellLine) else None
    following = (found.passage_number or 0) + 1
    return {
        "passage_inputs": _inputs(PassageIn, PASSAGE_FIELDS),
        "passage_limit": limit,
        "next_passage": following,
        "beyond_limit": limit is not None and following > limit,
        "passaged": _passaged(db, found),
        "quarantined_at": found.quarantined_at,
        "quarantine_reason": found.quarantine_reason,
        "release_inputs": _inputs(ReleaseIn, ["reason"]),
        "str_tests": authentication.tests_of(db, found.id)[:SHOWN_TESTS],
    }


def _passaged(db: Session, found: Lot) -> list[tuple[Lot, str | None]]:
    """The lots passaged or regenerated from this lot, each with an item of it (or None)."""
    lots = db.scalars(select(Lot).where(Lot.parent_lot_id == found.id).order_by(Lot.id)).all()
    first: dict[int, str] = {}
    for lot_id, barcode in db.execute(
        select(Item.lot_id, Item.barcode)
        .where(Item.lot_id.in_([lot.id for lot in lots]))
        .order_by(Item.id)
    ):
        first.setdefault(lot_id, barcode)
    return [(lot, first.get(lot.id)) for lot in lots]


def _seed_lot(db: Session, found: Lot) -> dict[str, Any]:
    locale = language()
    due = [
        line.said(locale)
        for line in seed_bank.due(db, date.today(), [found.material_id])
        if line.record == "lot" and line.record_id == found.id and line.kind == "regeneration"
    ]
    return {
        "viability": seed_bank.viability(db, found.id),
        "regeneration_due": due,
        "test_inputs": _inputs(GerminationTestIn, TEST_FIELDS),
        "replicate_rows": _replicate_rows(),
        "counts": list(COUNTS.items()),
        "regeneration_inputs": _inputs(RegenerationIn, REGENERATION_FIELDS),
        "passaged": _passaged(db, found),
        "duplicates": seed_bank.safety_duplicates(db, found.id),
        "duplicate_inputs": _inputs(SafetyDuplicateIn, DUPLICATE_FIELDS),
    }


def _matings(db: Session, found: Lot) -> list[Mating]:
    """The matings the lot's animals are the sire or a dam of."""
    animals = select(Item.id).where(Item.lot_id == found.id)
    return list(
        db.scalars(
            select(Mating)
            .where(
                or_(
                    Mating.sire_id.in_(animals),
                    Mating.dam_id.in_(animals),
                    Mating.second_dam_id.in_(animals),
                )
            )
            .order_by(Mating.id)
        )
    )


def values(db: Session, found: Lot) -> dict[str, Any]:
    """What the item page shows of the item's lot when it is a cell line, a seed lot or animals."""
    kind = found.material.kind
    if kind is MaterialKind.CELL_LINE:
        return {"living": "cell_line", **_cell_line(db, found)}
    if kind is MaterialKind.SEED:
        return {"living": "seed", **_seed_lot(db, found)}
    if kind is MaterialKind.ANIMAL_LINE:
        return {"living": "animals", "matings": _matings(db, found)}
    return {"living": None}


def _germination_test() -> Any:
    """The posted test: its fields, and its replicates from the rows that have a count."""
    replicates = forms.rows("replicates", COUNTS, MOST_REPLICATES)
    return forms.load_data(
        GerminationTestIn, {**forms.raw(GerminationTestIn), "replicates": replicates}
    )


def _passage(db: Session, item: Item) -> None:
    inventory.passage(db, item.lot_id, forms.load(PassageIn))


def _str_test(db: Session, item: Item) -> None:
    try:
        command = forms.load(StrTestIn)
    except ValidationFailed as error:  # a profile's problems by line or marker: on its field
        raise ValidationFailed(on_field(error.errors, "profile"), error.detail) from None
    authentication.record_str_test(db, item.lot_id, command)


def _release(db: Session, item: Item) -> None:
    require(Permission.REGISTER, item.lot.material.collection_id)
    cell_culture.release(db, item.lot_id, forms.load(ReleaseIn))


def _record_germination(db: Session, item: Item) -> None:
    seed_bank.record_germination_test(db, item.lot_id, _germination_test())


def _regenerate(db: Session, item: Item) -> None:
    seed_bank.regenerate(db, item.lot_id, forms.load(RegenerationIn))


def _add_duplicate(db: Session, item: Item) -> None:
    seed_bank.add_safety_duplicate(db, item.lot_id, forms.load(SafetyDuplicateIn))


ACTIONS: dict[str, Callable[[Session, Item], None]] = {
    "passage": _passage,
    "release": _release,
    "str_test": _str_test,
    "germination": _record_germination,
    "regenerate": _regenerate,
    "duplicate": _add_duplicate,
}
