"""Column names of imported tables: header aliases (English and Chinese), a caller's mapping,
and cells turned into the values the schemas load."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import fields

from .problems import Report

IGNORE = ""  # a mapping to this drops the column


def normalise(header: str) -> str:
    """`Accession No.` -> `accession_no`."""
    return re.sub(r"[\s\-./()#:]+", "_", header.strip().lower()).strip("_")


def resolve(
    header: list[str],
    known: Iterable[str],
    aliases: Mapping[str, str],
    mapping: Mapping[str, str] | None,
    report: Report,
) -> list[str | None]:
    """The field of each column (None: ignored). A caller's mapping (by the header as written or
    normalised) comes first, then the field names, then the aliases; unknown and repeated
    columns are problems of the header row."""
    known = set(known)
    wanted = {normalise(k): v for k, v in (mapping or {}).items()}
    wanted.update(mapping or {})
    result: list[str | None] = []
    seen: dict[str, str] = {}
    for title in header:
        key = normalise(title)
        name = wanted.get(title.strip(), wanted.get(key))
        if name is None:
            name = key if key in known else aliases.get(key)
        if name == IGNORE or (name is None and not key):
            result.append(None)
            continue
        if name is None or name not in known:
            report.add(1, title, None, "Unknown column; rename it, map it to a field, or drop it.")
            result.append(None)
            continue
        if name in seen:
            report.add(1, title, None, f"Column {seen[name]!r} already gives {name}.")
            result.append(None)
            continue
        seen[name] = title
        result.append(name)
    return result


def cell_value(field: fields.Field, text: str) -> Any:
    """A cell as the value `field` loads: lists split on `;`, identifiers as SCHEME:VALUE,
    dictionaries (an STR profile) as `key=value; key=value`; anything else as text (the schema
    parses numbers, booleans and dates). A ValueError names a cell that cannot be read so."""
    if isinstance(field, fields.List):
        return [cell_value(field.inner, part.strip()) for part in split_list(text)]
    if isinstance(field, fields.Nested):
        scheme, sep, value = text.partition(":")
        if not sep:
            raise ValueError("Write SCHEME:VALUE, e.g. ATCC:25922.")
        return {"scheme": scheme.strip(), "value": value.strip()}
    if isinstance(field, fields.Dict):
        pairs = {}
        for part in split_list(text):
            key, sep, value = part.partition("=") if "=" in part else part.partition(":")
            if not sep:
                raise ValueError("Write key=value pairs separated by ';'.")
            pairs[key.strip()] = value.strip()
        return pairs
    return text


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]
