"""Every PDF the project makes (labels on a roll and on a sheet, box maps, packing lists, the
statistics report) embeds every font it uses, Chinese text included, so it prints the same on
a printer that has no font of its own."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pymupdf
import pytest
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfmetrics import registerFont
from reportlab.pdfgen.canvas import Canvas

from labels import BoxCell, BoxMap, Label, PackingList, PackingRow, render_pdf, sheet_of
from labels.report import render_statistics
from repository.services.statistics import summarise

CHINESE = "中国农业科学院作物科学研究所"
FONT_FILES = ("FontFile", "FontFile2", "FontFile3")


def unembedded(pdf: bytes) -> list[str]:
    """The fonts of a PDF whose program is not in it, by name: every font object but the
    composite (Type0: its descendant is checked) and Type3 (glyphs drawn in the PDF) must
    have a descriptor with a font file; every font a page uses must be embedded."""
    missing = []
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        for xref in range(1, document.xref_length()):
            if document.xref_get_key(xref, "Type") != ("name", "/Font"):
                continue
            if document.xref_get_key(xref, "Subtype")[1] in ("/Type0", "/Type3"):
                continue
            kind, descriptor = document.xref_get_key(xref, "FontDescriptor")
            files = (
                [document.xref_get_key(int(descriptor.split()[0]), key)[0] for key in FONT_FILES]
                if kind == "xref"
                else []
            )
            if "xref" not in files:
                missing.append(document.xref_get_key(xref, "BaseFont")[1].lstrip("/"))
        for number in range(document.page_count):
            fonts = document.get_page_fonts(number, full=True)
            missing += [name for _, ext, _, name, *_ in fonts if ext == "n/a"]
    return sorted(set(missing))


def text_of(pdf: bytes) -> str:
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        return "".join(page.get_text() for page in document)


def report(organisation: str = CHINESE) -> bytes:
    figures = summarise([], date(2026, 1, 1), date(2026, 12, 31), "month")
    figures.update(
        requests=2,
        items_distributed=3,
        per_period=[{"period": "2026-01", "requests": 2, "items_distributed": 3}],
        by_kind=[{"kind": "种子", "requests": 2, "items": 3}],
        by_country=[{"country": "CHN", "requests": 2, "items": 3}],
        by_organisation=[{"organisation": organisation, "requests": 2, "items": 3}],
    )
    return render_statistics(figures, "服务统计 2026")


LABEL = Label("AC3DE4FW", "Oryza sativa 水稻", (CHINESE, "Lot 3 · -18 °C"), "seed-packet", 2)
KINDS = {
    "labels on a roll": lambda: render_pdf([LABEL, Label("AC3DE4FX", "E. coli", ("CC 1",))]),
    "labels on a sheet": lambda: render_pdf([LABEL] * 3, sheet=sheet_of("L7160")),
    "box map": lambda: render_pdf(
        [BoxMap("冻存盒 17", 9, 9, (BoxCell(1, 1, "AC11X4FW", "水稻 1"),), CHINESE, "BX7KH3PA")]
    ),
    "packing list": lambda: render_pdf(
        [
            PackingList(
                "SHP-42",
                ("王博士", CHINESE, "北京市海淀区"),
                terms=("ABS: 遗传资源获取与惠益分享",),
                rows=(PackingRow("AC001FW", "AC001FW", "CC 00001", "水稻", "1 包"),),
            )
        ]
    ),
    "statistics report": report,
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_font_of_every_pdf_is_embedded(kind: str) -> None:
    pdf = KINDS[kind]()
    assert unembedded(pdf) == []
    assert CHINESE in text_of(pdf).replace("\n", "")  # set in a font that has it, and read back


def test_each_report_has_the_characters_it_prints() -> None:
    """Reports of other figures set in the same process take nothing from one another."""
    for organisation in ("浙江大学", "Far Lab", "华中农业大学", CHINESE):
        pdf = report(organisation)
        assert unembedded(pdf) == []
        assert organisation in text_of(pdf) and "服务统计" in text_of(pdf)


def test_a_font_left_out_is_found() -> None:
    """The check fails for reportlab's standard fonts, which are named, never embedded."""
    registerFont(UnicodeCIDFont("STSong-Light"))
    out = BytesIO()
    canvas = Canvas(out)
    canvas.setFont("STSong-Light", 12)
    canvas.drawString(72, 720, CHINESE)
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawString(72, 700, "Helvetica")
    canvas.save()
    assert unembedded(out.getvalue()) == ["Helvetica", "Helvetica-Bold", "STSong-Light"]
