"""Users and organisations (admins)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from repository.errors import NotFound
from repository.models import Organisation, User
from repository.schemas.admin import NewOrganisation, OrganisationSchema
from repository.schemas.fields import Boolean, Integer
from repository.services import accounts, collections
from repository.vocabulary import Role

from ..context import database, page
from ..policy import Permission, require

blp = Blueprint("people", __name__, url_prefix="/api/v1", description="Users, organisations.")


class GrantSchema(Schema):
    role = fields.Enum(Role, by_value=True, required=True)
    collection = fields.String(validate=validate.Length(min=1, max=32), allow_none=True)


class UserIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organisation = fields.String(validate=validate.Length(min=1, max=200))
    password = fields.String(validate=validate.Length(min=10, max=1000), load_only=True)
    roles = fields.List(
        fields.Nested(GrantSchema), required=True, validate=validate.Length(min=1, max=20)
    )


class UserPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    active = Boolean()
    organisation = fields.String(validate=validate.Length(min=1, max=200), allow_none=True)
    roles = fields.List(
        fields.Nested(GrantSchema), validate=validate.Length(min=1, max=20)
    )  # replaces every grant


class UserOut(Schema):
    id = Integer()
    email = fields.String()
    name = fields.String()
    active = Boolean()
    organisation = fields.Function(lambda u: u.organisation.name if u.organisation else None)
    roles = fields.Function(
        lambda u: [{"role": g.role.value, "collection_id": g.collection_id} for g in u.grants]
    )


class OrganisationOut(Schema):
    id = Integer()
    name = fields.String()
    name_zh = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    biosafety_level = Integer(allow_none=True)


@blp.get("/users")
@blp.response(200, UserOut(many=True))
@blp.paginate()
def list_users(pagination_parameters) -> list[User]:
    """Every user with their roles, by email."""
    require(Permission.ADMIN)
    return page(select(User).order_by(User.email), pagination_parameters)


@blp.get("/users/<id:user_id>")
@blp.etag
@blp.response(200, UserOut)
def get_user(user_id: int) -> User:
    """One user."""
    require(Permission.ADMIN)
    return _user(user_id)


@blp.patch("/users/<id:user_id>")
@blp.etag
@blp.arguments(UserPatch)
@blp.response(200, UserOut)
def edit_user(changes: dict, user_id: int) -> User:
    """Rename, move, deactivate (their sessions and tokens stop working at once) or re-grant
    a user; send the ETag you read as If-Match."""
    require(Permission.ADMIN)
    user = _user(user_id)
    blp.check_etag(user, UserOut)
    if "roles" in changes:
        changes["roles"] = [(g["role"], g.get("collection")) for g in changes["roles"]]
    return accounts.update_user(database(), user, changes)


def _user(user_id: int) -> User:
    user = database().get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


@blp.post("/users")
@blp.arguments(UserIn)
@blp.response(201, UserOut)
def create_user(body: dict) -> User:
    """A user with roles (a curator's role names its collection)."""
    require(Permission.ADMIN)
    return accounts.register_user(
        database(),
        body["email"],
        body["name"],
        organisation=body.get("organisation"),
        password=body.get("password"),
        roles=[(g["role"], g.get("collection")) for g in body["roles"]],
    )


@blp.get("/organisations")
@blp.response(200, OrganisationOut(many=True))
@blp.paginate()
def list_organisations(pagination_parameters) -> list[Organisation]:
    """The organisations (institutions and external labs), by name."""
    require(Permission.ADMIN)
    return page(select(Organisation).order_by(Organisation.name), pagination_parameters)


@blp.post("/organisations")
@blp.arguments(OrganisationSchema)
@blp.response(201, OrganisationOut)
def create_organisation(command: NewOrganisation) -> Organisation:
    """A new organisation, with its biosafety level for the requests to come."""
    require(Permission.ADMIN)
    return collections.create_organisation(database(), command)
