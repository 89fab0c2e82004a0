"""Fonts embedded in PDFs: each face subset to the characters a document uses and instanced at
its weight (fontTools), embedded as a CIDFontType2 whose CIDs are the Unicode code points, so
content streams write text as UTF-16BE and it reads back as Unicode."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from fontTools import subset as subsetting
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

from .fonts import Face


@dataclass(frozen=True)
class Subset:
    """A face cut down to some characters: the TrueType file, each code point's glyph and
    width (1/1000 em), and the metrics its font descriptor names."""

    name: str
    data: bytes
    glyphs: dict[int, int]
    widths: dict[int, int]
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int


@lru_cache(maxsize=32)
def subset(face: Face, chars: frozenset[str]) -> Subset:
    """The face with only `chars` (and .notdef), instanced at its weight."""
    font = TTFont(face.file, lazy=True)
    options = subsetting.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "STAT", "vhea", "vmtx", "gasp"]
    subsetter = subsetting.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    if "fvar" in font:
        font = instancer.instantiateVariableFont(font, {"wght": face.weight})
    for record in font["name"].names:  # the variable font's names are its default's (Thin)
        if record.nameID in (4, 6):
            record.string = face.name
    out = io.BytesIO()
    font.save(out)
    font = TTFont(io.BytesIO(out.getvalue()))
    scale = 1000 / font["head"].unitsPerEm
    glyphs, widths = {}, {}
    for code, name in font.getBestCmap().items():
        if chr(code) in chars:
            glyphs[code] = font.getGlyphID(name)
            widths[code] = round(font["hmtx"][name][0] * scale)
    head, hhea = font["head"], font["hhea"]
    tag = "".join(
        chr(65 + b % 26) for b in hashlib.sha256("".join(sorted(chars)).encode()).digest()[:6]
    )
    return Subset(
        f"{tag}+{face.name}",
        out.getvalue(),
        glyphs,
        widths,
        tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
        round(hhea.ascent * scale),
        round(hhea.descent * scale),
        round(getattr(font["OS/2"], "sCapHeight", hhea.ascent) * scale),
    )


def font_objects(
    face: Face,
    chars: frozenset[str],
    first: int,
    to_unicode: int,
    stream: Callable[[bytes, bytes], bytes],
) -> list[tuple[int, bytes]]:
    """The PDF objects of one embedded face, numbered from `first` (the Type0 font itself):
    font, CID font, descriptor, font file and CID-to-glyph map. `stream(head, data)` makes a
    stream object's body from extra dictionary entries and its data."""
    cut = subset(face, chars)
    name = cut.name.encode("ascii")
    widths = b" ".join(b"%d [%d]" % (c, w) for c, w in sorted(cut.widths.items()))
    top = max(cut.glyphs, default=0)
    cid_map = bytearray(2 * (top + 1))
    for code, gid in cut.glyphs.items():
        cid_map[2 * code : 2 * code + 2] = gid.to_bytes(2, "big")
    cid, descriptor, file, mapping = first + 1, first + 2, first + 3, first + 4
    return [
        (
            first,
            b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H"
            b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (name, cid, to_unicode),
        ),
        (
            cid,
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s"
            b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
            b" /FontDescriptor %d 0 R /DW 1000 /W [%s] /CIDToGIDMap %d 0 R >>"
            % (name, descriptor, widths, mapping),
        ),
        (
            descriptor,
            b"<< /Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [%d %d %d %d]"
            b" /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>"
            % (name, *cut.bbox, cut.ascent, cut.descent, cut.cap_height, file),
        ),
        (file, stream(b"/Length1 %d" % len(cut.data), cut.data)),
        (mapping, stream(b"", bytes(cid_map))),
    ]
