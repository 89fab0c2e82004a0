"""Scan first: a code opens its item, box, request or material; the item page with its
history and the events recorded on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from repository import barcodes
from repository.errors import NotFound, ValidationFailed
from repository.models import Item, Lot, Material, MaterialRequest
from repository.schemas.inventory import (
    ConsumeIn,
    DestroyIn,
    Found,
    FoundIn,
    ItemsSchema,
    NoteIn,
    QcSchema,
    TubeCodeIn,
)
from repository.services import inventory, queries, storage, tube_codes
from repository.services.accounts import Principal
from repository.services.catalogue import attach_offers
from repository.visibility import sees_inventory, sees_material, sees_request
from repository.vocabulary import QcOutcome, QcTest

from ...context import database
from ...policy import Permission, require
from .. import forms
from ..pages import attempt, back, problems, refused, show
from ..terms import language, term
from . import lots, sequences

TARGETS = {
    "item": ("web.item", "barcode"),
    "unit": ("web.unit", "barcode"),
    "request": ("web.request_page", "request_id"),
    "material": ("web.material", "material_id"),
}


def _link(db: Session, who: Principal, match: queries.Match) -> str | None:
    """Where the asker opens what a code names, or None when for them it does not exist: the
    API's rules (items and boxes for staff, internal materials for staff, a requester's own
    lab's requests), so a page never tells what the API hides. Outside staff a material opens
    in the catalogue."""
    if match.kind in ("item", "unit") and not sees_inventory(who):
        return None
    if match.kind == "request" and not sees_request(who, db.get_one(MaterialRequest, match.key)):
        return None
    if match.kind == "material":
        found = db.get_one(Material, match.key)
        if not sees_material(who, found.access_level):
            return None
        if not sees_inventory(who):
            return url_for("web.catalogue", q=found.accession_number)
    endpoint, name = TARGETS[match.kind]
    values: dict[str, Any] = {name: match.key}
    return url_for(endpoint, **values)


def scan() -> Response | tuple[str, int]:
    """What a handheld scanner (or a keyboard) typed into the scan box."""
    who = require(Permission.ACCOUNT)
    code = request.args.get("code", "").strip()
    if not code:
        return show("scan.html", 422, code=code, matches=[], message=_("Scan or type a code."))
    db = database()
    try:
        identified = queries.identify(db, code)
    except ValidationFailed as error:  # no code is like it: too long, control characters
        message = " ".join(problems(error).get("code", [error.detail]))
        return show("scan.html", 422, code="", matches=[], message=message)
    found = [(m, _link(db, who, m)) for m in identified]
    matches = [(m, link) for m, link in found if link is not None]
    if len(matches) == 1:
        return redirect(matches[0][1], code=303)
    if not matches and barcodes.looks_misread(code):
        message = _(
            "%(code)s looks misread: its check character does not match. Scan it again.",
            code=code,
        )
        return show("scan.html", 404, code=code, matches=[], message=message)
    if not matches:
        message = _("Nothing has the code %(code)s: no item, box, request or material.", code=code)
        return show("scan.html", 404, code=code, matches=[], message=message)
    message = _(
        "The code %(code)s is used by %(n)d records: choose one.", code=code, n=len(matches)
    )
    return show("scan.html", 200, code=code, matches=matches, message=message)


def _record_qc(db: Session, item: Item) -> None:
    inventory.record_qc(db, item.lot_id, forms.load(QcSchema), item.barcode)


def _aliquot(db: Session, item: Item) -> None:
    inventory.split(db, item.barcode, forms.load(ItemsSchema))


def _consume(db: Session, item: Item) -> None:
    inventory.consume(db, item.barcode, forms.load(ConsumeIn))


def _destroy(db: Session, item: Item) -> None:
    inventory.destroy(db, item.barcode, forms.load(DestroyIn))


def _missing(db: Session, item: Item) -> None:
    inventory.mark_missing(db, item.barcode, forms.load(NoteIn))


def _found(db: Session, item: Item) -> None:
    inventory.mark_found(db, item.barcode, forms.load(FoundIn))


def _tube_code(db: Session, item: Item) -> None:
    tube_codes.attach(db, item.barcode, forms.load(TubeCodeIn))


def _remove_tube_code(db: Session, item: Item) -> None:
    tube_codes.detach(db, item.barcode, forms.load(NoteIn).note)


def _move(db: Session, item: Item) -> None:
    body: Found = forms.load(FoundIn)  # container and note (position as the grid names it)
    if not body.container:
        raise NotFound(_("Scan the box or container to move the item into."), field="container")
    unit = storage.get_unit(db, body.container, field="container")
    storage.place_items(db, [item], unit, note=body.note, start=forms.position())


ACTIONS: dict[str, Callable[[Session, Item], None]] = {
    "qc": _record_qc,
    "aliquot": _aliquot,
    "consume": _consume,
    "destroy": _destroy,
    "missing": _missing,
    "found": _found,
    "move": _move,
    "tube-code": _tube_code,
    "remove-tube-code": _remove_tube_code,
    **lots.ACTIONS,
}


def _item_values(db: Session, barcode: str) -> dict[str, Any]:
    return {
        "scan": queries.scan(db, barcode),
        "qc_options": [(t.value, term(t)) for t in QcTest],
        "outcome_options": [(o.value, term(o)) for o in QcOutcome],
        "today": date.today().isoformat(),
        **lots.values(db, inventory.get_item(db, barcode).lot),
    }


def item(barcode: str) -> tuple[str, int]:
    require(Permission.INVENTORY_READ)
    return show("item.html", **_item_values(database(), barcode))


def item_action(barcode: str, action: str) -> Response | tuple[str, int]:
    require(Permission.INVENTORY_WRITE)
    if action not in ACTIONS:
        raise NotFound(_("No such action."))
    db = database()
    target = inventory.get_item(db, barcode)
    error = attempt(lambda: ACTIONS[action](db, target))
    if error is not None:
        return refused("item.html", error, action=action, **_item_values(db, barcode))
    return back("web.item", barcode=target.barcode, done=action)


def material(material_id: int) -> tuple[str, int]:
    require(Permission.INVENTORY_READ)
    db = database()
    found = db.get(Material, material_id)
    if found is None:
        raise NotFound(_("No material with id %(id)d.", id=material_id))
    attach_offers(db, [found], language())
    items = db.scalars(
        select(Item).join(Lot).where(Lot.material_id == found.id).order_by(Item.id).limit(200)
    ).all()
    return show("material.html", material=found, items=items, sequences=sequences.rows(found))


def routes(web: Blueprint) -> None:
    web.add_url_rule("/scan", "scan", scan)
    web.add_url_rule("/items/<string:barcode>", "item", item)
    web.add_url_rule(
        "/items/<string:barcode>/<action>", "item_action", item_action, methods=["POST"]
    )
    web.add_url_rule("/materials/<id:material_id>", "material", material)
