"""Storage: the tree of sites, rooms and freezers; a unit's page (a box as a grid); moving
items and whole units; emptying a failed freezer; free-space search."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from repository.errors import ValidationFailed
from repository.exchange import limits
from repository.exchange.problems import ImportRejected
from repository.models import StorageUnit
from repository.schemas.inventory import RackLotIn
from repository.services import inventory, queries, stocktaking, storage

from ...context import database
from ...policy import Permission, require
from ...resources.storage import (
    EvacuateIn,
    SpaceQuery,
    UnitMoveIn,
    rack_bytes,
    rack_scan_of,
    register_rack,
    stocktake_of,
)
from .. import forms
from ..inputs import inputs
from ..pages import attempt, back, refused, show


def tree() -> tuple[str, int]:
    """Every unit above the boxes, nested; boxes show their occupancy."""
    require(Permission.INVENTORY_READ)
    units = database().scalars(select(StorageUnit).order_by(StorageUnit.slot, StorageUnit.id))
    children: dict[int | None, list[StorageUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    return show("storage_tree.html", children=children)


def _unit_values(barcode: str) -> dict[str, Any]:
    db = database()
    unit = storage.get_unit(db, barcode)
    path = storage.path_rows(db, [unit.id])[unit.id]
    grid = queries.box_grid(db, unit) if unit.rows else None
    return {"unit": unit, "path": path, "grid": grid}


def unit(barcode: str) -> tuple[str, int]:
    require(Permission.INVENTORY_READ)
    return show("unit.html", **_unit_values(barcode))


MOST_ITEMS = 1000  # scanned into one form, as the API's move takes


def _place_items(barcode: str) -> None:
    """The scanned items into the box: from the chosen position (a tapped free cell) on, or
    into the first free positions."""
    db = database()
    codes = request.form.get("items", "").split()
    if not codes:
        raise ValidationFailed({"items": [_("Scan at least one item.")]})
    if len(codes) > MOST_ITEMS:
        message = _(
            "At most %(n)d items at once; %(given)d were scanned.", n=MOST_ITEMS, given=len(codes)
        )
        raise ValidationFailed({"items": [message]})
    start = forms.position()
    found = (inventory.get_item(db, code, field="items") for code in codes)
    moving = list({item.id: item for item in found}.values())  # a vial scanned twice goes once
    note = request.form.get("note", "").strip() or None
    storage.place_items(db, moving, storage.get_unit(db, barcode), note=note, start=start)


def _move_unit(barcode: str) -> None:
    db = database()
    body = forms.load(UnitMoveIn)
    target = storage.get_unit(db, body["parent"], field="parent")
    storage.move_unit(db, storage.get_unit(db, barcode), target, body.get("slot"), body.get("note"))


def _evacuate(barcode: str) -> None:
    db = database()
    body = forms.load(EvacuateIn)
    storage.evacuate(
        db,
        storage.get_unit(db, barcode),
        storage.get_unit(db, body["target"], field="target"),
        body.get("note"),
    )


ACTIONS = {"place": _place_items, "move": _move_unit, "evacuate": _evacuate}


def unit_action(barcode: str, action: str) -> Response | tuple[str, int]:
    require(Permission.INVENTORY_WRITE)
    if action not in ACTIONS:
        return show("error.html", 404, title=_("Not found"), detail=_("No such action."))
    error = attempt(lambda: ACTIONS[action](barcode))
    if error is not None:
        return refused("unit.html", error, action=action, **_unit_values(barcode))
    return back("web.unit", barcode=storage.get_unit(database(), barcode).barcode, done=action)


def free_space() -> tuple[str, int]:
    """N free positions at a temperature (fullest boxes first), contiguous if asked."""
    require(Permission.INVENTORY_READ)
    if "temperature" not in request.args:
        return show("free_space.html", places=None, form={"temperature": "-80", "count": "1"})
    db = database()
    places: list = []

    def find() -> None:
        query = forms.load(SpaceQuery, request.args)
        places.extend(
            storage.find_free_positions(
                db, query["temperature"], query["count"], contiguous=query["contiguous"]
            )
        )

    error = attempt(find)
    if error is not None:
        return refused("free_space.html", error, places=None, form_values=request.args)
    paths = storage.path_rows(db, [p.container.id for p in places])
    return show("free_space.html", places=places, paths=paths, form=request.args)


def rack_scan(barcode: str) -> Response | tuple[str, int]:
    """A box against a rack scanner's file: the form; posted, the comparison (nothing written)
    with the file's lines kept to apply; posted to apply, all of it in one step."""
    applying = request.method == "POST" and request.form.get("apply") == "true"
    require(Permission.INVENTORY_WRITE if applying else Permission.INVENTORY_READ)
    box = stocktaking.rack_box(database(), barcode)
    values = _rack_values(box)
    if request.method == "GET":
        return show("rack_scan.html", form={}, **values)
    upload = request.files.get("file")
    found: list[dict[str, Any]] = []
    kept: list[bytes] = []

    def compare() -> None:
        kept.append(
            rack_bytes(
                upload if upload is not None and upload.filename else None,
                request.form.get("lines") or None,
            )
        )
        note = request.form.get("note", "").strip() or None
        found.append(
            rack_scan_of(database(), barcode, kept[0], applying, request.form.get("version"), note)
        )

    error = attempt(compare)
    if isinstance(error, ImportRejected):
        return show("rack_scan.html", 422, form={}, report=error.report, **values)
    if error is not None:
        return refused("rack_scan.html", error, **values)
    if applying:
        return back("web.unit", barcode=box.barcode, done="rack-scan")
    lines = kept[0].decode("utf-8-sig")  # read as UTF-8 already
    return show("rack_scan.html", form={}, comparison=found[0], lines=lines, **values)


