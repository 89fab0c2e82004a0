"""Input of an STR test of a cell line's lot: the profile a lab measured, when, where and with
which kit; the schema next to the command (a frozen dataclass) its load builds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import fields, post_load

from ..str_profiles import Profile
from ..str_search import Algorithm, Options
from .fields import Date, StrictSchema, text
from .str_search import ProfileField, check


class StrTestIn(StrictSchema):
    profile = ProfileField(required=True)
    tested_on = Date(required=True)
    lab = text(200)
    kit = text(200)  # e.g. PowerPlex 16, GenePrint 10
    algorithm = fields.Enum(Algorithm, by_value=True, load_default=Algorithm.TANABE)
    note = text(5000)

    @post_load
    def _command(self, data: dict, **_: Any) -> StrTest:
        check(data["profile"], Options().min_markers)
        return StrTest(**data)


@dataclass(frozen=True, kw_only=True)
class StrTest:
    """An STR test of a lot: searched at once against the references to authenticate it."""

    profile: Profile
    tested_on: date
    lab: str | None = None
    kit: str | None = None
    algorithm: Algorithm = Algorithm.TANABE
    note: str | None = None
