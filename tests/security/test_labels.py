"""Hostile label requests against the real app: absurd sheets, a start cell past the sheet, a
layout in the unprintable margin, a 10,000-character name; each a clear refusal, never a 500."""

from __future__ import annotations

import pymupdf
import pytest

from labels import Label, render
from tests.clients import ApiClient, CliRunner


def test_absurd_sheets_are_refused_with_a_problem(world, client: ApiClient):
    _, tokens, ids = world
    for sheet, detail in (
        ({"cols": 1000, "rows": 1000}, "cols"),
        ({"cols": 3, "rows": 10, "start": 31}, "start position 31"),
        ({"cols": 3, "rows": 10, "left": 1.7, "top": 1.7}, "cannot print within"),
        ({"cols": 20, "rows": 40}, "past the page"),
        ({"stock": "L9999"}, "stock"),
        ({"page": "A4"}, "Give a stock"),
    ):
        body = {"lot": ids["lot"], "sheet": sheet}
        response = client.post("/api/v1/labels", json=body, token=tokens["technician"])
        assert response.status_code == 422, (sheet, response.status_code)
        assert response.mimetype == "application/problem+json"
        assert detail in response.get_data(as_text=True), (sheet, response.get_json())


def test_a_published_stock_over_the_api(world, client: ApiClient):
    _, tokens, ids = world
    body = {"lot": ids["lot"], "sheet": {"stock": "L7160"}}
    response = client.post("/api/v1/labels", json=body, token=tokens["technician"])
    assert response.status_code == 200
    with pymupdf.open(stream=response.data, filetype="pdf") as document:
        words = [w for w in document[0].get_text("words") if w[4] in ids["vials"]]
        assert words
        x0, y0 = min(w[0] for w in words) * 25.4 / 72, min(w[1] for w in words) * 25.4 / 72
        assert x0 > 7.25 and y0 > 15.15  # inside the first cut label, not the page's corner


def test_the_cli_refuses_a_sheet_beyond_the_printable_area(
    world, monkeypatch, tmp_path, runner: CliRunner
):
    app, _tokens, ids = world
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    out = tmp_path / "labels.pdf"
    for sheet, message in (
        (["--sheet", "1000x1000"], "at most 20 columns"),
        (["--sheet", "3x10", "--left", "1.7", "--top", "1.7"], "cannot print within 4.2 mm"),
        (["--sheet", "3x10", "--start", "31"], "start position 31"),
        (["--sheet", "big"], "neither COLSxROWS"),
    ):
        result = runner.invoke(
            ["labels", "render", "--lot", str(ids["lot"]), *sheet, "--out", str(out)]
        )
        assert result.exit_code == 1, (sheet, result.output)
        assert message in result.output, (sheet, result.output)


def test_a_10000_character_name_is_cut_not_a_crash():
    name = "大豆 Glycine max " * 700
    for fmt in ("pdf", "zpl", "png"):
        data = render([Label("AC3DE4FW", name[:10_000], (name,), "seed-packet")], fmt)
        assert data and len(data) < 2_000_000


def test_a_data_matrix_payload_cannot_inject_zpl():
    """A hostile code on a Data Matrix stock: ZPL's ^ and ~ stay hex in the field data, the
    ^BX escape character is one the payload lacks, and a payload holding every printable
    character is refused, not sent."""
    from labels import LabelError, Settings
    from labels.zpl import label_zpl

    settings = Settings(stocks={"cryovial": "33x13mm datamatrix"})
    zpl = label_zpl(Label("A^XZ^XA~JR_`|", "x", caption="CC 1"), 300, settings)
    assert zpl.count("^XA") == zpl.count("^XZ") == 1 and "~JR" not in zpl
    assert ",,!^FH^FDA_5EXZ_5EXA_7EJR_5F`|^FS" in zpl  # ` and | taken: the next, !
    every = "".join(chr(c) for c in range(0x21, 0x7F))
    with pytest.raises(LabelError, match="every printable character cannot go to ZPL"):
        label_zpl(Label(every, "x", caption="CC 1"), 600, settings)
