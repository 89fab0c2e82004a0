"""Reading labels back as a scanner would: the QR codes of an image, and of each page of a
PDF drawn as an image."""

from __future__ import annotations

import fitz  # PyMuPDF
import zxingcpp
from PIL import Image


def decoded(image: Image.Image) -> list[str]:
    """The texts of the codes in an image, sorted."""
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
