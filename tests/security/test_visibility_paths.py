"""Every read path of a record tells each principal the same thing: for each principal
(anonymous, a requester of each lab, a technician, a printer agent, the curator of the
record's collection and of another one, an admin) and each kind of record (materials at each
access level, items, donors, requests, print jobs, audit rows, import jobs), the API's list
and detail, the pages, the scan and the exports show the record exactly when
repository.visibility says the principal sees it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from sqlalchemy import select

from api import create_app
from api.policy import Permission, allowed
from repository import visibility
from repository.db import unit_of_work
from repository.models import AuditEntry, Item, Lot, MaterialRequest, PrintJob
from repository.schemas.sharing import RequestSchema
from repository.services import accounts, import_jobs, labelling, printing, sharing
from repository.services.accounts import ANONYMOUS, Principal
from repository.vocabulary import Role
from tests.conftest import BACKENDS, SECRET_KEY
from tests.factories import add_printer, add_token
from tests.sharing import build

# The principals, by the email they log in with (None: nobody logged in).
PRINCIPALS = {
    "anonymous": None,
    "requester_a": "req@far.example",
    "requester_b": "req@small.example",
    "technician": "tech@example.org",
    "printer_agent": "agent@example.org",
    "curator_shr": "curator.shr@example.org",
    "curator_seed": "curator.seed@example.org",
    "curator_bio": "curator.bio@example.org",
    "admin": "admin@example.org",
}


@pytest.fixture(scope="module", params=BACKENDS)
def site(request, tmp_path_factory) -> Iterator[SimpleNamespace]:
    """A database of its own with the sharing world (SHR, SEED and BIO; two labs; materials of
    each access level with stock; a donor), a technician, an admin, a printer agent with a pull
    printer and a job, a request from each lab, import jobs of two collections; a token and a
    principal per user."""
    from tests.conftest import POSTGRES_URL, fresh_database
    from tests.databases import drop_schema

    schema = "security_visibility_paths"
    url = fresh_database(request.param, tmp_path_factory, schema)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": SECRET_KEY})
    s = SimpleNamespace(app=app, token={}, who={"anonymous": ANONYMOUS})
    factory = app.extensions["biorepo"]
    with unit_of_work(factory) as db:
        w = build(db)
        accounts.register_user(db, "tech@example.org", "Tech", roles=[(Role.TECHNICIAN, None)])
        accounts.register_user(db, "admin@example.org", "Admin", roles=[(Role.ADMIN, None)])
        accounts.register_user(db, "agent@example.org", "Agent", roles=[(Role.PRINTER, None)])
        line = {"material_id": w.strain.id, "form": "cryovial", "quantity": 1}
        ours, _ = sharing.create_request(
            db, w.requester, RequestSchema().load_or_fail({"lines": [line]})
        )
        theirs, _ = sharing.create_request(
            db, w.small_requester, RequestSchema().load_or_fail({"lines": [line]})
        )
        s.requests = [ours.id, theirs.id]
        s.materials = [w.strain.id, w.restricted.id, w.internal.id, w.seed.id, w.specimen.id]
        s.bio = w.specimen.collection_id
        s.specimen = w.specimen.id
        s.items = [
            db.scalar(select(Item.barcode).join(Lot).where(Lot.material_id == m).limit(1))
            for m in (w.strain.id, w.internal.id)
        ]
        printer = add_printer(
            db,
            {"name": "Pull", "protocol": "zpl", "transport": "pull", "agent": "agent@example.org"},
        )
        things = labelling.item_labels(db, s.items)
        settings = app.extensions["biorepo.labels"]
        s.print_jobs = [printing.submit(db, printer, things, "vials", "cryovial", settings).id]
        curator = accounts.get_user(db, "curator.shr@example.org")
        admin = accounts.get_user(db, "admin@example.org")
        s.import_jobs = [
            import_jobs.create_job(
                db,
                collection_id=collection_id,
                fmt="mcpd",
                files=["f.csv"],
                dry_run=True,
                created_by=user.id,
            ).id
            for collection_id, user in (
                (w.strain.collection_id, curator),
                (w.seed.collection_id, admin),
            )
        ]
    with unit_of_work(factory) as db:
        s.audit = [
            db.scalar(
                select(AuditEntry.id)
                .where(AuditEntry.table_name == table)
                .order_by(AuditEntry.id)
                .limit(1)
            )
            for table in ("materials", "lots", "items", "donors", "storage_units", "requests")
        ]
        s.audit = [entry for entry in s.audit if entry is not None]
        for name, email in PRINCIPALS.items():
            if email is not None:
                s.token[name] = add_token(db, email, 1).secret
        for name in s.token:
            s.who[name] = accounts.authenticate_token(db, s.token[name])
    yield s
    app.extensions["biorepo.engine"].dispose()
    if request.param == "postgresql":
        drop_schema(POSTGRES_URL, schema)


def get(site: SimpleNamespace, path: str, who: str):
    headers = {"Authorization": f"Bearer {site.token[who]}"} if who in site.token else {}
    return site.app.test_client().get(path, headers=headers)


def ok(site: SimpleNamespace, path: str, who: str) -> bool:
    return get(site, path, who).status_code == 200


def listed(site: SimpleNamespace, path: str, who: str, record_id: int) -> bool:
    response = get(site, path, who)
    return response.status_code == 200 and record_id in [row["id"] for row in response.json]


def searched(site: SimpleNamespace, path: str, who: str, barcode: str) -> bool:
    response = get(site, path, who)
    return response.status_code == 200 and barcode in [row["barcode"] for row in response.json]


def scanned(site: SimpleNamespace, code: str, who: str, target: str) -> bool:
    """Whether the scan of `code` opens (or offers) `target`, or, outside staff, the
    catalogue's search for it."""
    response = get(site, f"/scan?code={quote(code)}", who)
    if response.status_code == 303:
        return target in response.location or "/catalogue?q=" in response.location
    return response.status_code == 200 and target in response.data.decode()


