"""A mating's page: its sire and dams, plug checks and litters, with the forms to record a plug
check and a litter and to wean a litter into cages (a row per pup), and the cage cards of the
cages its pups went to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from repository.errors import NotFound
from repository.models import Animal, Item, Litter, Mating
from repository.schemas.colonies import LitterIn, PlugCheckIn, WeanIn
from repository.services import colonies
from repository.vocabulary import Sex

from ...context import database
from ...policy import Permission, require
from .. import forms
from ..pages import attempt, back, refused, show
from ..terms import term

PUP_FIELDS = ("sex", "ear_tag", "cage")
MOST_PUPS = 40
PUP_LABELS = {"sex": _l("Sex"), "ear_tag": _l("Ear tag"), "cage": _l("Cage (scan)")}


def _pup_lots(db: Session, mating: Mating) -> dict[int, int]:
    """The lot of each weaned litter's pups (the lot whose cage cards to print)."""
    ids = [litter.id for litter in mating.litters]
    found: dict[int, int] = {}
    for litter_id, lot_id in db.execute(
        select(Animal.litter_id, Item.lot_id)
        .join(Item, Item.id == Animal.item_id)
        .where(Animal.litter_id.in_(ids))
    ):
        if litter_id is not None:
            found.setdefault(litter_id, lot_id)
    return found


def _alive(litter: Litter) -> int:
    return litter.born_alive - litter.died - litter.weaned


def _values(db: Session, mating: Mating) -> dict[str, Any]:
    posted = len({k.split("-")[1] for k in request.form if k.startswith("pups-")})
    return {
        "mating": mating,
        "pup_lots": _pup_lots(db, mating),
        "pup_rows": {
            litter.id: min(max(_alive(litter), posted if request.form else 0, 1), MOST_PUPS)
            for litter in mating.litters
        },
        "pup_labels": PUP_LABELS,
        "sexes": [(s.value, term(s)) for s in Sex],
        "dams": [(d.barcode, d.barcode) for d in mating.dams],
        "plug_options": [("true", _("Plug found")), ("false", _("No plug"))],
        "today": date.today().isoformat(),
    }


def _mating(db: Session, mating_id: int) -> Mating:
    found = db.get(Mating, mating_id)
    if found is None:
        raise NotFound(_("No mating with id %(id)d.", id=mating_id))
    return found


def mating_page(mating_id: int) -> tuple[str, int]:
    require(Permission.INVENTORY_READ)
    db = database()
    return show("mating.html", **_values(db, _mating(db, mating_id)))


def litter_page(litter_id: int) -> Response:
    """A litter is weaned on its mating's page."""
    require(Permission.INVENTORY_READ)
    found = colonies.get_litter(database(), litter_id)
    return back("web.mating", mating_id=found.mating_id, _anchor=f"action-wean-{found.id}")


def _plug(db: Session, mating: Mating) -> None:
    data: dict[str, Any] = forms.raw(PlugCheckIn)
    if "plug" in data:
        data["plug"] = {"true": True, "false": False}.get(data["plug"], data["plug"])
    colonies.check_plug(db, mating.id, forms.load_data(PlugCheckIn, data))


def _litter(db: Session, mating: Mating) -> None:
    colonies.record_litter(db, mating.id, forms.load(LitterIn))


def _wean(db: Session, mating: Mating) -> None:
    litter = colonies.get_litter(db, int(request.form.get("litter", "0") or 0))
    if litter.mating_id != mating.id:
        raise NotFound(_("No such litter."))
    pups = forms.rows("pups", PUP_FIELDS, MOST_PUPS)
    colonies.wean(db, litter.id, forms.load_data(WeanIn, {**forms.raw(WeanIn), "pups": pups}))


ACTIONS: dict[str, Callable[[Session, Mating], None]] = {
    "plug": _plug,
    "litter": _litter,
    "wean": _wean,
}


def mating_action(mating_id: int, action: str) -> Response | tuple[str, int]:
    require(Permission.INVENTORY_WRITE)
    if action not in ACTIONS:
        raise NotFound(_("No such action."))
    db = database()
    found = _mating(db, mating_id)
    error = attempt(lambda: ACTIONS[action](db, found))
    if error is not None:
        current = f"wean-{request.form.get('litter', '')}" if action == "wean" else action
        return refused("mating.html", error, action=current, **_values(db, found))
    return back("web.mating", mating_id=found.id, done=action)


def routes(web: Blueprint) -> None:
    web.add_url_rule("/colony/matings/<id:mating_id>", "mating", mating_page)
    web.add_url_rule("/colony/litters/<id:litter_id>", "litter", litter_page)
    web.add_url_rule(
        "/colony/matings/<id:mating_id>/<action>",
        "mating_action",
        mating_action,
        methods=["POST"],
    )
