"""Data Matrix (ECC 200) labels: the encoder, stocks that ask for it, and every output read back
as a rack scanner would (zxing-cpp), ZPL through an independent renderer (zplkit)."""

from __future__ import annotations

import io
import random
import string

import numpy as np
import pymupdf
import pytest
import zplkit
import zxingcpp
from PIL import Image

from labels import (
    BoxCell,
    BoxMap,
    Label,
    LabelError,
    PackingList,
    PackingRow,
    Settings,
    render_pdf,
)
from labels.datamatrix import SIZES, codewords, make_datamatrix, symbol_size
from labels.layout import layout_label
from labels.preview import render_png, render_svg
from labels.stocks import Stock, parse_stock
from labels.zpl import label_zpl

DATAMATRIX = zxingcpp.BarcodeFormat.DataMatrix
SETTINGS = Settings(
    stocks={
        "cryovial": "33x13mm datamatrix",
        "cap": {"width_mm": 13, "height_mm": 13, "round": True, "symbology": "datamatrix"},
    }
)


def read(image: Image.Image) -> list[tuple[str, str]]:
    """(text, symbology) of each code in an image."""
    return [(r.text, str(r.format)) for r in zxingcpp.read_barcodes(image)]


def symbol_image(payload: str, scale: int = 5) -> Image.Image:
    code = make_datamatrix(payload)
    pixels = np.full((code.size + 4, code.size + 4), 255, np.uint8)
    for r, c, n in code.runs:
        pixels[r + 2, c + 2 : c + 2 + n] = 0
    side = (code.size + 4) * scale
    return Image.fromarray(pixels).resize((side, side), Image.Resampling.NEAREST)


def test_every_symbol_size_decodes() -> None:
    chars = string.ascii_letters + string.digits + " -_~^/.:"
    rng = random.Random(18)
    seen = set()
    for capacity, _, _ in SIZES.values():
        for length in (capacity, max(1, capacity - 1)):  # full, and one pad codeword
            payload = "".join(rng.choice(chars) for _ in range(length))
            if len(codewords(payload)) > capacity:  # digit pairs make it shorter, not longer
                payload = payload[:capacity]
            seen.add(make_datamatrix(payload).size)
            assert read(symbol_image(payload)) == [(payload, "Data Matrix")]
    assert seen == set(SIZES)


def test_ascii_mode_and_the_smallest_symbol() -> None:
    assert codewords("123456") == [130 + 12, 130 + 34, 130 + 56]
    assert codewords("A1b") == [66, 50, 99]
    assert symbol_size("123456") == 10  # three codewords: 10 x 10
    assert symbol_size("AC3DE4G3") == 14  # eight: 14 x 14
    assert symbol_size("x" * 144) == 44
    code = make_datamatrix("123456")
    # finder pattern: solid left column and bottom row, alternating top row and right column
    assert all(code.dark(r, 0) and code.dark(9, r) for r in range(10))
    assert [code.dark(0, c) for c in range(10)] == [c % 2 == 0 for c in range(10)]
    assert [code.dark(r, 9) for r in range(10)] == [r % 2 == 1 for r in range(10)]


def test_what_does_not_fit_is_refused() -> None:
    with pytest.raises(LabelError, match="does not fit a Data Matrix"):
        make_datamatrix("x" * 145)
    with pytest.raises(LabelError, match="ASCII only"):
        make_datamatrix("样本")


def test_stocks_name_their_symbology() -> None:
    assert parse_stock("cap-13mm datamatrix") == Stock(13, 13, True, "datamatrix")
    assert parse_stock("13x13mm round DataMatrix").symbology == "datamatrix"
    assert parse_stock("33x13mm qr") == Stock(33, 13)
    assert parse_stock({"width_mm": 33, "height_mm": 13}).symbology == "qr"
    assert SETTINGS.stock("cap").symbology == "datamatrix"
    assert Settings().stock("cap").symbology == "qr"
    with pytest.raises(LabelError, match="symbology 'aztec'"):
        parse_stock({"width_mm": 33, "height_mm": 13, "symbology": "aztec"})
    with pytest.raises(LabelError, match="unknown stock"):
        parse_stock("33x13mm aztec")


