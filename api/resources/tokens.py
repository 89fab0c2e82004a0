"""API tokens over HTTP: everyone logged in manages their own; admins those of any user (a
printer agent's, say)."""

from __future__ import annotations

from dataclasses import replace

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from api.schemas.fields import UtcDateTime
from repository.errors import Forbidden, NotFound
from repository.models import ApiToken
from repository.schemas.admin import NewToken, TokenIn
from repository.schemas.fields import Integer
from repository.services import accounts

from ..context import database, page
from ..policy import Permission, allowed, require

blp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens", description="API tokens.")


class TokenOut(Schema):
    id = Integer()
    name = fields.String()
    user = fields.Function(lambda t: t.user.email)
    created_at = UtcDateTime()
    expires_at = UtcDateTime()
    revoked_at = UtcDateTime(allow_none=True)


class NewTokenOut(TokenOut):
    token = fields.String(attribute="secret", metadata={"description": "Shown this once."})


@blp.get("")
@blp.response(200, TokenOut(many=True))
@blp.paginate()
def list_tokens(pagination_parameters) -> list[ApiToken]:
    """Your tokens, newest first (admins: everyone's); never their secrets."""
    who = require(Permission.ACCOUNT)
    statement = select(ApiToken).order_by(ApiToken.id.desc())
    if not allowed(who, Permission.ADMIN):
        statement = statement.where(ApiToken.user_id == who.user_id)
    return page(statement, pagination_parameters)


@blp.post("")
@blp.arguments(TokenIn)
@blp.response(201, NewTokenOut)
def create_token(command: NewToken) -> ApiToken:
    """A new token for you (admins: for the user named by `email`). The secret is in this
    response only; send it as `Authorization: Bearer <token>`."""
    who = require(Permission.ACCOUNT)
    assert who.email is not None, "only a signed-in user has an account"
    email = command.email or who.email
    if email.lower() != who.email and not allowed(who, Permission.ADMIN):
        raise Forbidden("Only admins create tokens for other users.", field="email")
    return accounts.create_token(database(), replace(command, email=email))


@blp.delete("/<id:token_id>")
@blp.response(204)
def revoke(token_id: int) -> None:
    """Revoke a token at once (yours; admins: anyone's)."""
    who = require(Permission.ACCOUNT)
    db = database()
    token = db.get(ApiToken, token_id)
    if token is None or (token.user_id != who.user_id and not allowed(who, Permission.ADMIN)):
        raise NotFound("No such token.")
    accounts.revoke_token(db, token)
