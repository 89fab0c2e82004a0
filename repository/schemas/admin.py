"""Input of the institution's set-up: organisations, collections, printers and API tokens,
each schema next to the command (a frozen dataclass) its load builds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
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
    Boolean,
    Integer,
    StrictSchema,
    one_of,
    text,
)


def unreachable(
    transport: PrinterTransport | None, address: str | None, agent: str | None
) -> dict[str, list[str]] | None:
    """Why a printer would be unreachable, by field: a pull printer names its agent, any other
    has an address. None if it is reachable (or its transport is not known yet)."""
    if transport is PrinterTransport.PULL and not agent:
        return {"agent": ["A pull printer names its agent."]}
    if transport is not None and transport is not PrinterTransport.PULL and not address:
        return {"address": [f"A {transport.value} printer needs an address."]}
    return None


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
    active = Boolean()

    @validates_schema
    def _reachable(self, data: dict, partial: Any = None, **_: Any) -> None:
        problem = unreachable(data.get("transport"), data.get("address"), data.get("agent"))
        if problem is not None:
            raise ValidationError(problem)

    @post_load
    def _command(self, data: dict, **_: Any) -> NewPrinter | EditPrinter:
        if self.partial:
            return EditPrinter(MappingProxyType(data))
        return NewPrinter(**data)


@dataclass(frozen=True, kw_only=True)
class NewPrinter:
    """Register a printer (a field left None keeps the printer's default)."""

    name: str
    protocol: PrinterProtocol
    transport: PrinterTransport
    address: str | None = None  # host (tcp), folder (directory) or queue (cups)
    port: int | None = None
    dpi: int | None = None
    template: LabelTemplate | None = None
    location: str | None = None
    agent: str | None = None  # pull: the email of the printer agent's user
    active: bool | None = None


class PrinterChanges(PrinterSchema):
    """Any of a printer's fields."""


@dataclass(frozen=True)
class EditPrinter:
    """Change the printer fields given (NewPrinter's; address, location and agent may be
    None, to clear them)."""

    changes: Mapping[str, Any]


class OrganisationSchema(StrictSchema):
    name = text(required=True, also=validate.Length(min=1, max=200))
    name_zh = text()
    country = fields.String(validate=COUNTRY)
    biosafety_level = Integer(validate=validate.Range(1, 4))

    @post_load
    def _command(self, data: dict, **_: Any) -> NewOrganisation:
        return NewOrganisation(**data)


@dataclass(frozen=True, kw_only=True)
class NewOrganisation:
    """Create an organisation (an institution or an external lab)."""

    name: str
    name_zh: str | None = None
    country: str | None = None
    biosafety_level: int | None = None


class CollectionSchema(StrictSchema):
    code = text(32, required=True, also=A_CODE)
    name = text(required=True, also=validate.Length(min=1, max=200))
    name_zh = text()
    kind = one_of(CollectionKind, required=True)
    institute_code = fields.String(validate=AN_INSTITUTE)
    organisation = text()
    accession_pattern = text(64)
    mta_template = text(100_000)
    qc_every_passages = Integer(validate=validate.Range(1, 1000))
    qc_every_months = Integer(validate=validate.Range(1, 120))

    @post_load
    def _command(self, data: dict, **_: Any) -> NewCollection:
        return NewCollection(**data)


@dataclass(frozen=True, kw_only=True)
class NewCollection:
    """Create a collection; `organisation` (a name) is made if there is none of that name,
    and the accession pattern is the default unless given."""

    code: str
    name: str
    kind: CollectionKind
    name_zh: str | None = None
    institute_code: str | None = None
    organisation: str | None = None
    accession_pattern: str | None = None
    mta_template: str | None = None
    # the mycoplasma and sterility testing schedule of its cell lines (none: no schedule)
    qc_every_passages: int | None = None
    qc_every_months: int | None = None


class TokenIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    days = Integer(load_default=90, validate=validate.Range(1, 3650))
    email = fields.Email(validate=validate.Length(max=254))  # admins: someone else's token

    @post_load
    def _command(self, data: dict, **_: Any) -> NewToken:
        return NewToken(**data)


@dataclass(frozen=True, kw_only=True)
class NewToken:
    """Issue an API token valid for `days` days; for the user of `email` (None: the one who
    asks)."""

    name: str = "cli"
    days: int = 90
    email: str | None = None
