"""Labels as they are really used: the code's text legible on every label, fonts embedded in
every PDF, Chinese on any ZPL printer (checked with an independent renderer, zplkit), and
label sheets placed where the stock's cut labels are."""

from __future__ import annotations

import io

import numpy as np
import pymupdf
import pytest
import zplkit
from PIL import Image

from labels import SHEETS, Label, LabelError, Settings, render, sheet_of
from labels.layout import CODE_TEXT_MM
from labels.raster import graphic_image, text_image
from labels.zpl import label_zpl

TEMPLATES = ("cryovial", "cap", "seed-packet", "box", "cage-card")
CODE = "AC3DE4FW"
LABEL_LINES = ("Glycine max 大豆 中黄13", "Lot 3 · cycle 2", "2025-01-02 · -18 °C")


def label(template: str) -> Label:
    """A label whose QR code holds a link (a cap's is too small for one) and shows the code."""
    link = CODE if template == "cap" else f"https://biorepo.example/i/{CODE}"
    return Label(link, "CCB 12345", LABEL_LINES, template, 2, CODE)


def ink_height_mm(pdf: bytes, word: str, dpi: int = 300) -> float:
    """The height in mm of the ink of `word` on the first page, drawn at `dpi`."""
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        page = document[0]
        pieces = [w for w in page.get_text("words") if w[4] in word and 2 * len(w[4]) >= len(word)]
        assert "".join(w[4] for w in pieces) == word, page.get_text("words")
        pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        image = np.frombuffer(pixmap.samples, np.uint8).reshape(pixmap.height, pixmap.width)
        heights = []
        for x0, y0, x1, y1, *_ in pieces:
            k = dpi / 72
            box = image[int(y0 * k) : int(y1 * k) + 1, int(x0 * k) : int(x1 * k) + 1]
            rows = np.nonzero((box < 128).any(axis=1))[0]
            heights.append((rows[-1] - rows[0] + 1) / dpi * 25.4)
        return min(heights)


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_label_prints_its_code_legibly(template: str) -> None:
    pdf = render([label(template)], "pdf")
    assert ink_height_mm(pdf, CODE) >= CODE_TEXT_MM - 0.1  # capitals, drawn at 300 dpi


def test_a_code_too_long_to_print_legibly_is_refused() -> None:
    with pytest.raises(LabelError, match="cannot be printed legibly"):
        render([Label(CODE, caption="X" * 64, template="cap")], "pdf")


def test_every_pdf_embeds_its_fonts() -> None:
    pdf = render([label("seed-packet")], "pdf")
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        fonts = document.get_page_fonts(0, full=True)
        assert {f[3].split("+")[1] for f in fonts} == {"Arimo", "Arimo-Bold", "NotoSansSC"}
        for xref, ext, *_ in fonts:
            assert ext == "ttf"  # an embedded TrueType program, subset (name tag)
            descendant = document.xref_get_key(xref, "DescendantFonts")[1]
            cid = int(descendant.strip("[]").split()[0])
            descriptor = int(document.xref_get_key(cid, "FontDescriptor")[1].split()[0])
            assert document.xref_get_key(descriptor, "FontFile2")[0] == "xref"
        assert "大豆 中黄13" in document[0].get_text()


def test_chinese_goes_to_a_zpl_printer_as_a_graphic_field() -> None:
    packet = label("seed-packet")
    zpl = label_zpl(packet, 300)
    assert "_E5" not in zpl  # no Chinese as field data for a font the printer lacks
    fields = [line for line in zpl.splitlines() if "^GFA" in line]
    assert fields
    first = graphic_image(fields[0].split("^GFA", 1)[1].removeprefix(",").join(["^GFA,", ""]))
    dark = np.asarray(first.convert("L")) < 128
    assert dark.mean() > 0.05  # not blank
    # the bitmap is the text drawn with the packaged faces
    from labels.layout import layout_label

    text = next(t for t in layout_label(packet).texts if "大豆" in t.text)
    expected = np.asarray(text_image(text, 300).convert("L")) < 128
    assert dark[: expected.shape[0], : expected.shape[1]].tolist() == expected.tolist()


