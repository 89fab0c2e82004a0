"""Background work a use case asks for on a record it wrote, handed to the queue once its
transaction commits (never for one rolled back, and never before: a worker would not see it)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
_KEY = "biorepo.later"  # session.info: (kind, record id) asked for in the transaction
Hand = Callable[[str, int], None]  # hands (kind, record id) to the queue


def after_commit(session: Session, kind: str, record_id: int) -> None:
    """Ask for the background work `kind` on record `record_id` once this transaction commits."""
    session.info.setdefault(_KEY, []).append((kind, record_id))


def install(factory: sessionmaker[Session], hand: Hand) -> None:
    """Hand what the sessions of `factory` ask for to `hand` after each commit. A queue that
    cannot take it is logged, not raised: the database keeps the record, and the periodic
    sweep of the queue finds it."""

    def committed(session: Session) -> None:
        for kind, record_id in session.info.pop(_KEY, []):
            try:
                hand(kind, record_id)
            except Exception:
                log.exception("could not queue %s %s; the periodic sweep will", kind, record_id)

    event.listen(factory, "after_commit", committed)
    event.listen(factory, "after_rollback", lambda session: session.info.pop(_KEY, None))
