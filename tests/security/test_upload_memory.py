"""The upload bombs against a real server process over HTTP: its peak resident memory (the
kernel's high-water mark, C allocations included) stays within 64 MiB of where it was once
warmed up, while it refuses every one of them; and a 48 MiB upload kept in the database for its
job is never held whole in the server's memory."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from repository.db import make_engine, session_factory, unit_of_work
from repository.exchange.limits import MIB
from repository.services import accounts
from repository.vocabulary import Role
from tests.bombs import HEAP, OCCURRENCE, archive, bombs, workbook
from tests.conftest import BACKENDS, POSTGRES_URL, SECRET_KEY, fresh_database, make_collection
from tests.databases import drop_schema
from tests.factories import add_token
from tests.servers import free_port, wait_for_port

LARGE = 48 * MIB  # an upload near the largest request (MAX_CONTENT_LENGTH, 64 MiB)
KEPT = 16 * MIB  # what keeping it in the database may add to the server's peak ...
SQLITE_CACHE = 64 * MIB  # ... besides SQLite's own page cache (repository.db: cache_size)
NEEDS_PROC = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="needs Linux's /proc"
)

SERVER = """
import sys
from werkzeug.serving import make_server
from api import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": sys.argv[2]})
make_server("127.0.0.1", int(sys.argv[3]), app, threaded=True).serve_forever()
"""


def high_water(pid: int) -> int:
    """The most resident memory the process has had, in bytes (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@contextmanager
def server_on(url: str) -> Iterator[tuple[subprocess.Popen, str, str]]:
    """A server process on the (migrated) database `url` with collection API and a curator:
    the process, its imports' URL and the curator's token."""
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        make_collection(db, "API")
        accounts.register_user(db, "c@example.org", "C", roles=[(Role.CURATOR, "API")])
        token = add_token(db, "c@example.org", 1).secret
    engine.dispose()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, url, SECRET_KEY, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for_port(port, 60), "the server did not start"
        yield server, f"http://127.0.0.1:{port}/api/v1/exchange/imports", token
    finally:
        server.terminate()
        server.wait(timeout=10)


@NEEDS_PROC
def test_a_server_refusing_bombs_stays_within_64_mib(tmp_path_factory):
    with server_on(fresh_database("sqlite", tmp_path_factory)) as (server, imports, token):

        def post(fmt: str, content: bytes, dry_run: bool) -> requests.Response:
            return requests.post(
                imports,
                headers={"Authorization": f"Bearer {token}"},
                data={"format": fmt, "collection": "API", "dry_run": str(dry_run).lower()},
                files={"file": (f"upload.{'zip' if fmt == 'dwca' else 'xlsx'}", content)},
                timeout=120,
            )

        for _ in range(2):  # warmed up: every reader imported and run once on a good file
            assert post("dwca", archive(occurrence=OCCURRENCE.encode()), True).status_code == 200
            assert post("xlsx", workbook(), True).status_code == 200
        idle = high_water(server.pid)
        for name, (content, fmt, says) in bombs().items():
            for dry_run in (True, False):
                answer = post(fmt, content, dry_run)
                assert answer.status_code == (200 if dry_run else 422), (name, answer.text)
                assert says in answer.text, name
        grown = high_water(server.pid) - idle
        print(f"server peak {idle / MIB:.0f} MiB warmed up, +{grown / MIB:.1f} MiB refusing bombs")
        assert grown < HEAP, f"the server grew by {grown / MIB:.0f} MiB refusing the bombs"


@NEEDS_PROC
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_large_upload_kept_for_its_job_is_never_whole_in_memory(backend, tmp_path_factory):
    """Saved by the request parser to a temporary file, then copied into the database a piece
    at a time (no worker runs here: the job waits). On SQLite the written pages sit in its
    page cache, which is bounded on its own."""
    schema = "upload_memory"
    url = fresh_database(backend, tmp_path_factory, schema)
    try:
        with server_on(url) as (server, imports, token):

            def post(content: bytes) -> requests.Response:
                return requests.post(
                    imports,
                    headers={"Authorization": f"Bearer {token}"},
                    data={"format": "csv", "collection": "API", "background": "true"},
                    files={"file": ("large.csv", content)},
                    timeout=120,
                )

            assert post(b"x").status_code == 202  # warmed up
            before = high_water(server.pid)
            assert post(b"x" * LARGE).status_code == 202
            grown = high_water(server.pid) - before
    finally:
        if backend == "postgresql":
            drop_schema(POSTGRES_URL or "", schema)
    print(f"{backend}: +{grown / MIB:.1f} MiB keeping a {LARGE // MIB} MiB upload for its job")
    bound = KEPT + (SQLITE_CACHE if backend == "sqlite" else 0)
    assert grown < bound, f"the server grew by {grown / MIB:.0f} MiB keeping the upload"
