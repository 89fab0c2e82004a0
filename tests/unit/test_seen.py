"""Repeated keys of an import, found with the row that first had them: in memory, in the
scratch database, and across the move from one to the other."""

from contextlib import closing

import pytest

from repository.exchange.seen import KEPT, FirstSeen, scratch


@pytest.mark.parametrize("kept", [KEPT, 0, 3], ids=["in memory", "in the scratch", "moved"])
def test_repeats_within_a_batch_across_batches_and_files(kept: int) -> None:
    with closing(scratch()) as db:
        seen = FirstSeen(db, kept)
        assert seen.repeats("barcode", [("A", 2), ("B", 3)]) == {}
        assert seen.repeats("barcode", [("C", 4), ("A", 5), ("C", 6), ("C", 7)]) == {
            5: 2,
            6: 4,
            7: 4,
        }
        # a second file numbers its rows from 2 again: its row 2 still repeats the first's
        assert seen.repeats("barcode", [("A", 2), ("D", 3)]) == {2: 2}
        assert seen.repeats("position", [("A", 9)]) == {}  # kinds are kept apart
        assert seen.repeats("barcode", []) == {}
        assert seen.repeats("position", [("E", 10), ("A", 11)]) == {11: 9}
        assert seen.repeats("barcode", [("D", 12), ("E", 13)]) == {12: 3}
