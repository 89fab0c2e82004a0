"""The Darwin Core core file's cells: percent-encoded identifiers and flat lines."""

from urllib.parse import quote

import pytest

from repository.exchange.dwca import _line, _quoted


@pytest.mark.parametrize(
    "text", ["TST 00001", "A/B:C?#", "a_b.c~d-e", "菌株 7", "Göttingen", "%20", "", "x\ty"]
)
def test_quoted_is_urllib_quote_with_nothing_safe(text: str) -> None:
    assert _quoted(text) == quote(text, safe="")


def test_a_line_has_one_cell_per_value_and_no_break_inside() -> None:
    line = _line(["a\tb", None, 1.5, "c\r\nd", "e\vf\fg", "中文"])
    assert line == "a b\t\t1.5\tc  d\te f g\t中文\n"
    assert _line(["plain", "", None]) == "plain\t\t\n"
