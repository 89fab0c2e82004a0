"""The keys an import has seen (barcodes, positions…) with the row that first had each, kept in
a private temporary SQLite file rather than in memory: a file of millions of rows is checked
for repeats in bounded memory."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

_CHUNK = 500  # keys per lookup (below every SQLite's limit of bound values)


class FirstSeen:
    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # "": a temporary file, deleted when closed
        self._db.execute(
            "CREATE TABLE seen (kind TEXT, key TEXT, row INTEGER, PRIMARY KEY (kind, key)) "
            "WITHOUT ROWID"
        )

    def repeats(self, kind: str, keys: Iterable[tuple[str, int]]) -> dict[int, int]:
        """Record the (key, row) pairs in order; for each row whose key was seen before (in an
        earlier call or earlier in this one), the row that first had it."""
        pairs = list(keys)
        wanted = sorted({key for key, _ in pairs})
        first: dict[str, int] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            first.update(
                self._db.execute(
                    f"SELECT key, row FROM seen WHERE kind = ? AND key IN ({marks})",
                    [kind, *chunk],
                )
            )
        repeated, new = {}, []
        for key, row in pairs:
            if key in first:
                repeated[row] = first[key]
            else:
                first[key] = row
                new.append((kind, key, row))
        self._db.executemany("INSERT INTO seen VALUES (?, ?, ?)", new)
        return repeated

    def close(self) -> None:
        self._db.close()
