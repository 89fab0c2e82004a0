"""HTTP output of inventory: lots, items, storage, history and the scan."""

from __future__ import annotations

from marshmallow import (
    Schema,
    fields,
)

from api.schemas.fields import UtcDateTime
from repository.models.storage import position_label
from repository.schemas.fields import Date, Integer


class PathUnitOut(Schema):
    barcode = fields.String()
    name = fields.String()
    kind = fields.String()


class EventOut(Schema):
    id = Integer()
    at = UtcDateTime()
    type = fields.String()
    actor_id = Integer(allow_none=True)
    item_id = Integer(allow_none=True)
    lot_id = Integer(allow_none=True)
    material_id = Integer(allow_none=True)
    data = fields.Dict()
    note = fields.String(allow_none=True)


class HistoryOut(Schema):
    at = UtcDateTime()
    type = fields.String()
    actor_id = Integer(allow_none=True)
    data = fields.Dict()
    note = fields.String(allow_none=True)


class ScanItemOut(Schema):
    barcode = fields.String()
    status = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit = fields.String()
    form = fields.String()
    parent_id = Integer(allow_none=True)
    tube_code = fields.String(allow_none=True)


class ScanMaterialOut(Schema):
    id = Integer()
    collection = fields.String()
    accession_number = fields.String()
    kind = fields.String()
    designation = fields.String()
    designation_zh = fields.String(allow_none=True)
    taxon_name = fields.String()
    taxon_name_zh = fields.String(allow_none=True)
    risk_group = Integer()
    access_level = fields.String()


class ScanLotOut(Schema):
    """A lot as the scan shows it (LotOut adds its material and quantities)."""

    id = Integer()
    number = Integer()
    method = fields.String()
    preserved_on = Date()
    passage_number = Integer(allow_none=True)
    generation = fields.String(allow_none=True)
    regeneration_cycle = Integer(allow_none=True)


class ScanOut(Schema):
    item = fields.Nested(ScanItemOut)
    material = fields.Nested(ScanMaterialOut)
    lot = fields.Nested(ScanLotOut)
    location = fields.List(fields.Nested(PathUnitOut))
    position = fields.String(allow_none=True)
    temperature_c = fields.Float(allow_none=True)
    history = fields.List(fields.Nested(HistoryOut))


class ItemOut(Schema):
    id = Integer()
    barcode = fields.String()
    lot_id = Integer()
    parent_id = Integer(allow_none=True)
    form = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit = fields.String()
    status = fields.String()
    container = fields.Function(lambda i: i.container.barcode if i.container else None)
    position = fields.Function(lambda i: position_label(i.row, i.col) or None)
    tube_code = fields.String(allow_none=True)


class LotOut(ScanLotOut):
    material_id = Integer()
    initial_quantity = fields.Decimal(as_string=True)
    unit = fields.String()
    tier = fields.String(allow_none=True)
    quarantined_at = UtcDateTime(allow_none=True)


class StorageUnitOut(Schema):
    id = Integer()
    barcode = fields.String()
    kind = fields.String()
    name = fields.String()
    slot = Integer(allow_none=True)
    rows = Integer(allow_none=True)
    cols = Integer(allow_none=True)
    capacity = Integer(allow_none=True)
    occupied = Integer()
    temperature_c = fields.Float(allow_none=True)
    last_counted_at = fields.DateTime(allow_none=True)  # the last stocktaking applied
    parent = fields.Function(lambda u: u.parent.barcode if u.parent else None)
    children = fields.Function(lambda u: [c.barcode for c in u.children])
