"""Health monitoring of rooms: sentinel results recorded per room (only rooms) and listed,
the latest first, by the service, the API and in the history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.web.history import event_sentence
from repository.errors import InvalidState, NotFound
from repository.models import Event
from repository.schemas.health import HealthReportIn
from repository.services import health_reports
from tests.clients import call
from tests.factories import make_unit


def report(**fields):
    body = {"agent": "MHV", "result": "negative", "reported_on": "2026-01-10", "lab": "Charles"}
    return HealthReportIn().load_or_fail({**body, **fields})


def test_reports_are_recorded_per_room_and_listed_latest_first(db):
    site = make_unit(db, {"kind": "site", "name": "Vivarium"})
    room = make_unit(db, {"kind": "room", "name": "Barrier A"}, site)
    health_reports.report_health(db, room.barcode, report())
    health_reports.report_health(
        db, room.barcode, report(agent="Helicobacter", result="positive", reported_on="2026-04-10")
    )
    found = health_reports.health_reports(db, room.barcode)
    assert [(r.agent, r.result.value, r.lab) for r in found] == [
        ("Helicobacter", "positive", "Charles"),
        ("MHV", "negative", "Charles"),
    ]
    event = db.scalars(select(Event).order_by(Event.id.desc())).first()
    assert event_sentence(event.type, event.data) == (
        "Health monitoring of Barrier A on 2026-04-10: Helicobacter positive."
    )
    with pytest.raises(InvalidState):
        health_reports.report_health(db, site.barcode, report())
    with pytest.raises(NotFound):
        health_reports.health_reports(db, "NO-SUCH-ROOM")


@pytest.mark.parametrize(
    "bad", [{"result": "maybe"}, {"agent": " "}, {"reported_on": "2026-02-30"}, {"x": 1}]
)
def test_a_bad_report_is_refused(db, bad):
    from repository.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        report(**bad)


def test_reports_by_the_api(world):
    app, tokens, ids = world
    from repository.db import unit_of_work
    from repository.models import StorageUnit
    from repository.services.storage import get_unit

    with unit_of_work(app.extensions["biorepo"]) as db:
        parent = get_unit(db, ids["freezer"]).parent
        while parent.kind.value != "room":
            parent = parent.parent
        room = parent.barcode
        assert isinstance(parent, StorageUnit)
    token = tokens["technician"]
    body = {"agent": "MHV", "result": "equivocal", "reported_on": "2026-01-10"}
    made = call(app, "POST", f"/api/v1/rooms/{room}/health-reports", token, body)
    assert made.status_code == 201, made.json
    assert made.json["room"] == room and made.json["result"] == "equivocal"
    listed = call(app, "GET", f"/api/v1/rooms/{room}/health-reports", token)
    assert [r["agent"] for r in listed.json] == ["MHV"]
    not_room = call(app, "POST", f"/api/v1/rooms/{ids['freezer']}/health-reports", token, body)
    assert not_room.status_code == 409
    refused = call(app, "GET", f"/api/v1/rooms/{room}/health-reports", tokens["requester"])
    assert refused.status_code == 403
