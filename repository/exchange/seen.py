"""An import's scratch database, a private temporary SQLite file for what it must remember of
rows already read (a file of millions of rows is checked in bounded memory), and the keys it
has seen there (barcodes, positions…) with the row that first had each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from itertools import count

from ..sql import chunked

CACHE_KIB = 16384  # the scratch database's page cache: a million keys before it reads its file
KEPT = 250_000  # keys seen kept in memory (about 30 MiB) before they move to the scratch file


def scratch() -> sqlite3.Connection:
    """A new scratch database; deleted when closed."""
    db = sqlite3.connect("")  # "": a temporary file
    db.execute("PRAGMA journal_mode=OFF")  # private and thrown away: nothing to recover
    db.execute("PRAGMA synchronous=OFF")
    db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    return db


class FirstSeen:
    """The keys of each kind seen so far, with the row that first had each: in memory while
    few (a dictionary look-up is a quarter of a scratch insert); past `kept` keys, all of them
    in the scratch database, a table per kind (keyed by the key alone, whose B-tree an insert
    walks: a third less than keyed by kind and key)."""

    def __init__(self, db: sqlite3.Connection, kept: int | None = None) -> None:
        self._db, self._kept = db, KEPT if kept is None else kept
        self._first: dict[str, dict[str, int]] = {}  # in memory: by kind, key → first row
        self._moved = False  # the keys went to the scratch database
        self._kinds: set[str] = set()
        self._turns = count()  # which pair this is, over the whole import (rows restart per file)

    def repeats(self, kind: str, keys: Iterable[tuple[str, int]]) -> dict[int, int]:
        """Record the (key, row) pairs in order; for each row whose key was seen before (in an
        earlier call or earlier in this one), the row that first had it."""
        if self._moved:
            return self._stored_repeats(kind, keys)
        first = self._first.setdefault(kind, {})
        found: dict[int, int] = {}
        for key, row in keys:
            earlier = first.get(key)
            if earlier is None:
                first[key] = row
            else:
                found[row] = earlier
        if sum(map(len, self._first.values())) > self._kept:
            self._move()
        return found

    def _move(self) -> None:
        """The keys in memory to the scratch database, where every later key goes too."""
        for kind, first in self._first.items():
            self._insert(kind, list(first.items()))
        self._first.clear()
        self._moved = True

    def _stored_repeats(self, kind: str, keys: Iterable[tuple[str, int]]) -> dict[int, int]:
        pairs = self._insert(kind, keys)
        if not pairs:
            return {}  # every key new: the usual case, answered without a look-up
        table = self._table(kind)
        wanted = sorted({key for key, _, _ in pairs})
        first: dict[str, tuple[int, int]] = {}
        for chunk in chunked(wanted):
            marks = ", ".join("?" * len(chunk))
            query = f"SELECT key, row, turn FROM {table} WHERE key IN ({marks})"
            for key, row, turn in self._db.execute(query, chunk):
                first[key] = (row, turn)
        return {row: first[key][0] for key, row, turn in pairs if first[key][1] != turn}

    def _insert(self, kind: str, keys: Iterable[tuple[str, int]]) -> list[tuple[str, int, int]]:
        """Insert the pairs (the first of each key kept); the pairs, with their turns, when a
        key was there before (else none)."""
        table = self._table(kind)
        turns = self._turns  # endless: zip draws one turn per pair
        pairs = [(key, row, turn) for (key, row), turn in zip(keys, turns, strict=False)]
        before = self._db.total_changes
        self._db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?) ON CONFLICT DO NOTHING", pairs)
        return [] if self._db.total_changes - before == len(pairs) else pairs

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
