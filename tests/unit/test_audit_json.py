"""The one JSON text of a value (audit.as_json), which audit entries and bulk digests hash: made
by a C encoder built once, it must write exactly what the standard encoder with the same
settings writes."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from repository.audit import _json_default, as_json
from repository.vocabulary import ItemStatus, Unit

VALUES = [
    {"b": 1, "a": [1.5, None, True, 'é ☃ \u2028 "q" \\'], "c": {"z": 0, "y": -2.25e-7}},
    [1, "A1", "item", 3, None, Decimal("1.500000"), Unit.ML, ItemStatus.AVAILABLE],
    {"at": datetime(2026, 12, 3, 8, 0, tzinfo=UTC), "on": date(2025, 1, 2), "n": 1e16},
    "just text",
    42,
    None,
    [],
    {},
]


def test_as_json_writes_what_the_standard_encoder_writes():
    for value in VALUES:
        expected = json.dumps(
            value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
        )
        assert as_json(value) == expected


def test_as_json_refuses_what_it_cannot_write():
    with pytest.raises(TypeError, match="not JSON serialisable"):
        as_json({"x": object()})
