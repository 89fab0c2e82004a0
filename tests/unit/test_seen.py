"""Repeated keys of an import, found with the row that first had them."""

from contextlib import closing

from repository.exchange.seen import FirstSeen, scratch


def test_repeats_within_a_batch_across_batches_and_files() -> None:
    with closing(scratch()) as db:
        seen = FirstSeen(db)
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
