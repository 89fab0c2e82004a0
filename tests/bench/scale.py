"""The benchmark of scale (`make bench`, PostgreSQL only): what a person waits for, through the
whole HTTP stack (the app's test client: routing, authentication, schemas, the database), on an
inventory of 10,000,000 items (BENCH_SCALE_ITEMS) beside the same on 100,000 items, built in
the same run: a scan, 20 free positions, a material search, an item search (a freezer's
available items), the catalogue page, the due list's first page, the statistics of a year;
p50 and p99 of each, the big one's p99 over the small one's (the ratio); and the database's
size per million items.

The inventories are tests.bench.core's (boxes of 100 in freezers of 100 boxes, one material to
50 items, one lot to 20). Targets: the scan and the free-position search flat (ratio <= 1.5),
everything else under 200 ms at p99."""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable

from sqlalchemy import Engine, func, select, text

from api import create_app
from repository import migrate
from repository.db import make_engine, session_factory, unit_of_work
from repository.models import Item, Material, StorageUnit, User
from repository.services import accounts
from repository.vocabulary import Role
from tests.bench.core import NOW, build, fresh, postgres_url, row
from tests.databases import in_schema
from tests.factories import add_token

SMALL = 100_000
# measure again the inventories a previous run built (BENCH_SCALE_REUSE=1): the ten-million-item
# one takes about 45 minutes to build
REUSE = bool(os.environ.get("BENCH_SCALE_REUSE"))
BUDGET_S = 60.0  # at most this long (and at least 10 calls) per figure


def percentiles(call: Callable[[str], object], paths: list[str]) -> tuple[float, float, int]:
    """(p50, p99 seconds, calls) of calling each path in turn, within the time budget."""
    call(paths[0])  # warm
    times: list[float] = []
    started = time.perf_counter()
    for path in paths:
        begun = time.perf_counter()
        call(path)
        times.append(time.perf_counter() - begun)
        if len(times) >= 10 and time.perf_counter() - started > BUDGET_S:
            break
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49], cuts[98], len(times)


def size_mb(engine: Engine, schema: str) -> float:
    """The schema's tables and indexes, in MB."""
    with engine.connect() as connection:
        found = connection.scalar(
            text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relkind = 'r'"
            ),
            {"schema": schema},
        )
    return float(found or 0) / 1e6


def measure(engine: Engine, url: str, codes: list[str]) -> dict[str, tuple[float, float, int]]:
    """Each figure's (p50, p99, calls) through the API (and the catalogue page)."""
    factory = session_factory(engine)
    with unit_of_work(factory) as db:
        if db.scalar(select(User.id).where(User.email == "scale@example.org")) is None:
            accounts.register_user(db, "scale@example.org", "Scale", roles=[(Role.ADMIN, None)])
    with unit_of_work(factory) as db:
        token = add_token(db, "scale@example.org", 1).secret
    with engine.connect() as connection:
        freezer = connection.scalar(select(StorageUnit.barcode).where(StorageUnit.name == "F001"))
        accessions = list(
            connection.scalars(
                select(Material.accession_number).order_by(Material.id).limit(50_000)
            )
        )
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "s" * 48})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def get(path: str) -> object:
        response = client.get(path, headers=headers if path.startswith("/api/") else {})
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.get_data(as_text=True)}")
        return response

    rng = random.Random(5)
    asks = {
        "scan (GET /api/v1/items/<code>)": [
            f"/api/v1/items/{code}" for code in rng.sample(codes, min(2000, len(codes)))
        ],
        "20 contiguous free positions at -80 C": [
            "/api/v1/storage/free-positions?temperature=-80&count=20&contiguous=true"
        ]
        * 200,
        "material search by accession, first page": [
            f"/api/v1/materials?q={a}&page_size=50" for a in rng.sample(accessions, 200)
        ],
        "material search, cell lines, first page": ["/api/v1/materials?kind=cell_line&page_size=50"]
        * 200,
        "item search, a freezer's available, first page": [
            f"/api/v1/items?container={freezer}&status=available&page_size=50"
        ]
        * 200,
        "catalogue page (anonymous)": ["/catalogue"] * 200,
        "due list, first page": ["/api/v1/due?page_size=50"] * 50,
        "statistics of a year, by month": [  # the year the inventory is dated in
            f"/api/v1/statistics?from={NOW.year}-01-01&to={NOW.year}-12-31&period=month"
        ]
        * 50,
    }
    found = {what: percentiles(get, paths) for what, paths in asks.items()}
    app.extensions["biorepo.engine"].dispose()
    return found


def built(url: str, schema: str, n: int) -> tuple[Engine, str, list[str]]:
    """A new inventory of `n` items in `schema`, settled as autovacuum leaves it."""
    engine, scoped = fresh(url, schema)
    found = build(engine, n)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return engine, scoped, found["codes"]


def reused(url: str, schema: str) -> tuple[Engine, str, list[str]]:
    """The inventory a previous run built in `schema` (migrated to head), and 2,000 of its
    items' codes spread over it."""
    scoped = in_schema(url, schema)
    migrate.upgrade(scoped)
    engine = make_engine(scoped)
    with engine.connect() as connection:
        step = max(1, (connection.scalar(select(func.max(Item.id))) or 0) // 2000)
        codes = list(connection.scalars(select(Item.barcode).where(Item.id % step == 0)))
    return engine, scoped, codes


def run(url: str, n_items: int) -> None:
    figures, sizes = {}, {}
    for n, schema in ((SMALL, "bench_scale_small"), (n_items, "bench_scale")):
        started = time.perf_counter()
        engine, scoped, codes = reused(url, schema) if REUSE else built(url, schema, n)
        sizes[n] = size_mb(engine, schema)
        what = "measured again" if REUSE else f"built in {time.perf_counter() - started:.0f} s"
        print(
            f"postgresql  {schema}: {n:,} items, {what}: {sizes[n]:,.0f} MB, "
            f"{sizes[n] / (n / 1e6):,.0f} MB per million items",
            flush=True,
        )
        figures[n] = measure(engine, scoped, codes)
        engine.dispose()
    for what, (p50, p99, calls) in figures[n_items].items():
        _, small_p99, _ = figures[SMALL][what]
        flat = what.startswith(("scan", "20 contiguous"))
        row(
            "postgresql",
            f"{what}: p50 {p50 * 1e3:.1f} ms ({calls} calls); p99",
            f"{p99 * 1e3:.1f} ms",
            f"{small_p99 * 1e3:.1f} ms",
            p99 / small_p99,
            "target ratio <= 1.5" if flat else "target p99 < 200 ms",
        )


def main() -> None:
    n_items = int(os.environ.get("BENCH_SCALE_ITEMS", "10000000"))
    print(
        f"{'backend':<11} {'figure (at ' + format(n_items, ',') + ' items)':<60} "
        f"{'value':>12} {'at ' + format(SMALL, ','):>12} {'ratio':>8}"
    )
    url = postgres_url()
    if url:
        run(url, n_items)


if __name__ == "__main__":
    main()
