"""Saved searches: a person keeps item searches under names of their own, runs them again and
deletes them; nobody else sees them."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, InvalidState, NotFound
from ..models import SavedSearch
from ..schemas.search import ItemQuery, ItemSearch, NewSavedSearch
from .accounts import Principal

MOST = 200  # saved searches a person keeps


def _owner(who: Principal) -> int:
    if who.user_id is None:
        raise Forbidden("Log in to keep searches.")
    return who.user_id


def saved_of(who: Principal) -> Select[SavedSearch]:
    """The asker's saved searches, by name."""
    return (
        select(SavedSearch)
        .where(SavedSearch.owner_id == _owner(who))
        .order_by(SavedSearch.name, SavedSearch.id)
    )


def save(session: Session, who: Principal, command: NewSavedSearch) -> SavedSearch:
    """Keep a search under a name (unique among the asker's), its filters and sort as the
    search schema writes them."""
    owner = _owner(who)
    kept = session.scalar(select(func.count()).where(SavedSearch.owner_id == owner)) or 0
    if kept >= MOST:
        raise InvalidState(f"You keep {MOST} saved searches, the most; delete one first.")
    if session.scalar(
        select(SavedSearch.id).where(
            SavedSearch.owner_id == owner, SavedSearch.name == command.name
        )
    ):
        raise Conflict(f"You already have a saved search named {command.name!r}.", field="name")
    saved = SavedSearch(
        owner_id=owner, name=command.name, query=ItemQuery().canonical(command.search)
    )
    session.add(saved)
    session.flush()
    return saved


def get_saved(session: Session, who: Principal, saved_id: int, field: str = "saved") -> SavedSearch:
    """One of the asker's saved searches; anyone else's does not exist for them."""
    found = session.get(SavedSearch, saved_id)
    if found is None or found.owner_id != _owner(who):
        raise NotFound(f"You have no saved search {saved_id}.", field=field)
    return found


def delete(session: Session, who: Principal, saved_id: int) -> None:
    session.delete(get_saved(session, who, saved_id, "id"))
    session.flush()


def search_of(session: Session, who: Principal, saved_id: int) -> ItemSearch:
    """The search a saved one keeps (read by the schema that wrote it)."""
    return ItemQuery().load_or_fail(get_saved(session, who, saved_id).query)
