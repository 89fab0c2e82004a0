"""The labels page: a printer that cannot print the document is a refusal on the form, in the
user's language (not the API's problem JSON), and a queued job says why it waits and what to
do about it."""

from __future__ import annotations

import re
import socket
from datetime import UTC

from api import background
from repository.db import unit_of_work
from repository.models import PrintJob
from repository.models.base import aware
from tests.clients import ApiClient, csrf_of, logged_in

ZPL_REFUSAL = "This printer takes ZPL labels; a box map needs a PDF printer."
WORKER = "`biorepo worker`; `make run` starts one"


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_box_map_on_a_zpl_printer_is_refused_on_the_form_in_the_user_s_language(
    world, client: ApiClient
):
    app, tokens, ids = world
    browser = logged_in(app, "technician")
    form = {"box": ids["box"], "template": "box-map", "printer": "Matrix"}
    response = browser.post("/labels/print", data={**form, "csrf_token": csrf_of(browser)})
    assert response.status_code == 422 and response.mimetype == "text/html"
    page = response.data.decode()
    assert ZPL_REFUSAL in page and 'aria-invalid="true"' in page
    assert re.search(r'<option value="Matrix"[^>]*selected', page), "the choice is kept"
    browser.set_cookie("lang", "zh")
    chinese = browser.post("/labels/print", data={**form, "csrf_token": csrf_of(browser)})
    assert chinese.status_code == 422 and "盒图需要 PDF 打印机" in chinese.data.decode()
    api = client.post("/api/v1/print-jobs", json=form, token=tokens["technician"])
    assert api.status_code == 422 and api.json["field"] == "printer"
    assert "a box map needs a PDF printer" in api.json["errors"]["printer"][0]


def test_a_job_the_printer_refuses_says_why_it_waits_and_is_tried_again_at_its_time(
    world, client: ApiClient
):
    app, tokens, ids = world
    printer = {
        "name": "Cold room",
        "protocol": "zpl",
        "transport": "tcp",
        "address": "127.0.0.1",
        "port": closed_port(),
    }
    assert client.post("/api/v1/printers", json=printer, token=tokens["admin"]).status_code == 201
    browser = logged_in(app, "technician")
    form = {"item": ids["vials"][0], "printer": "Cold room", "csrf_token": csrf_of(browser)}
    response = browser.post("/labels/print", data=form)
    assert response.status_code == 303 and "done=" not in response.location
    page = browser.get(response.location).data.decode()
    job = int(re.search(r"Queued as job #(\d+)", page).group(1))
    # the queue's worker tried it once committed (here at once): the printer is away
    with unit_of_work(app.extensions["biorepo"], write=False) as db:
        queued = db.get(PrintJob, job)
        error, retry_at = queued.last_error, aware(queued.next_attempt_at)
    assert error and queued.attempts == 1
    assert "The last try failed" in page and WORKER in page
    assert error.split(":")[0] in page
    again = [t for t in background.of(app).huey.scheduled() if t.args == (job,)]
    assert [t.name for t in again] == [background.PRINT_JOB]  # tried again at its time
    assert abs((again[0].eta.replace(tzinfo=UTC) - retry_at).total_seconds()) < 1


def test_a_job_for_a_pull_printer_waits_for_its_agent(world):
    app, _, ids = world
    client = logged_in(app, "technician")
    form = {"item": ids["vials"][5], "printer": "Matrix", "csrf_token": csrf_of(client)}
    assert client.post("/labels/print", data=form).status_code == 303
    page = client.get(f"/labels?item={ids['vials'][5]}").data.decode()
    assert "Waiting for the printer&#39;s agent (printer@example.org)" in page
