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
    None otherwise. A path is written whole or not at all (a failed rendering leaves no file);
    a file object is left open."""
    if out is None:
        buffer = io.BytesIO()
        yield buffer, buffer.getvalue
    elif isinstance(out, str | os.PathLike):
        partial = f"{os.fspath(out)}.part"  # renamed when complete: never a half document
        try:
            with open(partial, "wb", buffering=1 << 20) as file:
                yield file, lambda: None
            os.replace(partial, out)
        finally:
            if os.path.exists(partial):
                os.remove(partial)
    else:
        yield out, lambda: None
