"""Service statistics for the platform's managers: as JSON, and as a PDF report with charts.
Curators see their collections' figures, admins everyone's."""

from __future__ import annotations

from datetime import date

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from labels.report import render_statistics
from repository.schemas.fields import Date
from repository.services import statistics
from repository.visibility import statistics_scope

from ..context import database
from ..policy import Permission, require

blp = Blueprint(
    "statistics", __name__, url_prefix="/api/v1/statistics", description="Service statistics."
)


class PeriodQuery(Schema):
    start = Date(data_key="from")  # default: 1 January of this year
    end = Date(data_key="to")  # default: today
    period = fields.String(load_default="month", validate=validate.OneOf(statistics.PERIODS))


class SpreadOut(Schema):
    count = fields.Integer()
    median_days = fields.Float(allow_none=True)
    p90_days = fields.Float(allow_none=True)


class StepOut(SpreadOut):
    step = fields.String()


class StatisticsOut(Schema):
    start = fields.String(data_key="from")
    end = fields.String(data_key="to")
    period = fields.String()
    requests = fields.Integer()
    items_distributed = fields.Integer()
    fulfilment_rate = fields.Float(allow_none=True)
    per_period = fields.List(fields.Dict())
    steps = fields.List(fields.Nested(StepOut))
    end_to_end = fields.Nested(SpreadOut)
    satisfaction = fields.Dict()
    by_organisation = fields.List(fields.Dict())
    by_country = fields.List(fields.Dict())
    by_kind = fields.List(fields.Dict())


def figures_for(query: dict) -> dict:
    """The asker's figures (PeriodQuery's fields): the API, the report and the dashboard."""
    who = require(Permission.STATISTICS)
    today = date.today()
    return statistics.figures(
        database(),
        query.get("start", date(today.year, 1, 1)),
        query.get("end", today),
        period=query["period"],
        collection_ids=statistics_scope(who),
    )


@blp.get("")
@blp.arguments(PeriodQuery, location="query")
@blp.response(200, StatisticsOut)
def figures(query: dict) -> dict:
    """Requests and items distributed per period, fulfilment rate, median and 90th-percentile
    days per step and end to end, satisfaction, and who asked for what."""
    found = figures_for(query)
    return {**found, "start": found["from"], "end": found["to"]}


@blp.get("/report")
@blp.arguments(PeriodQuery, location="query")
@blp.response(200, content_type="application/pdf", description="The report as PDF.")
def report(query: dict) -> Response:
    """The same figures as a PDF report with charts."""
    pdf = render_statistics(figures_for(query))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="service-statistics.pdf"'},
    )
