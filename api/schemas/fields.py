"""Field types of the HTTP output schemas."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from marshmallow import (
    fields,
)


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC, with its offset, whether or not the database kept the zone."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)
