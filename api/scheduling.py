"""The consumer `biorepo worker` runs: huey's, with a scheduler that queues each periodic task
once per schedule slot across all the workers of an installation (each worker's scheduler
claims the slot in the database first; the ones that come second queue nothing)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from huey import Huey
from huey.consumer import Consumer, Scheduler

log = logging.getLogger(__name__)
Claim = Callable[[str, datetime], bool]  # (task name, aware UTC moment): whether it is ours


class OncePerSlot(Scheduler):
    """huey's scheduler, whose periodic tasks are queued only when `claim` wins their slot."""

    def __init__(self, claim: Claim, **options: Any) -> None:
        super().__init__(**options)
        self.claim = claim

    def enqueue_periodic_tasks(self, now: datetime | None) -> None:
        moment = now or datetime.now(UTC).replace(tzinfo=None)  # huey's clock: naive UTC
        for task in self.huey.read_periodic(moment):
            try:
                if self.claim(task.name, moment.replace(tzinfo=UTC)):
                    log.info("periodic task %s queued", task.name)
                    self.huey.enqueue(task)
                else:
                    log.debug("periodic task %s: another worker queued it", task.name)
            except Exception:
                log.exception("could not queue periodic task %s", task.name)


class SlotConsumer(Consumer):
    """huey's consumer with the scheduler OncePerSlot."""

    def __init__(self, huey: Huey, claim: Claim, **options: Any) -> None:
        self.claim = claim
        super().__init__(huey, **options)

    def _create_scheduler(self) -> OncePerSlot:
        return OncePerSlot(
            self.claim,
            huey=self.huey,
            stop_flag=self.stop_flag,
            interval=self.scheduler_interval,
            periodic=self.periodic,
        )
