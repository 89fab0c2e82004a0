"""The navigation each role sees: an entry only for what the policy allows."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import request, url_for
from flask_babel import get_locale, lazy_gettext

from ..context import principal
from ..policy import Permission, allowed


class Entry(NamedTuple):
    endpoint: str
    label: Any  # a lazy translation
    permission: Permission


ENTRIES = (
    Entry("web.home", lazy_gettext("Home"), Permission.ACCOUNT),
    Entry("web.due", lazy_gettext("What is due"), Permission.INVENTORY_READ),
    Entry("web.colony", lazy_gettext("Colony"), Permission.INVENTORY_READ),
    Entry("web.items", lazy_gettext("Items"), Permission.INVENTORY_READ),
    Entry("web.storage_tree", lazy_gettext("Storage"), Permission.INVENTORY_READ),
    Entry("web.free_space", lazy_gettext("Free space"), Permission.INVENTORY_READ),
    Entry("web.bench_register", lazy_gettext("Register"), Permission.REGISTER),
    Entry("web.imports", lazy_gettext("Import"), Permission.REGISTER),
    Entry("web.catalogue", lazy_gettext("Catalogue"), Permission.CATALOGUE),
    Entry("web.str_search", lazy_gettext("STR search"), Permission.CATALOGUE),
    Entry("web.identify", lazy_gettext("Identify"), Permission.INVENTORY_READ),
    Entry("web.desk", lazy_gettext("Requests"), Permission.REQUESTS_READ),
    Entry("web.dashboard", lazy_gettext("Dashboard"), Permission.STATISTICS),
)


def entries() -> list[Entry]:
    who = principal()
    return [e for e in ENTRIES if allowed(who, e.permission)]


def context() -> dict[str, Any]:
    who = principal()
    return {
        "nav": entries(),
        "who": who,
        "locale": str(get_locale()),
        "here": request.full_path.rstrip("?"),
        "may": lambda name: allowed(who, Permission(name)),
        "endpoint": request.endpoint,
        "url_for": url_for,
    }
