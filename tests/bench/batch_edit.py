"""Benchmark of batch edits (`make bench`): in the core benchmark's inventory (tests.bench.core.
build, BENCH_ITEMS items in 10x10 boxes), the 10,000 items of the first freezer (100 full
boxes) found by an item search and marked missing with a note — the preview, the commit (every
item out of its place, a `moved` and a `missing` event each, the audit of every item, the batch
and its rows) and the undo (every item back in its place) — each beside a raw baseline measured
in the same run: the bare Core statements that read or write the same rows (the SELECT a preview
needs; one UPDATE of the 10,000 rows; an UPDATE per row putting each back), with no rules,
events, audit or batch. Then the materials of one collection (a fifth of them, 4,000 at the
default size) found by a material search and made restricted with a remark — preview, commit
(the audit and an event of each, the batch and its rows), undo — beside the same kind of raw
baseline."""

from __future__ import annotations

import statistics
import time

from sqlalchemy import Engine, bindparam, select, text

from repository.db import session_factory, unit_of_work
from repository.models import Item, ItemBatch, Material, StorageUnit
from repository.schemas.batch_edits import BatchEdit, Changes, Undo
from repository.schemas.material_batch_edits import MaterialBatchEdit, MaterialSearch
from repository.schemas.search import ItemSearch
from repository.services import batch_edits, material_batch_edits
from repository.services.accounts import Principal
from repository.services.storage import subtree
from repository.vocabulary import AccessLevel, ItemStatus, Role, StorageKind
from tests.bench.core import built, on_each_backend, row

