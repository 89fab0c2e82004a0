"""The periodic work's runs, once per schedule slot across workers: each worker's scheduler
claims the slot before it queues a task, and only the first claim of a slot wins."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import PeriodicRun

KEPT = timedelta(days=2)  # claims older than this are forgotten (no scheduler looks back so far)


def slot_of(moment: datetime) -> datetime:
    """The schedule slot `moment` falls in: its minute (the periodic work's finest schedule)."""
    return moment.replace(second=0, microsecond=0)


def claim(session: Session, task: str, moment: datetime) -> bool:
    """Claim the run of periodic task `task` in the slot of `moment` (an aware UTC time);
    whether this claim is the first (a second one, committed or running at once, is refused
    by the primary key). Claims older than KEPT are removed on the way."""
    slot = slot_of(moment)
    try:
        with session.begin_nested():
            session.add(PeriodicRun(task=task, slot=slot))
    except IntegrityError:
        return False
    session.execute(
        delete(PeriodicRun)
        .where(PeriodicRun.slot < slot - KEPT)
        .execution_options(synchronize_session=False)
    )
    return True
