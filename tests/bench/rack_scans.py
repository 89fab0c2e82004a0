"""Benchmark of stocktaking with a rack scanner (`make bench`): a rack file of 96 positions
read and verified against its box in the core benchmark's inventory (tests.bench.core.build,
BENCH_ITEMS items in 10x10 boxes), beside a raw baseline measured in the same run: the two
indexed selects a comparison needs (the box's items, the items of the codes read), with
nothing else. Each rack read has two tubes swapped, one tube from another box, one unknown code
and one NO READ; the box's positions beyond the 96 read are expected but missing."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, bindparam, select, text

from repository.db import session_factory, unit_of_work
from repository.exchange.rack_scans import read_rack_file
from repository.models import Item, StorageUnit
from repository.models.storage import position_label
from repository.services import stocktaking
from repository.vocabulary import StorageKind
from tests.bench.core import build, fresh, latencies, postgres_url, row

RACKS = 50  # boxes verified, each once (the median is reported)
READ = 96  # positions of a 96-rack reader's file
RAW = text("SELECT id, barcode, row, col, status FROM items WHERE container_id = :box").bindparams()
RAW_CODES = text(
    "SELECT id, barcode, container_id, row, col, status FROM items WHERE barcode IN :codes"
).bindparams(bindparam("codes", expanding=True))


def rack_files(engine: Engine, rng: random.Random) -> dict[str, bytes]:
    """For RACKS full boxes, the file a reader would write of it (as the module says)."""
    with engine.connect() as connection:
        boxes = connection.execute(
            select(StorageUnit.id, StorageUnit.barcode)
            .where(StorageUnit.kind == StorageKind.BOX, StorageUnit.occupied == 100)
            .order_by(StorageUnit.id)
            .limit(RACKS + 1)
        ).all()
        held = {
            box.barcode: connection.execute(
                select(Item.barcode, Item.row, Item.col)
                .where(Item.container_id == box.id)
                .order_by(Item.row, Item.col)
            ).all()
            for box in boxes
        }
    stranger = held[boxes[-1].barcode][0].barcode
    files = {}
    for box in boxes[:-1]:
        cells = [[position_label(r.row, r.col), r.barcode] for r in held[box.barcode]]
        cells = cells[:READ]
        a, b = rng.sample([i for i in range(READ) if i not in (3, 7, 11)], 2)
        cells[a][1], cells[b][1] = cells[b][1], cells[a][1]
        cells[3][1], cells[7][1], cells[11][1] = stranger, "FR00000001", "NO READ"
        lines = ["Rack,Position,Tube"] + [f"{box.barcode},{p},{t}" for p, t in cells]
        files[box.barcode] = "\n".join(lines).encode()
    return files


def measure(engine: Engine) -> tuple[float, float, float]:
    """Median seconds: the service's verify (file read, box checked, compared), the verify of
    parsed scans alone, and the raw baseline."""
    files = rack_files(engine, random.Random(5))
    factory = session_factory(engine)

    def full(code: str) -> None:
        with unit_of_work(factory, write=False) as db:
            box = stocktaking.rack_box(db, code)
            rack = read_rack_file(files[code], box.rows or 0, box.cols or 0)
            stocktaking.check_rack(db, box, rack)
            comparison = stocktaking.verify(db, box, rack.scans)
            assert comparison.counts["moved"] == 2, comparison.counts

    parsed = {code: read_rack_file(data, 10, 10).scans for code, data in files.items()}

    def verify_only(code: str) -> None:
        with unit_of_work(factory, write=False) as db:
            box = db.scalar(select(StorageUnit).where(StorageUnit.barcode == code))
            assert box is not None
            stocktaking.verify(db, box, parsed[code])

    def raw(code: str) -> None:
        with engine.connect() as connection:
            box = connection.execute(
                text("SELECT id FROM storage_units WHERE barcode = :code"), {"code": code}
            ).scalar_one()
            connection.execute(RAW, {"box": box}).all()
            codes = [s.tube for s in parsed[code] if s.tube]
            connection.execute(RAW_CODES, {"codes": codes}).all()

    codes = list(files)
    for action in (full, verify_only, raw):  # warm the caches alike
        action(codes[0])
    return latencies(full, codes), latencies(verify_only, codes), latencies(raw, codes)


def run(backend: str, url: str, n_items: int, postgres: bool) -> None:
    started = time.perf_counter()
    engine, url = fresh(url, "bench_racks" if postgres else None)
    built = build(engine, n_items)
    print(
        f"{backend:<11} built {built['items']:,} items in {built['boxes']:,} boxes in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    full, verify_only, raw = measure(engine)
    for figure, value in (
        (f"rack scan: {READ}-tube file read + verify", full),
        (f"rack scan: {READ}-tube verify (scans parsed)", verify_only),
    ):
        row(
            backend,
            figure,
            f"{value * 1e3:.1f} ms",
            f"{raw * 1e3:.2f} ms",
            value / raw,
            "target < 100 ms",
        )
    engine.dispose()


def main() -> None:
    n_items = int(os.environ.get("BENCH_ITEMS", "1000000"))
    print(f"{'backend':<11} {'figure':<60} {'value':>12} {'baseline':>12} {'ratio':>8}")
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-"))
    run("sqlite", f"sqlite:///{folder / 'racks.db'}", n_items, postgres=False)
    postgres = postgres_url()
    if postgres:
        run("postgresql", postgres, n_items, postgres=True)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
