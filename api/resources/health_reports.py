"""Health monitoring of animal rooms: sentinel results per room and agent."""

from __future__ import annotations

from flask_smorest import Blueprint

from api.schemas.animal_records import HealthReportOut
from repository.models import HealthReport
from repository.schemas.health import HealthReportIn, NewHealthReport
from repository.services import health_reports

from ..context import database
from ..policy import Permission, require

blp = Blueprint(
    "health_reports",
    __name__,
    url_prefix="/api/v1",
    description="Health monitoring (sentinel) reports of animal rooms.",
)


@blp.get("/rooms/<string:barcode>/health-reports")
@blp.response(200, HealthReportOut(many=True))
def list_health_reports(barcode: str) -> list[HealthReport]:
    """The room's health monitoring results, the latest first."""
    require(Permission.INVENTORY_READ)
    return health_reports.health_reports(database(), barcode)


@blp.post("/rooms/<string:barcode>/health-reports")
@blp.arguments(HealthReportIn)
@blp.response(201, HealthReportOut)
def report_health(command: NewHealthReport, barcode: str) -> HealthReport:
    """Record a health monitoring result of the room: the agent, negative, positive or
    equivocal, the day and the lab."""
    require(Permission.INVENTORY_WRITE)
    return health_reports.report_health(database(), barcode, command)
