"""What is due: one list of the work each person must do, today and overdue, gathered from
the modules that know it (SOURCES), kept to what the person sees (repository.visibility),
overdue first, then by date; and the daily digest of it, one message per staff person."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..memory import collection_paused
from ..models import OutboxMessage, RoleGrant, User
from ..visibility import due_scope
from ..vocabulary import Role
from . import (
    cell_culture,
    colonies,
    notifications,
    reservations,
    seed_bank,
    sequence_checks,
    sharing,
)
from .accounts import Principal, user_principal
from .due_line import DueLine

__all__ = ["DIGEST", "SOURCES", "DueLine", "Source", "digest", "due_list", "gather", "seen_by"]

Source = Callable[[Session, date], list[DueLine]]

# The sources of the due list, by the kind of their lines: one line adds a source. Each gives
# the lines due by the day it is asked for (overdue ones included).
SOURCES: dict[str, Source] = {
    "request": sharing.due,
    "low_stock": reservations.due,
    "cell_culture": cell_culture.due,
    "seed_bank": seed_bank.due,
    "colony": colonies.due,
    "sequence_identity": sequence_checks.due,
}

DIGEST = "What is due on "  # the digest's subject, before the day


def gather(
    session: Session,
    today: date,
    kinds: Collection[str] | None = None,
    *,
    until: date | None = None,
    sources: Mapping[str, Source] = SOURCES,
) -> list[DueLine]:
    """Everything due by `until` (default `today`) from the sources of `kinds` (default all),
    overdue (before `today`) first, then by date."""
    with collection_paused():  # some 10^4 lines of a large facility, all kept
        lines = [
            line
            for kind, source in sources.items()
            if kinds is None or kind in kinds
            for line in source(session, until or today)
        ]
    return sorted(
        lines, key=lambda line: (not line.overdue(today), line.due_on, line.kind, line.record_id)
    )


def seen_by(who: Principal, lines: list[DueLine]) -> list[DueLine]:
    """The lines of the collections `who` sees (repository.visibility.due_scope)."""
    scope = due_scope(who)
    return [line for line in lines if scope is None or line.collection_id in scope]


def due_list(
    session: Session,
    who: Principal,
    today: date,
    kinds: Collection[str] | None = None,
    *,
    until: date | None = None,
    sources: Mapping[str, Source] = SOURCES,
) -> list[DueLine]:
    """What `who` must do by `until` (default `today`), from the sources of `kinds` (default
    all): the lines of the collections they see, overdue first, then by date."""
    if due_scope(who) == frozenset():
        return []
    return seen_by(who, gather(session, today, kinds, until=until, sources=sources))


def digest(session: Session, today: date, *, sources: Mapping[str, Source] = SOURCES) -> int:
    """Queue one message to each active staff person with anything due by `today`, listing it
    (overdue first); a person already sent the day's digest is not sent it again. Returns how
    many were queued."""
    subject = f"{DIGEST}{today.isoformat()}"
    sent = set(
        session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.subject == subject))
    )
    staff = session.execute(
        select(User.id, User.email)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            User.active.is_(True),
            RoleGrant.role.in_([Role.ADMIN, Role.CURATOR, Role.TECHNICIAN]),
        )
        .distinct()
        .order_by(User.id)
    ).all()
    lines = gather(session, today, sources=sources)
    queued = 0
    for user_id, email in staff:
        who = user_principal(session, user_id)
        mine = seen_by(who, lines) if who is not None and email not in sent else []
        if not mine:
            continue
        body = "\n".join(
            [f"{len(mine)} thing(s) to do, by {today.isoformat()}:", ""]
            + [
                f"- {line.due_on.isoformat()}{' (overdue)' if line.overdue(today) else ''} "
                f"{line.label}: {line.reason}"
                for line in mine
            ]
            + ["", "The whole list, with where each is done: /due"]
        )
        notifications.enqueue(session, [email], subject, body)
        queued += 1
    return queued
