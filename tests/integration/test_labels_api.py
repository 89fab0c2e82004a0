"""Labels over HTTP, looked at as a user would: PDFs rendered to images and PNG previews whose
QR codes decode back to the barcodes; ZPL per label; and a pull agent working its queue."""

from __future__ import annotations

import fitz  # PyMuPDF
from PIL import Image

from repository.db import unit_of_work
from tests.factories import add_printer
from tests.pdfs import decoded, pdf_codes

MM = 72 / 25.4


def test_an_items_label_as_pdf_png_svg_and_zpl(world, client):
    _, tokens, ids = world
    vial = ids["vials"][5]
    path = f"/api/v1/items/{vial}/label"
    pdf = client.get(path, token=tokens["technician"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    with fitz.open(stream=pdf.data, filetype="pdf") as document:
        assert document.page_count == 1
        width, height = document[0].rect.width / MM, document[0].rect.height / MM
        assert (round(width), round(height)) == (33, 13)  # the cryovial stock
        assert "API" in document[0].get_text()  # the accession number
    assert pdf_codes(pdf.data) == [[vial]]
    png = client.get(f"{path}?format=png&dpi=600", token=tokens["technician"])
    assert png.mimetype == "image/png"
    from io import BytesIO

    assert decoded(Image.open(BytesIO(png.data)).convert("L")) == [vial]
    svg = client.get(f"{path}?format=svg", token=tokens["technician"])
    assert svg.mimetype == "image/svg+xml" and svg.data.lstrip().startswith(b"<")
    zpl = client.get(f"{path}?format=zpl&dpi=203", token=tokens["technician"]).data
    assert zpl.count(b"^XA") == 1 and b"^CI28" in zpl and f"^FDMA,{vial}^FS".encode() in zpl
    assert client.get(f"{path}?format=gif", token=tokens["technician"]).status_code == 422
    assert client.get(f"{path}?template=box", token=tokens["technician"]).status_code == 422
    assert client.get("/api/v1/items/NOPE7777/label", token=tokens["technician"]).status_code == 404


def test_a_lot_on_a_half_used_sheet_and_a_box_map(world, client):
    _, tokens, ids = world
    body = {"lot": ids["lot"], "sheet": {"cols": 3, "rows": 10, "start": 7}}
    sheet = client.post("/api/v1/labels", token=tokens["technician"], json=body)
    assert sheet.status_code == 200
    held = set(ids["vials"]) - {ids["vials"][4]}  # one vial was destroyed earlier
    pages = pdf_codes(sheet.data, dpi=300)
    assert len(pages) == 1 and set(pages[0]) <= set(ids["vials"]) and len(pages[0]) >= len(held) - 1
    box_map = client.post(
        "/api/v1/labels",
        token=tokens["technician"],
        json={"box": ids["box"], "template": "box-map"},
    )
    with fitz.open(stream=box_map.data, filetype="pdf") as document:
        assert round(document[0].rect.width / MM) == 210  # A4
    assert ids["box"] in pdf_codes(box_map.data, dpi=300)[0]
    preview_of_many = {"lot": ids["lot"], "format": "png"}
    assert (
        client.post("/api/v1/labels", token=tokens["technician"], json=preview_of_many).status_code
        == 422
    )
    both = {"lot": ids["lot"], "box": ids["box"]}
    assert client.post("/api/v1/labels", token=tokens["technician"], json=both).status_code == 422


def test_a_pull_agent_works_its_queue(world, client):
    """On a pull printer of its own, whose jobs it sends and acknowledges."""
    app, tokens, ids = world
    with unit_of_work(app.extensions["biorepo"]) as db:
        shelf = {"name": "Shelf", "protocol": "zpl", "transport": "pull"}
        add_printer(db, {**shelf, "agent": "printer@example.org"})
    agent = tokens["printer"]
    for _ in range(2):
        made = client.post(
            "/api/v1/print-jobs",
            token=tokens["technician"],
            json={"printer": "Shelf", "lot": ids["lot"]},
        )
        assert made.status_code == 201 and made.json["status"] == "queued"
    queued = client.get("/api/v1/print-jobs?status=queued&printer=Shelf", token=agent).json
    assert len(queued) == 2
    assert [j["id"] for j in queued] == sorted(j["id"] for j in queued)  # oldest first
    job = queued[0]["id"]
    document = client.get(f"/api/v1/print-jobs/{job}/document", token=agent)
    assert document.mimetype == "application/vnd.zebra-zpl" and b"^XA" in document.data
    failed = client.post(
        f"/api/v1/print-jobs/{job}/ack", token=agent, json={"printed": False, "error": "jam"}
    )
    assert failed.json["status"] == "queued" and failed.json["last_error"] == "jam"
    done = client.post(f"/api/v1/print-jobs/{job}/ack", token=agent, json={"printed": True})
    assert done.json["status"] == "sent" and done.json["sent_at"]
    again = client.post(f"/api/v1/print-jobs/{job}/ack", token=agent, json={"printed": True})
    assert again.status_code == 409
    reprinted = client.post(f"/api/v1/print-jobs/{job}/reprint", token=tokens["technician"])
    assert reprinted.status_code == 201 and reprinted.json["reprint_of"] == job
    listed = client.get("/api/v1/print-jobs?printer=Shelf", token=tokens["curator"]).json
    assert listed[0]["id"] == reprinted.json["id"]  # newest first
    stranger = client.post(
        "/api/v1/tokens",
        token=tokens["admin"],
        json={"name": "x", "email": "other_curator@example.org"},
    ).json["token"]
    assert (
        client.post(
            f"/api/v1/print-jobs/{job}/ack", token=stranger, json={"printed": True}
        ).status_code
        == 403
    )


def test_a_stock_configured_for_data_matrix(world, client, monkeypatch):
    """LABEL_STOCKS asking for Data Matrix on cryovials: the item's label carries it in the PDF,
    the preview and the ZPL (^BX at quality 200)."""
    from io import BytesIO

    import zxingcpp

    from api import config

    _, tokens, ids = world
    stocks = '{"cryovial": "33x13mm datamatrix"}'
    settings = config.label_settings(
        {"LABEL_STOCKS": stocks, "ZPL_FONT": "^A0N", "ZPL_FONT_FILE": ""}
    )
    monkeypatch.setitem(client.application.extensions, "biorepo.labels", settings)
    vial = ids["vials"][5]
    path = f"/api/v1/items/{vial}/label"
    pdf = client.get(path, token=tokens["technician"])
    with fitz.open(stream=pdf.data, filetype="pdf") as document:
        pixmap = document[0].get_pixmap(dpi=600, colorspace=fitz.csGRAY)
        image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
    found = [(r.text, str(r.format)) for r in zxingcpp.read_barcodes(image)]
    assert found == [(vial, "Data Matrix")]
    png = client.get(f"{path}?format=png&dpi=600", token=tokens["technician"])
    found = [(r.text, str(r.format)) for r in zxingcpp.read_barcodes(Image.open(BytesIO(png.data)))]
    assert found == [(vial, "Data Matrix")]
    zpl = client.get(f"{path}?format=zpl&dpi=203", token=tokens["technician"]).data
    assert b"^BXN," in zpl and b",200," in zpl and b"^BQ" not in zpl
    assert f"^FD{vial}^FS".encode() in zpl
