"""The item search over HTTP (filters, sort, pages; or a saved search), and each person's
saved searches."""

from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import Select

from api.schemas.search import FoundItemOut, SavedSearchOut
from repository.models import SavedSearch
from repository.schemas.search import ItemSearch, ItemSearchQuery, NewSavedSearch, SavedSearchIn
from repository.services import item_search, saved_searches
from repository.services.item_search import FoundItem

from ..context import database, page, window
from ..policy import Permission, require

blp = Blueprint(
    "search", __name__, url_prefix="/api/v1", description="The item search and saved searches."
)


@blp.get("/items")
@blp.arguments(ItemSearchQuery, location="query")
@blp.response(200, FoundItemOut(many=True))
@blp.paginate()
def search(search: ItemSearch, pagination_parameters) -> list[FoundItem]:
    """Items by material (accession number), lot, kind, collection, status, place (a box, or
    everything under a freezer), position range, form, preservation method, dates (preserved,
    latest event, latest QC), latest QC outcome, quantity and text in codes and names; or a
    saved search of yours (`saved`). Sorted by barcode unless `sort` says otherwise; an
    unknown parameter is refused."""
    who = require(Permission.INVENTORY_READ)
    limit, offset = window(pagination_parameters)
    found, total = item_search.search_items(database(), who, search, limit=limit, offset=offset)
    pagination_parameters.item_count = total
    return found


@blp.get("/saved-searches")
@blp.response(200, SavedSearchOut(many=True))
@blp.paginate()
def list_saved(pagination_parameters) -> list[SavedSearch]:
    """Your saved searches, by name (nobody else's)."""
    statement: Select = saved_searches.saved_of(require(Permission.INVENTORY_READ))
    return page(statement, pagination_parameters)


@blp.post("/saved-searches")
@blp.arguments(SavedSearchIn)
@blp.response(201, SavedSearchOut)
def save(command: NewSavedSearch) -> SavedSearch:
    """Keep an item search (its filters and sort, checked as the search checks them) under a
    name of yours; run it with GET /api/v1/items?saved=<id>."""
    return saved_searches.save(database(), require(Permission.INVENTORY_READ), command)


@blp.get("/saved-searches/<id:saved_id>")
@blp.response(200, SavedSearchOut)
def get_saved(saved_id: int) -> SavedSearch:
    """One of your saved searches."""
    return saved_searches.get_saved(database(), require(Permission.INVENTORY_READ), saved_id, "id")


@blp.delete("/saved-searches/<id:saved_id>")
@blp.response(204)
def delete_saved(saved_id: int) -> None:
    """Delete one of your saved searches."""
    saved_searches.delete(database(), require(Permission.INVENTORY_READ), saved_id)
