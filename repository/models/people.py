"""Organisations and users: the institutions and people behind every record and change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..vocabulary import Role
from .base import Base, Timestamp, choice, utcnow


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint("biosafety_level BETWEEN 1 AND 4", name="biosafety_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_zh: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(3))
    biosafety_level: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RoleGrant.id"
    )


class RoleGrant(Base):
    """A role a user holds; a curator's grant names the collection it covers."""

    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "collection_id"),
        CheckConstraint("(role = 'curator') = (collection_id IS NOT NULL)", name="curator_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(choice(Role, "role"))
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("collections.id"))

    user: Mapped[User] = relationship(back_populates="grants")


class ApiToken(Base):
    """A machine's credential: only the SHA-256 of the secret is kept."""

    __tablename__ = "api_tokens"
    __allow_unmapped__ = True  # `secret` below is a plain attribute, not a column

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    secret: str | None = None  # the secret of a new token, in memory only: never stored

    user: Mapped[User] = relationship()


class UserSession(Base):
    """A browser's login: the cookie carries the secret, the database its SHA-256, so that
    logging out, a new password or a deactivation ends it on the server."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    ended_at: Mapped[datetime | None] = mapped_column(Timestamp)


class LoginFailure(Base):
    """A password login attempt, recorded before the password is checked (so that parallel
    guesses count each other) and cleared by a success; counted to lock an account out."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_at", "email", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
