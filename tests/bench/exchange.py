"""Benchmarks of exchange (`make bench`). Bulk registration: a CSV of 100,000 items with their
boxes and positions (1,000 new materials, a lot each) imported, validated, audited and
committed, beside a raw SQLAlchemy Core insert of the same bare rows (materials, strains, lots,
barcodes and items; no events, no audit) into the same schema, in the same run; the import's
rate over the raw insert's is the figure to hold at 0.5 or more. A second baseline inserts with
Core every row the import writes (one `registered` event per item, an `accessioned` one per
material, one audit entry per batch of each table). On SQLite and (when
BIOREPO_BENCH_POSTGRES_URL is set) PostgreSQL. BENCH_IMPORT_ROWS changes the size; the import
also runs at a tenth of it, to show its memory flat.

Beside the times, how much the process's peak resident anonymous memory grew during one more
import, untimed (not the database file SQLite maps into the process): the importer keeps neither
the rows nor their audit (on SQLite the figure includes SQLite's own page cache, up to 64 MiB).
Each import and raw insert runs BENCH_ROUNDS times (3), in turn; the figure compares medians.

Darwin Core export: 100,000 strains (a lot and a vial each) written as a Darwin Core Archive,
beside a raw Core select of their columns written as a zipped tab-separated file, in the same
run. BENCH_EXPORT_RECORDS changes the size."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import os
import random
import shutil
import statistics
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, func, insert, select

from repository import audit
from repository.db import session_factory, unit_of_work
from repository.exchange import dwca
from repository.exchange.bulk import Options, import_tables
from repository.exchange.inserts import complete
from repository.models import (
    AuditEntry,
    Barcode,
    Collection,
    Event,
    Item,
    Lot,
    Material,
    StorageUnit,
    Strain,
)
from repository.sql import insert_many
from tests.bench.core import fresh, postgres_url, row, unique_codes
from tests.databases import drop_schema
from tests.factories import add_collection, make_unit

BOX = 10
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))  # each import and raw insert
PER_MATERIAL = 100
HEADER = [
    "accession_number",
    "designation",
    "taxon_name",
    "lot",
    "method",
    "preserved_on",
    "quantity",
    "unit",
    "form",
    "barcode",
    "box",
    "position",
]


def prepare(engine: Engine, n_rows: int) -> list[str]:
    """A collection and enough empty 10x10 boxes for `n_rows` items; their barcodes."""
    with unit_of_work(session_factory(engine)) as db:
        add_collection(db, {"code": "BEN", "name": "Bench", "kind": "culture_collection"})
        site = make_unit(db, {"kind": "site", "name": "Site"})
        room = make_unit(db, {"kind": "room", "name": "Room"}, site)
        boxes: list[str] = []
        needed = -(-n_rows // (BOX * BOX))
        while len(boxes) < needed:
            freezer = make_unit(
                db, {"kind": "freezer", "name": "Freezer", "temperature_c": -80}, room
            )
            for r in range(10):
                rack = make_unit(db, {"kind": "rack", "name": f"Rack {r}"}, freezer)
                for b in range(10):
                    if len(boxes) < needed:
                        unit = make_unit(
                            db, {"kind": "box", "name": f"Box {b}", "rows": BOX, "cols": BOX}, rack
                        )
                        boxes.append(unit.barcode)
    return boxes


def write_csv(path: Path, boxes: list[str], n_rows: int, taken: set[str]) -> None:
    """The CSV of `n_rows` items in `boxes`, with barcodes none of which is in `taken`."""
    codes = unique_codes(random.Random(5), n_rows + len(taken) + 10)
    codes = [c for c in codes if c not in taken][:n_rows]
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(n_rows):
            m = i // PER_MATERIAL
            box, cell = boxes[i // (BOX * BOX)], i % (BOX * BOX)
            writer.writerow(
                [
                    f"BEN {m:06d}",
                    f"Strain {m}",
                    "Bacillus subtilis",
                    "L1",
                    "glycerol_minus80",
                    "2025-01-02",
                    "1",
                    "ml",
                    "cryovial",
                    codes[i],
                    box,
                    f"{chr(65 + cell // BOX)}{cell % BOX + 1}",
                ]
            )


def raw_insert(engine: Engine, path: Path, boxes: dict[str, str], history: bool) -> float:
    """Seconds to insert the file's rows with plain Core executemany: materials, strains, lots,
    barcodes and items, one transaction; the rows are built before the clock starts. With
    `history`, also the rows the import writes beside them: a `registered` event per item, an
    `accessioned` one per material, and an audit entry per batch of each table (hashes made up,
    not chained)."""
    with engine.connect() as connection:
        collection_id = connection.scalar(select(Collection.id).where(Collection.code == "BEN"))
        ids = dict(connection.execute(select(StorageUnit.barcode, StorageUnit.id)).all())
        box_ids = {code: ids[twin] for code, twin in boxes.items()}  # the same layout
    now = datetime.now(UTC)
    materials, strains, lots, codes, items = [], [], [], [], []
    with open(path, newline="", encoding="utf-8") as source:
        for i, cells in enumerate(csv.DictReader(source)):
            m = i // PER_MATERIAL + 1
            if i % PER_MATERIAL == 0:
                materials.append(
                    {
                        "id": m,
                        "collection_id": collection_id,
                        "accession_number": cells["accession_number"],
                        "kind": "strain",
                        "designation": cells["designation"],
                        "taxon_name": cells["taxon_name"],
                        "access_level": "open",
                        "risk_group": 1,
                        "abs_status": "unknown",
                        "minimum_stock": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                strains.append({"id": m, "type_strain": False, "genetically_modified": False})
                lots.append(
                    {
                        "id": m,
                        "material_id": m,
                        "number": 1,
                        "method": "glycerol_minus80",
                        "preserved_on": date(2025, 1, 2),
                        "initial_quantity": PER_MATERIAL,
                        "unit": "ml",
                        "created_at": now,
                    }
                )
            cell = i % (BOX * BOX)
            codes.append({"value": cells["barcode"], "owner": "item"})
            items.append(
                {
                    "id": i + 1,
                    "barcode": cells["barcode"],
                    "barcode_owner": "item",
                    "lot_id": m,
                    "form": "cryovial",
                    "quantity": 1,
                    "unit": "ml",
                    "status": "available",
                    "container_id": box_ids[cells["box"]],
                    "row": cell // BOX + 1,
                    "col": cell % BOX + 1,
                    "grid_rows": BOX,
                    "grid_cols": BOX,
                    "created_at": now,
                }
            )
    tables = [
        (Material, materials),
        (Strain, strains),
        (Lot, lots),
        (Barcode, codes),
        (Item, items),
    ]
    if history:
        tables += [
            (Event, history_events(materials, items, now)),
            (
                AuditEntry,
                audit_rows(
                    [
                        ("materials", materials),
                        ("strains", strains),
                        ("lots", lots),
                        ("items", items),
                    ],
                    now,
                ),
            ),
        ]
    started = time.perf_counter()
    with engine.begin() as connection:
        for model, rows in tables:
            connection.execute(insert(model.__table__), rows)
    return time.perf_counter() - started


def history_events(materials: list[dict], items: list[dict], now: datetime) -> list[dict]:
    """The events the import writes: accessioned per material, registered per item."""
    events = [
        {"at": now, "type": "accessioned", "material_id": m["id"], "data": {"collection": "BEN"}}
        for m in materials
    ]
    for item in items:
        events.append(
            {
                "at": now,
                "type": "registered",
                "material_id": item["lot_id"],
                "lot_id": item["lot_id"],
                "item_id": item["id"],
                "data": {
                    "lot": 1,
                    "method": "glycerol_minus80",
                    "quantity": "1",
                    "unit": "ml",
                    "place": f"Site › Room › Freezer [{item['row']}, {item['col']}]",
                },
            }
        )
    return [{"material_id": None, "lot_id": None, "item_id": None, **e} for e in events]


def audit_rows(tables: list[tuple[str, list[dict]]], now: datetime) -> list[dict]:
    """An audit entry per batch of 5,000 rows of each table, naming their ids; hashes made up
    (64 hex digits each)."""
    rows = []
    for table, values in tables:
        for start in range(0, len(values), 5000):
            ids = [value["id"] for value in values[start : start + 5000]]
            digest = hashlib.sha256(f"{table}/{ids[0]}".encode()).hexdigest()
            rows.append(
                {
                    "at": now,
                    "table_name": table,
                    "row_id": f"{ids[0]}-{ids[-1]}",
                    "action": "batch_insert",
                    "after": {"ids": [[ids[0], ids[-1]]], "rows": len(ids), "sha256": digest},
                    "prev_hash": digest[::-1],
                    "hash": digest,
                }
            )
    return rows


class PeakMemory:
    """How much the process's resident anonymous memory (its heap: not the database file SQLite
    maps into it) grew at most while the block ran, sampled."""

    def __init__(self, every: float = 0.05) -> None:
        self.every, self.grown = every, 0.0
        self._done = threading.Event()

    @staticmethod
    def resident() -> float:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no RssAnon in /proc/self/status")

    def _sample(self, start: float) -> None:
        while not self._done.wait(self.every):
            self.grown = max(self.grown, self.resident() - start)

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._sample, args=(self.resident(),))
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._done.set()
        self._thread.join()


def run(backend: str, url: str, folder: Path, n_rows: int, postgres: bool) -> None:
    grown = [
        import_figures(backend, url, folder, n, postgres, full=n == n_rows)
        for n in sorted({max(n_rows // 10, 1000), n_rows})
    ]
    print(
        f"{backend:<11} peak memory of the import: "
        + ", ".join(f"+{mib:.0f} MiB at {n:,} rows" for n, mib in grown)
        + " (on SQLite with its page cache, up to 64 MiB)",
        flush=True,
    )
    service_engine, _ = fresh(
        url if postgres else f"{url}/export.db", "bench_export" if postgres else None
    )
    export_figures(
        backend, service_engine, folder, int(os.environ.get("BENCH_EXPORT_RECORDS", "100000"))
    )
    service_engine.dispose()
    if postgres:
        drop_schema(url, "bench_export")


def import_figures(
    backend: str, url: str, folder: Path, n_rows: int, postgres: bool, full: bool
) -> tuple[int, float]:
    """First an import with its memory sampled (the sampling thread slows an import by up to a
    fifth: it is left out of the timed ones) and, with `full`, its audit verified and a raw
    insert of all the import writes timed beside it. Then the import of `n_rows` placed items
    beside a raw Core insert of the same bare rows, each into a database of its own, in turn,
    ROUNDS times (the machine's changing load falls on both): the ratio of their median times.
    The rows and how much the process's peak memory grew during the first import (MiB)."""
    path = folder / f"items_{n_rows}.csv"
    with _databases(url, n_rows, postgres, ["import", "full"]) as (service, everything):
        boxes = prepare(service, n_rows)
        twins = dict(zip(boxes, prepare(everything, n_rows), strict=True))
        write_csv(path, boxes, n_rows, _taken(service, everything))
        gc.collect()
        with PeakMemory() as memory:
            _timed_import(service, path, n_rows)
        after = _full_figures(backend, service, everything, path, twins, n_rows) if full else []
    service_times: list[float] = []
    raw_times: list[float] = []
    for _ in range(ROUNDS):
        with _databases(url, n_rows, postgres, ["import", "raw"]) as (service, raw):
            boxes = prepare(service, n_rows)
            twins = dict(zip(boxes, prepare(raw, n_rows), strict=True))
            write_csv(path, boxes, n_rows, _taken(service, raw))
            service_times.append(_timed_import(service, path, n_rows))
            raw_times.append(raw_insert(raw, path, twins, history=False))
    service_s, raw_s = statistics.median(service_times), statistics.median(raw_times)
    row(
        backend,
        f"import {n_rows:,} items (validated, audited): rate / raw Core rate",
        f"{n_rows / service_s:,.0f}/s",
        f"{n_rows / raw_s:,.0f}/s",
        raw_s / service_s,
        f"target >= 0.5; median of {ROUNDS} rounds: {_seconds(service_times)} vs "
        f"{_seconds(raw_times)} (bare rows: materials, lots, barcodes, items); peak memory "
        f"+{memory.grown:.0f} MiB for a {path.stat().st_size / 2**20:.0f} MiB file",
    )
    for line in after:  # the import's own figure first
        print(line, flush=True)
    path.unlink()
    return n_rows, memory.grown


def _taken(*engines: Engine) -> set[str]:
    """The barcodes the databases hold already (every storage unit's): none is in the file."""
    taken: set[str] = set()
    for engine in engines:
        with engine.connect() as connection:
            taken.update(connection.scalars(select(Barcode.value)))
    return taken


@contextmanager
def _databases(url: str, n_rows: int, postgres: bool, names: list[str]) -> Iterator[list[Engine]]:
    """New migrated databases, one per name (import, raw, full), dropped after."""
    schemas = [f"bench_{name}_{n_rows}" for name in names]
    engines = [
        fresh(url if postgres else f"{url}/{schema}.db", schema if postgres else None)[0]
        for schema in schemas
    ]
    try:
        yield engines
    finally:
        for engine in engines:
            engine.dispose()
        if postgres:
            for schema in schemas:
                drop_schema(url, schema)


def _timed_import(engine: Engine, path: Path, n_rows: int) -> float:
    """Seconds to import the file, checked and committed."""
    started = time.perf_counter()
    with unit_of_work(session_factory(engine)) as session:
        outcome = import_tables(session, [path], Options("BEN"))
    took = time.perf_counter() - started
    assert outcome.items == n_rows and outcome.report.ok
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Item)) == n_rows
    return took


