"""The service statistics report as PDF with charts (reportlab), from the plain figures of
`repository.services.statistics` (a dict): no database, no web framework.

Every word is set in Noto Sans SC (Latin and Chinese alike), subset and instanced at its
weight by `embed.subset`, registered with reportlab as TrueType so the PDF embeds what it uses
and prints the same on any printer."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .embed import subset
from .fonts import face

BLUE = colors.HexColor("#2b6cb0")
GREEN = colors.HexColor("#2f855a")
WIDTH = 170 * mm
# The characters the report's own words may use (and names in Latin script), in every subset.
_CP1252 = frozenset(bytes(range(32, 256)).decode("cp1252", "ignore"))


class Fonts(NamedTuple):
    """The reportlab names of the regular and bold faces a report is set in."""

    regular: str
    bold: str


def report_fonts(chars: frozenset[str]) -> Fonts:
    """Noto Sans SC at 400 and 700, subset to `chars`, registered with reportlab (once per
    set of characters)."""
    names = []
    for bold in (False, True):
        cut = subset(face(False, bold), chars)
        if cut.name not in pdfmetrics.getRegisteredFontNames():
            font = TTFont(cut.name, BytesIO(cut.data))
            # reportlab takes a face name it has seen for the font registered first under it,
            # whose subset may lack these characters: each subset gets a name of its own.
            tag, name = cut.name.split("+")
            font.face.name = f"{name}-{tag}".encode("ascii")
            pdfmetrics.registerFont(font)
        names.append(cut.name)
    return Fonts(*names)


def _strings(value: Any) -> Iterator[str]:
    """Every piece of text in the figures (keys too), as it will be printed."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    else:
        yield str(value)


def render_statistics(figures: dict[str, Any], title: str = "Service statistics") -> bytes:
    """A PDF of the figures: summary, requests and items per period, time per step, and the
    distribution by material kind, country and organisation."""
    fonts = report_fonts(_CP1252 | frozenset(title).union(*_strings(figures)))
    sample = getSampleStyleSheet()
    styles = {
        name: ParagraphStyle(name, sample[name], fontName=font)
        for name, font in (
            ("Title", fonts.bold),
            ("Heading2", fonts.bold),
            ("Normal", fonts.regular),
        )
    }
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        initialFontName=fonts.regular,  # not reportlab's Helvetica, which is never embedded
    )
    story: list = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(f"Requests submitted from {figures['from']} to {figures['to']}"),
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
        _table(
            fonts,
            [
                ["Requests", "Items distributed", "Fulfilment rate", "Satisfaction"],
                [
                    figures["requests"],
                    figures["items_distributed"],
                    _percent(figures["fulfilment_rate"]),
                    _satisfaction(figures["satisfaction"]),
                ],
            ],
        ),
        Spacer(1, 6 * mm),
        Paragraph(escape(f"Per {figures['period']}"), styles["Heading2"]),
        _per_period_chart(fonts, figures["per_period"]),
        Paragraph("Time per step (days)", styles["Heading2"]),
        _table(
            fonts,
            [["Step", "Requests", "Median", "90th percentile"]]
            + [
                [
                    s["step"].replace("_", " "),
                    s["count"],
                    _days(s["median_days"]),
                    _days(s["p90_days"]),
                ]
                for s in figures["steps"]
            ]
            + [
                [
                    "end to end (submitted to delivered)",
                    figures["end_to_end"]["count"],
                    _days(figures["end_to_end"]["median_days"]),
                    _days(figures["end_to_end"]["p90_days"]),
                ]
            ],
        ),
        Paragraph("Items by material kind", styles["Heading2"]),
        _ranking_chart(fonts, figures["by_kind"], "kind"),
        Paragraph("By country", styles["Heading2"]),
        _ranking_table(fonts, figures["by_country"], "country"),
        Paragraph("By requesting organisation", styles["Heading2"]),
        _ranking_table(fonts, figures["by_organisation"], "organisation"),
    ]
    document.build(story)
    return out.getvalue()


def _table(fonts: Fonts, rows: list[list[Any]]) -> Table:
    table = Table([[str(cell) for cell in row] for row in rows], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
                ("FONTNAME", (0, 0), (-1, 0), fonts.bold),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def _ranking_table(fonts: Fonts, rows: list[dict[str, Any]], name: str) -> Table:
    return _table(
        fonts,
        [[name.capitalize(), "Requests", "Items"]]
        + [[row[name], row["requests"], row["items"]] for row in rows[:15]],
    )


def _drawing(fonts: Fonts, height: float) -> Drawing:
    """A chart's drawing, whose text starts in the report's font, not reportlab's Helvetica."""
    return Drawing(WIDTH, height, initialFontName=fonts.regular)


def _per_period_chart(fonts: Fonts, rows: list[dict[str, Any]]) -> Drawing:
    drawing = _drawing(fonts, 60 * mm)
    if not rows:
        drawing.add(String(0, 30 * mm, "No requests in this period.", fontName=fonts.regular))
        return drawing
    chart = VerticalBarChart()
    # the stubs type a plot area's box as int; reportlab takes any number
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, WIDTH - 20 * mm, 45 * mm  # type: ignore[assignment]
    chart.data = [
        [row["requests"] for row in rows],
        [row["items_distributed"] for row in rows],
    ]
    chart.categoryAxis.categoryNames = [row["period"] for row in rows]
    chart.categoryAxis.labels.fontSize = 7
    _axis_fonts(chart, fonts)
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = BLUE
    chart.bars[1].fillColor = GREEN
    drawing.add(chart)
    for x, text, colour in ((14 * mm, "requests", BLUE), (34 * mm, "items distributed", GREEN)):
        drawing.add(String(x, 57 * mm, text, fillColor=colour, fontSize=8, fontName=fonts.regular))
    return drawing


def _axis_fonts(chart: HorizontalBarChart | VerticalBarChart, fonts: Fonts) -> None:
    chart.categoryAxis.labels.fontName = fonts.regular
    chart.valueAxis.labels.fontName = fonts.regular


def _ranking_chart(fonts: Fonts, rows: list[dict[str, Any]], name: str) -> Drawing:
    height = max(len(rows), 1) * 8 * mm + 10 * mm
    drawing = _drawing(fonts, height)
    if not rows:
        drawing.add(String(0, 5 * mm, "Nothing distributed yet.", fontName=fonts.regular))
        return drawing
    chart = HorizontalBarChart()
    # the stubs type a plot area's box as int; reportlab takes any number
    chart.x, chart.y = 30 * mm, 5 * mm  # type: ignore[assignment]
    chart.width, chart.height = WIDTH - 40 * mm, height - 10 * mm  # type: ignore[assignment]
    chart.data = [[row["items"] for row in rows]]
    chart.categoryAxis.categoryNames = [str(row[name]).replace("_", " ") for row in rows]
    _axis_fonts(chart, fonts)
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = GREEN
    drawing.add(chart)
    return drawing


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f} %"


def _days(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _satisfaction(satisfaction: dict[str, Any]) -> str:
    if not satisfaction["responses"]:
        return "no feedback"
    return f"{satisfaction['mean']:.1f} / 5 ({satisfaction['responses']} answers)"
