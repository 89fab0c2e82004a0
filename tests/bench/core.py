"""Benchmarks of the repository core (`make bench`), each figure beside a raw baseline measured
in the same run, on SQLite and (when BIOREPO_BENCH_POSTGRES_URL is set) PostgreSQL.

The inventory is built with bulk inserts into the real schema (migrated by Alembic): a million
items in 10x10 boxes, 100 boxes to a freezer, over 20,000 materials of the five kinds and
50,000 lots, one `preserved` event per item. Boxes are filled as a working biobank's are: most
full, some with scattered gaps, a few half empty. BENCH_ITEMS changes the size."""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, bindparam, func, select, text, update

from repository import barcodes
from repository.db import make_engine, session_factory, unit_of_work
from repository.models import (
    AnimalLine,
    Barcode,
    CellLine,
    Collection,
    Event,
    Item,
    Lot,
    Material,
    Seed,
    Specimen,
    StorageUnit,
    Strain,
)
from repository.services import queries, storage
from repository.sql import insert_many
from tests.databases import migrated

DATA = Path(__file__).resolve().parents[2] / "sample_data"
KINDS = [
    ("strains", "strain", Strain, "glycerol_minus80", "ml"),
    ("seeds", "seed", Seed, "dried_seed_minus18", "seeds"),
    ("cell_lines", "cell_line", CellLine, "ln2_vapour", "cells"),
    ("animal_lines", "animal_line", AnimalLine, "ln2_liquid", "each"),
    ("specimens", "specimen", Specimen, "frozen_minus80", "ml"),
]
BOX = 10  # rows = cols
BOXES_PER_FREEZER = 100
NOW = datetime(2026, 1, 5, tzinfo=UTC)


# --- building ----------------------------------------------------------------------------------


def fresh(url: str, schema: str | None = None) -> tuple[Engine, str]:
    """An empty migrated database (a new SQLite file, or a new PostgreSQL schema)."""
    url = migrated(url, schema)
    return make_engine(url), url


def fill_plan(rng: random.Random, n_items: int, freezers: int) -> list[list[tuple[int, int]]]:
    """For every box, the positions that hold an item."""
    everything = [(r, c) for r in range(1, BOX + 1) for c in range(1, BOX + 1)]
    plan, left = [], n_items
    for index in range(freezers * BOXES_PER_FREEZER):
        roll = rng.random()
        if index < BOXES_PER_FREEZER or roll < 0.90:
            taken = everything  # full
        elif roll < 0.98:
            taken = rng.sample(everything, 100 - rng.randint(1, 15))  # a few gaps
        elif roll < 0.995:
            taken = rng.sample(everything, 100 - rng.randint(20, 40))  # many scattered gaps
        else:
            taken = everything[:50]  # half empty: a run of 50 at the end
        taken = sorted(taken)[:left]
        left -= len(taken)
        plan.append(taken)
    return plan


