"""Benchmark of stocktaking with a rack scanner (`make bench`): a rack file of 96 positions
read and verified against its box in the core benchmark's inventory (tests.bench.core.build,
BENCH_ITEMS items in 10x10 boxes), beside a raw baseline measured in the same run: the two
indexed selects a comparison needs (the box's items, the items of the codes read), with
nothing else. Each rack read has two tubes swapped, one tube from another box, one unknown code
and one NO READ; the box's positions beyond the 96 read are expected but missing.

Beside them, a full freezer's stocktaking (100 boxes of about 96 tubes): verified from a hand
scanner's list of codes and from its boxes' 100 rack files, beside a raw baseline of the two
selects it needs (the freezer's items through a recursive select, the items of the codes read),
and one apply of it (two tubes swapped across boxes, two missing) with history."""

from __future__ import annotations

import random
import time

from sqlalchemy import Engine, bindparam, select, text

from repository.db import session_factory, unit_of_work
from repository.exchange.rack_scans import read_rack_file
from repository.models import Item, StorageUnit
from repository.models.storage import position_label
from repository.services import stocktaking
from repository.vocabulary import StorageKind
from tests.bench.core import built, latencies, on_each_backend, row

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


FREEZER_RUNS = 5  # verifies of the freezer (the median is reported)
RAW_FREEZER = text(
    "WITH RECURSIVE down(id) AS (SELECT id FROM storage_units WHERE id = :unit UNION ALL"
    " SELECT s.id FROM storage_units s JOIN down ON s.parent_id = down.id)"
    " SELECT id, barcode, container_id, row, col, status FROM items"
    " WHERE container_id IN (SELECT id FROM down)"
)


def freezer_reads(engine: Engine, freezer: int) -> tuple[str, bytes, list[bytes], list[str]]:
    """A full freezer as a hand scanner reads it (each box's code, then its tubes) and as its
    boxes' rack files: every tube read where it is but two swapped across boxes and two not
    read at all."""
    with engine.connect() as connection:
        code = connection.execute(
            select(StorageUnit.barcode).where(StorageUnit.id == freezer)
        ).scalar_one()
        racks = select(StorageUnit.id).where(StorageUnit.parent_id == freezer)
        held = connection.execute(
            select(StorageUnit.barcode.label("box"), Item.barcode, Item.row, Item.col)
            .join(StorageUnit, StorageUnit.id == Item.container_id)
            .where(StorageUnit.parent_id.in_(racks))
            .order_by(StorageUnit.id, Item.row, Item.col)
        ).all()
    cells = [[r.box, position_label(r.row, r.col), r.barcode] for r in held]
    cells[0][2], cells[-1][2] = cells[-1][2], cells[0][2]  # the first and last boxes swap one
    del cells[len(cells) // 2 : len(cells) // 2 + 2]
    lines: list[str] = []
    files: dict[str, list[str]] = {}
    for box, position, tube in cells:
        if not files.get(box):
            lines.append(box)
        files.setdefault(box, []).append(f"{box},{position},{tube}")
        lines.append(tube)
    listed = "\n".join(lines).encode()
    return code, listed, ["\n".join(f).encode() for f in files.values()], [c[2] for c in cells]


def measure_freezer(engine: Engine, freezer: int) -> dict[str, float]:
    """Median seconds: a freezer's stocktaking verified from a hand scanner's codes and from
    its boxes' rack files (read, checked, compared), and the raw baseline (the freezer's items
    through a recursive select, the items of the codes read); and one apply, with history."""
    code, listed, racks, tubes = freezer_reads(engine, freezer)
    factory = session_factory(engine)

    def verify(codes: bytes | None, files: list[bytes]) -> stocktaking.Comparison:
        with unit_of_work(factory, write=False) as db:
            unit = db.scalar(select(StorageUnit).where(StorageUnit.barcode == code))
            assert unit is not None
            reads = stocktaking.stocktake_reads(db, unit, codes, files)
            return stocktaking.compare(db, unit, reads)

    def raw(_: str) -> None:
        with engine.connect() as connection:
            connection.execute(RAW_FREEZER, {"unit": freezer}).all()
            connection.execute(RAW_CODES, {"codes": tubes}).all()

    counts = verify(listed, []).counts
    assert (counts["moved"], counts["missing"]) == (2, 2), counts
    runs = [code] * FREEZER_RUNS
    figures = {
        "codes": latencies(lambda _: verify(listed, []), runs),
        "racks": latencies(lambda _: verify(None, racks), runs),
        "raw": latencies(raw, runs),
        "items": float(sum(counts.values())),
    }
    started = time.perf_counter()
    with unit_of_work(factory) as db:
        unit = db.scalar(select(StorageUnit).where(StorageUnit.barcode == code))
        assert unit is not None
        reads = stocktaking.stocktake_reads(db, unit, listed, [])
        version = stocktaking.compare(db, unit, reads).version
        stocktaking.apply_reads(db, unit, reads, version, "bench")
    figures["apply"] = time.perf_counter() - started
    return figures


def run(backend: str, url: str, n_items: int, postgres: bool) -> None:
    engine, _, inventory = built(backend, url, "bench_racks" if postgres else None, n_items)
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
    freezer = measure_freezer(engine, inventory["source"])
    items = int(freezer["items"])
    for figure, value in (
        (f"freezer stocktake: {items:,} tubes, codes scanned, verify", freezer["codes"]),
        (f"freezer stocktake: {items:,} tubes, 100 rack files, verify", freezer["racks"]),
        (f"freezer stocktake: {items:,} tubes, apply (4 changes)", freezer["apply"]),
    ):
        row(
            backend,
            figure,
            f"{value * 1e3:.0f} ms",
            f"{freezer['raw'] * 1e3:.1f} ms",
            value / freezer["raw"],
            "no target",
        )
    engine.dispose()


def main() -> None:
    on_each_backend(run, "racks.db")


if __name__ == "__main__":
    main()
