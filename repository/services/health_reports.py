"""Health monitoring of animal rooms: sentinel results recorded per room and agent, a room's
listed, and the rooms that hold animals."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidState
from ..models import HealthReport, StorageUnit
from ..schemas.health import NewHealthReport
from ..vocabulary import EventType, StorageKind
from .events import record_event
from .storage import get_unit, path_rows


def get_room(session: Session, barcode: str, field: str = "barcode") -> StorageUnit:
    """The room a barcode names (a storage unit of kind room)."""
    unit = get_unit(session, barcode, field)
    if unit.kind is not StorageKind.ROOM:
        raise InvalidState(f"{unit.name} is a {unit.kind.value}, not a room.", field=field)
    return unit


def report_health(session: Session, barcode: str, command: NewHealthReport) -> HealthReport:
    """Record a health monitoring result of a room."""
    room = get_room(session, barcode)
    report = HealthReport(room_id=room.id, **vars(command))
    session.add(report)
    session.flush()
    record_event(
        session,
        EventType.ANNOTATED,
        data={
            "health_report": command.agent,
            "room": room.name,
            "result": command.result,
            "reported_on": command.reported_on,
        },
        note=command.note,
    )
    return report


def health_reports(session: Session, barcode: str) -> list[HealthReport]:
    """The room's health monitoring results, the latest first."""
    room = get_room(session, barcode)
    return list(
        session.scalars(
            select(HealthReport)
            .where(HealthReport.room_id == room.id)
            .order_by(HealthReport.reported_on.desc(), HealthReport.id.desc())
        )
    )


def animal_rooms(session: Session) -> list[StorageUnit]:
    """The rooms that hold cages or have health reports, by name."""
    cages = session.scalars(select(StorageUnit.id).where(StorageUnit.kind == StorageKind.CAGE))
    codes = {
        unit.barcode
        for path in path_rows(session, cages).values()
        for unit in path
        if unit.kind is StorageKind.ROOM
    }
    reported = select(HealthReport.room_id)
    return list(
        session.scalars(
            select(StorageUnit)
            .where(StorageUnit.barcode.in_(codes) | StorageUnit.id.in_(reported))
            .order_by(StorageUnit.name, StorageUnit.id)
        )
    )
