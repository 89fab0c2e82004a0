"""Labels over HTTP, looked at as a user would: PDFs rendered to images and PNG previews whose
QR codes decode back to the barcodes; ZPL per label; and a pull agent working its queue."""

from __future__ import annotations

import fitz  # PyMuPDF
import zxingcpp
from PIL import Image

from tests.integration.conftest import call

MM = 72 / 25.4


def decoded(image: Image.Image) -> list[str]:
    return sorted(r.text for r in zxingcpp.read_barcodes(image))


def pdf_codes(data: bytes, dpi: int = 600) -> list[list[str]]:
    """The QR codes of each page of a PDF, decoded from the page drawn as an image."""
    with fitz.open(stream=data, filetype="pdf") as document:
        pages = []
        for page in document:
            pixmap = page.get_pixmap(dpi=dpi, colorspace=fitz.csGRAY)
            image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
            pages.append(decoded(image))
        return pages


def test_an_items_label_as_pdf_png_svg_and_zpl(world):
    app, tokens, ids = world
    vial = ids["vials"][5]
    path = f"/api/v1/items/{vial}/label"
    pdf = call(app, "GET", path, tokens["technician"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    with fitz.open(stream=pdf.data, filetype="pdf") as document:
        assert document.page_count == 1
        width, height = document[0].rect.width / MM, document[0].rect.height / MM
        assert (round(width), round(height)) == (33, 13)  # the cryovial stock
        assert "API" in document[0].get_text()  # the accession number
    assert pdf_codes(pdf.data) == [[vial]]
    png = call(app, "GET", f"{path}?format=png&dpi=600", tokens["technician"])
    assert png.mimetype == "image/png"
    from io import BytesIO

    assert decoded(Image.open(BytesIO(png.data)).convert("L")) == [vial]
    svg = call(app, "GET", f"{path}?format=svg", tokens["technician"])
    assert svg.mimetype == "image/svg+xml" and svg.data.lstrip().startswith(b"<")
    zpl = call(app, "GET", f"{path}?format=zpl&dpi=203", tokens["technician"]).data
    assert zpl.count(b"^XA") == 1 and b"^CI28" in zpl and f"^FDMA,{vial}^FS".encode() in zpl
    assert call(app, "GET", f"{path}?format=gif", tokens["technician"]).status_code == 422
    assert call(app, "GET", f"{path}?template=box", tokens["technician"]).status_code == 422
    assert call(app, "GET", "/api/v1/items/NOPE7777/label", tokens["technician"]).status_code == 404


def test_a_lot_on_a_half_used_sheet_and_a_box_map(world):
    app, tokens, ids = world
    body = {"lot": ids["lot"], "sheet": {"cols": 3, "rows": 10, "start": 7}}
    sheet = call(app, "POST", "/api/v1/labels", tokens["technician"], body)
    assert sheet.status_code == 200
    held = set(ids["vials"]) - {ids["vials"][4]}  # one vial was destroyed earlier
    pages = pdf_codes(sheet.data, dpi=300)
    assert len(pages) == 1 and set(pages[0]) <= set(ids["vials"]) and len(pages[0]) >= len(held) - 1
    box_map = call(
        app,
        "POST",
        "/api/v1/labels",
        tokens["technician"],
        {"box": ids["box"], "template": "box-map"},
    )
    with fitz.open(stream=box_map.data, filetype="pdf") as document:
        assert round(document[0].rect.width / MM) == 210  # A4
    assert ids["box"] in pdf_codes(box_map.data, dpi=300)[0]
    preview_of_many = {"lot": ids["lot"], "format": "png"}
    assert (
        call(app, "POST", "/api/v1/labels", tokens["technician"], preview_of_many).status_code
        == 422
    )
    both = {"lot": ids["lot"], "box": ids["box"]}
    assert call(app, "POST", "/api/v1/labels", tokens["technician"], both).status_code == 422


def test_a_pull_agent_works_its_queue(world):
    app, tokens, ids = world
    agent = tokens["printer"]
    made = call(
        app,
        "POST",
        "/api/v1/print-jobs",
        tokens["technician"],
        {"printer": "Matrix", "lot": ids["lot"]},
    )
    assert made.status_code == 201 and made.json["status"] == "queued"
    queued = call(app, "GET", "/api/v1/print-jobs?status=queued", agent).json
    assert [j["id"] for j in queued] == sorted(j["id"] for j in queued)  # oldest first
    job = queued[0]["id"]
    document = call(app, "GET", f"/api/v1/print-jobs/{job}/document", agent)
    assert document.mimetype == "application/vnd.zebra-zpl" and b"^XA" in document.data
    failed = call(
        app, "POST", f"/api/v1/print-jobs/{job}/ack", agent, {"printed": False, "error": "jam"}
    )
    assert failed.json["status"] == "queued" and failed.json["last_error"] == "jam"
    done = call(app, "POST", f"/api/v1/print-jobs/{job}/ack", agent, {"printed": True})
    assert done.json["status"] == "sent" and done.json["sent_at"]
    again = call(app, "POST", f"/api/v1/print-jobs/{job}/ack", agent, {"printed": True})
    assert again.status_code == 409
    reprinted = call(app, "POST", f"/api/v1/print-jobs/{job}/reprint", tokens["technician"])
    assert reprinted.status_code == 201 and reprinted.json["reprint_of"] == job
    listed = call(app, "GET", "/api/v1/print-jobs?printer=Matrix", tokens["curator"]).json
    assert listed[0]["id"] == reprinted.json["id"]  # newest first
    stranger = call(
        app,
        "POST",
        "/api/v1/tokens",
        tokens["admin"],
        {"name": "x", "email": "other_curator@example.org"},
    ).json["token"]
    assert (
        call(app, "POST", f"/api/v1/print-jobs/{job}/ack", stranger, {"printed": True}).status_code
        == 403
    )
