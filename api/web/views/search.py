"""The item search page: the filters as a form, a page of the items found with where each one
is, and the asker's saved searches (save this search, run one, delete one)."""

from __future__ import annotations

from math import ceil
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import post_load, validate
from sqlalchemy import select
from werkzeug.wrappers import Response

from repository.errors import DomainError
from repository.models import Collection, SavedSearch
from repository.schemas.fields import Integer
from repository.schemas.search import (
    SORT_CHOICES,
    ItemQuery,
    ItemSearch,
    ItemSearchQuery,
    SavedSearchIn,
)
from repository.services import item_search, saved_searches
from repository.vocabulary import (
    ItemForm,
    ItemStatus,
    MaterialKind,
    PreservationMethod,
    QcOutcome,
    Unit,
)

from ...context import database
from ...policy import Permission, require
from .. import forms
from ..pages import attempt, back, refused, show
from ..terms import term

PER_PAGE = 50
LAST_PAGE = 100_000  # 5 million items; a larger number is a typing error
# The inputs' labels, by name, for the form and the summary of what was wrong.
LABELS = {
    "q": _l("Text: barcode, accession number, name, taxon"),
    "material": _l("Accession number"),
    "lot": _l("Lot number"),
    "kind": _l("Kind"),
    "collection": _l("Collection"),
    "status": _l("Status"),
    "container": _l("In (box, rack or freezer barcode)"),
    "position_from": _l("From position"),
    "position_to": _l("To position"),
    "form": _l("Form"),
    "method": _l("Preservation method"),
    "preserved_from": _l("Preserved from"),
    "preserved_to": _l("Preserved until"),
    "last_event_from": _l("Last event from"),
    "last_event_to": _l("Last event until"),
    "qc_from": _l("Last QC from"),
    "qc_to": _l("Last QC until"),
    "qc_result": _l("Last QC result"),
    "quantity_min": _l("Quantity at least"),
    "quantity_max": _l("Quantity at most"),
    "unit": _l("Unit"),
    "sort": _l("Sort by"),
    "saved": _l("Saved search"),
    "page": _l("Page"),
    "name": _l("Name"),
}


class ItemsPageQuery(ItemSearchQuery):
    """The page's query string: the API's item search and a page number."""

    PAGING = frozenset()
    page = Integer(load_default=1, validate=validate.Range(1, LAST_PAGE))

    @post_load
    def _command(self, data: dict, **kwargs: Any) -> tuple[ItemSearch, int]:
        number = data.pop("page")
        return super()._command(data, **kwargs), number


def _choices() -> dict[str, Any]:
    def of(vocabulary: Any, name: str) -> list[tuple[str, str]]:
        return [(member.value, term(member, name)) for member in vocabulary]

    return {
        "kinds": of(MaterialKind, "kind"),
        "statuses": of(ItemStatus, "status"),
        "item_forms": of(ItemForm, "form"),
        "methods": of(PreservationMethod, "method"),
        "outcomes": of(QcOutcome, "outcome"),
        "units": of(Unit, "unit"),
        "collections": [
            (c.code, f"{c.code} · {c.name}")
            for c in database().scalars(select(Collection).order_by(Collection.code))
        ],
        "sorts": [(choice, term(choice, "sort")) for choice in SORT_CHOICES],
        "labels": LABELS,
    }


def _render(values: dict[str, Any], error: DomainError | None = None) -> tuple[str, int]:
    """The page for these parameters: the form showing them (a saved search's filters when
    they name one), a page of the items found and links to the others, the asker's saved
    searches; or, refused, the form again with what was wrong."""
    who = require(Permission.INVENTORY_READ)
    db = database()
    shown, results = values, {"found": [], "total": 0, "page": 1, "pages": 0}
    try:
        search, number = forms.load_data(ItemsPageQuery, values)
        if search.saved is not None:
            kept = saved_searches.get_saved(db, who, search.saved)
            shown = {**kept.query, **({"sort": search.sort} if search.sort else {})}
        found, total = item_search.search_items(
            db, who, search, limit=PER_PAGE, offset=(number - 1) * PER_PAGE
        )
        results = {"found": found, "total": total, "page": number, "pages": ceil(total / PER_PAGE)}
    except DomainError as refusal:
        error = error or refusal
    linked = forms.pairs({k: v for k, v in values.items() if k != "page"})
    form = {k: v[0] if isinstance(v, list) else v for k, v in shown.items()}
    common = {
        **results,
        **_choices(),
        "searched": bool(values),
        "chosen": {k: v for k, v in shown.items() if isinstance(v, list)},
        "query": forms.pairs({k: v for k, v in shown.items() if k not in ("page", "saved")}),
        "page_url": lambda n: f"{url_for('web.items')}?{urlencode([*linked, ('page', n)])}",
        "saved": list(db.scalars(saved_searches.saved_of(who))),
    }
    if error is not None:
        return refused("items.html", error, form_values=form | request.form.to_dict(), **common)
    return show("items.html", form=form, **common)


def items_page() -> tuple[str, int]:
    """Search the items: by material, lot, kind, collection, status, place, positions, form,
    preservation, dates, QC, quantity and text; a page at a time; or run a saved search."""
    require(Permission.INVENTORY_READ)
    return _render(forms.given(request.args, ItemsPageQuery._declared_fields))


def save_search() -> Response | tuple[str, int]:
    """Keep the search the page shows (its filters, posted with the name) under a name."""
    who = require(Permission.INVENTORY_READ)
    values = forms.given(request.form, ItemQuery._declared_fields)
    made: list[SavedSearch] = []

    def save() -> None:
        given = {"name": request.form.get("name", ""), "query": values}
        made.append(saved_searches.save(database(), who, forms.load_data(SavedSearchIn, given)))

    error = attempt(save)
    if error is not None:
        return _render(values, error)
    return back("web.items", saved=made[0].id)


def delete_search(saved_id: int) -> Response:
    """Delete one of the asker's saved searches."""
    saved_searches.delete(database(), require(Permission.INVENTORY_READ), saved_id)
    return back("web.items")


def routes(web: Blueprint) -> None:
    web.add_url_rule("/items", "items", items_page)
    web.add_url_rule("/items/saved", "save_search", save_search, methods=["POST"])
    web.add_url_rule(
        "/items/saved/<id:saved_id>/delete", "delete_search", delete_search, methods=["POST"]
    )
