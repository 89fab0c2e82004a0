"""Benchmark of bulk registration (`make bench`): a CSV of 100,000 items with their boxes and
positions (1,000 new materials, a lot each) imported, validated, audited and committed, beside
a raw SQLAlchemy Core insert of the same rows into the same schema, in the same run; on SQLite
and (when BIOREPO_BENCH_POSTGRES_URL is set) PostgreSQL. BENCH_IMPORT_ROWS changes the size.

Beside the times, how much the process's peak memory grew during the import: the importer keeps
neither the rows nor their audit entries (on SQLite the figure includes SQLite's own page cache,
up to 64 MiB)."""

from __future__ import annotations

import csv
import gc
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, func, insert, select

from repository.db import session_factory, unit_of_work
from repository.exchange.bulk import Options, import_tables
from repository.models import Barcode, Collection, Item, Lot, Material, StorageUnit, Strain
from repository.services import collections, storage
from tests.bench.core import fresh, row, unique_codes
from tests.databases import drop_schema

BOX = 10
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
        collections.create_collection(
            db, {"code": "BEN", "name": "Bench", "kind": "culture_collection"}
        )
        site = storage.create_unit(db, {"kind": "site", "name": "Site"})
        room = storage.create_unit(db, {"kind": "room", "name": "Room"}, site)
        boxes: list[str] = []
        needed = -(-n_rows // (BOX * BOX))
        while len(boxes) < needed:
            freezer = storage.create_unit(
                db, {"kind": "freezer", "name": "Freezer", "temperature_c": -80}, room
            )
            for r in range(10):
                rack = storage.create_unit(db, {"kind": "rack", "name": f"Rack {r}"}, freezer)
                for b in range(10):
                    if len(boxes) < needed:
                        unit = storage.create_unit(
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


def raw_insert(engine: Engine, path: Path, boxes: dict[str, str]) -> float:
    """Seconds to insert the file's rows with plain Core executemany: materials, strains, lots,
    barcodes and items, one transaction; the rows are built before the clock starts."""
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
    started = time.perf_counter()
    with engine.begin() as connection:
        for model, rows in (
            (Material, materials),
            (Strain, strains),
            (Lot, lots),
            (Barcode, codes),
            (Item, items),
        ):
            connection.execute(insert(model.__table__), rows)
    return time.perf_counter() - started


def run(backend: str, url: str, folder: Path, n_rows: int, postgres: bool) -> None:
    service_engine, _ = fresh(
        url if postgres else f"{url}/import.db", "bench_import" if postgres else None
    )
    raw_engine, _ = fresh(url if postgres else f"{url}/raw.db", "bench_raw" if postgres else None)
    boxes = prepare(service_engine, n_rows)
    twins = dict(zip(boxes, prepare(raw_engine, n_rows), strict=True))
    path = folder / "items.csv"
    write_csv(path, boxes, n_rows, {*boxes, *twins.values()})  # free in both databases
    gc.collect()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with unit_of_work(session_factory(service_engine)) as session:
        outcome = import_tables(session, [path], Options("BEN"))
    service_s = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024  # KiB on Linux
    assert outcome.items == n_rows and outcome.report.ok
    with service_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Item)) == n_rows
    raw_s = raw_insert(raw_engine, path, twins)
    row(
        backend,
        f"import {n_rows:,} items (CSV, validated, audited) vs raw Core insert",
        f"{n_rows / service_s:,.0f}/s",
        f"{n_rows / raw_s:,.0f}/s",
        service_s / raw_s,
        f"{service_s:.1f} s vs {raw_s:.1f} s; peak memory +{grown:.0f} MiB"
        f" for a {path.stat().st_size / 2**20:.0f} MiB file",
    )
    service_engine.dispose()
    raw_engine.dispose()
    if postgres:
        for schema in ("bench_import", "bench_raw"):
            drop_schema(url, schema)


def main() -> None:
    n_rows = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    print(f"{'backend':<11} {'figure':<60} {'value':>12} {'baseline':>12} {'ratio':>8}")
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-import-"))
    run("sqlite", f"sqlite:///{folder}", folder, n_rows, postgres=False)
    postgres = os.environ.get("BIOREPO_BENCH_POSTGRES_URL")
    if postgres:
        run("postgresql", postgres, folder, n_rows, postgres=True)
    else:
        print("postgresql  skipped: set BIOREPO_BENCH_POSTGRES_URL", file=sys.stderr)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
