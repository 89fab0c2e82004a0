"""Benchmark of sequence identification (`make bench`): a 1,500-base 16S query identified
against BENCH_REFERENCES (10,000) references, beside aligning it against every one of them in
the same run, which must find the same best hit; on SQLite and (when
BIOREPO_BENCH_POSTGRES_URL is set) PostgreSQL.

The references are synthesised as 16S genes are related: one 1,500-base root mutated into 100
genera (4 % of positions), each into 20 species (1.5 %), each into 5 strains (0.4 %, a tenth
of the changes short indels), their ends trimmed by up to 60 bases as deposited sequences are;
they are imported through the reference-set importer. Each query is a strain's gene with 0.3 %
of its positions changed. The first identification reads the 8-mer profiles from the database
(later ones find them kept by the process), ranks the candidates by shared 8-mers, scores the
best 32 by alignment and traces the best 10 back for their identity."""

from __future__ import annotations

import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, select

from repository.db import session_factory, unit_of_work
from repository.exchange import reference_sets
from repository.models import ReferenceSequence
from repository.schemas.sequences import Identify, ReferenceSetIn
from repository.sequence_search import Comparison, Query, aligner, compare
from repository.services import identification
from repository.services.accounts import Principal
from repository.vocabulary import Role
from tests import synthetic
from tests.bench.core import fresh, postgres_url, row

GENERA, SPECIES = 100, 20  # strains: the rest of BENCH_REFERENCES
QUERIES = 4  # identifications timed: the first, and the median of the others
ADMIN = Principal(user_id=-1, roles=frozenset({Role.ADMIN}))


def references(count: int, rng: random.Random) -> list[synthetic.Reference]:
    strains = max(1, count // (GENERA * SPECIES))
    made = synthetic.references(rng, GENERA, SPECIES, strains, length=1500)[:count]
    return [
        synthetic.Reference(
            r.accession,
            r.taxon,
            r.residues[rng.randint(0, 60) : len(r.residues) - rng.randint(0, 60)],
        )
        for r in made
    ]


def load(engine: Engine, made: list[synthetic.Reference]) -> float:
    """Import the references as a set through the importer; the seconds it took."""
    command = ReferenceSetIn().load_or_fail({"name": "Bench 16S", "marker": "16S rRNA"})
    started = time.perf_counter()
    with unit_of_work(session_factory(engine)) as db:
        count, _ = reference_sets.import_reference_set(
            db, io.StringIO(synthetic.fasta(made)), command, name="bench.fasta"
        )
    assert count == len(made)
    return time.perf_counter() - started


def identify(engine: Engine, query: Query) -> tuple[float, float, identification.Identification]:
    """One identification: its seconds (wall clock, and this process's CPU) and its result."""
    command = Identify(queries=(query,), hits=1)
    started, cpu = time.perf_counter(), time.process_time()
    with unit_of_work(session_factory(engine), write=False) as db:
        (found,) = identification.identify(db, ADMIN, command)
    return time.perf_counter() - started, time.process_time() - cpu, found


def align_all(engine: Engine, query: Query) -> tuple[float, float, str, Comparison, int]:
    """The raw baseline: the query aligned against every reference (residues read first, not
    timed): its seconds (wall clock, and CPU), and the best hit's accession and comparison."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(ReferenceSequence.accession, ReferenceSequence.residues)
        ).all()
    using = aligner()
    started, cpu = time.perf_counter(), time.process_time()
    found = [(compare(query.residues, residues, using), accession) for accession, residues in rows]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    best, accession = max(found, key=lambda f: (f[0].identity, f[0].coverage))
    return seconds, cpu, accession, best, len(rows)


def run(backend: str, url: str, made: list[synthetic.Reference], postgres: bool, baseline) -> None:
    engine, _ = fresh(url, "bench_sequences" if postgres else None)
    loaded = load(engine, made)
    print(f"{backend:<11} imported {len(made):,} references in {loaded:.1f} s", flush=True)
    rng = random.Random(5)
    queries = [
        Query(f"q{n}", synthetic.mutated(rng, rng.choice(made).residues, 0.003), "16S rRNA")
        for n in range(QUERIES)
    ]
    queries[0] = Query("q0", baseline.query, "16S rRNA")
    timed = [identify(engine, q) for q in queries]  # the first reads the profiles
    first, first_cpu, found = timed[0]
    later = statistics.median(s for s, _, _ in timed[1:])
    cpu = statistics.median(c for _, c, _ in timed[1:])
    if baseline.seconds is None:
        baseline.measure(engine, queries[0])
    # the same best hit: its identity, and its accession unless another ties with it
    same = found.best is not None and found.best.comparison.identity == baseline.best.identity
    which = "the same" if same and found.best.accession == baseline.accession else "a tied"
    for when, seconds in (("first, 8-mers read", first), ("later, 8-mers kept", later)):
        row(
            backend,
            f"identify 1,500 b in {len(made):,} refs ({when}) vs align all",
            f"{seconds:.2f} s",
            f"{baseline.seconds:.1f} s",
            seconds / baseline.seconds,
            "target < 2 s",
        )
    print(
        f"{backend:<11}   CPU: identify {first_cpu:.2f} s first, {cpu:.2f} s later; aligning "
        f"all {baseline.cpu:.1f} s; "
        f"best hit {found.best.accession if found.best else None} "
        f"{found.best.comparison.identity if found.best else 0:.2f} % "
        f"({found.verdict.value}; {found.aligned} aligned of {found.searched:,}); aligning all: "
        f"{baseline.accession} {baseline.best.identity:.2f} % of {baseline.count:,}: "
        f"{which + ' best hit' if same else 'ANOTHER BEST HIT'}",
        flush=True,
    )
    engine.dispose()
    if not same:
        sys.exit(1)


class Baseline:
    """Aligning the first query against every reference: measured once, in the first run."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.seconds: float | None = None

    def measure(self, engine: Engine, query: Query) -> None:
        self.seconds, self.cpu, self.accession, self.best, self.count = align_all(engine, query)


def main() -> None:
    count = int(os.environ.get("BENCH_REFERENCES", "10000"))
    rng = random.Random(17)
    made = references(count, rng)
    source = made[len(made) // 3]
    baseline = Baseline(synthetic.mutated(random.Random(3), source.residues, 0.003))
    print(f"{'backend':<11} {'figure':<60} {'value':>12} {'baseline':>12} {'ratio':>8}")
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-"))
    run("sqlite", f"sqlite:///{folder / 'sequences.db'}", made, False, baseline)
    postgres = postgres_url()
    if postgres:
        run("postgresql", postgres, made, True, baseline)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
