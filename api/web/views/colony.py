"""The animal colony's pages: its lines and rooms; a line's matings with the form to set one up;
a mating's page with its sire and dams, plug checks, litters and their losses before weaning,
the forms to record a plug check and a litter, to wean a litter into cages (a row per pup) and
to retire the mating, and the cage cards of the cages its pups went to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from repository.errors import NotFound
from repository.models import Animal, AnimalLine, Item, Litter, Lot, Mating
from repository.schemas.colonies import LitterIn, LossIn, MatingIn, PlugCheckIn, RetireIn, WeanIn
from repository.services import colonies, health_reports, protocols
from repository.vocabulary import GONE, MatingStatus, MatingType, Sex

from ...context import database
from ...policy import Permission, require
from .. import forms
from ..pages import attempt, back, for_form, refused, show
from ..terms import term

PUP_FIELDS = ("sex", "ear_tag", "cage")
MOST_PUPS = 40
# The inputs of the line's and the mating's forms, as their labels and summaries name them.
LABELS = {
    "sire": _l("Sire (scan)"),
    "dams": _l("Dams (scan one, or two for a trio)"),
    "type": _l("Type"),
    "purpose": _l("Purpose"),
    "set_up_on": _l("Set up on"),
    "retired_on": _l("Retired on"),
    "checked_on": _l("Checked on"),
    "plug": _l("Plug"),
    "dam": _l("Dam"),
    "note": _l("Note"),
    "born_on": _l("Born on"),
    "born_alive": _l("Born alive"),
    "born_dead": _l("Born dead"),
    "died": _l("Pups that died"),
    "weaned_on": _l("Weaned on"),
    "protocol": _l("Protocol number"),
    "pups": _l("Pups"),
    "sex": _l("Sex"),
    "ear_tag": _l("Ear tag"),
    "cage": _l("Cage (scan)"),
}
MOST_ANIMALS = 200  # of a line listed on its page to choose parents from


# --- the colony and a line's matings -----------------------------------------------------------


def _living() -> Any:
    """The condition of an animal still in the colony."""
    return Item.status.not_in(GONE) & Animal.exit.is_(None)


def colony_page() -> tuple[str, int]:
    """The animal lines (with their animals and active matings) and the animal rooms."""
    require(Permission.INVENTORY_READ)
    db = database()
    lines = db.scalars(select(AnimalLine).order_by(AnimalLine.accession_number)).all()
    animals: dict[int, int] = {
        line_id: n
        for line_id, n in db.execute(
            select(Lot.material_id, func.count(Item.id))
            .join(Item, Item.lot_id == Lot.id)
            .join(Animal, Animal.item_id == Item.id)
            .where(_living())
            .group_by(Lot.material_id)
        )
    }
    active: dict[int, int] = {
        line_id: n
        for line_id, n in db.execute(
            select(Mating.line_id, func.count(Mating.id))
            .where(Mating.status == MatingStatus.ACTIVE)
            .group_by(Mating.line_id)
        )
    }
    return show(
        "colony.html",
        lines=[(line, animals.get(line.id, 0), active.get(line.id, 0)) for line in lines],
        rooms=health_reports.animal_rooms(db),
        today=date.today().isoformat(),
    )


def _line_animals(db: Session, line_id: int) -> list[Item]:
    """The line's animals still in the colony, males first, to choose parents from."""
    return list(
        db.scalars(
            select(Item)
            .join(Lot, Lot.id == Item.lot_id)
            .join(Animal, Animal.item_id == Item.id)
            .where(Lot.material_id == line_id, _living())
            .order_by(case((Animal.sex == Sex.MALE, 0), (Animal.sex == Sex.FEMALE, 1), else_=2))
            .order_by(Item.barcode)
            .limit(MOST_ANIMALS)
        )
    )


