"""A schema-driven fuzzer (Schemathesis) over the whole OpenAPI document, with an admin's
token and without, on SQLite and (when configured) PostgreSQL: no 500, and no response that
breaks the document.

Two checks are left out on purpose: rejecting a schema-valid request is right when a rule
spans fields or needs the database (a box needs a grid, a pattern needs {seq}, a barcode must
exist), and an update without If-Match rightly gets 428 Precondition Required (RFC 6585)."""

from __future__ import annotations

import os
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api import create_app
from repository.db import unit_of_work
from repository.services import accounts
from repository.vocabulary import Role
from tests.conftest import POSTGRES_URL, SECRET_KEY
from tests.databases import migrated
from tests.factories import add_collection, add_token

EXCLUDED = [checks.positive_data_acceptance, checks.missing_required_header]


def _service(url: str) -> tuple:
    """The app on a fresh migrated database with one collection and an admin's token (built
    when the module is collected: Schemathesis reads the document at import)."""
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": SECRET_KEY})
    with unit_of_work(app.extensions["biorepo"]) as db:
        add_collection(db, {"code": "FZ", "name": "Fuzz", "kind": "seed_bank"})
        accounts.register_user(
            db, "admin@fuzz.example", "Admin", roles=[(Role.ADMIN, None)], password="0123456789"
        )
    with unit_of_work(app.extensions["biorepo"]) as db:
        token = add_token(db, "admin@fuzz.example", 1).secret
    return app, token


# Random each run on a developer's machine (new inputs every time); fixed in CI (no flakes).
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=bool(os.environ.get("CI")),
)


def _tests(url: str, marks: tuple = ()) -> tuple:
    """The two fuzz tests (with a token, anonymous) against the app on `url`."""
    app, token = _service(url)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    @schema.parametrize()
    @FUZZ
    def with_a_token(case):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"}, excluded_checks=EXCLUDED
        )

    @schema.parametrize()
    @FUZZ
    def anonymous(case):
        case.call_and_validate(excluded_checks=EXCLUDED)

    for mark in marks:
        with_a_token, anonymous = mark(with_a_token), mark(anonymous)
    return with_a_token, anonymous


test_fuzz_with_a_token, test_fuzz_anonymous = _tests(
    migrated(f"sqlite:///{tempfile.mkdtemp(prefix='biorepo-fuzz-')}/fuzz.db")
)
if POSTGRES_URL:
    test_fuzz_with_a_token_postgresql, test_fuzz_anonymous_postgresql = _tests(
        migrated(POSTGRES_URL, "fuzz"), (pytest.mark.postgres,)
    )
