"""PDF output: QR codes decode from the rendered pages, roll and sheet geometry, Chinese text."""

from __future__ import annotations

import io

import pymupdf
import pytest
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
    Sheet,
    cage_card,
    render_pdf,
    stream,
)
from labels.fonts import PT

MM = 1 / PT


def decoded(page: pymupdf.Page, dpi: int = 600) -> list[str]:
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    return sorted(r.text for r in zxingcpp.read_barcodes(image))


def open_pdf(data: bytes) -> pymupdf.Document:
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return pymupdf.open(stream=data, filetype="pdf")


LABELS = [
    Label("AC3DE4FW", "Pseudomonas aeruginosa", ("CC 00123", "lot 7"), risk_group=2),
    Label("https://biorepo.example.org/items/AC3DE4FX", "URL payload", ("CC 00124",)),
    Label("AC3DE4FY", "Oryza sativa 水稻", ("IRGC 12345",), template="seed-packet"),
    Label("AC3DE4FZ", "Box 17", ("Freezer 3 / rack C",), template="box"),
    Label("AC3DE4G3", "CC 1", template="cap"),
    cage_card("CAG7KH3P", "Cage 12", strain="C57BL/6J", protocol="P-17", animals=["ANM7KH3P"]),
]


def test_every_roll_label_is_a_page_of_its_stock_size_and_its_code_decodes() -> None:
    settings = Settings()
    doc = open_pdf(render_pdf(LABELS, settings=settings))
    assert len(doc) == len(LABELS)
    for page, label in zip(doc, LABELS, strict=True):
        stock = settings.stock(label.template)
        assert page.rect.width == pytest.approx(stock.width_mm * MM, abs=0.01)
        assert page.rect.height == pytest.approx(stock.height_mm * MM, abs=0.01)
        assert decoded(page) == [label.code]


def test_stock_overrides_change_the_page_size() -> None:
    settings = Settings(stocks={"cryovial": "1x0.5in"})
    page = open_pdf(render_pdf([LABELS[0]], settings=settings))[0]
    assert (page.rect.width, page.rect.height) == pytest.approx((72, 36), abs=0.01)
    assert decoded(page) == ["AC3DE4FW"]


def test_chinese_text_comes_back_from_the_text_layer() -> None:
    label = Label("AC3DE4FW", "枯草芽孢杆菌", ("甘油保存 lot 3",))
    text = open_pdf(render_pdf([label]))[0].get_text()
    assert "枯草芽孢杆菌" in text
    assert "甘油保存" in text and "lot 3" in text


def test_sheet_fills_cells_from_the_start_position() -> None:
    sheet = Sheet(cols=5, rows=13, left=10, top=10, gap_x=5, gap_y=7)
    labels = [Label(f"AC{i:04d}FW", f"Item {i}") for i in range(70)]
    doc = open_pdf(render_pdf(labels, sheet=sheet, start=8))
    assert len(doc) == 2  # 58 cells left on the first sheet, 12 labels on the second
    first = doc[0]
    assert (first.rect.width, first.rect.height) == pytest.approx((210 * MM, 297 * MM), abs=0.1)
    codes = decoded(first, dpi=300)
    assert len(codes) == 58 and "AC0000FW" in codes and "AC0057FW" in codes
    assert decoded(doc[1], dpi=300) == sorted(f"AC{i:04d}FW" for i in range(58, 70))
    # the first label sits in cell 8: row 2, column 3
    x0, y0 = first.search_for("Item 0")[0][:2]
    assert x0 == pytest.approx((10 + 2 * (33 + 5) + 13 - 0.8) * MM, abs=3 * MM)
    assert (10 + 13 + 7) * MM < y0 < (10 + 2 * 13 + 7) * MM


