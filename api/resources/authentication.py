"""STR authentication of cell lines' lots: record a test (searched at once, the verdict kept;
a mismatch quarantines the lot) and read a lot's tests."""

from __future__ import annotations

from flask_smorest import Blueprint

from api.schemas.authentication import AuthenticationOut
from repository.models import Authentication
from repository.schemas.authentication import StrTest, StrTestIn
from repository.services import authentication

from ..context import database
from ..policy import Permission, require

blp = Blueprint(
    "authentication",
    __name__,
    url_prefix="/api/v1",
    description="STR authentication of cell lines' lots.",
)


@blp.post("/lots/<id:lot_id>/str-tests")
@blp.arguments(StrTestIn)
@blp.response(201, AuthenticationOut)
def record(command: StrTest, lot_id: int) -> Authentication:
    """Record an STR test of a cell line's lot: it is searched against every reference at once
    and judged authenticated, mismatch or ambiguous; a mismatch (or a problematic reference)
    quarantines the lot and the lots made from it."""
    require(Permission.INVENTORY_WRITE)
    return authentication.record_str_test(database(), lot_id, command)


@blp.get("/lots/<id:lot_id>/str-tests")
@blp.response(200, AuthenticationOut(many=True))
def tests(lot_id: int) -> list[Authentication]:
    """A lot's STR tests, the latest first, with their verdicts and best matches."""
    require(Permission.INVENTORY_READ)
    return authentication.tests_of(database(), lot_id)
