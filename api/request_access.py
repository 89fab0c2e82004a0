"""The requests a caller names or lists, fetched only if they see them (the service asks
repository.visibility) and may take the step (the policy's permissions): the API and the pages
share these."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from repository.models import MaterialRequest, User
from repository.models.base import utcnow
from repository.services import sharing

from .context import database, principal
from .policy import Permission, allowed, require


def current_user() -> User:
    """The asker's user row."""
    return database().get_one(User, principal().user_id)


def overdue_days() -> int:
    return current_app.config["REQUEST_OVERDUE_DAYS"]


def visible(request_id: int, *, lock: bool = False) -> MaterialRequest:
    """The request, if the asker may see it (locked for a change when `lock`)."""
    who = require(Permission.REQUESTS_READ)
    return sharing.visible_request(database(), who, request_id, lock=lock)


def own(request_id: int) -> MaterialRequest:
    """A request of the asker's own lab, for the requester's steps."""
    require(Permission.REQUEST)
    return visible(request_id, lock=True)


def curated(request_id: int, permission: Permission) -> MaterialRequest:
    """A request of a collection the asker works on, for the staff's steps."""
    found = visible(request_id, lock=True)
    require(permission, found.collection_id)
    return found


def cancellable(request_id: int) -> MaterialRequest:
    """A request the asker may cancel: their lab's, or one of a collection they curate."""
    found = visible(request_id, lock=True)
    if not allowed(principal(), Permission.REQUEST):
        require(Permission.REVIEW, found.collection_id)
    return found


def visible_requests(query: dict, limit: int, offset: int) -> tuple[list[MaterialRequest], int]:
    """The requests the asker sees (`status`, `overdue` filters), newest first, and their
    total."""
    who = require(Permission.REQUESTS_READ)
    idle_since = utcnow() - timedelta(days=overdue_days()) if query.get("overdue") else None
    found, total = sharing.list_requests(
        database(),
        who,
        status=query.get("status"),
        idle_since=idle_since,
        limit=limit,
        offset=offset,
    )
    return sharing.flag_overdue(found, overdue_days()), total