def test_a_sheet_too_small_for_its_grid_is_refused() -> None:
    with pytest.raises(LabelError, match="past the page's left edge"):
        render_pdf(LABELS[:1], sheet=Sheet(cols=7, rows=2))
    with pytest.raises(LabelError, match="start position"):
        render_pdf(LABELS[:1], sheet=Sheet(cols=2, rows=2), start=5)


def test_text_never_overlaps_the_code() -> None:
    long = "Burkholderia pseudomallei " * 6
    label = Label("AC3DE4FW", long, (long, "枯草芽孢杆菌" * 8), risk_group=3)
    for stocks in ({}, {"cryovial": "1x0.5in"}):
        page = open_pdf(render_pdf([label], settings=Settings(stocks=stocks)))[0]
        words = page.get_text("words")
        assert words
        code = max(page.get_drawings(), key=lambda d: len(d["items"]))["rect"]
        assert code.width > 5 * MM  # the QR code's modules, drawn as one path
        for word in words:
            box = pymupdf.Rect(word[:4])
            assert not box.intersects(code), word
            assert box.x0 >= code.x1 and box.x1 <= page.rect.width + 0.01, word
        assert any(w[4].endswith("…") for w in words)  # what did not fit is ellipsised


def test_box_map_and_packing_list() -> None:
    cells = tuple(
        BoxCell(r, c, f"AC{r}{c}X4FW", f"CC {r}{c}") for r in range(1, 10) for c in range(1, 10)
    )
    box = BoxMap("Box 17", 9, 9, cells, "Site / Room 2 / Tank 3", "BX7KH3PA")
    rows = tuple(
        PackingRow(f"AC{i:03d}FW", f"AC{i:03d}FW", f"CC {i:05d}", "E. coli", "1 vial")
        for i in range(30)
    )
    packing = PackingList(
        "SHP-42", ("Dr. Silva", "Lisbon"), terms=("ABS: permit ABSCH-IRCC-XX-1",), rows=rows
    )
    doc = open_pdf(render_pdf([box, packing]))
    assert len(doc) == 1 + 3
    text = doc[0].get_text()
    assert "AC11X4FW" in text and "AC99X4FW" in text and "Site / Room 2 / Tank 3" in text
    assert decoded(doc[0], dpi=300) == ["BX7KH3PA"]
    assert "ABS: permit ABSCH-IRCC-XX-1" in doc[1].get_text()
    codes = [c for page in doc[1:] for c in decoded(page, dpi=300)]
    assert sorted(codes) == sorted(r.code for r in rows)
    assert "page 3 of 3" in doc[3].get_text()


def test_stream_to_a_file_object_and_a_path(tmp_path) -> None:
    buffer = io.BytesIO()
    assert render_pdf(LABELS[:2], buffer) is None
    path = tmp_path / "labels.pdf"
    assert render_pdf(LABELS[:2], path) is None
    assert path.read_bytes() == buffer.getvalue() == render_pdf(LABELS[:2])


def test_a_code_too_large_for_its_stock_is_refused() -> None:
    with pytest.raises(LabelError, match="needs"):
        render_pdf([Label("x" * 300, "too long")])


def test_a_streamed_pdf_starts_before_any_label_is_read_and_equals_the_rendered_one() -> None:
    read: list[int] = []

    def made(count: int):
        for i in range(count):
            read.append(i)
            yield Label(f"AC{i:05X}", "Bacillus subtilis", ("lot 3", "glycerol -80 °C"))

    pieces = stream(made(1200), "pdf")
    first = next(pieces)
    assert first.startswith(b"%PDF-1.4") and read == []  # the header comes first
    second = next(pieces)
    assert 0 < len(read) < 1200 and len(second) >= 64 * 1024  # then the pages, a piece at a time
    whole = b"".join([first, second, *pieces])
    assert len(read) == 1200 and whole == render_pdf(made(1200))
    sheet = Sheet(3, 7)
    assert b"".join(stream(made(50), "pdf", sheet=sheet, start=4)) == render_pdf(
        made(50), sheet=sheet, start=4
    )
