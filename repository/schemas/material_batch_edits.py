"""Input of a batch edit of materials: which materials (the material search's filters) and
the changes to set on each — the fields a single edit of a material takes, read by its schema
(`MaterialPatchSchema`) — whether refused materials are left out, the page of the preview. The
commands its loads build are what the API and the sheet share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from ..vocabulary import MaterialKind
from .batch_edits import LARGEST_PAGE, PAGE_SIZE
from .fields import Boolean, Integer, StrictSchema, text
from .materials import MaterialPatchSchema


class MaterialFilters(Schema):
    """The material search's filters: a text (accession number, name, taxon, other
    identifiers), a kind, a taxon (its scientific name), a collection (its code),
    availability."""

    q = text(200)
    kind = fields.Enum(MaterialKind, by_value=True)
    taxon = text(200)
    collection = text(32)
    available = Boolean()


@dataclass(frozen=True, kw_only=True)
class MaterialSearch:
    q: str | None = None
    kind: MaterialKind | None = None
    taxon: str | None = None
    collection: str | None = None
    available: bool | None = None


class MaterialSearchIn(MaterialFilters, StrictSchema):
    @post_load
    def _command(self, data: dict, **_: Any) -> MaterialSearch:
        return MaterialSearch(**data)


class MaterialChangesIn(MaterialPatchSchema):
    """The changes of a batch edit of materials: any field a single edit takes, checked as it
    checks them (each line of a sheet is read by this schema too)."""

    @validates_schema
    def _something(self, data: dict, **_: Any) -> None:
        if not data:
            raise ValidationError({"_schema": ["Say what to change: a field of the material."]})

    @post_load
    def _frozen(self, data: dict, **_: Any) -> Mapping[str, Any]:
        return MappingProxyType(data)


@dataclass(frozen=True, kw_only=True)
class MaterialBatchEdit:
    """A batch edit of the materials a search matches: the changes, whether materials that
    cannot take them are left out (otherwise one refusal refuses the batch), and which page
    of the preview to show."""

    search: MaterialSearch
    changes: Mapping[str, Any]
    skip_refused: bool = False
    page: int = 1
    page_size: int = PAGE_SIZE


class MaterialBatchEditIn(StrictSchema):
    search = fields.Nested(MaterialSearchIn, required=True)
    changes = fields.Nested(MaterialChangesIn, required=True)
    skip_refused = Boolean(
        load_default=False,
        metadata={"description": "Leave out the materials that cannot take the changes."},
    )
    page = Integer(validate=validate.Range(min=1, max=100_000), load_default=1)
    page_size = Integer(validate=validate.Range(min=1, max=LARGEST_PAGE), load_default=PAGE_SIZE)

    @post_load
    def _command(self, data: dict, **_: Any) -> MaterialBatchEdit:
        return MaterialBatchEdit(**data)
