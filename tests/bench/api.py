"""HTTP benchmark of the scan endpoint (`make bench`): the app under gunicorn (2 workers) on a
million items, loaded from separate processes with concurrent keep-alive clients on loopback,
beside a minimal Flask app (tests/bench/baseline_app.py: the same statement, the same JSON)
under the same gunicorn in the same run. Prints requests per second, p50 and p99 latency;
SQLite always, PostgreSQL when BIOREPO_BENCH_POSTGRES_URL is set."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from repository.db import session_factory, unit_of_work
from repository.services import accounts
from repository.vocabulary import Role
from tests.factories import add_token
from tests.servers import free_port, wait_for_port

from .core import build, fresh, postgres_url

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
GUNICORN = Path(sys.executable).parent / "gunicorn"


def serve(app: str, url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [GUNICORN, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app],
        # a server on PostgreSQL starts only with a key (the bench signs no cookies)
        env={"SECRET_KEY": secrets.token_urlsafe(48), **os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if wait_for_port(port, 60):
        return process, port
    process.kill()
    raise RuntimeError(f"gunicorn did not start for {app}")


Request = tuple[str, str, bytes | None]  # method, path, body


def client(
    port: int, requests: list[Request], headers: dict, seconds: float, seed: int, out
) -> None:
    """One client process: requests (drawn from `requests`) back to back for `seconds`; sends
    its latencies. An answer other than 200 or 201 counts as an error."""
    rng = random.Random(seed)
    latencies, errors = [], 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        method, path, body = rng.choice(requests)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status not in (200, 201):
                errors += 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
        latencies.append(time.perf_counter() - started)
    out.put((latencies, errors))


def fetch(port: int, path: str, headers: dict) -> object:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers)
    return json.loads(connection.getresponse().read())


def load(port: int, requests: list[Request], headers: dict) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, errors) with CLIENTS concurrent client processes."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=client, args=(port, requests, headers, SECONDS, seed, queue))
        for seed in range(CLIENTS)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=SECONDS + 120) for _ in workers]
    for worker in workers:
        worker.join()
    latencies = sorted(t for lat, _ in results for t in lat)
    errors = sum(e for _, e in results)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    return len(latencies) / SECONDS, statistics.median(latencies) * 1e3, p99 * 1e3, errors


def run(backend: str, url: str, schema: str | None, n_items: int) -> None:
    engine, url = fresh(url, schema)
    built = build(engine, n_items)
    with unit_of_work(session_factory(engine)) as db:
        accounts.register_user(db, "bench@example.org", "Bench", roles=[(Role.TECHNICIAN, None)])
    with unit_of_work(session_factory(engine)) as db:
        token = add_token(db, "bench@example.org", 1).secret
    engine.dispose()
    codes = random.Random(5).sample(built["codes"], 20_000)
    figures, samples = {}, {}
    for name, app, path, headers in (
        ("baseline", "tests.bench.baseline_app:create_app()", "/scan/{}", {}),
        ("biorepo", "api:create_app()", "/api/v1/items/{}", {"Authorization": f"Bearer {token}"}),
    ):
        process, port = serve(app, url)
        try:
            samples[name] = fetch(port, path.format(codes[0]), headers)
            requests: list[Request] = [("GET", path.format(code), None) for code in codes]
            load(port, requests[:500], headers)  # warm up
            figures[name] = load(port, requests, headers)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    if samples["baseline"] != samples["biorepo"]:
        raise SystemExit(f"the baseline's JSON differs: {samples}")
    base, ours = figures["baseline"], figures["biorepo"]
    print(
        f"{backend:<11} scan endpoint, {built['items']:,} items, gunicorn 2 workers, "
        f"{CLIENTS} clients x {SECONDS:.0f} s",
        flush=True,
    )
    for name, (rps, p50, p99, errors) in figures.items():
        print(
            f"{backend:<11}   {name:<9} {rps:8,.0f} req/s   p50 {p50:6.2f} ms   "
            f"p99 {p99:6.2f} ms   errors {errors}",
            flush=True,
        )
    print(
        f"{backend:<11}   throughput ratio {ours[0] / base[0]:.2f} (target >= 0.60), "
        f"p99 {ours[2]:.1f} ms (target < 25 ms)",
        flush=True,
    )


def main() -> None:
    n_items = int(os.environ.get("BENCH_ITEMS", "1000000"))
    folder = Path(tempfile.mkdtemp(prefix="biorepo-bench-api-"))
    run("sqlite", f"sqlite:///{folder / 'api.db'}", None, n_items)
    postgres = postgres_url()
    if postgres:
        run("postgresql", postgres, "bench_api", n_items)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
