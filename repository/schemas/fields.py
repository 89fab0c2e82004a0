"""The building blocks of the input schemas: field types, validators and the strict base schema."""

from __future__ import annotations

import calendar
import re
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
)

from ..errors import ValidationFailed

PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


MCPD_DATE = re.compile(r"^(\d{4}|----)(\d{2}|--)(\d{2}|--)$")


INSTITUTE = r"[A-Z]{3}\d{3,4}"  # an FAO WIEWS institute code


CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def no_nul(value: str) -> None:
    """PostgreSQL refuses a NUL character in text where SQLite stores it: refused before either."""
    if "\x00" in value:
        raise ValidationError("A NUL character (\\x00) is not allowed.")


def text(length: int = 200, **kwargs: Any) -> fields.String:
    """A string of at most `length` characters, plus any further validators (`also`)."""
    also = kwargs.pop("also", None)
    validators = [validate.Length(max=length), no_nul, *([also] if also else [])]
    return fields.String(validate=validators, **kwargs)


def one_of(enum_cls: type, **kwargs: Any) -> fields.Enum:
    """A member of a vocabulary, given by its value."""
    return fields.Enum(enum_cls, by_value=True, **kwargs)


class Integer(fields.Integer):
    """An integer a database column can hold (32-bit signed): bigger ones are refused with a
    message instead of failing in the driver, and so is a number with a fraction (2.5 is not
    truncated to 2)."""

    LIMIT = 2**31 - 1

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        number = super()._validated(value)
        if number is not None and not -self.LIMIT <= number <= self.LIMIT:
            raise self.make_error("invalid")
        return number


class Boolean(fields.Boolean):
    """Yes or no: JSON true or false, or the words a form or a query string sends ("true",
    "on", "false"...); never a number (0 and 1 are not booleans in JSON, though Python takes
    them for False and True)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class Date(fields.Date):
    """A calendar date in ISO 8601; a refused one says the format it wants."""

    default_error_messages = {"invalid": "Not a valid date: use YYYY-MM-DD (e.g. 2025-03-01)."}


def positive(value: Any) -> None:
    """More than zero (a function, not a Range, so that no Decimal lands in the OpenAPI
    document)."""
    if value <= 0:
        raise ValidationError("Must be greater than 0.")


def mcpd_date(value: str) -> None:
    """YYYYMMDD, a missing month or day written `--` or `00`; the date must exist."""
    match = MCPD_DATE.match(value or "")
    if match is None:
        raise ValidationError("Write YYYYMMDD (a missing month or day as -- or 00).")
    year, month, day = (None if p.strip("-0") == "" else int(p) for p in match.groups())
    if month is None and day is not None:
        raise ValidationError("A day is given without its month.")
    if month is not None and not 1 <= month <= 12:
        raise ValidationError(f"There is no month {month}.")
    if day is not None and month is not None and day > calendar.monthrange(year or 2000, month)[1]:
        raise ValidationError(f"There is no day {day} in that month.")


def pattern(regex: str | re.Pattern, expected: str) -> validate.Regexp:
    """A pattern, and in its error message what a value should look like."""
    return validate.Regexp(regex, error=f"Expected {expected}.")


COUNTRY = pattern(r"^[A-Z]{3}$", "the country's ISO 3166-1 alpha-3 code (e.g. CHN, DEU, USA)")


A_CODE = pattern(CODE, "a code of letters, digits, dots, dashes and underscores")


AN_INSTITUTE = pattern(f"^{INSTITUTE}$", "an FAO WIEWS institute code (e.g. NOR051)")


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    def load_or_fail(self, data: Any, **kwargs: Any) -> Any:
        """Load (the fields, or the command the schema builds), or raise the domain's
        ValidationFailed naming every bad field."""
        try:
            return self.load(data, **kwargs)
        except ValidationError as error:
            raise ValidationFailed(error.normalized_messages()) from error


class Entries(fields.List):
    """A list of at most `most` entries: a longer one is refused before any entry is read
    (the OpenAPI document shows the bound as maxItems)."""

    def __init__(self, inner: fields.Field, *, most: int, **kwargs: Any) -> None:
        also = kwargs.pop("validate", None)
        bound = validate.Length(max=most, error=f"At most {most} entries, not {{input}}.")
        super().__init__(inner, validate=[bound, *([also] if also else [])], **kwargs)
        self.most = most

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if isinstance(value, list | tuple) and len(value) > self.most:
            raise ValidationError(f"At most {self.most} entries, not {len(value)}.")
        return super()._deserialize(value, attr, data, **kwargs)


def given(command: object, *leave: str) -> dict[str, Any]:
    """A command's fields that were given (not None), but those named in `leave`."""
    return {k: v for k, v in vars(command).items() if v is not None and k not in leave}
