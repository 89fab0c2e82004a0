"""Input of the health monitoring of rooms: one sentinel result, the schema next to the
command (a frozen dataclass) its load builds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import post_load, validate

from ..vocabulary import HealthResult
from .fields import Date, StrictSchema, one_of, text


class HealthReportIn(StrictSchema):
    agent = text(200, required=True, also=validate.Regexp(r"\s*\S", error="Must not be blank."))
    result = one_of(HealthResult, required=True)
    reported_on = Date(required=True)
    lab = text(200)
    note = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewHealthReport:
        return NewHealthReport(**data)


@dataclass(frozen=True, kw_only=True)
class NewHealthReport:
    """A health monitoring result of a room: the agent, the result, the day and the lab."""

    agent: str
    result: HealthResult
    reported_on: date
    lab: str | None = None
    note: str | None = None
