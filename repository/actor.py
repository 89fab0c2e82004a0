"""Who is acting in a session: events and audit rows carry this user."""

from __future__ import annotations

from sqlalchemy.orm import Session


def set_actor(session: Session, user_id: int | None) -> None:
    session.info["actor_id"] = user_id


def actor_id(session: Session) -> int | None:
    return session.info.get("actor_id")
