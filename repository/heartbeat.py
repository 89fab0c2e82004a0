"""A heartbeat: an action repeated in a thread of its own while a block runs (a worker renewing
its lease on a job it runs), stopped when the block ends or when the action says the job is
no longer this worker's."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

log = logging.getLogger(__name__)


@contextmanager
def beating(beat: Callable[[], bool], every: timedelta) -> Iterator[None]:
    """Call `beat` every `every` while the block runs, in the caller's context (its log lines
    carry the caller's request id), until it returns False; a beat that raises is logged and
    the next one tried (a database busy for a moment)."""
    stop = threading.Event()
    context = contextvars.copy_context()

    def run() -> None:
        while not stop.wait(every.total_seconds()):
            try:
                if not beat():
                    return
            except Exception as error:  # one line, not a traceback a beat
                log.warning("heartbeat failed (%s); trying again", type(error).__name__)

    thread = threading.Thread(target=context.run, args=(run,), name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
