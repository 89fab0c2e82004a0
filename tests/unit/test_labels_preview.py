"""PNG and SVG previews: every QR code in a PNG decodes; the SVG holds the same layout."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from labels import (
    BoxCell,
    BoxMap,
    Label,
    PackingList,
    PackingRow,
    cage_card,
    render,
    render_png,
    render_svg,
)


def decoded(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png))
    return sorted(r.text for r in zxingcpp.read_barcodes(image))


@pytest.mark.parametrize("dpi", [203, 300, 600])
@pytest.mark.parametrize(
    "label",
    [
        Label("AC3DE4FW", "枯草芽孢杆菌 Bacillus subtilis", ("CC 00123",), risk_group=2),
        Label("https://biorepo.example.org/items/AC3DE4FW", "URL", template="box"),
        Label("AC3DE4G3", "CC 1", template="cap", risk_group=2),
        cage_card("CAG7KH3P", "Cage 1", strain="C57BL/6J", protocol="P-1", animals=["ANM7KH3P"]),
    ],
)
def test_png_codes_decode(label: Label, dpi: int) -> None:
    png = render_png(label, dpi)
    image = Image.open(io.BytesIO(png))
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)
    assert decoded(png) == [label.code]


def test_png_of_sheets() -> None:
    cells = (BoxCell(1, 1, "AC11X4FW", "CC 1"),)
    assert decoded(render_png(BoxMap("Box", 9, 9, cells, code="BX7KH3PA"), 150)) == ["BX7KH3PA"]
    rows = tuple(PackingRow(f"AC{i:03d}FW", f"AC{i:03d}FW", "CC 1") for i in range(20))
    packing = PackingList("SHP-1", rows=rows)
    second = decoded(render_png(packing, 200, page=1))
    assert second and set(second) < {r.code for r in rows}


def test_svg_is_well_formed_with_text_and_modules() -> None:
    label = Label("AC3DE4FW", "枯草芽孢杆菌 & <Co>", ("CC 00123",))
    root = ET.fromstring(render_svg(label))
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("width") == "33mm" and root.get("height") == "13mm"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "枯草芽孢杆菌 & <Co>" in " ".join(texts)
    (path,) = root.iter(f"{ns}path")
    assert path.get("d", "").count("z") > 50


def test_a_cap_without_room_for_its_text_keeps_its_code_and_caption() -> None:
    """A 13 mm cap leaves under its code and caption less room than a bold title's line: the
    text is left out (it used to refuse the whole label, and so break a streamed download)."""
    cap = Label("4JP9DJN6", "4JP9DJN6", ("K-12 MG1655", "Lot 1"), template="cap")
    assert decoded(render_png(cap, 600)) == ["4JP9DJN6"]
    assert render([cap], "pdf").startswith(b"%PDF")
