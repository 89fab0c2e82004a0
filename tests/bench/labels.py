"""Benchmark of label rendering (`make bench`, no database): cryovial labels to PDF and ZPL,
each beside a raw baseline measured in the same run, then peak memory for 10,000 and 100,000
labels streamed to a file (each count in a fresh subprocess, so its peak RSS is its own).

The PDF baseline is reportlab's Canvas drawing the same QR matrices (computed beforehand, not
timed) and the same text at fixed places, with no template logic; ours includes encoding each
QR code. The ZPL baseline formats one fixed template with the payload and text. BENCH_LABELS
changes the count (10,000), BENCH_LABELS_BIG the large count (100,000).

Then the labels of a search, through the HTTP API: on the core benchmark's inventory
(tests.bench.core.build, BENCH_ITEMS items, a million by default), the items of one freezer
(about 10,000: 100 boxes) in storage order, streamed as one PDF: the time to its first byte,
its rate beside `render_pdf` of as many labels made in memory (the PDF rate above) in the same
run, and the growth of peak memory while it streams; on SQLite and (when
BIOREPO_BENCH_POSTGRES_URL is set) PostgreSQL."""

from __future__ import annotations

import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

from reportlab.lib.units import mm
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfmetrics import registerFont
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api import create_app
from labels import Label, render_pdf, render_zpl
from labels.qr import make_qr
from repository.db import session_factory, unit_of_work
from repository.models import StorageUnit
from repository.schemas.search import ItemSearch
from repository.services import accounts, labelling
from repository.services.accounts import Principal
from repository.vocabulary import Role
from tests.bench.core import build, fresh, postgres_url, row
from tests.factories import add_token

COUNT = int(os.environ.get("BENCH_LABELS", "10000"))
BIG = int(os.environ.get("BENCH_LABELS_BIG", "100000"))
NAMES = ["Bacillus subtilis 168", "Escherichia coli K-12", "枯草芽孢杆菌", "Pseudomonas putida"]


def labels(count: int) -> Iterator[Label]:
    """Realistic cryovial labels, made as they are rendered (nothing kept)."""
    for i in range(count):
        yield Label(
            f"AC{i:06X}",
            NAMES[i % len(NAMES)],
            (f"CC {i % 20000:05d} · lot {i % 50}", "glycerol -80 °C", "2025-01-04"),
            risk_group=2 if i % 10 == 0 else 1,
        )


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>10,.0f} labels/s"


def reportlab_baseline(items: list[Label], out: io.BytesIO) -> float:
    codes = [make_qr(label.code) for label in items]  # precomputed, not timed
    registerFont(UnicodeCIDFont("STSong-Light"))
    start = time.perf_counter()
    canvas = Canvas(out, pagesize=(33 * mm, 13 * mm))
    for label, code in zip(items, codes, strict=True):
        module = 11.4 / (code.size + 4) * mm
        x, y = 1.7 * mm, 11.3 * mm
        for r, c, n in code.runs:
            canvas.rect(x + c * module, y - (r + 1) * module, n * module, module, 0, 1)
        canvas.setFont("Helvetica-Bold" if label.title.isascii() else "STSong-Light", 7)
        canvas.drawString(13 * mm, 9 * mm, label.title)
        canvas.setFont("Helvetica", 6)
        for k, line in enumerate(label.lines):
            canvas.drawString(13 * mm, (6.5 - 2.4 * k) * mm, line.replace("°", " "))
        canvas.showPage()
    canvas.save()
    return time.perf_counter() - start


def zpl_baseline(items: list[Label]) -> float:
    start = time.perf_counter()
    out = io.BytesIO()
    for label in items:
        out.write(
            (
                f"^XA^CI28^PW264^LL104^FO20,20^BQN,2,3^FDMA,{label.code}^FS"
                f"^FT102,30^A0N,18,18^FD{label.title}^FS^FT102,50^A0N,15,15^FD{label.lines[0]}^FS"
                f"^FT102,70^A0N,15,15^FD{label.lines[1]}^FS^FT102,90^A0N,15,15^FD{label.lines[2]}^FS^XZ\n"
            ).encode()
        )
    return time.perf_counter() - start