WHO = Principal(user_id=None, roles=frozenset({Role.TECHNICIAN}))
CURATOR = Principal(user_id=None, roles=frozenset({Role.CURATOR}), curated=frozenset({1}))
COLLECTION = "B1"  # the bench's first collection (id 1): a fifth of its materials
PREVIEWS = 3  # previews timed (the median is reported)
RAW_READ = text(
    "SELECT id, barcode, status, quantity, unit FROM items WHERE container_id IN :units"
).bindparams(bindparam("units", expanding=True))
RAW_UPDATE = text(
    "UPDATE items SET status = 'missing', container_id = NULL, row = NULL, col = NULL, "
    "grid_rows = NULL, grid_cols = NULL WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))
RAW_MATERIALS = text(
    "SELECT m.id, m.accession_number, m.access_level, m.remarks, c.code FROM materials m "
    "JOIN collections c ON c.id = m.collection_id WHERE c.code = :code"
)
RAW_RESTRICT = text(
    "UPDATE materials SET access_level = 'restricted', remarks = :remarks WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))
RAW_REOPEN = text("UPDATE materials SET access_level = 'open', remarks = NULL WHERE id = :id")
RAW_BACK = text(
    "UPDATE items SET status = 'available', container_id = :container_id, row = :row, "
    "col = :col, grid_rows = :grid_rows, grid_cols = :grid_cols WHERE id = :id"
)


def first_freezer(engine: Engine) -> tuple[str, list[int], list[dict]]:
    """The first freezer's barcode, the ids of the units under it, and the places of its
    items (to put them back by hand)."""
    with engine.connect() as connection:
        code, freezer = connection.execute(
            select(StorageUnit.barcode, StorageUnit.id)
            .where(StorageUnit.kind == StorageKind.FREEZER)
            .order_by(StorageUnit.id)
            .limit(1)
        ).one()
        units = list(connection.scalars(subtree(freezer)))
        places = [
            dict(r._mapping)
            for r in connection.execute(
                select(
                    Item.id, Item.container_id, Item.row, Item.col, Item.grid_rows, Item.grid_cols
                ).where(Item.container_id.in_(units))
            )
        ]
    return code, units, places


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(engine: Engine) -> dict[str, tuple[float, float, int]]:
    """Seconds of the service and of its raw baseline, and the items, of each figure."""
    code, units, places = first_freezer(engine)
    ids = [p["id"] for p in places]
    factory = session_factory(engine)
    command = BatchEdit(
        search=ItemSearch(container=code),
        changes=Changes(status=ItemStatus.MISSING, note="Freezer F001 failed"),
    )

    def preview() -> None:
        with unit_of_work(factory, write=False) as db:
            shown = batch_edits.preview(db, WHO, command)
            assert shown.updated == len(ids), (shown.updated, len(ids))

    def raw_read() -> None:
        with engine.connect() as connection:
            assert len(connection.execute(RAW_READ, {"units": units}).all()) == len(ids)

    made: list[int] = []

    def commit() -> None:
        with unit_of_work(factory) as db:
            made.append(batch_edits.commit(db, WHO, command).id)

    def raw_commit() -> None:
        with engine.begin() as connection:
            connection.execute(RAW_UPDATE, {"ids": ids})

    def undo() -> None:
        with unit_of_work(factory) as db:
            batch = batch_edits.undo(db, WHO, made[-1], Undo())
            assert batch.undone == len(ids), batch.undone

    def raw_undo() -> None:
        with engine.begin() as connection:
            connection.execute(RAW_BACK, places)

    preview(), raw_read()  # warm the caches alike
    previews = statistics.median(timed(preview) for _ in range(PREVIEWS))
    reads = statistics.median(timed(raw_read) for _ in range(PREVIEWS))
    raw_written, raw_back = timed(raw_commit), timed(raw_undo)
    written, back = timed(commit), timed(undo)
    with unit_of_work(factory, write=False) as db:
        batch = db.get(ItemBatch, made[-1])
        assert batch is not None and batch.undone == len(ids)
    return {
        "preview": (previews, reads, len(ids)),
        "commit": (written, raw_written, len(ids)),
        "undo": (back, raw_back, len(ids)),
    }


def measure_materials(engine: Engine) -> dict[str, tuple[float, float, int]]:
    """Seconds of the service and of its raw baseline, and the materials, of each figure of
    a batch edit of one collection's materials."""
    with engine.connect() as connection:
        ids = list(connection.scalars(select(Material.id).where(Material.collection_id == 1)))
    factory = session_factory(engine)
    remark = "Restricted pending the 2027 review."
    command = MaterialBatchEdit(
        search=MaterialSearch(collection=COLLECTION),
        changes={"access_level": AccessLevel.RESTRICTED, "remarks": remark},
    )

    def preview() -> None:
        with unit_of_work(factory, write=False) as db:
            shown = material_batch_edits.preview(db, CURATOR, command)
            assert shown.updated == len(ids), (shown.updated, len(ids))

    def raw_read() -> None:
        with engine.connect() as connection:
            found = connection.execute(RAW_MATERIALS, {"code": COLLECTION}).all()
            assert len(found) == len(ids)

    made: list[int] = []

    def commit() -> None:
        with unit_of_work(factory) as db:
            made.append(material_batch_edits.commit(db, CURATOR, command).id)

    def raw_commit() -> None:
        with engine.begin() as connection:
            connection.execute(RAW_RESTRICT, {"ids": ids, "remarks": remark})

    def undo() -> None:
        with unit_of_work(factory) as db:
            batch = material_batch_edits.undo(db, CURATOR, made[-1], Undo())
            assert batch.undone == len(ids), batch.undone

    def raw_undo() -> None:
        with engine.begin() as connection:
            connection.execute(RAW_REOPEN, [{"id": i} for i in ids])

    preview(), raw_read()  # warm the caches alike
    previews = statistics.median(timed(preview) for _ in range(PREVIEWS))
    reads = statistics.median(timed(raw_read) for _ in range(PREVIEWS))
    raw_written, raw_back = timed(raw_commit), timed(raw_undo)
    written, back = timed(commit), timed(undo)
    return {
        "preview": (previews, reads, len(ids)),
        "commit": (written, raw_written, len(ids)),
        "undo": (back, raw_back, len(ids)),
    }


TARGETS = {"preview": "target < 2 s", "commit": "target < 5 s", "undo": "target < 5 s"}


def run(backend: str, url: str, n_items: int, postgres: bool) -> None:
    engine, _, _ = built(backend, url, "bench_batch" if postgres else None, n_items)
    for figure, (value, raw, count) in measure(engine).items():
        row(
            backend,
            f"batch edit of {count:,} items (status missing): {figure}",
            f"{value:.2f} s",
            f"{raw * 1e3:.0f} ms",
            value / raw,
            TARGETS[figure],
        )
    for figure, (value, raw, count) in measure_materials(engine).items():
        row(
            backend,
            f"batch edit of {count:,} materials (restricted, remark): {figure}",
            f"{value:.2f} s",
            f"{raw * 1e3:.0f} ms",
            value / raw,
            TARGETS[figure],
        )
    engine.dispose()


def main() -> None:
    on_each_backend(run, "batch.db")


if __name__ == "__main__":
    main()
