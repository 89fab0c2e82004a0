"""A schema-driven fuzzer (Schemathesis) over the whole OpenAPI document, with an admin's
token and without: no 500, and no response that breaks the document.

Two checks are left out on purpose: rejecting a schema-valid request is right when a rule
spans fields or needs the database (a box needs a grid, a pattern needs {seq}, a barcode must
exist), and an update without If-Match rightly gets 428 Precondition Required (RFC 6585)."""

from __future__ import annotations

import os
import tempfile

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api import create_app
from repository import migrate
from repository.db import unit_of_work
from repository.services import accounts, collections
from repository.vocabulary import Role

EXCLUDED = [checks.positive_data_acceptance, checks.missing_required_header]


def _service() -> tuple:
    """The app on a fresh SQLite database with one collection and an admin's token (built
    when the module is collected: Schemathesis reads the document at import)."""
    url = f"sqlite:///{tempfile.mkdtemp(prefix='biorepo-fuzz-')}/fuzz.db"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "fuzz"})
    with unit_of_work(app.extensions["biorepo"]) as db:
        collections.create_collection(db, {"code": "FZ", "name": "Fuzz", "kind": "seed_bank"})
        accounts.register_user(
            db, "admin@fuzz.example", "Admin", roles=[(Role.ADMIN, None)], password="0123456789"
        )
    with unit_of_work(app.extensions["biorepo"]) as db:
        token = accounts.create_token(db, "admin@fuzz.example", 1).secret
    return app, token


APP, TOKEN = _service()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
# Random each run on a developer's machine (new inputs every time); fixed in CI (no flakes).
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=bool(os.environ.get("CI")),
)


@schema.parametrize()
@FUZZ
def test_fuzz_with_a_token(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, excluded_checks=EXCLUDED)


@schema.parametrize()
@FUZZ
def test_fuzz_anonymous(case):
    case.call_and_validate(excluded_checks=EXCLUDED)