def speed() -> None:
    items = list(labels(COUNT))
    print(f"{COUNT:,} cryovial labels (33 x 13 mm)")
    base = reportlab_baseline(items, io.BytesIO())
    start = time.perf_counter()
    render_pdf(items, io.BytesIO())
    ours = time.perf_counter() - start
    print(f"  PDF  reportlab baseline {rate(COUNT, base)}   labels {rate(COUNT, ours)}", end="")
    print(f"   ratio {base / ours:.2f}")
    base = zpl_baseline(items)
    start = time.perf_counter()
    render_zpl(items, io.BytesIO(), dpi=203)
    ours = time.perf_counter() - start
    print(f"  ZPL  format baseline    {rate(COUNT, base)}   labels {rate(COUNT, ours)}", end="")
    print(f"   ratio {base / ours:.2f}")


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _peak_reset() -> int:
    """The RSS now (KiB), after resetting the peak (Linux: /proc/self/clear_refs), so the peak
    read afterwards is that of the rendering alone, not of the imports before it."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return _status("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak() -> int:
    try:
        return _status("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory(kind: str, count: int) -> None:
    """Run in a subprocess: render `count` labels to a file and print the peak RSS growth (KiB)."""
    before = _peak_reset()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "labels.out")
        start = time.perf_counter()
        if kind == "pdf":
            render_pdf(labels(count), path)
        elif kind == "zpl":
            render_zpl(labels(count), path)
        else:  # reportlab's Canvas, for comparison: every page stays in memory until save()
            items = labels(count)
            canvas = Canvas(path, pagesize=(33 * mm, 13 * mm))
            for label in items:
                code = make_qr(label.code)
                for r, c, n in code.runs:
                    canvas.rect(c * 1.2, r * 1.2, n * 1.2, 1.2, 0, 1)
                canvas.drawString(40, 20, label.code)
                canvas.showPage()
            canvas.save()
        seconds = time.perf_counter() - start
        size = os.path.getsize(path)
    print(f"{_peak() - before} {seconds:.1f} {size}")


def measure(kind: str, count: int) -> tuple[int, float, int]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.labels", "--memory", kind, str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    growth, seconds, size = done.stdout.split()
    return int(growth), float(seconds), int(size)


def memories() -> None:
    print(f"peak memory growth while streaming to a file, {COUNT:,} vs {BIG:,} labels")
    for kind, big in (("pdf", BIG), ("zpl", BIG), ("reportlab-canvas", COUNT * 3)):
        small_kib, _, _ = measure(kind, COUNT)
        big_kib, seconds, size = measure(kind, big)
        print(
            f"  {kind:<17} {COUNT:>7,}: {small_kib / 1024:6.1f} MiB   "
            f"{big:>7,}: {big_kib / 1024:6.1f} MiB   ({seconds:.0f} s, file {size / 2**20:.0f} MiB)"
        )


def search_stream(backend: str, url: str, n_items: int, postgres: bool) -> None:
    """The labels of a freezer's items through POST /api/v1/labels, streamed."""
    started = time.perf_counter()
    engine, url = fresh(url, "bench_labels" if postgres else None)
    built = build(engine, n_items)
    print(f"{backend:<11} built {built['items']:,} items in {time.perf_counter() - started:.0f} s")
    factory = session_factory(engine)
    with unit_of_work(factory) as db:
        accounts.register_user(db, "bench@example.org", "Bench", roles=[(Role.TECHNICIAN, None)])
        freezer = db.scalar(select(StorageUnit.barcode).where(StorageUnit.name == "F001"))
    with unit_of_work(factory) as db:
        token = add_token(db, "bench@example.org", 1).secret
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "b" * 48})
    client = app.test_client()
    body = {"search": {"container": freezer, "sort": "location"}}
    headers = {"Authorization": f"Bearer {token}"}
    # Warm up (refused: a preview is of one label, but the search and its count have run).
    client.post("/api/v1/labels", json={**body, "format": "png"}, headers=headers)
    before = _peak_reset()
    start = time.perf_counter()
    response = client.post("/api/v1/labels", json=body, headers=headers)
    pieces = iter(response.response)
    size = len(next(pieces))
    first = time.perf_counter() - start
    size += sum(len(piece) for piece in pieces)
    seconds = time.perf_counter() - start
    growth = (_peak() - before) / 1024
    response.close()
    matched = _matched(factory, freezer)
    items = list(labels(matched))
    base_start = time.perf_counter()
    render_pdf(items, io.BytesIO())
    base = time.perf_counter() - base_start
    row(
        backend,
        f"labels: a freezer's {matched:,} items, PDF streamed, first byte",
        f"{first * 1e3:.0f} ms",
        f"{base * 1e3:.0f} ms",
        first / base,
        "first byte at once (baseline: the whole PDF in memory)",
    )
    row(
        backend,
        f"labels: a freezer's {matched:,} items, PDF streamed, rate",
        f"{matched / seconds:,.0f}/s",
        f"{matched / base:,.0f}/s",
        base / seconds,
        f"at the PDF rate (ratio ours/baseline); {size / 2**20:.1f} MiB",
    )
    print(f"{backend:<11} peak memory growth while streaming: {growth:.1f} MiB")
    engine.dispose()


def _matched(factory: sessionmaker[Session], freezer: str) -> int:
    who = Principal(user_id=None, roles=frozenset({Role.TECHNICIAN}))
    with unit_of_work(factory, write=False) as db:
        found = labelling.search_item_ids(db, who, ItemSearch(container=freezer, sort="location"))
        return len(found)


def searches() -> None:
    n_items = int(os.environ.get("BENCH_ITEMS", "1000000"))
    folder = tempfile.mkdtemp(prefix="biorepo-bench-labels-")
    try:
        search_stream("sqlite", f"sqlite:///{folder}/labels.db", n_items, postgres=False)
        postgres = postgres_url()
        if postgres:
            search_stream("postgresql", postgres, n_items, postgres=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        memory(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1:2] == ["--search"]:  # the labels of a search alone
        speed()
        searches()
    else:
        speed()
        memories()
        searches()
