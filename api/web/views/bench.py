"""Registration at the bench, one keyboard flow: a material of any kind, a lot of N items, their
places (proposed free positions or a scanned box), then their labels."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from repository import barcodes
from repository.errors import DomainError, NotFound, ValidationFailed
from repository.models import Item, Lot, Material
from repository.schemas.inventory import LotSchema, PreserveLot
from repository.schemas.materials import KIND_SCHEMAS, MaterialIn, MaterialSchema, RegisterMaterial
from repository.services import inventory, storage
from repository.vocabulary import GONE, METHOD_TEMPERATURE, MaterialKind, PreservationMethod

from ...context import database
from ...policy import Permission, require
from ...resources.materials import register_as_curator
from .. import forms
from ..inputs import inputs
from ..pages import attempt, back, collection_options, refused, show
from ..terms import term

COMMON = [
    "designation",
    "taxon_name",
    "designation_zh",
    "taxon_name_zh",
    "taxon_id",
    "accession_number",
    "access_level",
    "risk_group",
    "biological_status",
    "origin_country",
    "origin_site",
    "collection_date",
    "collector",
    "donor_institute",
    "abs_status",
    "remarks",
]
LOT_FIELDS = ["method", "preserved_on", "items", "quantity", "unit", "form"]
LOT_EXTRA = ["passage_number", "generation", "regeneration_cycle", "remarks"]


def _kind_inputs() -> dict[str, list]:
    """Each kind's own inputs, named `kind.field` (kinds share some field names)."""
    base = set(MaterialSchema._declared_fields)
    return {str(k): inputs(schema, skip=base) for k, schema in KIND_SCHEMAS.items()}


def _register_values() -> dict[str, Any]:
    return {
        "collections": collection_options(Permission.REGISTER),
        "kinds": [(k.value, term(k)) for k in MaterialKind],
        "common": inputs(MaterialSchema, COMMON),
        "kind_inputs": _kind_inputs(),
        "step": 1,
    }


def _new_material(kind: str) -> RegisterMaterial:
    """The posted material: the collection, the common fields and the chosen kind's own
    (`kind.field`)."""
    data = {k: v for k, v in forms.raw(MaterialSchema).items() if k in COMMON}
    prefix = f"{kind}."
    own = {k[len(prefix) :]: v.strip() for k, v in request.form.items() if k.startswith(prefix)}
    data = {**data, **{k: v for k, v in own.items() if v}, "kind": kind}
    collection = request.form.get("collection", "").strip()
    return MaterialIn().load_or_fail({**data, "collection": collection} if collection else data)


def _prefixed(error: DomainError, kind: str) -> DomainError:
    """A kind's field errors under the names its inputs carry (`kind.field`)."""
    if not isinstance(error, ValidationFailed) or not isinstance(error.errors, dict):
        return error
    own = set(KIND_SCHEMAS.get(kind, MaterialSchema)._declared_fields) - set(
        MaterialSchema._declared_fields
    )
    return ValidationFailed({f"{kind}.{k}" if k in own else k: v for k, v in error.errors.items()})


def register() -> Response | tuple[str, int]:
    """Step 1: the material, with the fields of the kind chosen."""
    require(Permission.REGISTER)
    if request.method == "GET":
        chosen = request.args.get("kind", MaterialKind.STRAIN.value)
        return show("bench_register.html", form={"kind": chosen}, **_register_values())
    kind = request.form.get("kind", "")
    made: list[Material] = []
    error = attempt(lambda: made.append(register_as_curator(_new_material(kind))))
    if error is not None:
        return refused("bench_register.html", _prefixed(error, kind), **_register_values())
    return back("web.bench_lot", material_id=made[0].id)


def _material(material_id: int) -> Material:
    found = database().get(Material, material_id)
    if found is None:
        raise NotFound(_("No material with id %(id)d.", id=material_id))
    return found


def _lot_values(material: Material) -> dict[str, Any]:
    return {
        "material": material,
        "main": inputs(LotSchema, LOT_FIELDS),
        "extra": inputs(LotSchema, LOT_EXTRA),
        "today": date.today().isoformat(),
        "step": 2,
    }


