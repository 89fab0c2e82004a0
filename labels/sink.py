"""Where rendered bytes go: a path, an open binary file, or back to the caller as bytes."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

Output = str | os.PathLike[str] | BinaryIO | None


@contextmanager
def open_output(out: Output) -> Iterator[tuple[BinaryIO, Callable[[], bytes | None]]]:
    """The file to write to and a function giving the result: the bytes when `out` is None,
    None otherwise. A path is opened (and closed) here; a file object is left open."""
    if out is None:
        buffer = io.BytesIO()
        yield buffer, buffer.getvalue
    elif isinstance(out, str | os.PathLike):
        with open(out, "wb", buffering=1 << 20) as file:
            yield file, lambda: None
    else:
        yield out, lambda: None
