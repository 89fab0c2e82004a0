"""A box's longest free run: the longest run of `free_cells` can find, on any filling."""

import random

from repository.services.storage import free_cells, longest_free_run


def test_the_longest_run_is_the_longest_contiguous_find():
    rng = random.Random(3)
    for _ in range(300):
        rows, cols = rng.randint(1, 10), rng.randint(1, 10)
        cells = [(r, c) for r in range(1, rows + 1) for c in range(1, cols + 1)]
        taken = set(rng.sample(cells, rng.randint(0, len(cells))))
        run = longest_free_run(rows, cols, taken)
        assert run == 0 or free_cells(rows, cols, taken, run, contiguous=True)
        assert not free_cells(rows, cols, taken, run + 1, contiguous=True)


def test_edges_of_the_grid():
    assert longest_free_run(3, 3, set()) == 9
    assert longest_free_run(3, 3, {(r, c) for r in (1, 2, 3) for c in (1, 2, 3)}) == 0
    assert longest_free_run(3, 3, {(1, 1), (3, 3)}) == 7  # a run over the rows' ends
