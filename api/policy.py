"""Who may do what, in one place: every view asks `require(permission, collection_id)`. Which
records each principal sees is repository.visibility's."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import gettext, lazy_gettext
from werkzeug.exceptions import Unauthorized

from repository.errors import Forbidden
from repository.services.accounts import Principal
from repository.vocabulary import Role

from .context import principal


class Permission(StrEnum):
    CATALOGUE = "catalogue"  # everyone, anonymous included
    ACCOUNT = "account"  # anyone logged in: their own password and tokens
    INVENTORY_READ = "inventory.read"  # staff: locations, items, history
    INVENTORY_WRITE = "inventory.write"  # staff: lots, events, moves
    REGISTER = "register"  # curators of the collection: register and edit materials
    STORAGE = "storage"  # curators and admins: the storage tree
    AUDIT = "audit"  # admins; curators for their collections
    DONORS = "donors"  # curators of the collection: donors and their consents
    PRINT = "print"  # staff: print labels, follow and reprint jobs
    PRINT_AGENT = "print.agent"  # printer agents: fetch and acknowledge their printers' jobs
    ADMIN = "admin"  # admins: users, organisations, collections, printers
    REQUEST = "request"  # requesters: make, follow and receive their lab's requests
    REQUESTS_READ = "requests.read"  # requesters (their lab's) and staff
    REVIEW = "requests.review"  # curators of the collection: review, decide, agreements
    DISPATCH = "requests.dispatch"  # curators of the collection and technicians: ship
    STATISTICS = "statistics"  # curators and admins: the service figures


# What a person is told when a permission is missing: who may do it, never the permission's code.
REFUSALS = {
    Permission.INVENTORY_READ: lazy_gettext(
        "Items, boxes and storage are seen by the repository's staff only. To ask for "
        "material, use the catalogue."
    ),
    Permission.INVENTORY_WRITE: lazy_gettext(
        "Only the repository's staff record lots, events and moves."
    ),
    Permission.PRINT: lazy_gettext("Only the repository's staff print labels."),
    Permission.PRINT_AGENT: lazy_gettext("Only a printer agent fetches print jobs."),
    Permission.STORAGE: lazy_gettext("Only curators change the storage tree."),
    Permission.REGISTER: lazy_gettext(
        "Only the collection's curators register and edit its materials."
    ),
    Permission.AUDIT: lazy_gettext(
        "The audit log is for administrators and the collection's curators."
    ),
    Permission.DONORS: lazy_gettext("Donor data is for the collection's curators only."),
    Permission.ADMIN: lazy_gettext("Only administrators do this."),
    Permission.REQUEST: lazy_gettext(
        "Requests are made by members of an external lab with a requester account."
    ),
    Permission.REQUESTS_READ: lazy_gettext(
        "Requests are seen by the lab that made them and by the repository's staff."
    ),
    Permission.REVIEW: lazy_gettext("Only the collection's curators review requests."),
    Permission.DISPATCH: lazy_gettext(
        "Only technicians and the collection's curators prepare and ship requests."
    ),
    Permission.STATISTICS: lazy_gettext("The service figures are for curators and administrators."),
}


def refusal(permission: Permission) -> str:
    """Why a person may not do it, in their words (who may), without permission codes."""
    message = REFUSALS.get(permission)
    return str(message) if message is not None else gettext("You may not do this.")


def allowed(who: Principal, permission: Permission, collection_id: int | None = None) -> bool:
    if Role.ADMIN in who.roles:
        return True
    match permission:
        case Permission.CATALOGUE:
            return True
        case Permission.ACCOUNT:
            return not who.anonymous
        case Permission.INVENTORY_READ | Permission.INVENTORY_WRITE | Permission.PRINT:
            return who.staff
        case Permission.PRINT_AGENT:
            return Role.PRINTER in who.roles
        case Permission.STORAGE:
            return Role.CURATOR in who.roles
        case Permission.REGISTER | Permission.AUDIT | Permission.DONORS | Permission.REVIEW:
            return bool(who.curated) if collection_id is None else collection_id in who.curated
        case Permission.REQUEST:
            return Role.REQUESTER in who.roles
        case Permission.REQUESTS_READ:
            return who.staff or Role.REQUESTER in who.roles
        case Permission.DISPATCH:
            return Role.TECHNICIAN in who.roles or (
                bool(who.curated) if collection_id is None else collection_id in who.curated
            )
        case Permission.STATISTICS:
            return Role.CURATOR in who.roles
    return False


def require(permission: Permission, collection_id: int | None = None) -> Principal:
    """The principal, if it may; otherwise 401 (nobody logged in) or 403."""
    who = principal()
    if not allowed(who, permission, collection_id):
        if who.anonymous:
            raise Unauthorized(gettext("Log in or send a bearer token."))
        raise Forbidden(refusal(permission))
    return who
