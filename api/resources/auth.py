"""Logging in and out (cookie sessions with CSRF), who am I, and changing one's password."""

from __future__ import annotations

from flask import session
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import Unauthorized

from repository.schemas.fields import Integer
from repository.services import accounts

from ..context import database, log_in, log_out, principal
from ..policy import Permission, require
from ..security import login_limit

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
@login_limit()
@blp.arguments(LoginIn)
@blp.response(200, MeOut)
def login(body: dict) -> dict:
    """Log in with a password; the session cookie then needs the returned CSRF token in the
    X-CSRF-Token header of every POST, PATCH, PUT and DELETE. Five failed logins in 15
    minutes lock the account out for a while; many from one address answer 429."""
    csrf = log_in(body["email"], body["password"])
    if csrf is None:
        raise Unauthorized("Wrong email or password.")
    return _me(csrf)


@blp.post("/logout")
@blp.response(204)
def logout() -> None:
    """End the cookie session, on the server too (a copy of the cookie is worthless)."""
    log_out()


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
    """Change your password (the current one is asked again): all your browser sessions end,
    this one too (log in again); API tokens stay valid."""
    who = require(Permission.ACCOUNT)
    assert who.user_id is not None, "only a signed-in user has an account"
    accounts.change_password(
        database(), who.user_id, body["current_password"], body["new_password"]
    )
