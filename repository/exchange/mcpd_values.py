"""MCPD v2.1 values and ours: dates (YYYYMMDD with `--` or `00` for a missing month or day),
degree-minute-second coordinates (DDMMSSH) and OTHERNUMB."""

from __future__ import annotations

import re
from datetime import date

DMS = {
    "latitude": re.compile(r"^(\d{2})(\d{2}|--)(\d{2}|--)([NS])$"),
    "longitude": re.compile(r"^(\d{3})(\d{2}|--)(\d{2}|--)([EW])$"),
}
LIMIT = {"latitude": 90, "longitude": 180}
NO_INSTITUTE = "OTHERNUMB"  # the scheme of another number whose institute is not known


def iso_date(text: str) -> str:
    """A COLLDATE as our partial ISO date: `199903--` and `19990300` -> `1999-03`."""
    match = re.match(r"^(\d{4})(\d{2}|--)(\d{2}|--)$", text)
    if match is None:
        raise ValueError("Write YYYYMMDD with the year (a missing month or day as -- or 00).")
    year, month, day = (None if p.strip("-0") == "" else int(p) for p in match.groups())
    if year is None:
        raise ValueError("The year is required.")
    if month is None:
        if day is not None:
            raise ValueError("A day is given without its month.")
        return f"{year:04d}"
    if day is None:
        if not 1 <= month <= 12:
            raise ValueError(f"There is no month {month}.")
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError as error:
        raise ValueError(f"No such date: {error}.") from None


def mcpd_date(iso: str | None) -> str:
    """Our partial ISO date as MCPD writes it: `1999-03` -> `199903--`."""
    if not iso:
        return ""
    parts = iso.split("-")
    return "".join(parts) + "--" * (3 - len(parts))


def from_dms(text: str, axis: str) -> tuple[float, float]:
    """A DDMMSSH (latitude) or DDDMMSSH (longitude) as decimal degrees, and its precision (the
    size of the unit of its last part given). A ValueError tells what is impossible."""
    match = DMS[axis].match(text)
    if match is None:
        width = "DD" if axis == "latitude" else "DDD"
        hemispheres = "N or S" if axis == "latitude" else "E or W"
        raise ValueError(
            f"Write the {axis} as {width}MMSSH ({hemispheres}; missing minutes or seconds as --)."
        )
    degrees, minutes, seconds, hemisphere = match.groups()
    if minutes == "--" and seconds != "--":
        raise ValueError("Seconds are given without minutes.")
    value, precision = float(degrees), 1.0
    for part, unit in ((minutes, 60), (seconds, 3600)):
        if part != "--":
            if int(part) >= 60:
                raise ValueError(f"{part} is not a number of minutes or seconds (0-59).")
            value, precision = value + int(part) / unit, 1 / unit
    if value > LIMIT[axis]:
        raise ValueError(f"A {axis} is at most {LIMIT[axis]} degrees.")
    return (-value if hemisphere in "SW" else value), precision


def identifiers(text: str) -> str:
    """OTHERNUMB (`INSTCODE:number;:number`) as identifiers `SCHEME:value; ...`."""
    pairs = []
    for part in (p.strip() for p in text.split(";")):
        if part:
            scheme, sep, value = part.partition(":")
            if not sep or not value.strip():
                raise ValueError(
                    "Write INSTCODE:number pairs separated by ';' (:number when the "
                    "institute is not known)."
                )
            pairs.append(f"{scheme.strip() or NO_INSTITUTE}:{value.strip()}")
    return ";".join(pairs)


def other_numbers(pairs: list[tuple[str, str]]) -> str:
    """Identifiers as OTHERNUMB."""
    return ";".join(f"{'' if s == NO_INSTITUTE else s}:{v}" for s, v in pairs)
