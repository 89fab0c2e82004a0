"""Logging in and out (cookie sessions with CSRF), who am I, and changing one's password."""

from __future__ import annotations

from flask import g, request, session
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import Unauthorized

from repository.schemas import Integer
from repository.services import accounts

from ..context import database, principal, start_session
from ..policy import Permission, require

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in and out.")


class LoginIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class MeOut(Schema):
    user_id = Integer(allow_none=True)
    email = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    curated_collections = fields.List(Integer())
    csrf_token = fields.String(allow_none=True)


def _me(csrf: str | None = None) -> dict:
    who = principal()
    return {
        "user_id": who.user_id,
        "email": who.email,
        "roles": sorted(who.roles),
        "curated_collections": sorted(who.curated),
        "csrf_token": csrf,
    }


@blp.post("/login")
@blp.arguments(LoginIn)
@blp.response(200, MeOut)
def login(body: dict) -> dict:
    """Log in with a password; the session cookie then needs the returned CSRF token in the
    X-CSRF-Token header of every POST, PATCH, PUT and DELETE. Five failures in 15 minutes
    (per email or address) lock logins out for a while."""
    db = database()
    found = accounts.login(db, body["email"], body["password"], request.remote_addr or "?")
    if found is None:
        db.commit()  # the failure is counted even though the request fails
        raise Unauthorized("Wrong email or password.")
    csrf = start_session(found)
    g.principal = found
    return _me(csrf)


@blp.post("/logout")
@blp.response(204)
def logout() -> None:
    """End the cookie session."""
    session.clear()


@blp.get("/me")
@blp.response(200, MeOut)
def me() -> dict:
    """Who the request is made as (anonymous if nobody)."""
    return _me(session.get("csrf"))


class PasswordIn(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=1000))


@blp.post("/password")
@blp.arguments(PasswordIn)
@blp.response(204)
def change_password(body: dict) -> None:
    """Change your password (the current one is asked again); API tokens stay valid."""
    who = require(Permission.ACCOUNT)
    accounts.change_password(
        database(), who.user_id, body["current_password"], body["new_password"]
    )
