"""Benchmark of the STR similarity search (`make bench`): one query profile against BENCH_STR
(10,000) Cellosaurus reference entries, a fifth of them with sources that disagree, written in
Cellosaurus' text format and imported by the real importer; timed through the service (its
cached index, the results with every allele marked) and through the index alone, beside the
plain Python loop over the same profiles (`search_plain`, the rule one reference at a time),
measured in the same run, on SQLite and (when BIOREPO_BENCH_POSTGRES_URL is set) PostgreSQL."""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from repository.db import session_factory, unit_of_work
from repository.exchange import cellosaurus
from repository.schemas.str_search import StrSearchIn
from repository.services import str_search
from repository.services.accounts import ANONYMOUS
from repository.str_search import Query, search_plain
from tests.bench.core import fresh, postgres_url, row

SOURCES = ["ATCC", "DSMZ", "ECACC", "JCRB", "RCB", "KCLB", "CLS", "Cosmic-CLP", "PubMed=25877200"]
ALLELES = {  # the common alleles of each marker (the variants among them)
    "CSF1PO": "7 8 9 10 11 12 13 14",
    "D2S1338": "16 17 18 19 20 21 22 23 24 25",
    "D3S1358": "13 14 15 16 17 18 19",
    "D5S818": "7 8 9 10 11 12 13 14",
    "D7S820": "7 8 9 10 11 12 13 10.3",
    "D8S1179": "8 10 11 12 13 14 15 16",
    "D13S317": "8 9 10 11 12 13 14 13.3",
    "D16S539": "8 9 10 11 12 13 14",
    "D18S51": "12 13 14 15 16 17 18 19 20",
    "D19S433": "12 13 14 15 16 13.2 14.2 15.2",
    "D21S11": "27 28 29 30 31 32 30.2 31.2 32.2",
    "FGA": "18 19 20 21 22 23 24 25 22.2",
    "Penta D": "8 9 10 11 12 13 14",
    "Penta E": "7 10 11 12 13 14 15 17",
    "TH01": "6 7 8 9 9.3 10",
    "TPOX": "8 9 10 11 12",
    "vWA": "14 15 16 17 18 19",
}
REPEATS = 15


def _alleles(rng: random.Random, marker: str) -> str:
    if marker == "Amelogenin":
        return rng.choice(["X", "X", "X,Y"])
    pool = ALLELES[marker].split()
    return ",".join(sorted(set(rng.choices(pool, k=rng.choice([1, 2, 2, 2, 3]))), key=float))


def entries(rng: random.Random, count: int) -> str:
    """Cellosaurus entries (the text format), each with an STR profile of 9 to 18 markers;
    a fifth of them reported by sources that disagree on one to three markers."""
    lines = []
    for n in range(count):
        markers = ["Amelogenin", *rng.sample(sorted(ALLELES), rng.randint(8, len(ALLELES)))]
        sources = rng.sample(SOURCES, rng.randint(1, 4))
        disputed = set(rng.sample(markers[1:], rng.randint(1, 3))) if rng.random() < 0.2 else set()
        if len(sources) < 2:
            disputed = set()
        lines += [f"ID   Line {n}", f"AC   CVCL_{n:04X}"]
        lines.append(f"ST   Source(s): {'; '.join(sources)}")
        for marker in sorted(markers, key=lambda m: m.upper()):
            if marker in disputed:
                cut = rng.randint(1, len(sources) - 1)
                for group in (sources[:cut], sources[cut:]):
                    lines.append(f"ST   {marker}: {_alleles(rng, marker)} ({'; '.join(group)})")
            else:
                lines.append(f"ST   {marker}: {_alleles(rng, marker)}")
        lines += ["OX   NCBI_TaxID=9606; ! Homo sapiens", "CA   Cancer cell line", "//"]
    return "\n".join(lines) + "\n"


def median_time(action: Callable[[], Any], repeats: int = REPEATS) -> float:
    action()  # warm: caches filled, code paths taken once
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(backend: str, url: str, count: int, postgres: bool) -> None:
    rng = random.Random(29)
    engine, url = fresh(url, "bench_str" if postgres else None)
    factory = session_factory(engine)
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-str-"))
    path = folder / "cellosaurus.txt"
    path.write_text(entries(rng, count), encoding="utf-8")
    started = time.perf_counter()
    with unit_of_work(factory) as db:
        imported, _ = cellosaurus.import_file(db, path)
    imported_s = time.perf_counter() - started
    with unit_of_work(factory, write=False) as db:
        references = str_search.cellosaurus_references(db)
        started = time.perf_counter()
        index = str_search.cellosaurus_index(db)
        built_s = time.perf_counter() - started
    profiles = sum(len(r.profiles) for r in references)
    disputed = sum(1 for r in references if r.conflicted)
    print(
        f"{backend:<11} imported {imported:,} entries ({disputed:,} with sources that disagree, "
        f"{profiles:,} profiles) in {imported_s:.1f} s; index laid out in {built_s:.2f} s",
        flush=True,
    )
    target = rng.choice(references).profiles[0]
    body = {"profile": {m.name: list(m.alleles) for m in target}}
    command = StrSearchIn().load_or_fail(body)
    query = Query.of(command.profile)

    def service() -> None:
        with unit_of_work(factory, write=False) as db:
            found = str_search.search(db, ANONYMOUS, command)
        assert found.results and found.results[0].score == 100.0

    plain_s = median_time(lambda: search_plain(query, references, command.options), 5)
    service_s = median_time(service)
    index_s = median_time(lambda: index.search(query, command.options))
    row(
        backend,
        f"STR search, {count:,} references: service vs plain Python loop",
        f"{service_s * 1e3:.1f} ms",
        f"{plain_s * 1e3:.1f} ms",
        service_s / plain_s,
        "target < 100 ms",
    )
    row(
        backend,
        f"STR search, {count:,} references: index alone vs plain loop",
        f"{index_s * 1e3:.1f} ms",
        f"{plain_s * 1e3:.1f} ms",
        index_s / plain_s,
        "(scores only)",
    )
    loose = StrSearchIn().load_or_fail({**body, "score_filter": 0, "min_markers": 1})
    loose_s = median_time(lambda: _search(factory, loose), 5)
    row(
        backend,
        "  the same, no filter (200 results, every allele marked)",
        f"{loose_s * 1e3:.1f} ms",
        f"{plain_s * 1e3:.1f} ms",
        loose_s / plain_s,
        "target < 100 ms",
    )
    engine.dispose()
    shutil.rmtree(folder)


def _search(factory, command) -> None:
    with unit_of_work(factory, write=False) as db:
        str_search.search(db, ANONYMOUS, command)


def main() -> None:
    count = int(os.environ.get("BENCH_STR", "10000"))
    print(f"{'backend':<11} {'figure':<60} {'value':>12} {'baseline':>12} {'ratio':>8}")
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-"))
    run("sqlite", f"sqlite:///{folder / 'str.db'}", count, postgres=False)
    postgres = postgres_url()
    if postgres:
        run("postgresql", postgres, count, postgres=True)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