def _full_figures(
    backend: str,
    service: Engine,
    everything: Engine,
    path: Path,
    boxes: dict[str, str],
    n_rows: int,
) -> list[str]:
    """The import's audit verified, and how long a raw insert of all it writes (events and
    audit too) takes: the lines that say so."""
    started = time.perf_counter()
    with unit_of_work(session_factory(service), write=False) as session:
        broken = audit.verify(session)
    verify_s = time.perf_counter() - started
    assert broken is None, f"the audit chain breaks at entry {broken}"
    full_s = raw_insert(everything, path, boxes, history=True)
    return [
        f"{backend:<11} audit.verify after importing {n_rows:,} items (the chain, and every "
        f"batch's digest recomputed from its rows): {verify_s:.1f} s, intact",
        f"{backend:<11} raw Core insert of all an import of {n_rows:,} items writes (+events, "
        f"audit): {n_rows / full_s:,.0f}/s, {full_s:.1f} s",
    ]


def _seconds(times: list[float]) -> str:
    return "/".join(f"{t:.1f}" for t in times) + " s"


def add_strains(engine: Engine, n: int) -> None:
    """`n` open strains in a new collection EXP, each with a lot and an unplaced vial."""
    with unit_of_work(session_factory(engine)) as db:
        add_collection(db, {"code": "EXP", "name": "Export", "kind": "culture_collection"})
    now = datetime.now(UTC)
    codes = [f"EXP{i:07d}" for i in range(n)]  # no drawn code has this prefix
    with engine.begin() as connection:
        collection_id = connection.scalar(select(Collection.id).where(Collection.code == "EXP"))
        start = (connection.scalar(select(func.max(Material.id))) or 0) + 1
        lot_start = (connection.scalar(select(func.max(Lot.id))) or 0) + 1
        ids = range(start, start + n)
        materials = [
            complete(
                Material.__table__,
                {
                    "id": m,
                    "collection_id": collection_id,
                    "accession_number": f"EXP {m:07d}",
                    "kind": "strain",
                    "designation": f"Strain {m}",
                    "taxon_name": "Bacillus subtilis",
                    "origin_country": "CHN",
                    "latitude": 30.5 + m % 100 / 1000,
                    "longitude": 114.3,
                    "origin_site": "Wuhan, garden soil",
                    "collection_date": "2024-05-17",
                    "collector": "L. Wang",
                    "created_at": now,
                    "updated_at": now,
                },
            )
            for m in ids
        ]
        strains = [complete(Strain.__table__, {"id": m}) for m in ids]
        lots = [
            complete(
                Lot.__table__,
                {
                    "id": lot_start + i,
                    "material_id": m,
                    "number": 1,
                    "method": "glycerol_minus80",
                    "preserved_on": date(2025, 1, 2),
                    "initial_quantity": 1,
                    "unit": "ml",
                    "created_at": now,
                },
            )
            for i, m in enumerate(ids)
        ]
        items = [
            complete(
                Item.__table__,
                {
                    "barcode": codes[i],
                    "barcode_owner": "item",
                    "lot_id": lot_start + i,
                    "form": "cryovial",
                    "quantity": 1,
                    "unit": "ml",
                    "status": "available",
                    "created_at": now,
                },
            )
            for i in range(n)
        ]
        for table, rows in (
            (Material.__table__, materials),
            (Strain.__table__, strains),
            (Lot.__table__, lots),
            (Barcode.__table__, [{"value": c, "owner": "item"} for c in codes]),
            (Item.__table__, [{k: v for k, v in i.items() if k != "id"} for i in items]),
        ):
            insert_many(connection, table, rows)


