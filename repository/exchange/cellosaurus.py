"""Cellosaurus entries from its text format (ID, AC, SY, OX, CA, SX, ST and the CC cautions of
problematic cell lines) into the reference table that cell lines link to by CVCL accession.
An STR marker keeps what every source reports: `D5S818: 11,12 (ATCC; DSMZ)` and
`D5S818: 11 (JCRB)` (or both on one line, `11,12 (ATCC; DSMZ); 11 (JCRB)`) are two
alternatives of D5S818, each with its sources."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from .. import audit
from ..models import CellosaurusEntry
from ..models.base import utcnow
from ..str_profiles import marker_name, read_alleles
from .inserts import complete, insert_rows, reserve_ids, table_of
from .problems import ImportRejected, Report

ACCESSION = re.compile(r"^CVCL_[0-9A-Z]{4}$")
SPECIES = re.compile(r"^NCBI_TaxID=(\d+); ! (.+)$")
# one alternative of an ST line: alleles, then its sources in parentheses, up to a `;`
ALTERNATIVE = re.compile(r"\s*([^;()]*?)\s*(?:\(([^()]*)\)\s*)?(?:;|$)")
CAUTION = "Problematic cell line:"
ENTRIES = table_of(CellosaurusEntry)


def parse(lines: Iterable[str], report: Report) -> Iterator[dict[str, Any]]:
    """The entries of a Cellosaurus text file (the header before the first ID line is skipped);
    a malformed line is a problem of its line number and code, and its entry is dropped."""
    entry: dict[str, Any] | None = None
    ok = True
    number = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if entry is None:
            if line.startswith("ID   ") and line[5:].strip():
                entry, ok = _new(line[5:].strip()), True
                entry["line"] = number
            continue
        code, value = line[:2], line[5:].strip()
        if code == "//":
            if ok and "accession" not in entry:
                report.add(entry["line"], "AC", None, f"Entry {entry['name']} has no accession.")
            elif ok:
                yield entry
            entry = None
            continue
        if line[2:5] != "   " or not value:
            report.add(number, None, line[:40], "Not a Cellosaurus line (XX   value).")
            ok = False
            continue
        try:
            _read(entry, code, value)
        except ValueError as error:
            report.add(number, code, value, str(error))
            ok = False
    if entry is not None:
        report.add(number, None, None, f"The file ends inside entry {entry['name']} (no //).")


def _new(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "synonyms": [],
        "species": [],
        "taxon_ids": [],
        "str_markers": {},
        "str_sources": [],
        "cautions": [],
    }


def _read(entry: dict[str, Any], code: str, value: str) -> None:
    if code == "AC":
        if not ACCESSION.match(value):
            raise ValueError("A Cellosaurus accession is CVCL_ and four letters or digits.")
        entry["accession"] = value
    elif code == "SY":
        entry["synonyms"] = [s.strip() for s in value.split(";") if s.strip()]
    elif code == "OX":
        match = SPECIES.match(value)
        if match is None:
            raise ValueError("Write NCBI_TaxID=<number>; ! <species>.")
        entry["taxon_ids"].append(int(match.group(1)))
        entry["species"].append(match.group(2))
    elif code == "CA":
        entry["category"] = value
    elif code == "SX":
        entry["sex"] = value
    elif code == "CC" and value.startswith(CAUTION):
        entry["cautions"].append(value[len(CAUTION) :].strip())
    elif code == "ST":
        _str_line(entry, value)


def _str_line(entry: dict[str, Any], value: str) -> None:
    marker, sep, given = value.partition(":")
    if not sep:
        raise ValueError("Write an STR line as Marker: alleles.")
    if marker == "Source(s)":
        entry["str_sources"] = _sources(given)
        return
    name = marker_name(marker)
    alternatives = entry["str_markers"].setdefault(name, [])
    for alleles, sources in _alternatives(given):
        listed = _sources(sources)
        if any(not a["sources"] for a in alternatives) or (alternatives and not listed):
            raise ValueError(f"{name} is given again without the sources that disagree.")
        alternatives.append({"alleles": list(read_alleles(name, alleles)), "sources": listed})


def _alternatives(given: str) -> list[tuple[str, str]]:
    """`11,12 (ATCC; DSMZ); 12 (CLS)` → [("11,12", "ATCC; DSMZ"), ("12", "CLS")]."""
    found: list[tuple[str, str]] = []
    at, text = 0, given.strip()
    while at < len(text):
        match = ALTERNATIVE.match(text, at)
        if match is None or match.end() == at or not match.group(1):
            raise ValueError(f"{text!r}: write alleles, then their sources in parentheses.")
        found.append((match.group(1), match.group(2) or ""))
        at = match.end()
    if not found:
        raise ValueError("An STR line without alleles.")
    return found


def _sources(given: str) -> list[str]:
    return [s.strip() for s in given.split(";") if s.strip()]


def import_file(session: Session, path: str | Path, dry_run: bool = False) -> tuple[int, Report]:
    """Add or replace the entries of a Cellosaurus text file, all or nothing: any problem
    raises ImportRejected (dry, the report tells them and nothing is written)."""
    report = Report(file=Path(path).name)
    entries: dict[str, dict[str, Any]] = {}
    with open(path, encoding="utf-8") as lines:
        for entry in parse(lines, report):
            first = entries.setdefault(entry["accession"], entry)
            if first is not entry:
                report.add(
                    entry["line"], "AC", entry["accession"], f"Also at line {first['line']}."
                )
    if not report.ok and not dry_run:
        raise ImportRejected(report)
    if not dry_run:
        _replace(session, list(entries.values()))
    return len(entries), report


def _replace(session: Session, entries: list[dict[str, Any]]) -> None:
    now = utcnow()
    for start in range(0, len(entries), 1000):
        chunk = entries[start : start + 1000]
        session.execute(
            delete(CellosaurusEntry).where(
                CellosaurusEntry.accession.in_([e["accession"] for e in chunk])
            )
        )
        ids = reserve_ids(session, ENTRIES, len(chunk))
        rows = [
            complete(
                ENTRIES,
                {**{k: v for k, v in e.items() if k in ENTRIES.c}, "id": i, "updated_at": now},
            )
            for e, i in zip(chunk, ids, strict=True)
        ]
        insert_rows(session, ENTRIES, rows)
        audit.record_inserts(session, ENTRIES, rows)
