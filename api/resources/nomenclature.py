"""Checks of animal line names against the strain nomenclature: warnings, never a refusal."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.schemas.animal_records import NomenclatureOut
from repository.nomenclature import check_name
from repository.schemas.fields import StrictSchema

from ..policy import Permission, require

blp = Blueprint(
    "nomenclature",
    __name__,
    url_prefix="/api/v1",
    description="Checks of animal line names against the strain nomenclature.",
)


class NameIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    female = fields.String(validate=validate.Length(min=1, max=200))  # an F1's parent strains
    male = fields.String(validate=validate.Length(min=1, max=200))


@blp.post("/nomenclature/check")
@blp.arguments(NameIn)
@blp.response(200, NomenclatureOut)
def check(body: dict) -> dict[str, Any]:
    """What an animal line name breaks of the nomenclature (a substrain is Parent/Substrain,
    C57BL/6J; an F1 hybrid names the female parent first, B6D2F1), as warnings; with the
    parent strains of an F1, `female` and `male`, their order is checked too."""
    require(Permission.INVENTORY_READ)
    warnings = check_name(body["name"], body.get("female"), body.get("male"))
    return {"name": body["name"], "warnings": warnings}
