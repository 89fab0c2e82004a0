"""Pausing Python's cyclic garbage collector while a computation makes many small objects that
all live on (a search index, the lines of the due list, an import's batch of rows): run
meanwhile, the collector walks them again and again, and a full collection can cost more than
the work itself."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """The collector off for the block (back on after it, if it was on)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