def lot(material_id: int) -> Response | tuple[str, int]:
    """Step 2: a lot of N items of the material."""
    require(Permission.INVENTORY_WRITE)
    material = _material(material_id)
    if request.method == "GET":
        return show("bench_lot.html", form=None, **_lot_values(material))
    made: list[Lot] = []

    def preserve() -> None:
        command = PreserveLot(material_id=material.id, lot=forms.load(LotSchema))
        made.append(inventory.preserve_lot(database(), command))

    error = attempt(preserve)
    if error is not None:
        return refused("bench_lot.html", error, **_lot_values(material))
    return back("web.bench_place", lot_id=made[0].id)


def _get_lot(lot_id: int) -> Lot:
    found = database().get(Lot, lot_id)
    if found is None:
        raise NotFound(_("No lot %(id)d.", id=lot_id))
    return found


def _unplaced(found: Lot) -> list[Item]:
    return list(
        database().scalars(
            select(Item)
            .where(Item.lot_id == found.id, Item.container_id.is_(None), Item.status.not_in(GONE))
            .order_by(Item.id)
        )
    )


def _proposal(found: Lot, count: int) -> tuple[list[storage.Place], str | None]:
    """Free positions in one box at the lot method's temperature, contiguous; or why not."""
    temperature = METHOD_TEMPERATURE.get(PreservationMethod(found.method))
    if temperature is None or count == 0:
        return [], None
    places: list[storage.Place] = []
    error = attempt(
        lambda: places.extend(
            storage.find_free_positions(database(), temperature, count, contiguous=True)
        )
    )
    return places, (error.detail if error else None)


def _place_values(found: Lot) -> dict[str, Any]:
    waiting = _unplaced(found)
    places, problem = _proposal(found, len(waiting))
    box = places[0].container if places else None
    path = storage.path_rows(database(), [box.id])[box.id] if box else []
    return {
        "lot": found,
        "waiting": waiting,
        "places": places,
        "box": box,
        "path": path,
        "positions": " ".join(f"{p.row}:{p.col}" for p in places),
        "problem": problem,
        "temperature": METHOD_TEMPERATURE.get(PreservationMethod(found.method)),
        "step": 3,
    }


def _positions(text: str) -> list[tuple[int, int]]:
    try:
        return [(int(r), int(c)) for r, c in (p.split(":") for p in text.split())]
    except ValueError:
        raise ValidationFailed({"positions": [_("Positions are row:column pairs.")]}) from None


def _place(found: Lot) -> None:
    db = database()
    code = request.form.get("container", "").strip()
    if not code:
        raise ValidationFailed({"container": [_("Scan the box or container.")]})
    waiting = _unplaced(found)
    if not waiting:
        raise ValidationFailed({"container": [_("Every item of the lot already has a place.")]})
    proposed = request.form.get("proposed", "")
    positions = None
    if proposed and barcodes.normalise(code) == barcodes.normalise(proposed):
        positions = _positions(request.form.get("positions", "")) or None
    storage.place_items(db, waiting, storage.get_unit(db, code, field="container"), positions)


def place(lot_id: int) -> Response | tuple[str, int]:
    """Step 3: the lot's items into the proposed positions (Enter) or a scanned box."""
    require(Permission.INVENTORY_WRITE)
    found = _get_lot(lot_id)
    if request.method == "GET":
        return show("bench_place.html", form=None, **_place_values(found))
    error = attempt(lambda: _place(found))
    if error is not None:
        return refused("bench_place.html", error, **_place_values(found))
    return back("web.labels", lot=found.id, done="place")


def routes(web: Blueprint) -> None:
    web.add_url_rule("/bench/register", "bench_register", register, methods=["GET", "POST"])
    web.add_url_rule(
        "/bench/materials/<id:material_id>/lot", "bench_lot", lot, methods=["GET", "POST"]
    )
    web.add_url_rule("/bench/lots/<id:lot_id>/place", "bench_place", place, methods=["GET", "POST"])
