"""Benchmarks of the living collections (`make bench`): the due list of a whole facility for an
admin (its first page with the counts by kind, as the page and the API answer, and the whole
list, as the daily digest makes it), and an animal's pedigree ten generations deep, each beside
a raw select measured in the same run, on SQLite and (when BIOREPO_BENCH_POSTGRES_URL is set)
PostgreSQL.

The facility is the core benchmark's inventory (tests.bench.core.build, BENCH_ITEMS items) with
an animal colony built beside it by bulk inserts: BENCH_ANIMALS animals of ten lines over twelve
generations, each generation weaned from litters of matings of the one before, the older
generations mostly gone; the living ones in cages of five. Today's breeding is under way:
active matings with plug checks and litters not yet weaned, animals on study weighed weekly,
and a protocol about to expire. BENCH_PROFILE=1 adds a profile of one first page and one whole
due list on stderr."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection, Engine, Row, func, select, text

from repository.db import session_factory, unit_of_work
from repository.models import (
    Animal,
    Barcode,
    BodyWeight,
    Item,
    Litter,
    Lot,
    Material,
    Mating,
    PlugCheck,
    Protocol,
    StorageUnit,
)
from repository.services import colonies, due
from repository.services.accounts import Principal
from repository.sql import insert_many
from repository.vocabulary import Role
from tests.bench.core import NOW, build, fresh, postgres_url, row, unique_codes

LINES = 10
GENERATIONS = 12  # the living animals of the last one have ten generations of ancestors
GENERATION_DAYS = 91
PUPS = 8  # weaned from a litter
LITTERS_PER_MATING = 2
CAGE = 5  # animals to a cage
CAGES_PER_RACK = 100
LIVING_GENERATIONS = 3  # the last ones are alive; of the older ones, a tenth
ON_STUDY = 0.05  # of the animals: weighed weekly for eight weeks
PEDIGREE_DEPTH = 10
PAGE = 50  # the API's first page of the due list
TODAY = NOW.date()
ADMIN = Principal(user_id=-1, roles=frozenset({Role.ADMIN}))

T = TypeVar("T")


# --- building ----------------------------------------------------------------------------------


class Colony:
    """The rows of an animal colony, numbered after what the database holds already."""

    def __init__(self, connection: Connection, rng: random.Random) -> None:
        self.rng = rng

        def top(column: Any) -> int:
            return connection.scalar(select(func.coalesce(func.max(column), 0)))

        self.next_unit, self.next_lot, self.next_item = (
            top(StorageUnit.id),
            top(Lot.id),
            top(Item.id),
        )
        self.site = connection.scalar(select(StorageUnit.id).where(StorageUnit.kind == "site"))
        self.lines = list(
            connection.scalars(
                select(Material.id)
                .where(Material.kind == "animal_line")
                .order_by(Material.id)
                .limit(LINES)
            )
        )
        self.lot_numbers = dict(
            connection.execute(
                select(Lot.material_id, func.max(Lot.number))
                .where(Lot.material_id.in_(self.lines))
                .group_by(Lot.material_id)
            ).all()
        )
        self.taken = set(connection.scalars(select(Barcode.value)))
        self.codes: list[str] = []
        self.units: list[dict] = []
        self.lots: list[dict] = []
        self.items: list[dict] = []
        self.animals: list[dict] = []
        self.matings: list[dict] = []
        self.litters: list[dict] = []
        self.plug_checks: list[dict] = []
        self.weights: list[dict] = []
        self.protocols = [
            protocol(1, "AWP-2023-001", date(2023, 1, 2), date(2028, 1, 1)),
            protocol(2, "AWP-2023-017", date(2023, 2, 6), TODAY + timedelta(days=20)),
            protocol(3, "AWP-2021-004", date(2021, 3, 1), date(2024, 3, 1)),
        ]

    def code(self) -> str:
        """A barcode no item or storage unit has."""
        if not self.codes:
            fresh_codes = unique_codes(self.rng, 10_000)
            self.codes = [c for c in fresh_codes if c not in self.taken]
            self.taken.update(self.codes)
        return self.codes.pop()

    def unit(self, kind: str, name: str, parent: int | None, slot: int, **extra: Any) -> int:
        """A new storage unit; its id."""
        self.next_unit += 1
        self.units.append(
            {
                "id": self.next_unit,
                "barcode": self.code(),
                "barcode_owner": "storage",
                "kind": kind,
                "name": name,
                "parent_id": parent,
                "slot": slot,
                "capacity": None,
                "occupied": 0,
                "free_run": extra["rows"] * extra["cols"] if "rows" in extra else None,
                **extra,
            }
        )
        return self.next_unit

    def lot(self, line: int, on: date, pups: int, generation: str | None) -> int:
        """A new live lot of a line (the pups of a litter, weaned on `on`); its id."""
        self.next_lot += 1
        self.lot_numbers[line] = self.lot_numbers.get(line, 0) + 1
        self.lots.append(
            {
                "id": self.next_lot,
                "material_id": line,
                "number": self.lot_numbers[line],
                "method": "live",
                "preserved_on": on,
                "generation": generation,
                "initial_quantity": pups,
                "unit": "animal",
            }
        )
        return self.next_lot

    def animal(
        self,
        lot: int,
        born_on: date,
        generation: int,
        parents: tuple[int, int] | tuple[None, None],
        litter: int | None,
    ) -> dict:
        """A new animal (its item and animals row): alive if of the last generations or one in
        ten of the older ones, else euthanised; one in twenty on study, weighed."""
        self.next_item += 1
        living = generation >= GENERATIONS - LIVING_GENERATIONS or self.rng.random() < 0.1
        gone_on = min(born_on + timedelta(days=self.rng.randint(60, 250)), TODAY)
        self.items.append(
            {
                "id": self.next_item,
                "barcode": self.code(),
                "barcode_owner": "item",
                "lot_id": lot,
                "form": "animal",
                "quantity": 1,
                "unit": "animal",
                "status": "available" if living else "destroyed",
                "container_id": None,
                "created_at": NOW,
            }
        )
        animal = {
            "item_id": self.next_item,
            "sex": self.rng.choice(("female", "male")),
            "birth_date": born_on,
            "sire_id": parents[0],
            "dam_id": parents[1],
            "generation": f"F{generation}" if generation else None,
            "protocol_id": 1,
            "litter_id": litter,
            "exit": None if living else "euthanasia",
            "exit_on": None if living else gone_on,
        }
        self.animals.append(animal)
        if self.rng.random() < ON_STUDY:
            self.weigh(self.next_item, TODAY if living else gone_on)
        return animal

    def weigh(self, item: int, last: date) -> None:
        """Eight weekly weights, the last one up to 13 days before `last`."""
        last -= timedelta(days=self.rng.randint(0, 13))
        grams = self.rng.uniform(20, 30)
        for week in range(8):
            self.weights.append(
                {
                    "item_id": item,
                    "weighed_on": last - timedelta(days=7 * (7 - week)),
                    "grams": round(grams * (1 + 0.01 * week), 2),
                    "condition_score": 3,
                    "created_at": NOW,
                }
            )

    def mating(
        self, line: int, sire: dict, dam: dict, set_up_on: date, retired_on: date | None
    ) -> int:
        """A new pair mating, active unless `retired_on` is given; its id."""
        self.matings.append(
            {
                "id": len(self.matings) + 1,
                "line_id": line,
                "sire_id": sire["item_id"],
                "dam_id": dam["item_id"],
                "second_dam_id": None,
                "type": "natural" if self.rng.random() < 0.9 else "ivf",
                "set_up_on": set_up_on,
                "status": "active" if retired_on is None else "retired",
                "retired_on": retired_on,
                "created_at": NOW,
            }
        )
        return len(self.matings)

    def litter(self, mating: int, dam: dict, born_on: date, pups: int, weaned: bool) -> int:
        """A new litter of `pups` alive (one more born, who died if it was weaned); its id."""
        self.litters.append(
            {
                "id": len(self.litters) + 1,
                "mating_id": mating,
                "dam_id": dam["item_id"],
                "born_on": born_on,
                "born_alive": pups + 1,
                "born_dead": 0,
                "died": 1 if weaned else 0,
                "weaned": pups if weaned else 0,
                "wean_due_on": born_on + timedelta(days=colonies.WEAN_AGE_DAYS),
                "weaned_on": born_on + timedelta(days=colonies.WEAN_AGE_DAYS) if weaned else None,
                "created_at": NOW,
            }
        )
        return len(self.litters)

    def line(self, line: int, per_generation: int) -> list[dict]:
        """The generations of one line; returns the last."""
        born_on = TODAY - timedelta(days=GENERATIONS * GENERATION_DAYS)
        lot = self.lot(line, born_on, per_generation, None)
        last = [self.animal(lot, born_on, 0, (None, None), None) for _ in range(per_generation)]
        for generation in range(1, GENERATIONS):
            born_on = TODAY - timedelta(days=(GENERATIONS - generation) * GENERATION_DAYS)
            males = [a for a in last if a["sex"] == "male"]
            females = [a for a in last if a["sex"] == "female"]
            pups, mating, dam = [], 0, females[0]
            for index, start in enumerate(range(0, per_generation, PUPS)):
                count = min(PUPS, per_generation - start)
                nth = index % LITTERS_PER_MATING
                on = born_on - timedelta(days=25 * (LITTERS_PER_MATING - 1 - nth))
                if nth == 0:
                    sire, dam = self.rng.choice(males), self.rng.choice(females)
                    retired = born_on + timedelta(days=colonies.WEAN_AGE_DAYS)
                    mating = self.mating(line, sire, dam, on - timedelta(days=20), retired)
                litter = self.litter(mating, dam, on, count, weaned=True)
                weaned_on = on + timedelta(days=colonies.WEAN_AGE_DAYS)
                lot = self.lot(line, weaned_on, count, f"F{generation}")
                parents = (sire["item_id"], dam["item_id"])
                pups += [self.animal(lot, on, generation, parents, litter) for _ in range(count)]
            last = pups
        return last

    def breeding(self, line: int, adults: list[dict]) -> None:
        """Today's matings of a line: set up 1 to 70 days ago, the older ones with a litter
        (born 20 days after), the younger ones with a morning's plug check since."""
        males = [a for a in adults if a["sex"] == "male"]
        females = [a for a in adults if a["sex"] == "female"]
        for _ in range(max(1, len(adults) // 20)):
            set_up_on = TODAY - timedelta(days=self.rng.randint(1, 70))
            sire, dam = self.rng.choice(males), self.rng.choice(females)
            mating = self.mating(line, sire, dam, set_up_on, None)
            born_on = set_up_on + timedelta(days=20)
            if born_on < TODAY:
                self.litter(mating, dam, born_on, self.rng.randint(4, 10), weaned=False)
                continue
            plug_on = self.rng.randint(1, 6) if self.rng.random() < 0.3 else None
            day = set_up_on + timedelta(days=1)
            while day < TODAY and plug_on != 0:
                plug_on = plug_on - 1 if plug_on is not None else None
                self.plug_checks.append(
                    {
                        "mating_id": mating,
                        "dam_id": dam["item_id"],
                        "checked_on": day,
                        "plug": plug_on == 0,
                    }
                )
                day += timedelta(days=1)

    def cages(self) -> None:
        """The living animals, five to a cage, a hundred cages to a rack, in an animal room."""
        room = self.unit("room", "Animal room", self.site, 2)
        living = [i for i in self.items if i["status"] == "available"]
        rack = None
        for index, start in enumerate(range(0, len(living), CAGE)):
            if index % CAGES_PER_RACK == 0:
                number = index // CAGES_PER_RACK + 1
                rack = self.unit("rack", f"Rack {number}", room, number)
            inside = living[start : start + CAGE]
            cage = self.unit(
                "cage",
                f"Cage {index + 1}",
                rack,
                index % CAGES_PER_RACK + 1,
                capacity=CAGE,
                occupied=len(inside),
            )
            for item in inside:
                item["container_id"] = cage

    def save(self, connection: Connection) -> None:
        """Insert every row, in the order of the foreign keys."""
        insert_many(
            connection,
            Barcode.__table__,
            [{"value": u["barcode"], "owner": "storage"} for u in self.units]
            + [{"value": i["barcode"], "owner": "item"} for i in self.items],
        )
        insert_many(connection, StorageUnit.__table__, self.units)
        insert_many(connection, Protocol.__table__, self.protocols)
        insert_many(connection, Lot.__table__, self.lots)
        insert_many(connection, Item.__table__, self.items)
        insert_many(connection, Mating.__table__, self.matings)
        insert_many(connection, Litter.__table__, self.litters)
        insert_many(connection, Animal.__table__, self.animals)
        insert_many(connection, PlugCheck.__table__, self.plug_checks)
        insert_many(connection, BodyWeight.__table__, self.weights)
        if connection.dialect.name == "postgresql":
            for table in ("storage_units", "protocols", "lots", "items", "matings", "litters"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        connection.execute(text("ANALYZE"))


def protocol(pid: int, number: str, approved_on: date, expires_on: date) -> dict:
    """A welfare protocol's row, with no limit on its animals."""
    return {
        "id": pid,
        "number": number,
        "title": f"Breeding and phenotyping ({number})",
        "species": "Mus musculus",
        "approved_on": approved_on,
        "expires_on": expires_on,
        "animals_approved": None,
        "animals_used": 0,
    }


def build_colony(engine: Engine, n_animals: int, seed: int = 13) -> dict:
    """An animal colony of about `n_animals` beside the inventory already built."""
    with engine.begin() as connection:
        colony = Colony(connection, random.Random(seed))
        per_generation = max(2 * PUPS, n_animals // (len(colony.lines) * GENERATIONS))
        deep = []
        for line in colony.lines:
            last = colony.line(line, per_generation)
            colony.breeding(line, last)
            deep.append(last[len(last) // 2]["item_id"])
        colony.cages()
        colony.protocols[0]["animals_used"] = len(colony.animals)
        colony.save(connection)
        barcode = connection.scalar(select(Item.barcode).where(Item.id == deep[0]))
    return {
        "animals": len(colony.animals),
        "living": sum(i["status"] == "available" for i in colony.items),
        "lines": len(colony.lines),
        "matings": len(colony.matings),
        "litters": len(colony.litters),
        "weights": len(colony.weights),
        "deep": (deep[0], barcode),
    }


# --- measuring ---------------------------------------------------------------------------------


def median_seconds(action: Callable[[], T], times: int = 5) -> tuple[float, T]:
    """(median seconds of `times` calls after one to warm up, the last call's answer)."""
    answer = action()
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        answer = action()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent), answer


def raw_due(connection: Connection) -> int:
    """The rows the due list's lines are made of, by raw selects: the seed lots holding seeds
    with their latest germination test, the cell line lots held in a collection with a testing
    schedule, and the colony's lines (litters past their weaning date with their line's
    collection, active natural matings with no plug, no litter and no check today, living
    animals last weighed a week ago, protocols expiring within 30 days)."""
    query = text(
        """
        SELECT t.id, coalesce((SELECT max(g.tested_on) FROM germination_tests g
                                WHERE g.lot_id = t.id), t.preserved_on), m.collection_id
          FROM lots t
          JOIN materials m ON m.id = t.material_id JOIN seeds s ON s.id = t.material_id
         WHERE EXISTS (SELECT 1 FROM items i WHERE i.lot_id = t.id
                        AND i.status IN ('available', 'reserved'))
        UNION ALL
        SELECT t.id, t.preserved_on, m.collection_id FROM lots t
          JOIN materials m ON m.id = t.material_id JOIN collections c ON c.id = m.collection_id
         WHERE m.kind = 'cell_line' AND t.quarantined_at IS NULL
           AND (c.qc_every_passages IS NOT NULL OR c.qc_every_months IS NOT NULL)
           AND EXISTS (SELECT 1 FROM items i WHERE i.lot_id = t.id
                        AND i.status NOT IN ('distributed', 'consumed', 'destroyed'))
        UNION ALL
        SELECT l.id, l.wean_due_on, m.collection_id FROM litters l
          JOIN matings g ON g.id = l.mating_id JOIN materials m ON m.id = g.line_id
         WHERE l.weaned_on IS NULL AND l.wean_due_on <= :today
        UNION ALL
        SELECT g.id, g.set_up_on, m.collection_id FROM matings g
          JOIN materials m ON m.id = g.line_id
         WHERE g.status = 'active' AND g.type = 'natural' AND g.set_up_on < :today
           AND NOT EXISTS (SELECT 1 FROM litters l WHERE l.mating_id = g.id)
           AND NOT EXISTS (SELECT 1 FROM plug_checks p WHERE p.mating_id = g.id
                            AND (p.plug OR p.checked_on >= :today))
        UNION ALL
        SELECT i.id, max(w.weighed_on), m.collection_id FROM body_weights w
          JOIN items i ON i.id = w.item_id JOIN lots t ON t.id = i.lot_id
          JOIN materials m ON m.id = t.material_id
         WHERE i.status NOT IN ('distributed', 'consumed', 'destroyed')
         GROUP BY i.id, m.collection_id HAVING max(w.weighed_on) <= :week_ago
        UNION ALL
        SELECT p.id, p.expires_on, NULL FROM protocols p
         WHERE p.expires_on BETWEEN :today AND :soon
        """
    )
    return len(
        connection.execute(
            query,
            {
                "today": TODAY,
                "week_ago": TODAY - timedelta(days=colonies.WEIGH_EVERY_DAYS),
                "soon": TODAY + timedelta(days=colonies.EXPIRY_NOTICE_DAYS),
            },
        ).all()
    )


class DueFigures(NamedTuple):
    """The due list's figures: median seconds of the admin's first page with the counts by kind
    (what the page and the API answer), of the whole list (the digest's), and of the raw selects
    of the rows of its lines; the lines of the list and the rows of the raw selects; and the
    seconds and lines of each source on its own."""

    page_s: float
    list_s: float
    raw_s: float
    lines: int
    raw_lines: int
    sources: dict[str, tuple[float, int]]


def due_figures(engine: Engine) -> DueFigures:
    factory = session_factory(engine)

    def first_page() -> due.Page:
        with unit_of_work(factory, write=False) as session:
            return due.page(session, ADMIN, TODAY, limit=PAGE)

    def service(kinds: set[str] | None = None) -> Callable[[], list[due.DueLine]]:
        def call() -> list[due.DueLine]:
            with unit_of_work(factory, write=False) as session:
                return due.due_list(session, ADMIN, TODAY, kinds)

        return call

    page_s, page = median_seconds(first_page)
    list_s, lines = median_seconds(service())
    whole = Counter(line.kind for line in lines)
    assert page.lines == lines[:PAGE]
    assert all(n == whole[k] or (k in page.more and n < whole[k]) for k, n in page.counts.items())
    with engine.connect() as connection:
        raw_s, raw_lines = median_seconds(lambda: raw_due(connection))
    sources = {}
    for kind in due.SOURCES:
        seconds, found = median_seconds(service({kind}), times=3)
        sources[kind] = (seconds, len(found))
    if os.environ.get("BENCH_PROFILE"):
        profile(first_page)
        profile(service())
    return DueFigures(page_s, list_s, raw_s, len(lines), raw_lines, sources)


def profile(action: Callable[[], object]) -> None:
    """The functions one call spends its time in, on stderr."""
    profiler = cProfile.Profile()
    profiler.runcall(action)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(25)
    print(out.getvalue(), file=sys.stderr, flush=True)


def raw_ancestors(connection: Connection, start: int, depth: int) -> list[Row]:
    """The items that are an animal's ancestors up to `depth` generations, nearest first, by
    one recursive select."""
    rows = connection.execute(
        text(
            """
            WITH RECURSIVE up(id, distance) AS (
                SELECT CAST(:start AS INTEGER), 0
                UNION
                SELECT CASE WHEN k.n = 0 THEN a.sire_id ELSE a.dam_id END, up.distance + 1
                  FROM up JOIN animals a ON a.item_id = up.id
                 CROSS JOIN (SELECT 0 AS n UNION ALL SELECT 1) k
                 WHERE up.distance < :depth
            )
            SELECT i.* FROM items i
              JOIN (SELECT id, min(distance) AS distance FROM up
                     WHERE id IS NOT NULL AND distance > 0 GROUP BY id) x ON x.id = i.id
             ORDER BY x.distance, i.id
            """
        ),
        {"start": start, "depth": depth},
    ).all()
    return list(rows)


def pedigree_figures(engine: Engine, deep: tuple[int, str]) -> tuple[float, float, int, int]:
    """(median seconds of the pedigree service, of the raw recursive select of the same
    ancestors, the ancestors found, the generations they span)."""
    factory = session_factory(engine)
    item_id, barcode = deep

    def service() -> dict[str, Any]:
        with unit_of_work(factory, write=False) as session:
            return colonies.pedigree(session, barcode, PEDIGREE_DEPTH)

    service_s, found = median_seconds(service)
    ancestors: list[colonies.Relative] = found["ancestors"]
    with engine.connect() as connection:
        raw_s, raw = median_seconds(lambda: raw_ancestors(connection, item_id, PEDIGREE_DEPTH))
    assert [r.item.id for r in ancestors] == [r.id for r in raw]
    return service_s, raw_s, len(ancestors), max(r.distance for r in ancestors)


# --- reporting ---------------------------------------------------------------------------------


def run(backend: str, url: str, n_items: int, n_animals: int, postgres: bool) -> None:
    started = time.perf_counter()
    engine, _ = fresh(url, "bench_living" if postgres else None)
    built = build(engine, n_items)
    colony = build_colony(engine, n_animals)
    print(
        f"{backend:<11} built {built['items']:,} items and {colony['animals']:,} animals "
        f"({colony['living']:,} living) of {colony['lines']} lines, {colony['matings']:,} "
        f"matings, {colony['litters']:,} litters, {colony['weights']:,} body weights in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    figures = due_figures(engine)
    row(
        backend,
        f"due list, admin's first page of {PAGE} + counts ({figures.lines:,} lines) vs raw "
        f"selects ({figures.raw_lines:,} rows)",
        f"{figures.page_s * 1e3:.1f} ms",
        f"{figures.raw_s * 1e3:.2f} ms",
        figures.page_s / figures.raw_s,
        "target < 200 ms",
    )
    row(
        backend,
        f"due list, admin's whole list (the digest's, {figures.lines:,} lines) vs raw selects",
        f"{figures.list_s * 1e3:.1f} ms",
        f"{figures.raw_s * 1e3:.2f} ms",
        figures.list_s / figures.raw_s,
        "",
    )
    print(
        f"{backend:<11}   by source (whole list): "
        + ", ".join(
            f"{kind} {seconds * 1e3:.1f} ms ({count:,} lines)"
            for kind, (seconds, count) in figures.sources.items()
        ),
        flush=True,
    )
    service_s, raw_s, ancestors, generations = pedigree_figures(engine, colony["deep"])
    row(
        backend,
        f"pedigree, {ancestors:,} ancestors over {generations} generations, vs recursive CTE",
        f"{service_s * 1e3:.1f} ms",
        f"{raw_s * 1e3:.2f} ms",
        service_s / raw_s,
        "target < 50 ms",
    )
    engine.dispose()


def main() -> None:
    n_items = int(os.environ.get("BENCH_ITEMS", "1000000"))
    n_animals = int(os.environ.get("BENCH_ANIMALS", "100000"))
    print(f"{'backend':<11} {'figure':<60} {'value':>12} {'baseline':>12} {'ratio':>8}")
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-"))
    run("sqlite", f"sqlite:///{folder / 'living.db'}", n_items, n_animals, postgres=False)
    postgres = postgres_url()
    if postgres:
        run("postgresql", postgres, n_items, n_animals, postgres=True)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
