"""Attacks on sessions and logins: forged cookies, copied cookies after logout, account probing
by timing, parallel guessing, one lab's address locked out by one user, open redirects and the
headers every page sends."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from api import config, create_app
from repository.db import unit_of_work
from repository.services import accounts
from repository.vocabulary import Role
from tests.conftest import POSTGRES_URL, SECRET_KEY
from tests.servers import threaded_server
from tests.world import PASSWORD

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


def login(client, email: str, password: str = PASSWORD):
    return client.post(LOGIN, json={"email": email, "password": password})


def new_user(app, email: str, role: Role = Role.TECHNICIAN) -> None:
    with unit_of_work(app.extensions["biorepo"]) as db:
        accounts.register_user(db, email, email, roles=[(role, None)], password=PASSWORD)


def cookie_signed_with(key: str, data: dict) -> str:
    """A session cookie as Flask would sign it with `key`."""
    forger = Flask("forger")
    forger.secret_key = key
    signer = SecureCookieSessionInterface().get_signing_serializer(forger)
    assert signer is not None
    return signer.dumps(data)


# --- 1. no built-in key ---------------------------------------------------------------------


@pytest.mark.parametrize("key", ["dev-only-change-me", "change-me", "secret", "x" * 31])
def test_a_guessable_key_refuses_to_start(tmp_path, key):
    with pytest.raises(config.InsecureConfiguration, match="too easy to guess"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": key})


def test_a_server_database_without_a_key_refuses_to_start():
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never reached: refused before
    with pytest.raises(config.InsecureConfiguration, match="Set SECRET_KEY"):
        create_app({"DATABASE_URL": url})


def test_biorepo_serve_without_a_key_says_what_to_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    biorepo = Path(sys.executable).parent / "biorepo"
    done = subprocess.run(
        [biorepo, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "Set SECRET_KEY" in done.stderr


def test_the_embedded_default_makes_a_private_key_once(tmp_path):
    instance = tmp_path / "instance"
    first = config.secret_key({"DATABASE_URL": "sqlite:///x.db"}, instance)
    again = config.secret_key({"DATABASE_URL": "sqlite:///x.db"}, instance)
    kept = instance / config.SECRET_FILE
    assert first == again == kept.read_text().strip() and len(first) >= 48
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    kept.chmod(0o644)
    with pytest.raises(config.InsecureConfiguration, match="chmod 600"):
        config.secret_key({"DATABASE_URL": "sqlite:///x.db"}, instance)


def test_processes_starting_together_agree_on_one_key(tmp_path):
    code = (
        "import sys; from pathlib import Path; from api import config; "
        "print(config.secret_key({'DATABASE_URL': 'sqlite://'}, Path(sys.argv[1])))"
    )
    racing = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE)
        for _ in range(6)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in racing}
    assert len(keys) == 1 and all(p.returncode == 0 for p in racing)


@pytest.mark.parametrize(
    "key", ["dev-only-change-me", SECRET_KEY], ids=["old-constant", "real-key"]
)
def test_forged_cookies_are_anonymous(world, key):
    """The old constant, or even the real key with a made-up or pre-upgrade payload: no user."""
    app, _, _ = world
    forged = [
        {"user_id": 1, "csrf": "c"},  # what cookies held before sessions lived on the server
        {"sid": "guessed-session-secret", "csrf": "c"},
    ]
    for data in forged:
        client = app.test_client()
        client.set_cookie("session", cookie_signed_with(key, data))
        assert client.get(ME).json["user_id"] is None
        minted = client.post(
            "/api/v1/tokens",
            json={"name": "ten years", "days": 3650},
            headers={"X-CSRF-Token": "c"},
        )
        assert minted.status_code == 401


# --- 2. sessions end on the server ----------------------------------------------------------


def copied_session(app, email: str):
    """A logged-in client and a second client holding a copy of its cookie."""
    client = app.test_client()
    made = login(client, email)
    assert made.status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get(ME).json["email"] == email
    return client, thief, made.json["csrf_token"]


def test_a_copied_cookie_dies_with_logout(world):
    app, _, _ = world
    new_user(app, "logout@example.org")
    client, thief, csrf = copied_session(app, "logout@example.org")
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert thief.get(ME).json["user_id"] is None


def test_a_new_password_ends_every_session(world):
    app, _, _ = world
    new_user(app, "newpass@example.org")
    client, thief, csrf = copied_session(app, "newpass@example.org")
    _, other, _ = copied_session(app, "newpass@example.org")
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "another long password"},
        headers={"X-CSRF-Token": csrf},
    )
    assert changed.status_code == 204
    for was in (client, thief, other):
        assert was.get(ME).json["user_id"] is None


def test_deactivation_ends_every_session(world):
    app, tokens, _ = world
    new_user(app, "leaving@example.org")
    _, thief, _ = copied_session(app, "leaving@example.org")
    user_id = thief.get(ME).json["user_id"]
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    client = app.test_client()
    off = client.patch(f"/api/v1/users/{user_id}", json={"active": False}, headers=admin)
    if off.status_code == 428:  # edits need If-Match
        etag = client.get(f"/api/v1/users/{user_id}", headers=admin).headers["ETag"]
        off = client.patch(
            f"/api/v1/users/{user_id}",
            json={"active": False},
            headers={**admin, "If-Match": etag},
        )
    assert off.status_code == 200
    assert thief.get(ME).json["user_id"] is None
    on = client.get(f"/api/v1/users/{user_id}", headers=admin)
    client.patch(
        f"/api/v1/users/{user_id}",
        json={"active": True},
        headers={**admin, "If-Match": on.headers.get("ETag", "*")},
    )
    assert thief.get(ME).json["user_id"] is None  # reactivation does not revive it


# --- 3. logins ---------------------------------------------------------------------------------


def test_timing_does_not_tell_who_has_an_account(world):
    app, _, _ = world
    client = app.test_client()

    def slowest(email: str) -> float:
        """The median of three wrong-password logins (each on a fresh email: no lockout)."""
        times = []
        for n in range(3):
            started = time.perf_counter()
            assert login(client, email.format(n), "wrong password").status_code == 401
            times.append(time.perf_counter() - started)
        return sorted(times)[1]

    for n in range(3):
        new_user(app, f"timed{n}@example.org")
    known = slowest("timed{}@example.org")
    unknown = slowest("nobody{}@example.org")
    assert unknown > known / 2, (known, unknown)


@pytest.mark.postgres
def test_parallel_guesses_are_all_counted(tmp_path_factory):
    """Thirty wrong passwords at once for one account, over real connections: no more than
    five are ever checked, the rest are refused as locked out; none is a 500."""
    from tests.conftest import fresh_database

    url = fresh_database("postgresql", tmp_path_factory, "security_guesses")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    new_user(app, "target@example.org")
    with threaded_server(app) as base:

        def guess(n: int) -> int:
            body = {"email": "target@example.org", "password": f"guess {n}"}
            return requests.post(base + LOGIN, json=body, timeout=60).status_code

        with ThreadPoolExecutor(30) as pool:
            codes = list(pool.map(guess, range(30)))
    app.extensions["biorepo.engine"].dispose()
    assert codes.count(401) <= accounts.MAX_FAILURES
    assert codes.count(401) + codes.count(403) == 30, codes
    assert POSTGRES_URL


def test_one_locked_account_does_not_lock_out_its_lab(world):
    app, _, _ = world
    new_user(app, "careless@example.org")
    new_user(app, "colleague@example.org")
    lab = app.test_client()
    lab.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    for _ in range(accounts.MAX_FAILURES):
        assert login(lab, "careless@example.org", "oops").status_code == 401
    assert login(lab, "careless@example.org").status_code == 403  # that account: locked
    assert login(lab, "colleague@example.org").status_code == 200  # the lab: not


def test_many_failures_from_one_address_are_limited(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "SECRET_KEY": SECRET_KEY,
            "LOGIN_ADDRESS_LIMIT": "3 per 15 minutes",
        }
    )
    from repository import migrate

    migrate.upgrade(app.config["DATABASE_URL"])
    new_user(app, "member@example.org")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.1.1.1"
    for n in range(3):
        assert login(client, f"spray{n}@example.org", "guess").status_code == 401
    limited = login(client, "member@example.org")
    assert limited.status_code == 429
    assert limited.content_type == "application/problem+json"
    assert "Too many failed logins from this address" in limited.json["detail"]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.1.2"
    assert login(other, "member@example.org").status_code == 200
    page = client.post("/login", data={"email": "member@example.org", "password": PASSWORD})
    assert page.status_code == 429 and client.get("/login").status_code == 200


# --- 9. open redirects -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/%09/example.com",
        "/%0a/example.com",
        "//example.com",
        "/\\example.com",
        "/%5Cexample.com",
        "https://example.com",
        "%2F%2Fexample.com",
        "/%0d%0a/example.com",
    ],
)
def test_only_paths_of_this_site_are_followed(world, target):
    app, _, _ = world
    client = app.test_client()
    switched = client.get(f"/lang/en?next={target}")
    assert switched.status_code == 302 and switched.headers["Location"] == "/"
    form = client.get(f"/login?next={target}")
    assert b'name="next" value="/"' in form.data
    with client.session_transaction() as session:
        token = session["csrf"]
    new_user(app, f"redirect{abs(hash(target))}@example.org")
    sent = client.post(
        "/login",
        data={
            "email": f"redirect{abs(hash(target))}@example.org",
            "password": PASSWORD,
            "next": unquote(target),
            "csrf_token": token,
        },
    )
    assert sent.status_code == 303 and sent.headers["Location"] == "/due"  # a technician's home


def test_a_path_of_this_site_is_still_followed(world):
    app, _, _ = world
    assert app.test_client().get("/lang/zh?next=/catalogue?page=2").headers["Location"] == (
        "/catalogue?page=2"
    )


# --- 12. headers -----------------------------------------------------------------------------


def test_pages_send_a_strict_content_security_policy(world):
    app, _, _ = world
    page = app.test_client().get("/login")
    policy = page.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives.get("default-src", "")
    assert directives["frame-ancestors"] == "'none'"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in page.headers  # plain HTTP: no HSTS
    secure = app.test_client().get("/login", base_url="https://biorepo.example")
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


def test_the_api_documentation_runs_only_its_own_script(world):
    app, _, _ = world
    docs = app.test_client().get("/api/v1/docs")
    assert docs.status_code == 200
    script_src = next(
        d for d in docs.headers["Content-Security-Policy"].split(";") if "script-src" in d
    )
    assert "'sha256-" in script_src and "unsafe-inline" not in script_src


def test_a_server_database_with_settings_of_one_machine_is_warned_of(tmp_path, caplog):
    """Counters in one process's memory and a queue in one machine's folder are said at start
    (one server alone is fine: not refused); the embedded SQLite default is not warned of."""
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never reached: nothing is read
    create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "TESTING": True})
    assert "RATELIMIT_STORAGE_URI is memory://" in caplog.text
    caplog.clear()
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": SECRET_KEY})
    assert "RATELIMIT_STORAGE_URI" not in caplog.text
    defaults = config.load(str(tmp_path), {"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    assert [said.split(" ", 1)[0] for said in config.unshared(defaults)] == [
        "RATELIMIT_STORAGE_URI",
        "QUEUE_URL",
    ]
    redis = "redis://127.0.0.1:6379/0"
    shared = {**defaults, "RATELIMIT_STORAGE_URI": redis, "QUEUE_URL": redis}
    assert config.unshared(shared) == []