LABELS = [
    Label("AC3DE4G3", "CC 00123", ("lot 7",)),
    Label("AC3DE4G4", "CC 00124", template="cap"),
    Label("AC3DE4G5", "Box 17", template="box"),  # its stock keeps QR
]


def test_pdf_pages_carry_data_matrix_where_the_stock_asks() -> None:
    with pymupdf.open(stream=render_pdf(LABELS, settings=SETTINGS), filetype="pdf") as document:
        found = []
        for page in document:
            pixmap = page.get_pixmap(dpi=600, colorspace=pymupdf.csGRAY)
            found.append(read(Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)))
    assert found == [
        [("AC3DE4G3", "Data Matrix")],
        [("AC3DE4G4", "Data Matrix")],
        [("AC3DE4G5", "QR Code")],
    ]


def test_box_maps_and_packing_lists_carry_data_matrix_where_their_stock_asks() -> None:
    """A lab whose racks are read by a Data Matrix scanner sets the A4 documents' stocks too:
    the box map's own code and each packing-list row's code are Data Matrix, read back."""
    settings = Settings(stocks={"box-map": "a4 datamatrix", "packing-list": "a4 datamatrix"})
    box = BoxMap("Box 17", 2, 2, (BoxCell(1, 1, "AC3DE4G3", "CC 00123"),), code="AC3DE4G5")
    rows = (PackingRow("AC3DE4G3", "AC3DE4G3", "CC 00123"),)
    packing = PackingList("SH-1", ("Lab",), rows=rows)
    found = []
    for thing, stocks in ((box, settings), (packing, settings), (box, Settings())):
        pdf = render_pdf([thing], settings=stocks)
        with pymupdf.open(stream=pdf, filetype="pdf") as document:
            pixmap = document[0].get_pixmap(dpi=300, colorspace=pymupdf.csGRAY)
        found.append(read(Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)))
    assert found == [
        [("AC3DE4G5", "Data Matrix")],
        [("AC3DE4G3", "Data Matrix")],
        [("AC3DE4G5", "QR Code")],  # the default stock keeps QR
    ]


def test_previews_draw_the_data_matrix() -> None:
    for label in LABELS[:2]:
        png = Image.open(io.BytesIO(render_png(label, 600, settings=SETTINGS)))
        assert read(png) == [(label.code, "Data Matrix")]
    svg = render_svg(LABELS[0], settings=SETTINGS).decode()
    code = layout_label(LABELS[0], SETTINGS).codes[0]
    assert code.qr.symbology == "datamatrix" and code.qr.size == 14
    assert f"scale({code.module:.4f})" in svg


def test_the_module_never_shrinks_below_the_minimum() -> None:
    long = Label("A" * 40, "x", template="cap", caption="CC 1")  # 40 codewords: 26 x 26
    with pytest.raises(LabelError, match=r"Data Matrix code of 26 modules .* needs 7\.5 mm"):
        layout_label(long, SETTINGS)
    fine = Settings(stocks=SETTINGS.stocks, min_module_mm=0.15)
    assert layout_label(long, fine).codes[0].module >= 0.15


@pytest.mark.parametrize(("dpi", "mag"), [(203, 4), (300, 6), (600, 10)])
def test_zpl_prints_bx_quality_200_and_a_scanner_reads_it(dpi: int, mag: int) -> None:
    label = Label("AC3DE4G3_`x", "CC 00123", ("lot 7",))  # _ and ` are escape characters
    zpl = label_zpl(label, dpi, SETTINGS)
    size = symbol_size(label.code)
    assert f"^BXN,{mag},200,{size},{size},,|^FH^FDAC3DE4G3_5F`x^FS" in zpl
    assert "^BQ" not in zpl
    scene = zplkit.render(zpl.encode("ascii"), zplkit.Options(dpi=dpi)).labels[0]
    assert read(Image.open(io.BytesIO(scene.png()))) == [(label.code, "Data Matrix")]


def test_zpl_refuses_a_data_matrix_the_printer_cannot_resolve() -> None:
    label = Label("A" * 30, "x", template="cap", caption="CC 1")  # 22 x 22 in 6.5 mm
    assert layout_label(label, SETTINGS).codes[0].module == pytest.approx(0.25)
    with pytest.raises(LabelError, match="Data Matrix code of 22 modules needs 2 dots"):
        label_zpl(label, 203, SETTINGS)
