"""The animal rooms' pages: the census of the colony on a day (per room, line and protocol, and
its CSV file), and a room's health monitoring reports with the form to record one."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import Blueprint, make_response, request
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from repository.errors import DomainError, ValidationFailed
from repository.schemas.health import HealthReportIn
from repository.services import census, health_reports

from ...context import database
from ...policy import Permission, require
from ...resources.census import CensusQuery
from .. import forms
from ..inputs import labelled
from ..pages import attempt, back, for_form, refused, show

LABELS: dict[str, Any] = {
    "on": _l("On"),
    "room": _l("Room"),
    "agent": _l("Agent (pathogen or test)"),
    "result": _l("Result"),
    "reported_on": _l("Reported on"),
    "lab": _l("Laboratory"),
    "note": _l("Note"),
}
REPORT_FIELDS = ["agent", "result", "reported_on", "lab", "note"]


def _census_query() -> dict[str, Any]:
    """The page's day (today unless given) and room, checked as the API checks them."""
    given = {k: v.strip() for k, v in request.args.items() if k in ("on", "room") and v.strip()}
    try:
        query: dict[str, Any] = CensusQuery().load({"on": date.today().isoformat(), **given})
    except ValidationError as error:
        raise ValidationFailed(error.normalized_messages()) from None
    return query


def _room_options(db: Session) -> list[tuple[str, str]]:
    return [(room.barcode, room.name) for room in health_reports.animal_rooms(db)]


def census_page() -> tuple[str, int]:
    """The animals alive at the end of a day, per room, line and protocol."""
    require(Permission.INVENTORY_READ)
    db = database()
    form = {k: v for k, v in request.args.items() if k in ("on", "room")}
    values: dict[str, Any] = {"rooms": _room_options(db), "labels": LABELS, "lines": []}
    try:
        query = _census_query()
        lines = census.census(db, query["on"], query.get("room"))
    except DomainError as error:
        return refused("census.html", error, form_values=form, **values)
    values |= {"lines": lines, "total": sum(line.animals for line in lines), "query": query}
    return show("census.html", form={**form, "on": query["on"].isoformat()}, **values)


def census_csv() -> Response:
    """The census of the page's day and room as a CSV file (safe for spreadsheets)."""
    require(Permission.INVENTORY_READ)
    query = _census_query()
    lines = census.census(database(), query["on"], query.get("room"))
    out = io.StringIO()
    census.write_csv(lines, query["on"], out)
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    name = f"census-{query['on'].isoformat()}" + (f"-{query['room']}" if query.get("room") else "")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _health_values(db: Session, barcode: str) -> dict[str, Any]:
    return {
        "room": health_reports.get_room(db, barcode),
        "reports": health_reports.health_reports(db, barcode),
        "report_inputs": labelled(HealthReportIn, REPORT_FIELDS, LABELS),
        "today": date.today().isoformat(),
    }


def health_page(barcode: str) -> tuple[str, int]:
    """A room's health monitoring results, the latest first."""
    require(Permission.INVENTORY_READ)
    return show("health_reports.html", **_health_values(database(), barcode))


def report_health(barcode: str) -> Response | tuple[str, int]:
    require(Permission.INVENTORY_WRITE)
    db = database()
    room = health_reports.get_room(db, barcode)
    error = attempt(
        lambda: health_reports.report_health(db, room.barcode, forms.load(HealthReportIn))
    )
    if error is not None:
        error = for_form(error, request.form)
        return refused(
            "health_reports.html", error, action="report", **_health_values(db, room.barcode)
        )
    return back("web.health_reports", barcode=room.barcode, done="report")


def routes(web: Blueprint) -> None:
    web.add_url_rule("/colony/census", "census", census_page)
    web.add_url_rule("/colony/census.csv", "census_csv", census_csv)
    web.add_url_rule("/colony/rooms/<string:barcode>/health", "health_reports", health_page)
    web.add_url_rule(
        "/colony/rooms/<string:barcode>/health", "report_health", report_health, methods=["POST"]
    )
