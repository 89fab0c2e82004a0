"""The report of one STR similarity search as PDF (reportlab), for a journal's methods section
or a customer's certificate: the query profile, the parameters, and the references found,
each with its score, verdict and cautions, and every marker's alleles, those the query shares
in bold green, the others in red. Built from the search as the API gives it (a dict): no
database, no web framework."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .report import _CP1252, Fonts, _strings, report_fonts

MATCHED = "#2f855a"
UNMATCHED = "#c53030"
CAUTION = "#c53030"
ALGORITHMS = {
    "tanabe": "Tanabe (2 × shared / (query + reference) × 100)",
    "masters_query": "Masters vs query (shared / query × 100)",
    "masters_reference": "Masters vs reference (shared / reference × 100)",
}
MODES = {
    "non_empty": "markers of both profiles (non-empty markers)",
    "query": "the query's markers",
    "reference": "the reference's markers",
}
THRESHOLDS = {
    "tanabe": "related ≥ 90 %, ambiguous 80–90 %, unrelated < 80 %",
    "masters_query": "related ≥ 80 %, ambiguous 60–80 %, unrelated < 60 %",
    "masters_reference": "related ≥ 80 %, ambiguous 60–80 %, unrelated < 60 %",
}
HEADERS = {"Amelogenin": "Amel."}  # too wide for a column of alleles
MOST_COLUMNS = 24  # markers side by side on a landscape page


def render_str_report(
    search: dict[str, Any], run_on: str, title: str = "STR profile search"
) -> bytes:
    """The PDF of a search (SearchOut's shape), run on `run_on` (a date or time, as printed)."""
    words = [title, run_on, *ALGORITHMS.values(), *MODES.values(), *THRESHOLDS.values()]
    fonts = report_fonts(_CP1252 | frozenset("≥–×✓").union(*_strings(search), *words))
    sample = getSampleStyleSheet()
    styles = {
        "title": ParagraphStyle("title", sample["Title"], fontName=fonts.bold),
        "heading": ParagraphStyle("heading", sample["Heading2"], fontName=fonts.bold),
        "normal": ParagraphStyle("normal", sample["Normal"], fontName=fonts.regular, fontSize=9),
        "cell": ParagraphStyle("cell", fontName=fonts.regular, fontSize=6.5, leading=8),
    }
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        title=title,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        initialFontName=fonts.regular,
    )
    parameters = search["parameters"]
    algorithm = parameters["algorithm"]
    story: list = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(escape(f"Run on {run_on}." + _described(search)), styles["normal"]),
        Spacer(1, 3 * mm),
        _grid(
            fonts,
            [
                ["Score", ALGORITHMS.get(algorithm, algorithm)],
                ["Compared on", MODES.get(parameters["mode"], parameters["mode"])],
                [
                    "Amelogenin",
                    "included in the score"
                    if parameters["include_amelogenin"]
                    else "not scored (sex only)",
                ],
                [
                    "Reported",
                    f"best score ≥ {parameters['score_filter']:g} %, at least "
                    f"{parameters['min_markers']} markers compared (Amelogenin not counted), "
                    f"at most {parameters['max_results']}",
                ],
                ["Verdict", THRESHOLDS.get(algorithm, "")],
                [
                    "Searched",
                    f"{search['searched']} reference profiles; {search['found']} reported"
                    + (
                        f", the first {len(search['results'])} listed"
                        if search["found"] > len(search["results"])
                        else ""
                    ),
                ],
            ],
        ),
        Paragraph("Query profile", styles["heading"]),
        _query_table(fonts, styles, search["query"]),
        Paragraph("References found", styles["heading"]),
    ]
    if search["results"]:
        story.append(_results_table(fonts, styles, search))
    else:
        story.append(Paragraph("No reference profile passed the filters.", styles["normal"]))
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            escape(
                "Scores computed as the Cellosaurus STR similarity search tool (CLASTR 1.4) "
                "computes them (Robin T, Capes-Davis A, Bairoch A. Int J Cancer 2020; "
                "doi:10.1002/ijc.32639). Alleles in green are shared with the query, in red "
                "not; a marker in grey did not count in the score. Where a reference's "
                "sources disagree, its best and worst profiles are shown. Reference "
                "profiles: Cellosaurus (SIB Swiss Institute of Bioinformatics) and the "
                "collection's own cell lines."
            ),
            styles["normal"],
        ),
    ]
    document.build(story)
    return out.getvalue()


