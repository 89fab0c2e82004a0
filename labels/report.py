"""The service statistics report as PDF with charts (reportlab), from the plain figures of
`repository.services.statistics` (a dict): no database, no web framework."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

BLUE = colors.HexColor("#2b6cb0")
GREEN = colors.HexColor("#2f855a")
WIDTH = 170 * mm


def render_statistics(figures: dict[str, Any], title: str = "Service statistics") -> bytes:
    """A PDF of the figures: summary, requests and items per period, time per step, and the
    distribution by material kind, country and organisation."""
    styles = getSampleStyleSheet()
    out = BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, title=title, leftMargin=20 * mm, rightMargin=20 * mm
    )
    story: list = [
        Paragraph(title, styles["Title"]),
        Paragraph(
            f"Requests submitted from {figures['from']} to {figures['to']}", styles["Normal"]
        ),
        Spacer(1, 6 * mm),
        _table(
            [
                ["Requests", "Items distributed", "Fulfilment rate", "Satisfaction"],
                [
                    figures["requests"],
                    figures["items_distributed"],
                    _percent(figures["fulfilment_rate"]),
                    _satisfaction(figures["satisfaction"]),
                ],
            ]
        ),
        Spacer(1, 6 * mm),
        Paragraph(f"Per {figures['period']}", styles["Heading2"]),
        _per_period_chart(figures["per_period"]),
        Paragraph("Time per step (days)", styles["Heading2"]),
        _table(
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
            ]
        ),
        Paragraph("Items by material kind", styles["Heading2"]),
        _ranking_chart(figures["by_kind"], "kind"),
        Paragraph("By country", styles["Heading2"]),
        _ranking_table(figures["by_country"], "country"),
        Paragraph("By requesting organisation", styles["Heading2"]),
        _ranking_table(figures["by_organisation"], "organisation"),
    ]
    document.build(story)
    return out.getvalue()


def _table(rows: list[list[Any]]) -> Table:
    table = Table([[str(cell) for cell in row] for row in rows], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def _ranking_table(rows: list[dict[str, Any]], name: str) -> Table:
    return _table(
        [[name.capitalize(), "Requests", "Items"]]
        + [[row[name], row["requests"], row["items"]] for row in rows[:15]]
    )


def _per_period_chart(rows: list[dict[str, Any]]) -> Drawing:
    drawing = Drawing(WIDTH, 60 * mm)
    if not rows:
        drawing.add(String(0, 30 * mm, "No requests in this period."))
        return drawing
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, WIDTH - 20 * mm, 45 * mm
    chart.data = [
        [row["requests"] for row in rows],
        [row["items_distributed"] for row in rows],
    ]
    chart.categoryAxis.categoryNames = [row["period"] for row in rows]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = BLUE
    chart.bars[1].fillColor = GREEN
    drawing.add(chart)
    drawing.add(String(14 * mm, 57 * mm, "requests", fillColor=BLUE, fontSize=8))
    drawing.add(String(34 * mm, 57 * mm, "items distributed", fillColor=GREEN, fontSize=8))
    return drawing


def _ranking_chart(rows: list[dict[str, Any]], name: str) -> Drawing:
    height = max(len(rows), 1) * 8 * mm + 10 * mm
    drawing = Drawing(WIDTH, height)
    if not rows:
        drawing.add(String(0, 5 * mm, "Nothing distributed yet."))
        return drawing
    chart = HorizontalBarChart()
    chart.x, chart.y = 30 * mm, 5 * mm
    chart.width, chart.height = WIDTH - 40 * mm, height - 10 * mm
    chart.data = [[row["items"] for row in rows]]
    chart.categoryAxis.categoryNames = [str(row[name]).replace("_", " ") for row in rows]
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