def exported(site: SimpleNamespace, fmt: str, code: str, who: str, column: str, value: str):
    response = get(site, f"/api/v1/exchange/exports/{fmt}?collection={code}", who)
    if response.status_code != 200:
        return False
    return value in [row[column] for row in csv.DictReader(io.StringIO(response.data.decode()))]


Paths = dict[str, Callable[[str], bool]]


def material_paths(site: SimpleNamespace, material_id: int) -> tuple[bool | None, Paths]:
    """The material's read paths, and whether its exports carry it (None: no export shows
    its kind here)."""
    with unit_of_work(site.app.extensions["biorepo"]) as db:
        from repository.models import Material

        found = db.get_one(Material, material_id)
        accession, code, level = (
            found.accession_number,
            found.collection.code,
            found.access_level,
        )
    paths: Paths = {
        "api detail": lambda who: ok(site, f"/api/v1/materials/{material_id}", who),
        "api list": lambda who: listed(
            site, f"/api/v1/materials?q={quote(accession)}&page_size=100", who, material_id
        ),
        "catalogue page": lambda who: ok(site, f"/catalogue/{material_id}", who),
        "scan": lambda who: scanned(site, accession, who, f"/materials/{material_id}"),
    }
    export = {"SHR": ("mirri", "Accession number"), "SEED": ("mcpd", "ACCENUMB")}.get(code)
    if export is not None:
        fmt, column = export
        paths["export"] = lambda who: exported(site, fmt, code, who, column, accession)
    return level, paths


def expect(site: SimpleNamespace, who: str, paths: Paths, oracle: dict[str, bool]) -> None:
    """Each path answers what the oracle (repository.visibility) says for it; the scan is
    for people logged in (anyone else is sent to log in, whatever the code)."""
    if "scan" in oracle:
        oracle = {**oracle, "scan": oracle["scan"] and allowed(site.who[who], Permission.ACCOUNT)}
    answers = {name: read(who) for name, read in paths.items()}
    wrong = {name: answer for name, answer in answers.items() if answer != oracle[name]}
    assert not wrong, f"{who}: {answers} where visibility says {oracle}"


@pytest.mark.parametrize("who", PRINCIPALS)
def test_materials_at_each_access_level(site, who):
    principal = site.who[who]
    for material_id in site.materials:
        level, paths = material_paths(site, material_id)
        sees = visibility.sees_material(principal, level)
        oracle = dict.fromkeys(paths, sees)
        # The exports carry the published levels, for staff (who see the inventory) only.
        oracle["export"] = visibility.sees_inventory(principal) and level in visibility.EXPORTED
        expect(site, who, paths, oracle)


@pytest.mark.parametrize("who", PRINCIPALS)
def test_inventory_items(site, who):
    sees = visibility.sees_inventory(site.who[who])
    for barcode in site.items:
        paths: Paths = {
            "api detail": lambda w, b=barcode: ok(site, f"/api/v1/items/{b}", w),
            "api search": lambda w, b=barcode: searched(site, f"/api/v1/items?q={b}", w, b),
            "page": lambda w, b=barcode: ok(site, f"/items/{b}", w),
            "search page": lambda w, b=barcode: (
                (response := get(site, f"/items?q={b}", w)).status_code == 200
                and f'href="/items/{b}"' in response.data.decode()
            ),
            "scan": lambda w, b=barcode: scanned(site, b, w, f"/items/{b}"),
        }
        expect(site, who, paths, dict.fromkeys(paths, sees))


