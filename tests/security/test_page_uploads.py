"""An import page's upload kept in the database between its dry run and its commit: another
user's token is refused (and the upload left to its owner), a replayed cookie commits nothing
twice, and a large upload goes into the database and out of it a piece at a time."""

from __future__ import annotations

import tracemalloc

from sqlalchemy import delete

from repository.db import unit_of_work
from repository.exchange import uploads
from repository.exchange.limits import MIB
from repository.models import Upload
from tests.clients import csrf_of, logged_in
from tests.integration.test_pages_imports import commit, count, csv, upload

PENDING = "import"  # the session's key of the upload awaiting its commit (api.web.views.imports)


def test_a_token_of_another_user_is_refused_and_left_to_its_owner(world):
    app, _, ids = world
    owner, other = logged_in(app, "curator"), logged_in(app, "admin")
    dry = upload(owner, csv("SEC-TOKEN", ids["box"], "H1"), csrf_of(owner))
    with owner.session_transaction() as session:
        pending = session[PENDING]
    with other.session_transaction() as session:  # the token, learnt somehow, in another session
        session[PENDING] = pending
    refused = other.post(
        "/imports/commit", data={"csrf_token": csrf_of(other), "token": pending["token"]}
    )
    assert refused.status_code == 422 and "unknown or expired" in refused.data.decode()
    assert count(app, "SEC-TOKEN") == 0
    assert commit(owner, dry.data).status_code == 303  # still its owner's to commit
    assert count(app, "SEC-TOKEN") == 1


def test_a_replayed_cookie_commits_nothing_twice(world):
    """The session cookie of the dry run, sent again after the commit (a second tab, a
    back button, another server): the upload went with the import that took it."""
    app, _, ids = world
    client = logged_in(app, "curator")
    dry = upload(client, csv("SEC-TWICE", ids["box"], "H2"), csrf_of(client))
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert commit(client, dry.data).status_code == 303
    client.set_cookie("session", cookie.value)
    again = commit(client, dry.data)
    assert again.status_code == 422 and "unknown or expired" in again.data.decode()
    assert count(app, "SEC-TWICE") == 1


def test_a_large_upload_is_kept_and_read_back_a_piece_at_a_time(world, tmp_path):
    """48 MiB in and out of the database: Python's allocations stay within a few pieces."""
    app, _, _ = world
    factory = app.extensions["biorepo"]
    size = 48 * MIB
    source = tmp_path / "large.csv"
    with source.open("wb") as out:
        for number in range(size // MIB):
            out.write(bytes([65 + number % 26]) * MIB)
    tracemalloc.start()
    try:
        with unit_of_work(factory) as db, source.open("rb") as content:
            token = uploads.keep(db, [("large.csv", content)], owner=None)
        stored = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        with unit_of_work(factory, write=False) as db:
            upload_id = uploads.renewed(db, token, None)
            assert upload_id is not None
            (path,) = uploads.copy_out(db, upload_id, tmp_path / "out")
        read = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        with unit_of_work(factory) as db:
            db.execute(delete(Upload).where(Upload.owner_id.is_(None)))
    assert path.stat().st_size == size
    with path.open("rb") as copy:
        assert all(copy.read(MIB) == bytes([65 + n % 26]) * MIB for n in range(size // MIB))
    print(f"{size // MIB} MiB upload: peak {stored / MIB:.1f} MiB in, {read / MIB:.1f} MiB out")
    assert stored < 8 * uploads.CHUNK and read < 8 * uploads.CHUNK


def test_a_forged_token_reaches_no_upload(world):
    app, _, _ = world
    client = logged_in(app, "curator")
    for token in ("../../etc/passwd", "x" * 65, "' OR 1=1 --", ""):
        with client.session_transaction() as session:
            session[PENDING] = {"token": token, "collection": "API", "format": "csv"}
        response = client.post(
            "/imports/commit", data={"csrf_token": csrf_of(client), "token": token}
        )
        assert response.status_code == 422 and "unknown or expired" in response.data.decode()
