"""The data of a bulk registration's `registered` events, written as JSON text from a frame
shared by the items of a lot: the same text `as_json` writes of the whole value."""

from decimal import Decimal

import pytest

from repository.audit import as_json
from repository.services.events import registered_data
from repository.vocabulary import PreservationMethod, Unit

PLACES = [
    None,
    "Site › Room › Freezer › Rack 0 › Box 0 [A1]",
    'A "quoted" \\ box\twith \u2028 line and ☃',
    "",
    '"place":null',
]


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize(
    ("number", "method", "quantity", "unit"),
    [
        (1, PreservationMethod.GLYCEROL_MINUS80, Decimal("1.000000"), Unit.ML),
        (12, "lyophilised", Decimal("0.5"), "ul"),
        (3, None, Decimal("2000000"), Unit.SEEDS),
    ],
)
def test_registered_data_is_the_json_of_the_whole_value(number, method, quantity, unit, place):
    for where in (place, "other"):  # the frame is remembered per lot: each place its own
        expected = as_json(
            {"lot": number, "method": method, "quantity": quantity, "unit": unit, "place": where}
        )
        assert registered_data(number, method, quantity, unit, where) == expected
