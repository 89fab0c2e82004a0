"""Reading a posted form through the API's own input schemas, so a field is checked the same
way on a page as over HTTP."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict

from repository.errors import ValidationFailed
from repository.models.storage import parse_position


def raw(schema: type[Schema], source: Mapping[str, str] | None = None) -> dict[str, str]:
    """The form's (or `source`'s) non-empty fields that `schema` knows (for a service that
    loads them itself)."""
    names = schema._declared_fields.keys()
    given = request.form if source is None else source
    return {k: v.strip() for k, v in given.items() if k in names and v.strip()}


def load(schema: type[Schema], source: Mapping[str, str] | None = None) -> Any:
    """The form (or `source`) loaded by `schema` (its fields, or the command it builds); its
    errors become a ValidationFailed per field."""
    try:
        return schema().load(raw(schema, source))
    except ValidationError as error:
        raise ValidationFailed(error.normalized_messages()) from None


def load_data(schema: type[Schema], data: Mapping[str, Any]) -> Any:
    """`data` gathered from a form (rows of a table as lists) loaded by `schema`; its errors
    become a ValidationFailed per field."""
    try:
        return schema().load(data)
    except ValidationError as error:
        raise ValidationFailed(error.normalized_messages()) from None


def given(source: MultiDict[str, str], declared: Mapping[str, fields.Field]) -> dict[str, Any]:
    """The non-empty values of the parameters a schema's fields (`declared`, by name) name: a
    list for a field that takes several (a list field), else the first."""
    found: dict[str, Any] = {}
    for name, field in declared.items():
        values = [v.strip() for v in source.getlist(name) if v.strip()]
        if values:
            found[name] = values if isinstance(field, fields.List) else values[0]
    return found


def pairs(values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Parameters as a query string has them (a several-valued one repeated)."""
    return [(k, v) for k, vs in values.items() for v in (vs if isinstance(vs, list) else [vs])]


def rows(prefix: str, names: Iterable[str], most: int) -> list[dict[str, str]]:
    """A table's rows (inputs named `prefix-N-name`, N from 0), skipping the empty ones."""
    found = []
    for n in range(most):
        row = {k: request.form.get(f"{prefix}-{n}-{k}", "").strip() for k in names}
        if any(row.values()):
            found.append({k: v for k, v in row.items() if v})
    return found


def position(name: str = "position") -> tuple[int, int] | None:
    """The form's grid position, named as the grid names it (B3; 27:1 past row Z), or None if
    it is empty."""
    text = request.form.get(name, "").strip()
    if not text:
        return None
    found = parse_position(text)
    if found is None:
        raise ValidationFailed(
            {name: [_("Write the position as the grid names it: row letter and column, e.g. B3.")]}
        )
    return found
