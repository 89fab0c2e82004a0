"""Benchmark of reservations under contention (`make bench`): 50 threads approve 500 requests
of one vial each that compete for 200 vials, through the service (checks, locks, conditional
UPDATE, allocations, events, audit, outbox), beside a raw baseline of the same number of
plain conditional UPDATEs from 50 threads; and the count of double allocations, which must be
zero. SQLite, and PostgreSQL when BIOREPO_BENCH_POSTGRES_URL is set."""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select, text

from repository.db import make_engine, session_factory, unit_of_work
from repository.errors import DomainError
from repository.models import Allocation, Item, Lot
from repository.services import sharing
from tests.bench.core import postgres_url, row
from tests.databases import drop_schema, migrated
from tests.factories import preserve
from tests.sharing import LOT, under_review

THREADS = 50
VIALS = int(os.environ.get("BENCH_VIALS", "200"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "500"))


def setup(factory) -> tuple[list[int], list[int], int]:
    """Requests under review (one vial each) and, for the baseline, a lot of as many vials
    of another material."""
    with unit_of_work(factory) as db:
        w, ids = under_review(db, vials=VIALS, count=REQUESTS)
        spare = preserve(db, w.restricted, {**LOT, "items": VIALS})
        pool = list(db.scalars(select(Item.id).where(Item.lot_id == spare.id)))
        return ids, pool, w.strain.id


def in_threads(work: list, action: Callable[[object], bool]) -> tuple[float, int]:
    """Run the actions from THREADS threads; (seconds, successes)."""
    queue = list(work)
    lock = threading.Lock()
    successes = [0] * THREADS
    barrier = threading.Barrier(THREADS)

    def worker(index: int) -> None:
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    return
                task = queue.pop()
            if action(task):
                successes[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, sum(successes)


def through_service(factory, ids: list[int]) -> tuple[float, int, int]:
    """(seconds, approvals that reserved, approvals refused with a reason)."""
    refused = [0]

    def approve(request_id) -> bool:
        try:
            with unit_of_work(factory) as db:
                sharing.decide(db, sharing.get_request(db, request_id, lock=True))
            return True
        except DomainError as error:
            assert error.detail
            refused[0] += 1
            return False

    seconds, approved = in_threads(ids, approve)
    return seconds, approved, refused[0]


def raw_baseline(engine, pool: list[int]) -> tuple[float, int]:
    """The same number of plain conditional UPDATEs, each in its own transaction, on random
    vials of a spare lot of as many vials: (seconds, rows reserved)."""
    rng = random.Random(5)
    attempts = [rng.choice(pool) for _ in range(REQUESTS)]
    statement = text("UPDATE items SET status = 'reserved' WHERE id = :id AND status = 'available'")

    def update(item_id) -> bool:
        with engine.begin() as connection:
            return connection.execute(statement, {"id": item_id}).rowcount == 1

    return in_threads(attempts, update)


def double_allocations(factory, material_id: int) -> int:
    """Items allocated more than once, plus items whose status disagrees with allocations."""
    with unit_of_work(factory, write=False) as db:
        twice = db.scalar(
            select(func.count()).select_from(
                select(Allocation.item_id)
                .group_by(Allocation.item_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
        reserved = db.scalar(
            select(func.count())
            .select_from(Item)
            .join(Lot)
            .where(Item.status == "reserved", Lot.material_id == material_id)
        )
        allocated = db.scalar(select(func.count()).select_from(Allocation))
        return twice + abs(reserved - allocated)


def run(backend: str, server: str, schema: str | None) -> None:
    url = migrated(server, schema)
    engine = make_engine(url, pool_size=THREADS, max_overflow=10)
    factory = session_factory(engine)
    started = time.perf_counter()
    ids, pool, strain_id = setup(factory)
    print(
        f"{backend:<11} {REQUESTS} requests under review for {VIALS} vials, set up in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    seconds, approved, refused = through_service(factory, ids)
    raw_seconds, raw_reserved = raw_baseline(engine, pool)
    service_rate, raw_rate = REQUESTS / seconds, REQUESTS / raw_seconds
    row(
        backend,
        f"approvals/s, {THREADS} threads, {REQUESTS} for {VIALS} vials (vs raw UPDATEs/s)",
        f"{service_rate:,.0f}/s",
        f"{raw_rate:,.0f}/s",
        service_rate / raw_rate,
        "",
    )
    row(
        backend,
        f"reservations/s under contention ({approved} reserved, {refused} told why)",
        f"{approved / seconds:,.0f}/s",
        f"{raw_reserved / raw_seconds:,.0f}/s",
        (approved / seconds) / (raw_reserved / raw_seconds),
        "",
    )
    doubles = double_allocations(factory, strain_id)
    print(
        f"{backend:<11} double allocations: {doubles} (must be 0); reserved {approved} of "
        f"{VIALS} vials",
        flush=True,
    )
    engine.dispose()
    if schema is not None:
        drop_schema(server, schema)
    if doubles or approved != min(VIALS, REQUESTS):
        sys.exit(f"{backend}: reservations are not safe")


def main() -> None:
    print(f"{'backend':<11} {'figure':<60} {'value':>12} {'baseline':>12} {'ratio':>8}")
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-requests-"))
    run("sqlite", f"sqlite:///{folder / 'requests.db'}", None)
    postgres = postgres_url()
    if postgres:
        run("postgresql", postgres, "bench_requests")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