def test_an_independent_zpl_renderer_prints_the_chinese() -> None:
    packet = label("seed-packet")
    with_fields = label_zpl(packet, 300).encode("ascii")
    scene = zplkit.render(with_fields, zplkit.Options(dpi=300)).labels[0]
    drawn = np.asarray(Image.open(io.BytesIO(scene.png())).convert("L")) < 128
    without = Label(packet.code, packet.title, LABEL_LINES[1:], packet.template, 2, CODE)
    plain = zplkit.render(label_zpl(without, 300).encode(), zplkit.Options(dpi=300)).labels[0]
    other = np.asarray(Image.open(io.BytesIO(plain.png())).convert("L")) < 128
    assert drawn.sum() > other.sum() + 500  # the Chinese line is ink on the label
    # a printer's resident font has no Chinese: the renderer refuses it as field data
    with pytest.raises(ValueError, match="glyph"):
        zplkit.render(b"^XA^CI28^FO10,10^A0N,40,40^FD\xe5\xa4\xa7^FS^XZ")


def test_a_printer_given_a_font_gets_text() -> None:
    settings = Settings(zpl_font="^A@N", zpl_font_file="E:SIMSUN.TTF")
    assert "^GFA" not in label_zpl(label("seed-packet"), 300, settings)


def label_boxes(pdf: bytes) -> list[tuple[float, float]]:
    """The top-left corner (mm) of each label's QR code on the first page."""
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        return sorted(
            (round(d["rect"].y0 * 25.4 / 72, 1), round(d["rect"].x0 * 25.4 / 72, 1))
            for d in document[0].get_drawings()
        )


@pytest.mark.parametrize(
    ("name", "page", "first", "pitch", "size"),
    [
        ("L7160", (210, 297), (7.25, 15.15), (66.0, 38.1), (63.5, 38.1)),
        ("L7163", (210, 297), (4.65, 15.15), (101.6, 38.1), (99.1, 38.1)),
        ("L7651", (210, 297), (4.75, 10.7), (40.6, 21.2), (38.1, 21.2)),
        ("L7656", (210, 297), (7.6, 15.95), (49.6, 12.7), (46.0, 11.1)),
        ("5160", (215.9, 279.4), (4.7625, 12.7), (69.85, 25.4), (66.675, 25.4)),
        ("5167", (215.9, 279.4), (7.14375, 12.7), (52.3875, 12.7), (44.45, 12.7)),
    ],
)
def test_sheet_stocks_place_labels_at_their_published_positions(name, page, first, pitch, size):
    sheet = SHEETS[name]
    assert (sheet.page.width_mm, sheet.page.height_mm) == pytest.approx(page)
    assert (sheet.label.width_mm, sheet.label.height_mm) == pytest.approx(size)
    assert sheet.cell(0, sheet.label) == pytest.approx(first)
    assert sheet.cell(sheet.cols + 1, sheet.label) == pytest.approx(
        (first[0] + pitch[0], first[1] + pitch[1])
    )
    sheet.check(sheet.label)  # inside the printable area
    pdf = render([Label(CODE, "CCB 1", template="cryovial")] * 2, "pdf", sheet=sheet)
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        rect = document[0].rect
        assert (rect.width * 25.4 / 72, rect.height * 25.4 / 72) == pytest.approx(page, abs=0.1)
        words = [w for w in document[0].get_text("words") if w[4] == CODE]
        assert len(words) == 2
        # each label's text lies inside its cut label
        for index, word in enumerate(sorted(words, key=lambda w: w[0])):
            x, y = sheet.cell(index, sheet.label)
            x0, y0, x1, y1 = (v * 25.4 / 72 for v in word[:4])
            assert x <= x0 and x1 <= x + size[0] and y <= y0 and y1 <= y + size[1]


def test_a_grid_without_margins_is_centred_not_in_the_corner() -> None:
    sheet = sheet_of("3x10")
    left, top = sheet.origin(Settings().stock("cryovial"))
    assert left == pytest.approx((210 - 3 * 33) / 2) and top == pytest.approx((297 - 10 * 13) / 2)


def test_a_grid_in_the_unprintable_margin_is_refused() -> None:
    sheet = sheet_of("3x10", left=1.7, top=1.7)
    with pytest.raises(LabelError, match=r"1\.7 mm from the page.s left edge.*4\.2 mm"):
        render([Label(CODE)], "pdf", sheet=sheet)
