"""HTTP benchmark of the write path (`make bench`): registering a material (a strain with one
identifier, its accession number drawn from the collection's pattern) and preserving a lot of 10
vials, through the app under gunicorn (2 workers), beside a minimal Flask app
(tests/bench/write_baseline_app.py: the same rows, audit entries chained, with SQLAlchemy Core)
under the same gunicorn, each on its own copy of the same inventory: both served at once and
measured in turn, BENCH_ROUNDS times, so that the machine's changing load falls on both. Concurrent
keep-alive clients on loopback, in separate processes. Prints requests per second, p50 and p99
latency, and the server's CPU per request: the gunicorn workers' user + system time over the
measured run, read from /proc (the clients' own is not counted), and on PostgreSQL the
database backends' too. SQLite always, PostgreSQL when BIOREPO_BENCH_POSTGRES_URL is set.
BENCH_PROFILE=N then profiles N requests of each kind in process and prints where the CPU goes."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import random
import secrets
import shutil
import signal
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import Engine, text, update

from api import create_app
from repository.db import make_engine, session_factory, unit_of_work
from repository.models import Collection
from repository.services import accounts
from repository.vocabulary import Role
from tests.factories import add_token

from .api import CLIENTS, SECONDS, Request, load, serve
from .core import build, fresh, postgres_url

WORKERS = 2  # what api.serve runs
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PROFILE = int(os.environ.get("BENCH_PROFILE", "0"))  # requests of each kind to profile, if any
PROFILE_LINES = 14
OWN = tuple(str(Path(__file__).resolve().parents[2] / part) for part in ("repository", "api"))
TICK = os.sysconf("SC_CLK_TCK")
MATERIAL = {
    "collection": "B1",  # the bench's culture collection: its materials are strains
    "kind": "strain",
    "designation": "Escherichia coli bench isolate",
    "taxon_name": "Escherichia coli",
    "identifiers": [{"scheme": "DSM", "value": "30083"}],
}
LOT = {
    "method": "glycerol_minus80",
    "preserved_on": "2026-01-05",
    "items": 10,
    "quantity": "1",
    "unit": "ml",
    "form": "cryovial",
}
WHAT = {"material": "register a material", "lot": "preserve a lot of 10"}
APPS = {  # name: (gunicorn app, path prefix)
    "baseline": ("tests.bench.write_baseline_app:create_app()", ""),
    "biorepo": ("api:create_app()", "/api/v1"),
}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes so far (those gone count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def children(parent: int) -> list[int]:
    """The processes whose parent is `parent` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def backends(engine: Engine) -> list[int]:
    """The PostgreSQL server processes of the other connections of the engine's application
    (its URL names it), when the server runs on this machine (none on SQLite)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as connection:
        pids = connection.scalars(
            text(
                "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND application_name = current_setting('application_name')"
            )
        ).all()
    return [pid for pid in pids if Path(f"/proc/{pid}/stat").exists()]


def prepare(url: str, schema: str | None, n_items: int) -> tuple[str, str, list[int]]:
    """A fresh inventory: its URL, a token of a curator of B1 (staff: lots too) and the ids of
    B1's strains."""
    engine, url = fresh(url, schema)
    n_materials = max(5, build(engine, n_items)["items"] // 50)  # as build() makes them
    with engine.begin() as connection:  # numbers drawn from the pattern follow the bench's own
        connection.execute(update(Collection).values(next_seq=n_materials + 1))
    factory = session_factory(engine)
    with unit_of_work(factory) as db:
        accounts.register_user(db, "bench@example.org", "Bench", roles=[(Role.CURATOR, "B1")])
    with unit_of_work(factory) as db:
        token = add_token(db, "bench@example.org", 1).secret
    assert token is not None, "a new token carries its secret"
    engine.dispose()
    return url, token, list(range(5, n_materials + 1, 5))  # materials m % 5 == 0 are B1's


def measure(process: int, port: int, requests: list[Request], headers: dict, db: Engine) -> tuple:
    """(requests/s, p50 ms, p99 ms, errors, worker CPU ms/request, database CPU ms/request or
    None) of the requests sent to the gunicorn of pid `process`."""
    workers, database = children(process), backends(db)
    start, db_start = cpu_seconds(workers), cpu_seconds(database)
    rps, p50, p99, errors = load(port, requests, headers)
    count = rps * SECONDS
    workers_ms = (cpu_seconds(workers) - start) / count * 1e3
    database_ms = (cpu_seconds(database) - db_start) / count * 1e3 if database else None
    return rps, p50, p99, errors, workers_ms, database_ms


def profile(backend: str, target: Target) -> None:
    """Where the app's time goes: PROFILE requests of each kind through it in this process
    (Flask's test client, no server), profiled by CPU time; the functions of the project and
    of the ORM's flush that take the largest share, each with its share of the request."""
    app = create_app({"DATABASE_URL": target.url, "SECRET_KEY": secrets.token_urlsafe(48)})
    client = app.test_client()
    for what, label in WHAT.items():
        requests = target.requests[what]
        profiler = cProfile.Profile(time.process_time)
        for method, path, body in (requests * PROFILE)[:PROFILE]:
            with profiler:
                answer = client.open(path, method=method, data=body, headers=target.headers)
            if answer.status_code != 201:
                raise SystemExit(f"{path} answered {answer.status_code}: {answer.text}")
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        total = sum(tottime for _, _, tottime, _, _ in stats.values())
        own = sorted(
            (cumulative, f"{Path(file).name}:{line}({function})")
            for (file, line, function), (_, _, _, cumulative, _) in stats.items()
            if file.startswith(OWN) or (function == "_flush" and file.endswith("session.py"))
        )
        print(f"{backend:<11}   profile of {label}: {total / PROFILE * 1e3:.2f} ms CPU per request")
        for cumulative, name in own[-1 : -PROFILE_LINES - 1 : -1]:
            print(f"{backend:<11}     {cumulative / total:6.1%}  {name}", flush=True)


class Target:
    """One app served by gunicorn on its own inventory, and the requests the bench sends it."""

    def __init__(self, name: str, place: tuple[str, str | None], n_items: int) -> None:
        app, prefix = APPS[name]
        url, token, strains = prepare(*place, n_items)
        if url.startswith("postgresql"):  # its server processes are told apart by it
            url = f"{url}{'&' if '?' in url else '?'}application_name=bench_write_{name}"
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.requests: dict[str, list[Request]] = {
            "material": [("POST", f"{prefix}/materials", json.dumps(MATERIAL).encode())],
            "lot": [
                ("POST", f"{prefix}/lots", json.dumps({**LOT, "material_id": m}).encode())
                for m in random.Random(3).sample(strains, min(len(strains), 2000))
            ],
        }
        self.engine = make_engine(url)
        self.process, self.port = serve(app, url)

    def measure(self, what: str) -> tuple:
        return measure(self.process.pid, self.port, self.requests[what], self.headers, self.engine)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.engine.dispose()


def run(backend: str, places: dict[str, tuple[str, str | None]], n_items: int) -> None:
    """The benchmark on one backend; `places` gives each app its database (URL, schema). Both
    apps are served at once and measured in turn, ROUNDS times (drift in the machine's load
    falls on both); each figure is the round of median throughput."""
    rounds: dict[tuple[str, str], list[tuple]] = {}
    with ExitStack() as stack:
        targets = {}
        for name in APPS:
            targets[name] = Target(name, places[name], n_items)
            stack.callback(targets[name].stop)
        for target in targets.values():  # warm up
            for what in WHAT:
                load(target.port, target.requests[what], target.headers)
        for _ in range(ROUNDS):
            for what in WHAT:
                for name, target in targets.items():
                    rounds.setdefault((name, what), []).append(target.measure(what))
    figures = {key: sorted(found)[len(found) // 2] for key, found in rounds.items()}
    print(
        f"{backend:<11} write path, {n_items:,} items, gunicorn {WORKERS} workers, "
        f"{CLIENTS} clients x {SECONDS:.0f} s, median of {ROUNDS} rounds",
        flush=True,
    )
    for what, label in WHAT.items():
        for name in APPS:
            rps, p50, p99, errors, cpu, db_cpu = figures[name, what]
            database = f"   db CPU {db_cpu:5.2f} ms/req" if db_cpu is not None else ""
            print(
                f"{backend:<11}   {label:<21} {name:<9} {rps:7,.0f} req/s   p50 {p50:6.2f} ms   "
                f"p99 {p99:6.2f} ms   CPU {cpu:5.2f} ms/req{database}   errors {errors}",
                flush=True,
            )
        base, ours = figures["baseline", what], figures["biorepo", what]
        print(
            f"{backend:<11}   {label:<21} throughput ratio {ours[0] / base[0]:.2f}, "
            f"CPU per request ratio {ours[4] / base[4]:.2f} (target: throughput >= 0.50)",
            flush=True,
        )
    if PROFILE:
        profile(backend, targets["biorepo"])


def main() -> None:
    n_items = int(os.environ.get("BENCH_ITEMS", "100000"))
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-write-"))
    run("sqlite", {name: (f"sqlite:///{folder / name}.db", None) for name in APPS}, n_items)
    postgres = postgres_url()
    if postgres:
        run("postgresql", {name: (postgres, f"bench_write_{name}") for name in APPS}, n_items)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