@pytest.mark.parametrize("who", PRINCIPALS)
def test_donors(site, who):
    sees = visibility.sees_donors(site.who[who], site.bio)
    with unit_of_work(site.app.extensions["biorepo"]) as db:
        from repository.models import Donor

        donor = db.scalar(select(Donor).where(Donor.collection_id == site.bio))
        donor_id, donor_code = donor.id, donor.code

    def in_details(w: str) -> bool:
        response = get(site, f"/api/v1/materials/{site.specimen}", w)
        return response.json.get("details", {}).get("donor") == donor_code

    paths: Paths = {
        "api list": lambda w: listed(site, "/api/v1/donors?collection=BIO", w, donor_id),
        "api detail": lambda w: ok(site, f"/api/v1/donors/{donor_id}", w),
        "material details": in_details,
        "export": lambda w: exported(site, "miabis", "BIO", w, "Sample donor ID", donor_code),
    }
    expect(site, who, paths, dict.fromkeys(paths, sees))


@pytest.mark.parametrize("who", PRINCIPALS)
def test_requests(site, who):
    for request_id in site.requests:
        with unit_of_work(site.app.extensions["biorepo"]) as db:
            found = db.get_one(MaterialRequest, request_id)
            sees = visibility.sees_request(site.who[who], found)
            number = found.number
        paths: Paths = {
            "api detail": lambda w, r=request_id: ok(site, f"/api/v1/requests/{r}", w),
            "api list": lambda w, r=request_id: listed(
                site, "/api/v1/requests?page_size=100", w, r
            ),
            "page": lambda w, r=request_id: ok(site, f"/requests/{r}", w),
            "desk": lambda w, n=number: (
                (response := get(site, "/requests", w)).status_code == 200
                and n in response.data.decode()
            ),
            "scan": lambda w, n=number, r=request_id: scanned(site, n, w, f"/requests/{r}"),
        }
        expect(site, who, paths, dict.fromkeys(paths, sees))


@pytest.mark.parametrize("who", PRINCIPALS)
def test_print_jobs(site, who):
    for job_id in site.print_jobs:
        with unit_of_work(site.app.extensions["biorepo"]) as db:
            sees = visibility.sees_print_job(site.who[who], db.get_one(PrintJob, job_id))
        paths: Paths = {
            "api detail": lambda w, j=job_id: ok(site, f"/api/v1/print-jobs/{j}", w),
            "api list": lambda w, j=job_id: listed(site, "/api/v1/print-jobs?page_size=100", w, j),
        }
        expect(site, who, paths, dict.fromkeys(paths, sees))


@pytest.mark.parametrize("who", PRINCIPALS)
def test_audit_rows(site, who):
    assert len(site.audit) >= 5  # materials, lots, items, donors, storage, requests
    for entry_id in site.audit:
        with unit_of_work(site.app.extensions["biorepo"]) as db:
            entry = db.get_one(AuditEntry, entry_id)
            sees = visibility.sees_audit_entry(db, site.who[who], entry)
            query = f"table={entry.table_name}&row_id={quote(entry.row_id)}"
        paths: Paths = {
            "api list": lambda w, q=query, e=entry_id: listed(
                site, f"/api/v1/audit?{q}&page_size=100", w, e
            ),
        }
        expect(site, who, paths, dict.fromkeys(paths, sees))


@pytest.mark.parametrize("who", PRINCIPALS)
def test_import_jobs(site, who):
    for job_id in site.import_jobs:
        with unit_of_work(site.app.extensions["biorepo"]) as db:
            sees = visibility.sees_import_job(site.who[who], import_jobs.get_job(db, job_id))
        paths: Paths = {
            "api detail": lambda w, j=job_id: ok(site, f"/api/v1/exchange/imports/{j}", w),
            "api list": lambda w, j=job_id: listed(site, "/api/v1/exchange/imports", w, j),
        }
        expect(site, who, paths, dict.fromkeys(paths, sees))


def test_each_kind_is_seen_by_someone_and_hidden_from_someone(site):
    """The matrix means something: each rule shows some records to some principals only."""
    principals: list[Principal] = list(site.who.values())
    assert {visibility.sees_inventory(p) for p in principals} == {True, False}
    assert {visibility.sees_donors(p, site.bio) for p in principals} == {True, False}
    with unit_of_work(site.app.extensions["biorepo"]) as db:
        for record_id in site.requests:
            found = db.get_one(MaterialRequest, record_id)
            assert {visibility.sees_request(p, found) for p in principals} == {True, False}
        for job_id in site.import_jobs:
            job = import_jobs.get_job(db, job_id)
            assert {visibility.sees_import_job(p, job) for p in principals} == {True, False}
