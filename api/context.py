"""The request's principal (from a bearer token or the session cookie), CSRF for cookie
sessions, and the unit of work every view runs in."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Unauthorized, UnprocessableEntity

from repository.actor import set_actor
from repository.db import Work
from repository.errors import DomainError, Forbidden
from repository.services import accounts
from repository.services.accounts import ANONYMOUS, Principal

from . import errors, metrics

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"  # the hidden field of the pages' forms
FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def database() -> Session:
    """The request's session. A request is one unit of work: committed after the view when
    the response is a success, rolled back otherwise."""
    return g.work.session


def principal() -> Principal:
    return g.get("principal", ANONYMOUS)


def _begin() -> None:
    if request.endpoint == metrics.ENDPOINT:  # a scrape: no unit of work, no principal
        return
    g.work = Work(current_app.extensions["biorepo"], actor=None, write=request.method in UNSAFE)
    g.principal = _resolve(g.work.session)
    set_actor(g.work.session, g.principal.user_id)


def _finish(response: Response) -> Response:
    work = g.pop("work", None)
    if work is not None:
        try:
            work.finish(ok=response.status_code < 400)
        except DomainError as error:  # lost a race at commit: nothing was written
            return errors.domain_problem(error)
    return response


def _abandon(_error: BaseException | None) -> None:
    work = g.pop("work", None)
    if work is not None:
        work.finish(ok=False)


def _resolve(db: Session) -> Principal:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>'.")
        found = accounts.authenticate_token(db, secret.strip())
        if found is None:
            raise Unauthorized("The token is unknown, expired or revoked.")
        return found
    sid = session.get("sid")
    if not isinstance(sid, str):
        return ANONYMOUS
    found = accounts.authenticate_session(db, sid)
    if found is None:
        session.clear()
        return ANONYMOUS
    if request.method in UNSAFE and not csrf_ok():
        raise Forbidden(f"Cookie sessions must send the {CSRF_HEADER} header from login.")
    return found


def csrf_ok() -> bool:
    """Whether the request carries the session's CSRF token: in the X-CSRF-Token header (the
    API) or the `csrf_token` form field (the pages)."""
    expected = session.get("csrf", "")
    sent = request.headers.get(CSRF_HEADER) or (
        request.form.get(CSRF_FIELD, "") if request.mimetype in FORMS else ""
    )
    return bool(expected) and hmac.compare_digest(sent, expected)


def csrf_token() -> str:
    """The session's CSRF token, made for an anonymous visitor too (the login form)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def log_in(email: str, password: str) -> str | None:
    """Check a password and start a cookie session: its CSRF token, or None if the email or
    password is wrong. The attempt is committed before the password is checked, so parallel
    guesses at one account count each other."""
    db = database()
    accounts.count_attempt(db, email, request.remote_addr or "?")
    db.commit()
    found = accounts.check_password(db, email, password)
    if found is None or found.user_id is None:
        return None
    lifetime = current_app.permanent_session_lifetime
    session.clear()
    session["sid"] = accounts.start_session(db, found.user_id, lifetime)
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True
    g.principal = found
    return session["csrf"]


def log_out() -> None:
    """End the cookie session on the server, and forget it in the browser."""
    secret = session.get("sid")
    if isinstance(secret, str):
        accounts.end_session(database(), secret)
    session.clear()


def install(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_abandon)


def page(statement: Select, pagination) -> list:
    """One page of the rows of an ordered `statement`; the total goes to the pagination
    header."""
    limit, offset = window(pagination)
    db = database()
    pagination.item_count = db.scalar(select(func.count()).select_from(statement.subquery()))
    return list(db.scalars(statement.limit(limit).offset(offset)))


def window(pagination) -> tuple[int, int]:
    """(limit, offset) of a page; a page beyond any database's reach is a clear 422."""
    if pagination.first_item > 2**31 - 1:
        raise UnprocessableEntity("That page is beyond the last one.")
    return pagination.page_size, pagination.first_item
