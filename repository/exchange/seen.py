"""An import's scratch database, a private temporary SQLite file for what it must remember of
rows already read (a file of millions of rows is checked in bounded memory), and the keys it
has seen there (barcodes, positions…) with the row that first had each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from itertools import count

from ..sql import chunked


def scratch() -> sqlite3.Connection:
    """A new scratch database; deleted when closed."""
    db = sqlite3.connect("")  # "": a temporary file
    db.execute("PRAGMA journal_mode=OFF")  # private and thrown away: nothing to recover
    db.execute("PRAGMA synchronous=OFF")
    return db


class FirstSeen:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._db.execute(
            "CREATE TABLE seen (kind TEXT, key TEXT, row INTEGER, turn INTEGER, "
            "PRIMARY KEY (kind, key)) WITHOUT ROWID"
        )
        self._turns = count()  # which pair this is, over the whole import (rows restart per file)

    def repeats(self, kind: str, keys: Iterable[tuple[str, int]]) -> dict[int, int]:
        """Record the (key, row) pairs in order; for each row whose key was seen before (in an
        earlier call or earlier in this one), the row that first had it."""
        turns = self._turns  # endless: zip draws one turn per pair
        pairs = [(kind, key, row, turn) for (key, row), turn in zip(keys, turns, strict=False)]
        before = self._db.total_changes
        self._db.executemany("INSERT INTO seen VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", pairs)
        if self._db.total_changes - before == len(pairs):
            return {}  # every key new: the usual case, answered without a look-up
        wanted = sorted({key for _, key, _, _ in pairs})
        first: dict[str, tuple[int, int]] = {}
        for chunk in chunked(wanted):
            marks = ", ".join("?" * len(chunk))
            for key, row, turn in self._db.execute(
                f"SELECT key, row, turn FROM seen WHERE kind = ? AND key IN ({marks})",
                [kind, *chunk],
            ):
                first[key] = (row, turn)
        return {row: first[key][0] for _, key, row, turn in pairs if first[key][1] != turn}
