"""The shared layout: text fitting, stocks, label data."""

from __future__ import annotations

import pytest

from labels import Label, LabelError, Settings, Stock, cage_card
from labels.fonts import width_mm
from labels.layout import ELLIPSIS, Para, fit_text, layout_label, wrap
from labels.stocks import parse_stock


def test_short_text_keeps_its_size_long_text_shrinks() -> None:
    short = fit_text([Para("CC 1")], 0, 0, 20, 10, 8, 4.5)
    assert [t.size for t in short] == [8]
    long = fit_text([Para("CC 00123 lot 7 gly")], 0, 0, 20, 10, 8, 4.5)
    assert len(long) == 1 and 6.4 <= long[0].size < 8
    assert long[0].width <= 20


def test_text_wraps_below_the_minimum_size_then_is_ellipsised() -> None:
    text = "Pseudomonas aeruginosa subsp. aeruginosa PAO1 from a hospital isolate"
    lines = fit_text([Para(text)], 0, 0, 20, 10, 7, 4.5)
    assert len(lines) > 1 and all(t.width <= 20 + 1e-6 for t in lines)
    assert " ".join(t.text for t in lines) == text  # all of it, broken at spaces
    cut = fit_text([Para(text * 4)], 0, 0, 20, 5, 7, 4.5)
    assert cut[-1].text.endswith(ELLIPSIS)
    assert all(t.size == 4.5 and t.width <= 20 + 1e-6 for t in cut)
    assert cut[-1].bounds[3] <= 5 + 1e-6


def test_cjk_wraps_between_characters_and_long_words_break() -> None:
    lines = wrap("枯草芽孢杆菌枯草芽孢杆菌枯草芽孢杆菌", 10, 8)
    assert "".join(lines) == "枯草芽孢杆菌" * 3 and len(lines) > 1
    assert all(width_mm(line, 8) <= 10 for line in lines)
    parts = wrap("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10, 8)
    assert "".join(parts) == "ABCDEFGHIJKLMNOPQRSTUVWXYZ" and len(parts) > 1


def test_no_room_at_all_is_an_error() -> None:
    with pytest.raises(LabelError, match="no room"):
        fit_text([Para("text")], 0, 0, 20, 1, 7, 4.5)


def test_label_layout_keeps_text_and_code_apart_and_inside() -> None:
    label = Label("AC3DE4FW", "Bacillus subtilis " * 5, ("CC 00123 " * 6, "lot 7"), risk_group=2)
    for template in ("cryovial", "box", "seed-packet", "cage-card", "cap"):
        page = layout_label(Label(label.code, label.title, label.lines, template, 2))
        (code,) = page.codes
        for text in page.texts:
            x0, top, x1, bottom = text.bounds
            assert x0 >= 0 and x1 <= page.width + 1e-6 and top >= 0 and bottom <= page.height + 1e-6
            apart = (
                x1 <= code.x
                or x0 >= code.x + code.side
                or bottom <= code.y
                or top >= code.y + code.side
            )
            assert apart, (template, text)
        if template != "cap":  # a cap has room for its code and the code's text only
            assert any(t.text == "RG2" and t.white for t in page.texts)
        assert code.module >= 0.25


def test_risk_group_marking_only_from_two() -> None:
    assert Label("X", risk_group=1).marking is None
    assert Label("X", risk_group=3).marking == "RG3"
    with pytest.raises(LabelError):
        Label("X", risk_group=5)
    with pytest.raises(LabelError):
        Label("")


def test_cage_card_fields() -> None:
    card = cage_card(
        "CAG7KH3P",
        "Cage 12",
        strain="C57BL/6J",
        protocol="P-17",
        animals=["ANM7KH3P · F · b. 2025-01-04", "ANM9XR4T · F · b. 2025-01-04"],
    )
    assert card.template == "cage-card"
    assert card.title == "Cage 12"
    assert card.code_text == "CAG7KH3P"
    assert card.lines == (
        "C57BL/6J",
        "Protocol: P-17",
        "ANM7KH3P · F · b. 2025-01-04",
        "ANM9XR4T · F · b. 2025-01-04",
    )


def test_stocks_from_settings() -> None:
    assert parse_stock("1x0.5in") == Stock(25.4, 12.7)
    assert parse_stock("25x13mm") == Stock(25, 13)
    assert parse_stock("13x13mm round") == Stock(13, 13, True)
    assert parse_stock({"width_mm": 40, "height_mm": 20}) == Stock(40, 20)
    assert Settings(stocks={"box": "60x30mm"}).stock("box") == Stock(60, 30)
    assert Settings().stock("cryovial") == Stock(33, 13)
    with pytest.raises(LabelError):
        Settings().stock("envelope")
    with pytest.raises(LabelError):
        parse_stock("huge")


def test_qr_matrices_are_those_qrcode_makes() -> None:
    """make_qr tries the 8 masks by flipping bits; it must pick qrcode's mask and modules."""
    import qrcode

    from labels.qr import make_qr

    levels = {"M": qrcode.constants.ERROR_CORRECT_M, "H": qrcode.constants.ERROR_CORRECT_H}
    for i, payload in enumerate(
        ["AC3DE4FW", "https://biorepo.example.org/items/AC3DE4FW", "枯草" * 20, "x" * 200]
    ):
        ecc = "MH"[i % 2]
        reference = qrcode.QRCode(error_correction=levels[ecc], border=0)
        reference.add_data(payload)
        reference.make(fit=True)
        mine = make_qr(payload, ecc)
        matrix = reference.get_matrix()
        assert mine.size == len(matrix)
        assert all(
            mine.dark(r, c) == matrix[r][c] for r in range(mine.size) for c in range(mine.size)
        )


def test_chinese_names_wrap_between_characters_before_shrinking() -> None:
    name = "乳酸杆菌保藏中心菌株"  # no spaces: lines break between characters
    texts = fit_text([Para(name)], 0, 0, 18, 9, max_pt=7, min_pt=4.5)
    assert len(texts) == 2 and "".join(t.text for t in texts) == name
    assert texts[0].size >= 6.5  # wrapped at a readable size rather than shrunk on one line
