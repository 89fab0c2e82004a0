"""An import's scratch database, a private temporary SQLite file for what it must remember of
rows already read (a file of millions of rows is checked in bounded memory), and the keys it
has seen there (barcodes, positions…) with the row that first had each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from itertools import count

from ..sql import chunked

CACHE_KIB = 16384  # the scratch database's page cache: a million keys before it reads its file


def scratch() -> sqlite3.Connection:
    """A new scratch database; deleted when closed."""
    db = sqlite3.connect("")  # "": a temporary file
    db.execute("PRAGMA journal_mode=OFF")  # private and thrown away: nothing to recover
    db.execute("PRAGMA synchronous=OFF")
    db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    return db


class FirstSeen:
    """The keys of each kind seen so far, a table of them per kind (keyed by the key alone,
    whose B-tree an insert walks: a third less than keyed by kind and key)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._kinds: set[str] = set()
        self._turns = count()  # which pair this is, over the whole import (rows restart per file)

    def repeats(self, kind: str, keys: Iterable[tuple[str, int]]) -> dict[int, int]:
        """Record the (key, row) pairs in order; for each row whose key was seen before (in an
        earlier call or earlier in this one), the row that first had it."""
        table = self._table(kind)
        turns = self._turns  # endless: zip draws one turn per pair
        pairs = [(key, row, turn) for (key, row), turn in zip(keys, turns, strict=False)]
        before = self._db.total_changes
        self._db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?) ON CONFLICT DO NOTHING", pairs)
        if self._db.total_changes - before == len(pairs):
            return {}  # every key new: the usual case, answered without a look-up
        wanted = sorted({key for key, _, _ in pairs})
        first: dict[str, tuple[int, int]] = {}
        for chunk in chunked(wanted):
            marks = ", ".join("?" * len(chunk))
            query = f"SELECT key, row, turn FROM {table} WHERE key IN ({marks})"
            for key, row, turn in self._db.execute(query, chunk):
                first[key] = (row, turn)
        return {row: first[key][0] for key, row, turn in pairs if first[key][1] != turn}

    def _table(self, kind: str) -> str:
        """The table of a kind's keys (a word of ours, never a file's), made when first used."""
        if not kind.isidentifier():
            raise ValueError(f"Not a kind of key: {kind!r}")
        table = f"seen_{kind}"
        if kind not in self._kinds:
            self._db.execute(
                f"CREATE TABLE {table} (key TEXT PRIMARY KEY, row INTEGER, turn INTEGER) "
                "WITHOUT ROWID"
            )
            self._kinds.add(kind)
        return table
