"""Animal welfare (ethics) protocols: what each approves, in all and per line, and the count
of animals made under it, which never goes beyond the approval."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidState, NotFound, ValidationFailed
from ..models import AnimalLine, Protocol, ProtocolLine
from ..schemas.colonies import NewProtocol
from ..vocabulary import EventType
from .events import record_event


def create_protocol(session: Session, command: NewProtocol) -> Protocol:
    """Register an approved protocol, with its approvals per line (each an animal line)."""
    if session.scalar(select(Protocol.id).where(Protocol.number == command.number)):
        raise Conflict(f"Protocol {command.number} is registered already.", field="number")
    lines = []
    for approval in command.lines:
        get_line(session, approval.line_id, "lines")
        lines.append(
            ProtocolLine(line_id=approval.line_id, animals_approved=approval.animals_approved)
        )
    if len({line.line_id for line in lines}) != len(lines):
        raise ValidationFailed({"lines": ["A line is listed twice."]})
    protocol = Protocol(
        number=command.number,
        title=command.title,
        species=command.species,
        approved_on=command.approved_on,
        expires_on=command.expires_on,
        animals_approved=command.animals_approved,
        animals_used=0,
        lines=lines,
    )
    session.add(protocol)
    session.flush()
    record_event(
        session,
        EventType.ANNOTATED,
        data={"protocol": protocol.number, "expires_on": protocol.expires_on},
    )
    return protocol


def get_protocol(session: Session, number: str, field: str = "protocol") -> Protocol:
    protocol = session.scalar(select(Protocol).where(Protocol.number == number.strip()))
    if protocol is None:
        raise NotFound(f"No protocol {number}.", field=field)
    return protocol


def list_protocols(session: Session) -> list[Protocol]:
    return list(session.scalars(select(Protocol).order_by(Protocol.expires_on, Protocol.id)))


def enrol(session: Session, protocol: Protocol, line_id: int, count: int, on: date) -> None:
    """Count `count` new animals of a line under the protocol, or refuse with the reason: the
    protocol is not yet approved or expired on `on`, does not approve the line, or has not
    that many animals left (in all, or of the line). The counts are raised in one statement
    each whose condition the database checks against the row as committed, so parallel
    enrolments never go beyond an approval."""
    if on < protocol.approved_on or on > protocol.expires_on:
        raise InvalidState(
            f"Protocol {protocol.number} is valid from {protocol.approved_on} to "
            f"{protocol.expires_on}; no animals are made under it on {on}.",
            field="protocol",
        )
    lines = {line.line_id: line for line in protocol.lines}
    if lines and line_id not in lines:
        raise InvalidState(
            f"Protocol {protocol.number} does not approve animals of this line.", field="protocol"
        )
    table = Protocol.__table__
    raised = session.execute(
        update(table)
        .where(
            table.c.id == protocol.id,
            (table.c.animals_approved.is_(None))
            | (table.c.animals_used + count <= table.c.animals_approved),
        )
        .values(animals_used=table.c.animals_used + count)
    )
    if raised.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(protocol)
        raise InvalidState(
            f"Protocol {protocol.number} approves {protocol.animals_approved} animals; "
            f"{protocol.animals_used} are used and {count} more were asked.",
            field="protocol",
        )
    if line_id in lines:
        approval = lines[line_id]
        lines_table = ProtocolLine.__table__
        raised = session.execute(
            update(lines_table)
            .where(
                lines_table.c.id == approval.id,
                lines_table.c.animals_used + count <= lines_table.c.animals_approved,
            )
            .values(animals_used=lines_table.c.animals_used + count)
        )
        if raised.rowcount != 1:  # type: ignore[attr-defined]
            session.refresh(approval)
            raise InvalidState(
                f"Protocol {protocol.number} approves {approval.animals_approved} animals of "
                f"{approval.line.accession_number}; {approval.animals_used} are used and "
                f"{count} more were asked.",
                field="protocol",
            )
    session.expire(protocol)


def get_line(session: Session, line_id: int, field: str = "line_id") -> AnimalLine:
    """The animal line of an id."""
    line = session.get(AnimalLine, line_id)
    if line is None:
        raise NotFound(f"No animal line with id {line_id}.", field=field)
    return line
