"""A heartbeat beside a block: it beats until the block ends or the beat says stop, carries on
after a failed beat, and its beats run under the caller's request id."""

from __future__ import annotations

import threading
from datetime import timedelta

from repository import tracing
from repository.heartbeat import beating

EVERY = timedelta(milliseconds=10)


def test_it_beats_while_the_block_runs_and_stops_with_it() -> None:
    beats: list[str | None] = []
    enough = threading.Event()

    def beat() -> bool:
        beats.append(tracing.request_id())
        if len(beats) == 3:
            raise ConnectionError("the database is away for a moment")
        if len(beats) == 5:
            enough.set()
        return True

    with tracing.traced("req-7"), beating(beat, EVERY):
        assert enough.wait(10)  # a failed beat (the third) did not stop it
    count = len(beats)
    assert count >= 5 and set(beats) == {"req-7"}  # the caller's request id, in its thread
    assert not any(t.name == "heartbeat" for t in threading.enumerate())
    assert len(beats) == count  # none after the block


def test_it_stops_when_the_beat_says_the_work_is_no_longer_ours() -> None:
    beats: list[int] = []
    stopped = threading.Event()

    def beat() -> bool:
        beats.append(1)
        if len(beats) == 2:
            stopped.set()
            return False  # another worker took the job over
        return True

    with beating(beat, EVERY):
        assert stopped.wait(10)
        threading.Event().wait(EVERY.total_seconds() * 10)
    assert len(beats) == 2
