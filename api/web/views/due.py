"""What is due: the staff's list of work, today and overdue, each line with why and a link to
where it is done; the staff's home after logging in."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, request, url_for
from flask_babel import lazy_gettext
from marshmallow import ValidationError
from sqlalchemy import select

from repository.errors import ValidationFailed
from repository.models import Collection, Item
from repository.services.due import SOURCES, DueLine
from repository.vocabulary import GONE

from ...context import database
from ...policy import Permission, require
from ...resources.due import DueQuery, page_asked, today
from ..pages import show
from ..terms import language

# The kinds of work as the page names them (another source's kind is shown as it is).
KINDS = {
    "request": lazy_gettext("Overdue request"),
    "low_stock": lazy_gettext("Low stock"),
    "cell_culture": lazy_gettext("Cell culture test"),
    "seed_bank": lazy_gettext("Seed bank"),
    "colony": lazy_gettext("Animal colony"),
    "sequence_identity": lazy_gettext("Sequence identity"),
    # the kinds of the seed bank's and the colony's lines
    "germination_test": lazy_gettext("Germination test"),
    "regeneration": lazy_gettext("Regeneration"),
    "weaning": lazy_gettext("Weaning"),
    "plug_check": lazy_gettext("Plug check"),
    "weight": lazy_gettext("Weighing"),
    "protocol_expiry": lazy_gettext("Protocol expiry"),
}


SHOWN = 500  # the lines the page shows


def _lot_items(lines: Iterable[DueLine]) -> dict[int, str]:
    """An item still held of each lot among the lines (where a lot's work is recorded)."""
    lot_ids = {line.record_id for line in lines if line.record == "lot"}
    found: dict[int, str] = {}
    for lot_id, barcode in database().execute(
        select(Item.lot_id, Item.barcode)
        .where(Item.lot_id.in_(lot_ids), Item.status.not_in(GONE))
        .order_by(Item.id)
    ):
        found.setdefault(lot_id, barcode)
    return found


def link(line: DueLine, lot_items: dict[int, str]) -> str | None:
    """Where the line's work is done: the request, the material, the mating (of a litter), the
    animal, or an item of the lot."""
    if line.record == "request":
        return url_for("web.request_page", request_id=line.record_id)
    if line.record == "material":
        return url_for("web.material", material_id=line.record_id)
    if line.record == "mating":
        return url_for("web.mating", mating_id=line.record_id)
    if line.record == "litter":
        return url_for("web.litter", litter_id=line.record_id)
    if line.record == "animal":
        return url_for("web.animal", barcode=line.label)
    if line.record == "lot" and line.record_id in lot_items:
        return url_for("web.item", barcode=lot_items[line.record_id])
    return None


def due_page() -> tuple[str, int]:
    require(Permission.INVENTORY_READ)
    given = {k: v for k, v in request.args.items() if k in ("kind", "collection", "until") and v}
    try:
        query = DueQuery().load(given)
    except ValidationError as error:
        raise ValidationFailed(error.normalized_messages()) from None
    lines = page_asked(query, 0, SHOWN).lines
    lot_items = _lot_items(lines)
    locale, now = language(), today()
    shown = [
        {
            "line": line,
            "kind": KINDS.get(line.kind, line.kind.replace("_", " ")),
            "reason": line.said(locale),
            "href": link(line, lot_items),
            "overdue": line.overdue(now),
        }
        for line in lines
    ]
    codes = database().scalars(select(Collection.code).order_by(Collection.code))
    return show(
        "due.html",
        shown=shown,
        kinds=[(kind, KINDS.get(kind, kind)) for kind in SOURCES],
        collections=[(code, code) for code in codes],
        form=request.args,
        today=now,
    )


def routes(web: Blueprint) -> None:
    web.add_url_rule("/due", "due", due_page)
