"""Input of the institution's set-up: organisations, collections and printers."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from ..vocabulary import (
    CollectionKind,
    LabelTemplate,
    PrinterProtocol,
    PrinterTransport,
)
from .fields import (
    A_CODE,
    AN_INSTITUTE,
    COUNTRY,
    Integer,
    StrictSchema,
    one_of,
    text,
)


class PrinterSchema(StrictSchema):
    name = text(100, required=True, also=validate.Length(min=1))
    protocol = one_of(PrinterProtocol, required=True)
    transport = one_of(PrinterTransport, required=True)
    address = text(500, allow_none=True)  # host (tcp), folder (directory) or queue (cups)
    port = Integer(validate=validate.Range(1, 65535))
    dpi = Integer(validate=validate.OneOf([203, 300, 600]))
    template = one_of(LabelTemplate)
    location = text(allow_none=True)
    agent = fields.Email(allow_none=True)  # pull: the printer agent's user
    active = fields.Boolean()

    @validates_schema
    def _reachable(self, data: dict, partial: Any = None, **_: Any) -> None:
        transport = data.get("transport")
        if transport is None:
            return
        if transport is PrinterTransport.PULL and not data.get("agent"):
            raise ValidationError("A pull printer names its agent.", "agent")
        if transport is not PrinterTransport.PULL and not data.get("address"):
            raise ValidationError(f"A {transport.value} printer needs an address.", "address")


class OrganisationSchema(StrictSchema):
    name = text(required=True, also=validate.Length(min=1, max=200))
    name_zh = text()
    country = fields.String(validate=COUNTRY)
    biosafety_level = Integer(validate=validate.Range(1, 4))


class CollectionSchema(StrictSchema):
    code = text(32, required=True, also=A_CODE)
    name = text(required=True, also=validate.Length(min=1, max=200))
    name_zh = text()
    kind = one_of(CollectionKind, required=True)
    institute_code = fields.String(validate=AN_INSTITUTE)
    organisation = text()
    accession_pattern = text(64)
    mta_template = text(100_000)
