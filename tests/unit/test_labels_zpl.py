"""ZPL output, checked command by command."""

from __future__ import annotations

import re

import pytest

from labels import Label, LabelError, Settings, render_zpl
from labels.qr import printer_modules
from labels.zpl import escape, label_zpl, magnification

COMMAND = re.compile(r"[\^~]([A-Z@][A-Z0-9@]?)([^\^~]*)")


def commands(zpl: str) -> list[tuple[str, str]]:
    """(name, parameters) of each command; field data is split at ^FD...^FS."""
    return [
        (m[1] if m[1][0] != "A" else "A", m[1][1:] + m[2] if m[1][0] == "A" else m[2])
        for m in COMMAND.finditer(zpl)
    ]


def unescape(data: str) -> str:
    """What a printer makes of ^FH field data with the _ indicator under ^CI28."""
    raw = re.sub(rb"_([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), data.encode("ascii"))
    return raw.decode("utf-8")


LABEL = Label(
    "AC3DE4FW", "Bacillus_subtilis ^168~ 枯草芽孢杆菌", ("CC 00123 · lot 3",), risk_group=2
)


@pytest.mark.parametrize(
    ("dpi", "width", "height", "mag"), [(203, 264, 104, 3), (300, 390, 154, 5), (600, 780, 307, 10)]
)
def test_one_format_per_label_with_size_encoding_and_qr(
    dpi: int, width: int, height: int, mag: int
) -> None:
    zpl = render_zpl([LABEL, LABEL], dpi=dpi).decode("ascii")
    assert zpl.count("^XA") == zpl.count("^XZ") == 2
    first = zpl.split("^XZ")[0]
    cmds = commands(first)
    names = [n for n, _ in cmds]
    assert names[:4] == ["XA", "CI", "PW", "LL"]
    assert dict(cmds)["CI"] == "28"
    assert int(dict(cmds)["PW"]) == width  # 33 mm at dpi
    assert int(dict(cmds)["LL"]) == height  # 13 mm at dpi
    bq = [p for n, p in cmds if n == "BQ"]
    assert bq == [f"N,2,{mag}"]
    # the symbol (modules x magnification) fits the square left of the text
    assert 21 * mag <= height
    fd = [p for n, p in cmds if n == "FD"]
    assert fd[0] == "MA,AC3DE4FW"


def test_field_data_escapes_round_trip() -> None:
    """On a printer given a font for every character, all text is field data, escaped."""
    packet = Label(LABEL.code, LABEL.title, LABEL.lines, "seed-packet", LABEL.risk_group)
    zpl = label_zpl(packet, 300, Settings(zpl_font="^A@N", zpl_font_file="E:SIMSUN.TTF"))
    data = [p for n, p in commands(zpl) if n == "FD"]
    assert all(all(c not in p for c in "^~") for p in data)
    texts = [unescape(p) for p in data]
    assert "RG2" in texts
    joined = " ".join(texts)
    for piece in ("^168~", "枯草芽孢杆菌", "CC 00123 · lot 3"):  # lines may break between CJK
        assert piece.replace(" ", "") in joined.replace(" ", "")
    assert zpl.isascii()
    # every field is preceded by ^FH
    assert zpl.count("^FD") == zpl.count("^FH^FD")


def test_escape() -> None:
    assert escape("AB-12") == "AB-12"
    assert escape("a^b~c_d") == "a_5Eb_7Ec_5Fd"
    assert escape("中") == "_E4_B8_AD"
    assert unescape(escape("x_5E ^ 中 ~")) == "x_5E ^ 中 ~"


def test_printer_font_setting() -> None:
    settings = Settings(zpl_font="^A@N", zpl_font_file="E:SIMSUN.TTF")
    zpl = label_zpl(LABEL, 203, settings)
    assert re.search(r"\^A@N,\d+,\d+,E:SIMSUN\.TTF\^FH\^FD", zpl)
    assert "^A0" not in zpl


def test_magnification_respects_the_printer_and_the_stock() -> None:
    assert magnification(21, 11.4, 203) == 3
    assert magnification(21, 6.4, 203) == 2
    assert magnification(21, 20, 600) == 10
    with pytest.raises(LabelError, match="needs 2 dots"):
        magnification(21, 5.0, 203)
    with pytest.raises(LabelError, match="needs 6 dots"):
        magnification(29, 8.0, 600)
    url = Label("https://biorepo.example.org/items/AC3DE4FW", "x", template="cap")
    assert printer_modules(url.code) == 29
    with pytest.raises(LabelError):
        render_zpl([url], dpi=203)


def test_only_labels_print_as_zpl() -> None:
    from labels import BoxMap

    with pytest.raises(LabelError):
        render_zpl([BoxMap("b", 2, 2)])  # type: ignore[list-item]