LOT_FIELDS = [
    "method",
    "preserved_on",
    "quantity",
    "unit",
    "form",
    "passage_number",
    "generation",
    "regeneration_cycle",
    "remarks",
    "note",
]


def _rack_values(box: StorageUnit) -> dict[str, Any]:
    return {
        "unit": box,
        "path": storage.path_rows(database(), [box.id])[box.id],
        "lot_inputs": inputs(RackLotIn, LOT_FIELDS),
        "today": date.today().isoformat(),
    }


def rack_register(barcode: str) -> Response | tuple[str, int]:
    """The unknown tubes of a compared rack file registered as a new lot (all or nothing);
    refused, the comparison and the form again with what was wrong."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    box = stocktaking.rack_box(db, barcode)
    data = request.form.get("lines", "").encode()
    error = attempt(lambda: register_rack(db, barcode, data, forms.load(RackLotIn)))
    if error is None:
        return back("web.unit", barcode=box.barcode, done="rack-register")
    values = _rack_values(box)
    found: list[dict[str, Any]] = []
    again = attempt(lambda: found.append(rack_scan_of(db, barcode, data, False, None)))
    if isinstance(again, ImportRejected):
        return show("rack_scan.html", 422, form={}, report=again.report, **values)
    return refused(
        "rack_scan.html",
        error,
        comparison=found[0] if found else None,
        lines=data.decode(),
        register=True,
        register_form=request.form,
        **values,
    )


def stocktake(barcode: str) -> Response | tuple[str, int]:
    """A box, rack or freezer against what was read in it (a hand scanner's codes, its boxes'
    rack files): the form; posted, the comparison (nothing written) with what was read kept
    to apply; posted to apply, all of it in one step."""
    applying = request.method == "POST" and request.form.get("apply") == "true"
    require(Permission.INVENTORY_WRITE if applying else Permission.INVENTORY_READ)
    db = database()
    unit = storage.get_unit(db, barcode)
    values: dict[str, Any] = {"unit": unit, "path": storage.path_rows(db, [unit.id])[unit.id]}
    if request.method == "GET":
        return show("stocktake.html", form={}, **values)
    uploads = [f for f in request.files.getlist("racks") if f.filename]
    racks = [f.read(limits.RACK_FILE + 1) for f in uploads] or [
        text.encode() for text in request.form.getlist("rack_lines")
    ]
    listed = request.form.get("codes", "")
    codes = listed.encode() if listed.strip() else None
    found: list[dict[str, Any]] = []
    note = request.form.get("note", "").strip() or None
    version = request.form.get("version")
    error = attempt(
        lambda: found.append(stocktake_of(db, barcode, codes, racks, applying, version, note))
    )
    if isinstance(error, ImportRejected):
        return show("stocktake.html", 422, form={}, report=error.report, **values)
    if error is not None:
        return refused("stocktake.html", error, **values)
    if applying:
        return back("web.unit", barcode=unit.barcode, done="stocktake")
    kept = [("codes", listed)] + [("rack_lines", r.decode("utf-8-sig")) for r in racks]
    return show("stocktake.html", form={}, comparison=found[0], kept=kept, **values)


def routes(web: Blueprint) -> None:
    web.add_url_rule("/storage", "storage_tree", tree)
    web.add_url_rule("/storage/free", "free_space", free_space)
    web.add_url_rule("/storage/<string:barcode>", "unit", unit)
    web.add_url_rule(
        "/storage/<string:barcode>/rack-scan", "rack_scan", rack_scan, methods=["GET", "POST"]
    )
    web.add_url_rule(
        "/storage/<string:barcode>/rack-register",
        "rack_register",
        rack_register,
        methods=["POST"],
    )
    web.add_url_rule(
        "/storage/<string:barcode>/stocktake", "stocktake", stocktake, methods=["GET", "POST"]
    )
    web.add_url_rule(
        "/storage/<string:barcode>/<action>", "unit_action", unit_action, methods=["POST"]
    )
