"""One entry point for every format: a document of labels as PDF, ZPL, or a PNG / SVG preview."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import BinaryIO, overload

from .errors import LabelError
from .model import BoxMap, Label, PackingList
from .pdf import render_pdf, stream_pdf
from .preview import render_png, render_svg
from .settings import DEFAULT_SETTINGS, Settings
from .sheets import Sheet
from .sink import Output, open_output
from .zpl import label_zpl, render_zpl

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "zpl": "application/vnd.zebra-zpl",
    "png": "image/png",
    "svg": "image/svg+xml",
}
Thing = Label | BoxMap | PackingList


@overload
def render(
    things: Iterable[Thing],
    fmt: str,
    out: None = None,
    *,
    dpi: int = 300,
    settings: Settings = DEFAULT_SETTINGS,
    sheet: Sheet | None = None,
    start: int = 1,
) -> bytes: ...


@overload
def render(
    things: Iterable[Thing],
    fmt: str,
    out: str | os.PathLike[str] | BinaryIO,
    *,
    dpi: int = 300,
    settings: Settings = DEFAULT_SETTINGS,
    sheet: Sheet | None = None,
    start: int = 1,
) -> None: ...


def render(
    things: Iterable[Thing],
    fmt: str,
    out: Output = None,
    *,
    dpi: int = 300,
    settings: Settings = DEFAULT_SETTINGS,
    sheet: Sheet | None = None,
    start: int = 1,
) -> bytes | None:
    """`things` in format `fmt` (a key of MEDIA_TYPES): PDF on a roll or a `sheet`, ZPL at
    `dpi`, or a preview of exactly one label. Streams to `out` like the renderers."""
    if fmt == "pdf":
        return render_pdf(things, out, sheet=sheet, start=start, settings=settings)
    if fmt == "zpl":
        return render_zpl(things, out, dpi=dpi, settings=settings)
    if fmt not in MEDIA_TYPES:
        raise LabelError(f"unknown format {fmt!r} (known: {', '.join(MEDIA_TYPES)})")
    things = list(things)
    if len(things) != 1:
        raise LabelError(f"a {fmt} preview shows one label, not {len(things)}")
    if fmt == "png":
        data = render_png(things[0], dpi, settings=settings)
    else:
        data = render_svg(things[0], settings=settings)
    with open_output(out) as (file, result):
        file.write(data)
    return result()


def stream(
    things: Iterable[Thing],
    fmt: str,
    *,
    dpi: int = 300,
    settings: Settings = DEFAULT_SETTINGS,
    sheet: Sheet | None = None,
    start: int = 1,
) -> Iterator[bytes]:
    """`render`'s document in pieces as it is made (for a response that starts at once): a
    PDF's header comes before any label is read, ZPL a label at a time; a preview whole."""
    if fmt == "pdf":
        yield from stream_pdf(things, sheet=sheet, start=start, settings=settings)
    elif fmt == "zpl":
        for thing in things:
            yield label_zpl(thing, dpi, settings).encode("ascii")
    else:
        yield render(things, fmt, dpi=dpi, settings=settings)
