"""What every page shares: rendering with the scan box, form errors that keep the input, the
login redirect and HTML error pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from repository.db import conflict_from
from repository.errors import DomainError, ServiceBusy, ValidationFailed
from repository.models import Collection

from ..context import database, principal
from ..errors import status_of
from ..policy import Permission, allowed


def safe_next(target: str | None) -> str:
    """A path of this site to return to, never another site: browsers drop tabs and line
    breaks and read a backslash as a slash, so `/\t/evil.example` would be `//evil.example`."""
    if (
        target
        and target.isprintable()
        and "\\" not in target
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("web.home")


def number_break(text: str) -> Markup:
    """A code that may break (in a narrow cell) before its trailing number, never inside it:
    `BB2026000002` as BB / 2026000002."""
    head = text.rstrip("0123456789")
    return escape(head) + Markup("<wbr>") + escape(text[len(head) :]) if head else escape(text)


def may(permission: Permission, collection_id: int | None = None) -> bool:
    return allowed(principal(), permission, collection_id)


def collections_for(permission: Permission) -> list[Collection]:
    """The collections the user may act on with `permission`."""
    found = database().scalars(select(Collection).order_by(Collection.code))
    return [c for c in found if may(permission, c.id)]


def collection_options(permission: Permission) -> list[tuple[str, str]]:
    """Those collections as a select's options."""
    return [(c.code, f"{c.code} · {c.name}") for c in collections_for(permission)]


def problems(error: DomainError) -> dict[str, list[str]]:
    """A domain error as messages per field ("" for the form as a whole)."""
    found: dict[str, list[str]] = {}
    if isinstance(error, ValidationFailed):
        for name, messages in _flatten(error.errors):
            found.setdefault(name, []).extend(messages)
    else:
        found.setdefault(error.field or "", []).append(error.detail)
    return found


def for_form(error: DomainError, names: Iterable[str]) -> DomainError:
    """A refusal naming none of the form's inputs (`barcode`, `status`: the record the page is
    about) said of the form as a whole, so no summary names a field by its code."""
    if not isinstance(error, ValidationFailed) and error.field not in set(names):
        error.field = None
    return error


def on_field(errors: dict[str, Any], name: str) -> dict[str, Any]:
    """`errors` with the nested messages of the field `name` (by line, by marker: no inputs of
    their own) said on that field, each after where it is ("TH01: …")."""
    nested = errors.get(name)
    if not isinstance(nested, dict):
        return errors
    said = [f"{where}: {m}" if where else m for where, ms in _flatten(nested) for m in ms]
    return {**errors, name: said}


def _flatten(errors: Any, prefix: str = "") -> list[tuple[str, list[str]]]:
    if isinstance(errors, list):
        return [(prefix, [str(e) for e in errors])]
    out: list[tuple[str, list[str]]] = []
    for key, value in (errors or {}).items():
        name = f"{prefix}.{key}" if prefix and not str(key).isdigit() else (prefix or str(key))
        out.extend(_flatten(value, name))
    return out


def show(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    return render_template(template, **values), status


def refused(template: str, error: DomainError, **values: Any) -> tuple[str, int]:
    """The form again, with what the user typed and what was wrong (nothing was changed)."""
    status = status_of(error)
    form = values.pop("form_values", request.form)
    return show(template, status, errors=problems(error), form=form, **values)


def _http_error(error: HTTPException) -> Response | tuple[str, int]:
    if error.code == 401:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    titles = {403: _("Not allowed"), 404: _("Not found")}
    title = titles.get(error.code or 500, _("Something went wrong"))
    return show("error.html", error.code or 500, title=title, detail=error.description)


def _domain_error(error: DomainError) -> Response | tuple[str, int]:
    status = status_of(error)
    titles = {403: _("Not allowed"), 404: _("Not found"), 503: _("Busy, try again")}
    page = show(
        "error.html", status, title=titles.get(status, _("That did not work")), detail=error.detail
    )
    if isinstance(error, ServiceBusy):
        response = make_response(page)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    return page


def register_errors(web: Blueprint) -> None:
    web.register_error_handler(HTTPException, _http_error)
    web.register_error_handler(DomainError, _domain_error)


def back(endpoint: str, **values: Any) -> Response:
    """After a change: see the result (303, so a reload does not post again)."""
    return redirect(url_for(endpoint, **values), code=303)


def attempt(action: Callable[[], Any]) -> DomainError | None:
    """Run a change; if a service (or the database) refuses it, undo everything and return
    the reason, so the page can show the form again."""
    db = database()
    try:
        action()
        db.flush()
    except IntegrityError as error:
        db.rollback()
        return conflict_from(error)
    except DomainError as error:
        db.rollback()
        return error
    return None
