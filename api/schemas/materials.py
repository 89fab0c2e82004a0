"""HTTP output of materials and the catalogue."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    Schema,
    fields,
)

from api.schemas.fields import UtcDateTime
from repository.schemas.fields import Integer
from repository.schemas.materials import KIND_SCHEMAS, MaterialSchema
from repository.vocabulary import (
    AbsStatus,
    AccessLevel,
    BiologicalStatus,
    MaterialKind,
)


class IdentifierOut(Schema):
    scheme = fields.String()
    value = fields.String()


class CatalogueMaterialOut(Schema):
    """The public catalogue view: no storage, no internal remarks, no donor details."""

    id = Integer()
    collection = fields.Function(lambda m: m.collection.code)
    accession_number = fields.String()
    kind = fields.Enum(MaterialKind, by_value=True)
    designation = fields.String()
    designation_zh = fields.String(allow_none=True)
    taxon_name = fields.String()
    taxon_name_zh = fields.String(allow_none=True)
    taxon_id = Integer(allow_none=True)
    identifiers = fields.List(fields.Nested(IdentifierOut))
    origin_country = fields.String(allow_none=True)
    biological_status = fields.Enum(BiologicalStatus, by_value=True, allow_none=True)
    access_level = fields.Enum(AccessLevel, by_value=True)
    risk_group = Integer()
    abs_status = fields.Enum(AbsStatus, by_value=True)
    abs_permits = fields.String(allow_none=True)
    ipr = fields.String(allow_none=True)
    restrictions_on_use = fields.String(allow_none=True)
    remarks = fields.String(allow_none=True)


class MaterialOut(CatalogueMaterialOut):
    """The staff view: every field, the kind's own fields under `details`."""

    origin_site = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    elevation_m = Integer(allow_none=True)
    collection_date = fields.String(allow_none=True)
    collector = fields.String(allow_none=True)
    donor_institute = fields.String(allow_none=True)
    donor_accession = fields.String(allow_none=True)
    internal_remarks = fields.String(allow_none=True)
    minimum_stock = Integer()
    regeneration_threshold = Integer(allow_none=True)
    details = fields.Method("_details")
    updated_at = UtcDateTime()

    def _details(self, material: Any) -> dict:
        own = (
            KIND_SCHEMAS[material.kind]._declared_fields.keys()
            - MaterialSchema._declared_fields.keys()
        )
        values = {}
        for name in sorted(own):
            if name == "donor":
                donor = getattr(material, "donor", None)
                values["donor"] = donor.code if donor else None
                continue
            value: Any = getattr(material, name, None)
            values[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return values
