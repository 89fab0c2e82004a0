"""How far an upload may expand as it is read: the limits, and the error that names the one an
upload went past (its part, the limit and its value), which readers turn into a problem."""

from __future__ import annotations

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30

# Zips (Darwin Core Archives, XLSX workbooks), checked before any member is read.
DIRECTORY = 1 * MIB  # the zip's central directory (read whole to list the members)
MEMBERS = 1_000
MEMBER_SIZE = 1 * GIB  # one member, expanded
TOTAL_SIZE = 2 * GIB  # all members together, expanded
RATIO = 100  # expanded size : compressed size of one member ...
RATIO_FROM = 1 * MIB  # ... expanding to more than this (small ones are harmless)

# Text, as it is read.
LINE = 1 * MIB  # one line of a text file (CSV, a Darwin Core core file)
TEXT = 1 * MIB  # one text or tag of an XML part (a cell of a workbook, say)
DEPTH = 64  # elements nested in an XML part

# Rack scanner files: one line per position of a rack (at most a 50x50 grid), a few header lines.
RACK_FILE = 120 * KIB  # as text (`lines`), even of 4-byte characters, under a form field's 500 kB
RACK_LINES = 2_600
# A stocktaking's codes scanned one per line (a freezer's tubes and its boxes' codes), as text;
# and how many rack files one stocktaking reads (one per box of a rack or a freezer).
CODES_LINES = 20_000
STOCKTAKE_RACKS = 200

# Darwin Core Archives.
META = 1 * MIB  # meta.xml, read whole
COLUMNS = 1_024  # columns of a core file that meta.xml may map

# XLSX workbooks: every part but a worksheet is held whole in memory by openpyxl.
PART_SIZE = 16 * MIB  # a part held whole, expanded
PART_ELEMENTS = 200_000  # elements of a part held whole (shared strings aside)
SHARED_STRINGS = 500_000  # strings of the shared strings table


class Refused(ValueError):
    """An upload, or a part of it, refused before it was read: past a limit, or holding what no
    upload needs (a DTD); the message names the part, the limit and its value."""


def amount(size: int) -> str:
    """A size in bytes as people read it: 1 MiB, 300 MiB, 2 GiB, 512 bytes."""
    for unit, name in ((GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")):
        if size >= unit:
            value = size / unit
            return (
                f"{value:.0f} {name}"
                if value.is_integer() or value >= 10
                else f"{value:.1f} {name}"
            )
    return f"{size} bytes"
