"""HTTP output of the item search: the items found, and saved searches."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.fields import UtcDateTime
from api.schemas.inventory import PathUnitOut
from repository.schemas.fields import Date, Integer


class FoundItemOut(Schema):
    """An item as the search lists it: what, of which lot and material, where, and its
    latest event and QC."""

    barcode = fields.String()
    tube_code = fields.String(allow_none=True)
    status = fields.String()
    form = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit = fields.String()
    material_id = Integer()
    accession_number = fields.String()
    designation = fields.String()
    designation_zh = fields.String(allow_none=True)
    collection = fields.String()
    lot_id = Integer()
    lot_number = Integer()
    method = fields.String()
    preserved_on = Date()
    location = fields.List(fields.Nested(PathUnitOut))
    position = fields.String(allow_none=True)
    last_event_at = UtcDateTime(allow_none=True)
    last_event_type = fields.String(allow_none=True)
    last_qc_on = Date(allow_none=True)
    last_qc_test = fields.String(allow_none=True)
    last_qc_outcome = fields.String(allow_none=True)


class SavedSearchOut(Schema):
    id = Integer()
    name = fields.String()
    query = fields.Dict(
        metadata={"description": "The filters and sort, as GET /api/v1/items takes them."}
    )
    created_at = UtcDateTime()
