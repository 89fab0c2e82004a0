"""The upload bombs against a real server process over HTTP: its peak resident memory (the
kernel's high-water mark, C allocations included) stays within 64 MiB of where it was once
warmed up, while it refuses every one of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from repository.db import make_engine, session_factory, unit_of_work
from repository.exchange.limits import MIB
from repository.services import accounts
from repository.vocabulary import Role
from tests.bombs import HEAP, OCCURRENCE, archive, bombs, workbook
from tests.conftest import SECRET_KEY, make_collection
from tests.databases import migrated
from tests.factories import add_token
from tests.servers import free_port, wait_for_port

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


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_a_server_refusing_bombs_stays_within_64_mib(tmp_path):
    url = migrated(f"sqlite:///{tmp_path / 'bombs.db'}")
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

        def post(fmt: str, content: bytes, dry_run: bool) -> requests.Response:
            return requests.post(
                f"http://127.0.0.1:{port}/api/v1/exchange/imports",
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
    finally:
        server.terminate()
        server.wait(timeout=10)