def _described(search: dict[str, Any]) -> str:
    return f" {search['description']}" if search.get("description") else ""


def _grid(fonts: Fonts, rows: list[list[str]]) -> Table:
    table = Table(rows, hAlign="LEFT", colWidths=[32 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
                ("FONTNAME", (0, 0), (0, -1), fonts.bold),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _query_table(fonts: Fonts, styles: dict[str, ParagraphStyle], query: list[dict]) -> Table:
    names = [
        Paragraph(escape(m["name"]) + ("" if m["known"] else " (not compared)"), styles["cell"])
        for m in query
    ]
    values = [Paragraph(escape(",".join(m["alleles"])), styles["cell"]) for m in query]
    width = 265 * mm / max(len(query), 1)
    table = Table([names, values], hAlign="LEFT", colWidths=[min(width, 30 * mm)] * len(query))
    table.setStyle(_lined(fonts))
    return table


def _lined(fonts: Fonts) -> TableStyle:
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
            ("FONTSIZE", (0, 0), (-1, -1), 7),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#edf2f7")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ]
    )


def _columns(search: dict[str, Any]) -> list[str]:
    """The markers shown: the query's, then those only references have that counted."""
    names = [m["name"] for m in search["query"] if m["known"]]
    for result in search["results"]:
        for profile in result["profiles"]:
            for marker in profile["markers"]:
                if marker["scored"] and marker["name"] not in names:
                    names.append(marker["name"])
    return names[:MOST_COLUMNS]


def _alleles(fonts: Fonts, marker: dict[str, Any] | None) -> str:
    if marker is None:
        return ""
    shown = []
    for allele in marker["alleles"]:
        value = escape(allele["value"])
        if not marker["scored"]:
            shown.append(f'<font color="grey">{value}</font>')
        elif allele["matched"]:
            shown.append(f'<font name="{fonts.bold}" color="{MATCHED}">{value}</font>')
        else:
            shown.append(f'<font color="{UNMATCHED}">{value}</font>')
    return ", ".join(shown)  # a line breaks between alleles, not inside one


def _results_table(fonts: Fonts, styles: dict[str, ParagraphStyle], search: dict) -> Table:
    columns = _columns(search)
    cell = styles["cell"]
    bold = ParagraphStyle("bold", cell, fontName=fonts.bold, fontSize=6, leading=7.5)
    header = [Paragraph(escape(text), bold) for text in ("#", "Reference", "Score", "Verdict")]
    header += [Paragraph(escape(HEADERS.get(name, name)), bold) for name in columns]
    rows: list[list[Any]] = [header]
    for result in search["results"]:
        for profile in result["profiles"]:
            by_name: dict[str, dict] = {}
            for marker in profile["markers"]:
                by_name.setdefault(marker["name"], marker)
            rows.append(
                [
                    Paragraph(str(result["rank"]), cell),
                    Paragraph(_reference(fonts, result, profile), cell),
                    Paragraph(
                        f"{profile['score']:.2f} %<br/>{profile['markers_compared']} markers",
                        cell,
                    ),
                    Paragraph(escape(profile["verdict"]), cell),
                    *(Paragraph(_alleles(fonts, by_name.get(name)), cell) for name in columns),
                ]
            )
    fixed = [6 * mm, 40 * mm, 15 * mm, 14 * mm]
    rest = (273 * mm - sum(fixed)) / max(len(columns), 1)
    table = Table(rows, colWidths=fixed + [min(rest, 22 * mm)] * len(columns), repeatRows=1)
    table.setStyle(_lined(fonts))
    return table


def _reference(fonts: Fonts, result: dict[str, Any], profile: dict[str, Any]) -> str:
    where = (
        "Cellosaurus"
        if result["source"] == "cellosaurus"
        else f"collection {result.get('collection') or ''}".strip()
    )
    accession = f'<font name="{fonts.bold}">{escape(result["accession"])}</font>'
    text = f"{accession} {escape(result['name'])}<br/>{escape(where)}"
    if profile.get("label"):
        text += f" · {escape(profile['label'])} of the sources"
    for caution in result["cautions"]:
        text += f'<br/><font color="{CAUTION}">{escape(caution)}</font>'
    return text