def build(engine: Engine, n_items: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    freezers = max(1, -(-n_items // (BOXES_PER_FREEZER * 96)))  # about 96 % full
    plan = fill_plan(rng, n_items, freezers)
    n_items = sum(map(len, plan))
    n_materials, n_lots = max(5, n_items // 50), max(5, n_items // 20)
    codes = iter(unique_codes(rng, n_items + (freezers + 2) * 111 + 10))
    units: list[dict] = []

    def unit(kind, name, parent=None, slot=None, **extra) -> int:
        uid = len(units) + 1
        units.append(
            {
                "id": uid,
                "barcode": next(codes),
                "barcode_owner": "storage",
                "kind": kind,
                "name": name,
                "parent_id": parent,
                "slot": slot,
                "rows": None,
                "cols": None,
                "capacity": None,
                "occupied": 0,
                "free_run": extra["rows"] * extra["cols"] if "rows" in extra else None,
                "temperature_c": None,
                "description": None,
                **extra,
            }
        )
        return uid

    site = unit("site", "Bench campus")
    room = unit("room", "Freezer hall", site, 1)
    boxes: list[int] = []
    spare = {}  # two empty freezers of the same layout: with empty boxes, and with empty racks
    for f in range(freezers + 2):
        name = {freezers: "twin", freezers + 1: "standby"}.get(f)
        ln2 = name is None and f % 7 == 6
        freezer = unit(
            "ln2_tank" if ln2 else "freezer",
            f"F-{name}" if name else f"F{f + 1:03d}",
            room,
            f + 1,
            temperature_c=-150.0 if ln2 else -80.0,
        )
        if name:
            spare[name] = freezer
        for r in range(BOXES_PER_FREEZER // 10):
            rack = unit("rack", f"Rack {r + 1}", freezer, r + 1)
            for b in range(10 if name != "standby" else 0):
                box = unit("box", f"Box {b + 1}", rack, b + 1, rows=BOX, cols=BOX)
                if not name:
                    boxes.append(box)
    for box, taken in zip(boxes, plan, strict=True):
        units[box - 1]["occupied"] = len(taken)
        units[box - 1]["free_run"] = storage.longest_free_run(BOX, BOX, set(taken))

    collections, materials, subtypes, lots = [], [], {k[1]: [] for k in KINDS}, []
    names = {
        kind: [m["designation"] for m in json.loads((DATA / f"{f}.json").read_text())["materials"]]
        for f, kind, *_ in KINDS
    }
    for index, (_, kind, *_rest) in enumerate(KINDS):
        collections.append(
            {
                "id": index + 1,
                "code": f"B{index + 1}",
                "name": f"Bench {kind}",
                "kind": [
                    "culture_collection",
                    "seed_bank",
                    "cell_bank",
                    "animal_facility",
                    "biobank",
                ][index],
                "accession_pattern": "{code}-{seq:07d}",
                "next_seq": 1,
                "created_at": NOW,
            }
        )
    for m in range(1, n_materials + 1):
        _, kind, _, _, _ = KINDS[m % 5]
        materials.append(
            {
                "id": m,
                "collection_id": m % 5 + 1,
                "kind": kind,
                "accession_number": f"B{m % 5 + 1}-{m:07d}",
                "designation": f"{names[kind][m % len(names[kind])]} #{m}",
                "taxon_name": "Escherichia coli",
                "access_level": "open",
                "risk_group": 1,
                "abs_status": "out_of_scope",
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        subtypes[kind].append(
            {"id": m, **({"specimen_type": "plasma"} if kind == "specimen" else {})}
        )
    for lot in range(1, n_lots + 1):
        _, kind, _, method, unit_name = KINDS[(lot % n_materials + 1) % 5]
        lots.append(
            {
                "id": lot,
                "material_id": lot % n_materials + 1,
                "number": lot // n_materials + 1,
                "method": method,
                "preserved_on": date(2020 + lot % 6, 1 + lot % 12, 1),
                "passage_number": 10 if kind == "cell_line" else None,
                "initial_quantity": 20,
                "unit": unit_name,
            }
        )

    def chunks() -> Iterable[tuple[list[dict], list[dict]]]:
        """The items, box by box, with their `preserved` events, 100,000 at a time."""
        items: list[dict] = []
        events: list[dict] = []
        item_id = 0
        for box, taken in zip(boxes, plan, strict=True):
            for row, col in taken:
                item_id += 1
                lot = item_id % n_lots + 1
                items.append(
                    {
                        "id": item_id,
                        "barcode": next(codes),
                        "barcode_owner": "item",
                        "lot_id": lot,
                        "form": "cryovial",
                        "quantity": 1,
                        "unit": lots[lot - 1]["unit"],
                        "status": "available",
                        "container_id": box,
                        "row": row,
                        "col": col,
                        "grid_rows": BOX,
                        "grid_cols": BOX,
                        "created_at": NOW,
                    }
                )
                events.append(
                    {
                        "at": NOW,
                        "type": "preserved",
                        "item_id": item_id,
                        "lot_id": lot,
                        "data": {"lot": lots[lot - 1]["number"]},
                    }
                )
            if len(items) >= 100_000:
                yield items, events
                items, events = [], []
        if items:
            yield items, events

    item_codes: list[str] = []
    with engine.begin() as connection:
        insert_many(
            connection,
            Barcode.__table__,
            [{"value": u["barcode"], "owner": "storage"} for u in units],
        )
        insert_many(connection, StorageUnit.__table__, units)
        insert_many(connection, Collection.__table__, collections)
        insert_many(connection, Material.__table__, materials)
        for _, kind, model, _, _ in KINDS:
            insert_many(connection, model.__table__, subtypes[kind])
        insert_many(connection, Lot.__table__, lots)
        for items, events in chunks():  # a few at a time: ten million fit no list
            codes_now = [i["barcode"] for i in items]
            insert_many(
                connection, Barcode.__table__, [{"value": c, "owner": "item"} for c in codes_now]
            )
            insert_many(connection, Item.__table__, items)
            insert_many(connection, Event.__table__, events)
            item_codes += codes_now
        if connection.dialect.name == "postgresql":
            for table in ("storage_units", "collections", "materials", "lots", "items"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        connection.execute(text("ANALYZE"))
    return {
        "items": n_items,
        "boxes": len(boxes),
        "freezers": freezers,
        **spare,
        "source": units[units[boxes[0] - 1]["parent_id"] - 1]["parent_id"],  # box > rack > freezer
        "codes": item_codes,
    }


def unique_codes(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        body = "".join(rng.choices(barcodes.ALPHABET, k=barcodes.BODY_LENGTH))
        seen.add(body + barcodes.check_character(body))
    return list(seen)


# --- measuring ---------------------------------------------------------------------------------


def per_second(action: Callable[[str], object], codes: Iterable[str]) -> float:
    codes = list(codes)
    started = time.perf_counter()
    for code in codes:
        action(code)
    return len(codes) / (time.perf_counter() - started)


def latencies(action: Callable[[str], object], codes: Iterable[str]) -> float:
    """Median seconds per call."""
    times = []
    for code in codes:
        started = time.perf_counter()
        action(code)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def scan_figures(
    engine: Engine, codes: list[str], rng: random.Random
) -> tuple[float, float, float]:
    """(service lookups/s, raw Core lookups/s, median service latency)."""
    factory = session_factory(engine)
    sample = rng.sample(codes, min(3000, len(codes)))
    raw = select(Item.__table__).where(Item.__table__.c.barcode == bindparam("code"))
    with engine.connect() as connection:

        def core(code: str) -> None:
            connection.execute(raw, {"code": code}).first()

        per_second(core, sample[:300])  # warm up
        baseline = per_second(core, sample)
    with unit_of_work(factory, write=False) as session:

        def service(code: str) -> None:
            queries.scan(session, code)

        per_second(service, sample[:300])
        through_service = per_second(service, sample)
        latency = latencies(service, rng.sample(codes, min(1000, len(codes))))
    return through_service, baseline, latency


def move_figures(engine: Engine, built: dict) -> list[tuple[str, float, float, int]]:
    """Empty a full freezer (100 boxes) into a standby one through the service, with every
    item's history: carrying its boxes into empty racks, then moving its vials into the empty
    boxes of a twin. Each beside the same change made with raw UPDATEs (no checks, no history).
    Returns (what, service seconds, raw seconds, items)."""
    factory = session_factory(engine)
    source = built["source"]

    def service(target: int) -> tuple[float, int]:
        started = time.perf_counter()
        with unit_of_work(factory) as session:
            moved = storage.evacuate(
                session, session.get(StorageUnit, source), session.get(StorageUnit, target)
            )
        return time.perf_counter() - started, moved

    def boxes_under(connection, freezer: int) -> list:
        racks = select(StorageUnit.id).where(StorageUnit.parent_id == freezer)
        return connection.execute(
            select(StorageUnit.id, StorageUnit.parent_id, StorageUnit.slot)
            .where(StorageUnit.parent_id.in_(racks))
            .order_by(StorageUnit.parent_id, StorageUnit.slot)
        ).all()

    figures = []
    carried_s, moved = service(built["standby"])
    with engine.begin() as connection:  # raw: carry the boxes back
        racks = dict(
            connection.execute(
                select(StorageUnit.slot, StorageUnit.id).where(StorageUnit.parent_id == source)
            ).all()
        )
        slots = dict(
            connection.execute(
                select(StorageUnit.id, StorageUnit.slot).where(
                    StorageUnit.parent_id == built["standby"]
                )
            ).all()
        )
        started = time.perf_counter()
        for box, rack, _ in boxes_under(connection, built["standby"]):
            connection.execute(
                update(StorageUnit)
                .where(StorageUnit.id == box)
                .values(parent_id=racks[slots[rack]])
            )
        raw_s = time.perf_counter() - started
    figures.append(("carry its 100 boxes to empty racks", carried_s, raw_s, moved))

    transferred_s, moved = service(built["twin"])
    with engine.begin() as connection:  # raw: move the vials back into their boxes
        pairs = zip(
            boxes_under(connection, built["twin"]), boxes_under(connection, source), strict=True
        )
        started = time.perf_counter()
        for (twin_box, *_), (box, *_) in pairs:
            connection.execute(
                update(Item).where(Item.container_id == twin_box).values(container_id=box)
            )
            connection.execute(
                update(StorageUnit)
                .where(StorageUnit.id == twin_box)
                .values(occupied=0, free_run=BOX * BOX)
            )
            connection.execute(
                update(StorageUnit)
                .where(StorageUnit.id == box)
                .values(occupied=BOX * BOX, free_run=0)
            )
        raw_s = time.perf_counter() - started
    figures.append(("move its vials into a twin's boxes", transferred_s, raw_s, moved))
    return figures


def space_figures(engine: Engine) -> tuple[float, float]:
    """(median seconds to find 20 contiguous free positions at -80 °C, median seconds of a raw
    select of the fullest box with 20 free positions)."""
    factory = session_factory(engine)
    with unit_of_work(factory, write=False) as session:
        service = []
        for _ in range(15):
            started = time.perf_counter()
            places = storage.find_free_positions(session, -80, 20, contiguous=True)
            service.append(time.perf_counter() - started)
        assert len(places) == 20 and len({p.container.id for p in places}) == 1
        units = StorageUnit.__table__
        raw_query = (
            select(units.c.id)
            .where(units.c.kind == "box", units.c.rows * units.c.cols - units.c.occupied >= 20)
            .order_by(units.c.occupied.desc(), units.c.id)
            .limit(1)
        )
        raw = []
        for _ in range(15):
            started = time.perf_counter()
            session.execute(raw_query).first()
            raw.append(time.perf_counter() - started)
    return statistics.median(service), statistics.median(raw)


# --- reporting ---------------------------------------------------------------------------------


def postgres_url() -> str | None:
    """The PostgreSQL to run a benchmark on too (BIOREPO_BENCH_POSTGRES_URL); None, said on
    stderr, when it is not set."""
    url = os.environ.get("BIOREPO_BENCH_POSTGRES_URL")
    if not url:
        print("postgresql  skipped: set BIOREPO_BENCH_POSTGRES_URL", file=sys.stderr)
    return url


HEADER = f"{'backend':<11} {'figure':<60} {'value':>12} {'baseline':>12} {'ratio':>8}"


def row(backend: str, figure: str, value: str, baseline: str, ratio: float, target: str) -> None:
    print(
        f"{backend:<11} {figure:<60} {value:>12} {baseline:>12} {ratio:>8.2f}  {target}", flush=True
    )


def built(
    backend: str,
    url: str,
    schema: str | None,
    n_items: int,
    then: Callable[[Engine], object] | None = None,
) -> tuple[Engine, str, dict]:
    """A new database (`schema` on PostgreSQL), its url and the inventory `build` makes in it
    of `n_items` (and whatever `then` adds), said with the time it took."""
    started = time.perf_counter()
    engine, url = fresh(url, schema)
    inventory = build(engine, n_items)
    if then is not None:
        then(engine)
    print(
        f"{backend:<11} built {inventory['items']:,} items in {inventory['boxes']:,} boxes in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return engine, url, inventory


def on_each_backend(run: Callable[[str, str, int, bool], None], file: str) -> None:
    """The figures' header, then `run` (backend, url, items, on PostgreSQL) on a new SQLite
    file named `file` and on PostgreSQL when BIOREPO_BENCH_POSTGRES_URL is set, on BENCH_ITEMS
    items (a million unless set)."""
    n_items = int(os.environ.get("BENCH_ITEMS", "1000000"))
    print(HEADER)
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-"))
    run("sqlite", f"sqlite:///{folder / file}", n_items, False)
    postgres = postgres_url()
    if postgres:
        run("postgresql", postgres, n_items, True)
    shutil.rmtree(folder)


def run(backend: str, url_big: str, url_small: str, n_items: int, postgres: bool) -> None:
    rng = random.Random(11)
    started = time.perf_counter()
    small_engine, _ = fresh(url_small, "bench_small" if postgres else None)
    small = build(small_engine, 10_000)
    big_engine, _ = fresh(url_big, "bench" if postgres else None)
    big = build(big_engine, n_items)
    print(
        f"{backend:<11} built {big['items']:,} items in {big['boxes']:,} boxes "
        f"({big['freezers']} freezers) and {small['items']:,} for comparison in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    service, baseline, latency_big = scan_figures(big_engine, big["codes"], rng)
    row(
        backend,
        "scan lookups/s: service vs raw Core select",
        f"{service:,.0f}/s",
        f"{baseline:,.0f}/s",
        service / baseline,
        "target >= 0.50",
    )
    _, _, latency_small = scan_figures(small_engine, small["codes"], rng)
    row(
        backend,
        f"scan latency at {big['items']:,} vs 10,000 items",
        f"{latency_big * 1e3:.3f} ms",
        f"{latency_small * 1e3:.3f} ms",
        latency_big / latency_small,
        "target <= 1.5",
    )
    for what, moved_s, raw_s, moved in move_figures(big_engine, big):
        row(
            backend,
            f"freezer ({moved:,} items): {what}",
            f"{moved_s:.2f} s",
            f"{raw_s:.2f} s",
            moved_s / raw_s,
            "target < 2 s",
        )
    space_s, raw_space_s = space_figures(big_engine)
    row(
        backend,
        "20 contiguous free positions at -80 C vs raw select",
        f"{space_s * 1e3:.1f} ms",
        f"{raw_space_s * 1e3:.2f} ms",
        space_s / raw_space_s,
        "target < 50 ms",
    )
    with big_engine.connect() as connection:
        events = connection.execute(select(func.count()).select_from(Event)).scalar()
    print(f"{backend:<11} ({events:,} events after the run)", flush=True)
    big_engine.dispose()
    small_engine.dispose()


def main() -> None:
    n_items = int(os.environ.get("BENCH_ITEMS", "1000000"))
    print(HEADER)
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-"))
    run(
        "sqlite",
        f"sqlite:///{folder / 'big.db'}",
        f"sqlite:///{folder / 'small.db'}",
        n_items,
        postgres=False,
    )
    postgres = postgres_url()
    if postgres:
        run("postgresql", postgres, postgres, n_items, postgres=True)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