def raw_export(engine: Engine, out: Path) -> int:
    """The strains' columns selected with Core and written as a zipped TSV: the floor under
    any export of them."""
    query = (
        select(
            Material.id,
            Material.accession_number,
            Material.taxon_name,
            Material.designation,
            Material.origin_country,
            Material.origin_site,
            Material.collection_date,
            Material.latitude,
            Material.longitude,
            Material.collector,
        )
        .join(Collection)
        .where(Collection.code == "EXP")
        .order_by(Material.accession_number)
    )
    count = 0
    with (
        engine.connect() as connection,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("occurrence.txt", "w") as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as text,
    ):
        writer = csv.writer(text, delimiter="\t", lineterminator="\n")
        for record in connection.execution_options(yield_per=1000).execute(query):
            writer.writerow(record)
            count += 1
    return count


def export_figures(backend: str, engine: Engine, folder: Path, n: int) -> None:
    add_strains(engine, n)
    started = time.perf_counter()
    with unit_of_work(session_factory(engine), write=False) as db:
        count = dwca.export(db, "EXP", (folder / "dwca.zip").open("wb"))
    service_s = time.perf_counter() - started
    with zipfile.ZipFile(folder / "dwca.zip") as archive:
        lines = archive.read("occurrence.txt").count(b"\n")
    assert count == n and lines == n + 1, (count, lines)
    started = time.perf_counter()
    assert raw_export(engine, folder / "raw.zip") == n
    raw_s = time.perf_counter() - started
    row(
        backend,
        f"export {n:,} strains as a Darwin Core Archive vs raw select to zip",
        f"{service_s:.1f} s",
        f"{raw_s:.1f} s",
        service_s / raw_s,
        f"{n / service_s:,.0f} records/s (target: under 10 s)",
    )


def main() -> None:
    n_rows = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    print(f"{'backend':<11} {'figure':<60} {'value':>12} {'baseline':>12} {'ratio':>8}")
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-import-"))
    run("sqlite", f"sqlite:///{folder}", folder, n_rows, postgres=False)
    postgres = postgres_url()
    if postgres:
        run("postgresql", postgres, folder, n_rows, postgres=True)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