def _line_values(db: Session, line_id: int) -> dict[str, Any]:
    return {
        "line": protocols.get_line(db, line_id),
        "matings": colonies.line_matings(db, line_id),
        "animals": _line_animals(db, line_id),
        "mating_types": [(t.value, term(t)) for t in MatingType],
        "labels": LABELS,
        "today": date.today().isoformat(),
    }


def line_page(line_id: int) -> tuple[str, int]:
    require(Permission.INVENTORY_READ)
    return show("line.html", **_line_values(database(), line_id))


def _new_mating(db: Session, line_id: int, made: list[Mating]) -> None:
    data: dict[str, Any] = forms.raw(MatingIn)
    data["dams"] = request.form.get("dams", "").split()
    data["line_id"] = line_id
    made.append(colonies.set_up_mating(db, forms.load_data(MatingIn, data)))


def set_up_mating(line_id: int) -> Response | tuple[str, int]:
    """Set up a mating of the line: its sire and one or two dams (scanned), type, purpose."""
    require(Permission.INVENTORY_WRITE)
    db = database()
    protocols.get_line(db, line_id)
    made: list[Mating] = []
    error = attempt(lambda: _new_mating(db, line_id, made))
    if error is not None:
        error = for_form(error, ("sire", "dams", "type", "purpose", "set_up_on"))
        return refused("line.html", error, action="mating", **_line_values(db, line_id))
    return back("web.mating", mating_id=made[0].id, done="mating")


# --- a mating's page ---------------------------------------------------------------------------


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
        "labels": LABELS,
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


def _posted_litter(db: Session, mating: Mating) -> Litter:
    """The litter of the mating the form names."""
    litter = colonies.get_litter(db, int(request.form.get("litter", "0") or 0))
    if litter.mating_id != mating.id:
        raise NotFound(_("No such litter."))
    return litter


def _wean(db: Session, mating: Mating) -> None:
    litter = _posted_litter(db, mating)
    pups = forms.rows("pups", PUP_FIELDS, MOST_PUPS)
    colonies.wean(db, litter.id, forms.load_data(WeanIn, {**forms.raw(WeanIn), "pups": pups}))


def _losses(db: Session, mating: Mating) -> None:
    colonies.record_losses(db, _posted_litter(db, mating).id, forms.load(LossIn))


def _retire(db: Session, mating: Mating) -> None:
    colonies.retire_mating(db, mating.id, forms.load(RetireIn))


ACTIONS: dict[str, Callable[[Session, Mating], None]] = {
    "plug": _plug,
    "litter": _litter,
    "wean": _wean,
    "losses": _losses,
    "retire": _retire,
}
PER_LITTER = ("wean", "losses")  # actions whose form is one per litter (`wean-<id>`)


def mating_action(mating_id: int, action: str) -> Response | tuple[str, int]:
    require(Permission.INVENTORY_WRITE)
    if action not in ACTIONS:
        raise NotFound(_("No such action."))
    db = database()
    found = _mating(db, mating_id)
    error = attempt(lambda: ACTIONS[action](db, found))
    if error is not None:
        current = f"{action}-{request.form.get('litter', '')}" if action in PER_LITTER else action
        error = for_form(error, request.form)
        return refused("mating.html", error, action=current, **_values(db, found))
    return back("web.mating", mating_id=found.id, done=action)


def routes(web: Blueprint) -> None:
    web.add_url_rule("/colony", "colony", colony_page)
    web.add_url_rule("/colony/lines/<id:line_id>", "line", line_page)
    web.add_url_rule(
        "/colony/lines/<id:line_id>/matings", "set_up_mating", set_up_mating, methods=["POST"]
    )
    web.add_url_rule("/colony/matings/<id:mating_id>", "mating", mating_page)
    web.add_url_rule("/colony/litters/<id:litter_id>", "litter", litter_page)
    web.add_url_rule(
        "/colony/matings/<id:mating_id>/<action>",
        "mating_action",
        mating_action,
        methods=["POST"],
    )
