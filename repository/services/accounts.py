"""Accounts: users with roles, password logins (argon2, rate-limited), and API tokens (stored
as SHA-256, expiring, revocable)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, Select, bindparam, delete, func, select
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import ApiToken, LoginFailure, RoleGrant, User, UserSession
from ..models.base import utcnow
from ..schemas.admin import NewToken
from ..vocabulary import Role
from .collections import create_user, get_collection, get_organisation

PASSWORDS = PasswordHasher()
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5  # per account within the window (per address: the API's rate limit)
MIN_PASSWORD = 10


@dataclass(frozen=True)
class Principal:
    """Who is asking, and what they may do."""

    user_id: int | None = None
    email: str | None = None
    roles: frozenset[Role] = frozenset()
    curated: frozenset[int] = field(default_factory=frozenset)  # collection ids
    organisation_id: int | None = None  # their lab (a requester sees its requests)

    @property
    def anonymous(self) -> bool:
        return self.user_id is None

    @property
    def staff(self) -> bool:
        return bool(self.roles & {Role.ADMIN, Role.CURATOR, Role.TECHNICIAN})


ANONYMOUS = Principal()
# What the staff see: whoever runs a command on the server, and a judgement that must weigh
# every record whoever asked for it (an STR verdict against every reference).
STAFF_VIEW = Principal(roles=frozenset({Role.ADMIN}))


def register_user(
    session: Session,
    email: str,
    name: str,
    *,
    roles: list[tuple[Role, str | None]],
    organisation: str | None = None,
    password: str | None = None,
) -> User:
    """A user with roles (a curator's role names its collection code) and an optional
    password."""
    user = create_user(session, email, name, organisation)
    for role, collection in roles:
        grant_role(session, user, role, collection)
    if password is not None:
        set_password(session, user, password)
    session.flush()
    return user


def grant_role(session: Session, user: User, role: Role, collection: str | None = None) -> None:
    if (role is Role.CURATOR) != (collection is not None):
        raise ValidationFailed(
            {"collection": ["A curator's role, and only it, names a collection."]}
        )
    collection_id = get_collection(session, collection).id if collection else None
    if any(g.role is role and g.collection_id == collection_id for g in user.grants):
        raise Conflict(f"{user.email} already has that role.", field="role")
    user.grants.append(RoleGrant(role=role, collection_id=collection_id))


def set_password(session: Session, user: User, password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed({field: [f"Use at least {MIN_PASSWORD} characters."]})
    user.password_hash = PASSWORDS.hash(password)


def get_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No user {email!r}.", field="email")
    return user


# An active user with each of their grants, in one statement (asked on every request).
_GRANTS = (
    select(User.id, User.email, User.organisation_id, RoleGrant.role, RoleGrant.collection_id)
    .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
    .where(User.active.is_(True))
)
_BY_USER = _GRANTS.where(User.id == bindparam("user_id"))
_BY_TOKEN = _GRANTS.join(ApiToken, ApiToken.user_id == User.id).where(
    ApiToken.token_hash == bindparam("token_hash"),
    ApiToken.revoked_at.is_(None),
    ApiToken.expires_at > bindparam("now"),
)
_BY_SESSION = _GRANTS.join(UserSession, UserSession.user_id == User.id).where(
    UserSession.token_hash == bindparam("token_hash"),
    UserSession.ended_at.is_(None),
    UserSession.expires_at > bindparam("now"),
)


def _principal(session: Session, statement: Select, **params: object) -> Principal | None:
    rows = session.connection().execute(statement, params).all()
    if not rows:
        return None
    return Principal(
        user_id=rows[0].id,
        email=rows[0].email,
        roles=frozenset(r.role for r in rows if r.role is not None),
        curated=frozenset(r.collection_id for r in rows if r.collection_id is not None),
        organisation_id=rows[0].organisation_id,
    )


def count_attempt(session: Session, email: str, address: str) -> None:
    """Record a password login attempt before its password is checked. Commit it before
    `check_password`, so that parallel guesses count each other and no more than
    MAX_FAILURES of them are ever checked."""
    session.add(LoginFailure(email=email.strip().lower()[:254], address=address[:64]))
    session.flush()


def check_password(session: Session, email: str, password: str) -> Principal | None:
    """The principal whose password this is, or None; after MAX_FAILURES attempts in the
    window the account is locked out, whatever the password. An unknown email costs the
    same hash check as a known one, so timing does not tell who has an account."""
    email = email.strip().lower()
    attempts = session.execute(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email == email, LoginFailure.at >= utcnow() - FAILURE_WINDOW)
    ).scalar_one()
    if attempts > MAX_FAILURES:
        raise Forbidden("Too many failed logins; try again in 15 minutes.", field="rate_limit")
    user = session.scalar(select(User).where(User.email == email, User.active.is_(True)))
    hashed = user.password_hash if user is not None else None
    try:
        PASSWORDS.verify(hashed if hashed is not None else _decoy(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or hashed is None:
        return None
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    return user_principal(session, user.id)


def user_principal(session: Session, user_id: int) -> Principal | None:
    """An active user as a principal, with their roles; None for an inactive or unknown one."""
    return _principal(session, _BY_USER, user_id=user_id)


@cache
def _decoy() -> str:
    """A hash no password matches, checked for unknown accounts."""
    return PASSWORDS.hash(secrets.token_urlsafe(32))


def start_session(session: Session, user_id: int, lifetime: timedelta) -> str:
    """A new browser session of the user; returns the secret its cookie carries."""
    secret = secrets.token_urlsafe(32)
    session.add(
        UserSession(user_id=user_id, token_hash=_digest(secret), expires_at=utcnow() + lifetime)
    )
    session.flush()
    return secret


def authenticate_session(session: Session, secret: str) -> Principal | None:
    """The principal of a live browser session, or None if it ended or expired."""
    return _principal(session, _BY_SESSION, token_hash=_digest(secret), now=utcnow())


def end_session(session: Session, secret: str) -> None:
    """Log one browser session out (its cookie is worthless from now on)."""
    _end_sessions(session, UserSession.token_hash == _digest(secret))


def end_sessions(session: Session, user_id: int) -> None:
    """End every browser session of a user (a new password, a deactivation)."""
    _end_sessions(session, UserSession.user_id == user_id)


def _end_sessions(session: Session, which: ColumnElement[bool]) -> None:
    for live in session.scalars(select(UserSession).where(which, UserSession.ended_at.is_(None))):
        live.ended_at = utcnow()
    session.flush()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, command: NewToken) -> ApiToken:
    """A new API token for the user of the command's email. Its `secret` is on the returned
    record only: the database keeps its hash."""
    if not 1 <= command.days <= 3650:
        raise ValidationFailed({"days": ["Between 1 and 3650 days."]})
    if command.email is None:
        raise ValidationFailed({"email": ["Name the user the token is for."]})
    user = get_user(session, command.email)
    secret = "br_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=command.name,
        token_hash=_digest(secret),
        expires_at=utcnow() + timedelta(days=command.days),
    )
    session.add(token)
    session.flush()
    token.secret = secret
    return token


def authenticate_token(session: Session, secret: str) -> Principal | None:
    """The principal behind a bearer token, or None if it is unknown, expired or revoked."""
    return _principal(session, _BY_TOKEN, token_hash=_digest(secret), now=utcnow())


def revoke_token(session: Session, token: ApiToken) -> None:
    """Revoke a token at once (revoking twice changes nothing)."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    session.flush()


def change_password(session: Session, user_id: int, current: str, new: str) -> None:
    """A user's new password, given the current one: every browser session of theirs ends
    (they log in again); their API tokens stay valid."""
    user = session.get(User, user_id)
    if user is None or user.password_hash is None:
        raise Forbidden("This account logs in by token only.", field="current_password")
    try:
        PASSWORDS.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise Forbidden("The current password is wrong.", field="current_password") from None
    if new == current:
        raise ValidationFailed({"new_password": ["The new password must differ."]})
    set_password(session, user, new, field="new_password")
    end_sessions(session, user.id)


def update_user(session: Session, user: User, changes: dict) -> User:
    """Rename, move to another organisation, or (de)activate a user: a deactivated user can
    neither log in nor use their sessions or tokens."""
    if "name" in changes:
        user.name = changes["name"]
    if "active" in changes:
        user.active = changes["active"]
        if not user.active:
            end_sessions(session, user.id)
    if "organisation" in changes:
        name = changes["organisation"]
        user.organisation = get_organisation(session, name, create=True) if name else None
    session.flush()
    return user
