"""Configuration: defaults, then environment variables, then what the caller passes."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import labels
from repository.db import BUSY_TIMEOUT_S
from repository.services.notifications import Smtp

ENVIRONMENT = (
    "DATABASE_URL",
    "SECRET_KEY",
    # labels
    "LABEL_URL",
    "LABEL_STOCKS",
    "ZPL_FONT",
    "ZPL_FONT_FILE",
    # sharing: mail for notifications (no host: messages go to the log), and when a request
    # that stays in one step is overdue
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_SENDER",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "REQUEST_OVERDUE_DAYS",
    # the largest request body (file uploads), in bytes
    "MAX_CONTENT_LENGTH",
    # seconds a write waits for SQLite's write lock before answering 503 with Retry-After
    "SQLITE_BUSY_TIMEOUT",
    # security: cookies only over HTTPS; how many proxies in front set X-Forwarded-*;
    # failed logins allowed per address; where rate-limit counters live (memory:// is one
    # process's own: every server of a database but the embedded SQLite's sets redis://, the
    # same for all), and the prefix of their keys (installations sharing a Redis)
    "SESSION_COOKIE_SECURE",
    "TRUSTED_PROXIES",
    "LOGIN_ADDRESS_LIMIT",
    "RATELIMIT_STORAGE_URI",
    "RATELIMIT_KEY_PREFIX",
    # who may read /metrics: a caller sending "Authorization: Bearer <METRICS_TOKEN>"; unset,
    # only a caller on this machine whose request no proxy forwarded
    "METRICS_TOKEN",
    # background work (api.background): where the queue lives (sqlite:///FILE, redis://HOST:PORT/DB,
    # or "immediate": run each task at once in the process that queues it), its name (servers
    # and workers of one installation share it; default: after the database), and the hour
    # (UTC) of the daily due digest
    "QUEUE_URL",
    "QUEUE_NAME",
    "DIGEST_HOUR",
    # seconds a worker holds a job without renewing it (its heartbeat, every quarter of it):
    # an import job whose worker stopped on another machine is taken over this long after
    # its last heartbeat
    "WORKER_LEASE",
)

SECRET_FILE = "secret_key"  # the embedded default's key, made once in the instance folder
MIN_SECRET = 32  # characters of a configured SECRET_KEY
# Keys seen in examples, tutorials and earlier versions of biorepo: never accepted.
KNOWN_KEYS = frozenset({"dev-only-change-me", "change-me", "changeme", "secret", "dev", "test"})


class InsecureConfiguration(RuntimeError):
    """The server must not start this way; the message says what to set."""


def instance_folder() -> str | None:
    """The instance folder INSTANCE_PATH names (made absolute), or None: Flask's default,
    `instance/` beside the code. Servers of one installation may each have their own: none
    keeps anything another needs (uploads and job state live in the database)."""
    folder = os.environ.get("INSTANCE_PATH")
    return os.path.abspath(folder) if folder else None


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'biorepo.db'}",
        "SECRET_KEY": None,  # no built-in key: see `secret_key`
        "JSON_SORT_KEYS": False,
        "API_TITLE": "biorepo",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Swagger UI's assets, served from the installed package (see openapi.serve_assets)
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "API_SPEC_OPTIONS": {
            "info": {"description": "biorepo: a biological resource library."},
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearer": []}, {"cookie": []}, {}],
        },
        "PAGINATION_PAGE_SIZE_DEFAULT": 20,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        # Labels: the QR payload is the barcode, or this pattern with {barcode} (a link);
        # stocks per template as JSON, e.g. {"cryovial": "1x0.5in", "box": "50x25mm"}, a
        # stock ending in "datamatrix" printing Data Matrix codes ("cap": "cap-13mm datamatrix");
        # the ZPL font, e.g. "^A@N" with the file "E:SIMSUN.TTF" on the printer for Chinese.
        "LABEL_URL": None,
        "LABEL_STOCKS": "{}",
        "ZPL_FONT": "^A0N",
        "ZPL_FONT_FILE": "",
        "SMTP_HOST": None,
        "SMTP_PORT": 25,
        "SMTP_SENDER": "biorepo@localhost",
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_STARTTLS": False,
        "REQUEST_OVERDUE_DAYS": 14,
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        "SQLITE_BUSY_TIMEOUT": BUSY_TIMEOUT_S,
        "SESSION_COOKIE_SECURE": False,
        "TRUSTED_PROXIES": 0,
        "LOGIN_ADDRESS_LIMIT": "100 per 15 minutes",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "METRICS_TOKEN": None,
        # None: a SQLite file beside the database in the instance folder (tests: "immediate")
        "QUEUE_URL": None,
        "QUEUE_NAME": None,  # None: named after the database (api.background.database_key)
        "DIGEST_HOUR": 6,
        "WORKER_LEASE": 120,
    }
    config.update({key: os.environ[key] for key in ENVIRONMENT if os.environ.get(key)})
    config.update(overrides or {})
    config["SMTP_PORT"] = int(config["SMTP_PORT"])
    config["REQUEST_OVERDUE_DAYS"] = int(config["REQUEST_OVERDUE_DAYS"])
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_CONTENT_LENGTH"])
    config["SQLITE_BUSY_TIMEOUT"] = float(config["SQLITE_BUSY_TIMEOUT"])
    config["TRUSTED_PROXIES"] = int(config["TRUSTED_PROXIES"])
    config["DIGEST_HOUR"] = int(config["DIGEST_HOUR"])
    config["WORKER_LEASE"] = float(config["WORKER_LEASE"])
    for flag in ("SMTP_STARTTLS", "SESSION_COOKIE_SECURE"):
        config[flag] = str(config[flag]).lower() in ("1", "true", "yes")
    config["SECRET_KEY"] = secret_key(config, Path(instance_path))
    return config


def unshared(config: dict[str, Any]) -> list[str]:
    """What a server on a database of the network (anything but the embedded SQLite) keeps to
    itself that its peers need: rate-limit counters in its own memory (each server process
    counts failed logins apart) and a queue in its instance folder (a worker of another machine
    never sees its tasks). Said at start, not refused: one server alone is a fine installation."""
    if str(config["DATABASE_URL"]).startswith("sqlite"):
        return []
    said = []
    if str(config["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
        said.append(
            "RATELIMIT_STORAGE_URI is memory://: each server process counts failed logins apart;"
            " set redis://HOST:6379/N, the same for every server of this database."
        )
    queue = config["QUEUE_URL"]
    if not config.get("TESTING") and (queue is None or str(queue).startswith("sqlite")):
        said.append(
            "QUEUE_URL is a SQLite file of this machine: only workers of this machine take its"
            " tasks; set redis://HOST:6379/N, the same for every server and worker."
        )
    return said


def secret_key(config: dict[str, Any], instance: Path) -> str:
    """The key that signs session cookies: the configured one if it is strong; on the
    embedded SQLite default, a random key made once in the instance folder (mode 0600);
    otherwise the server refuses to start."""
    key = config.get("SECRET_KEY")
    if key:
        if len(key) < MIN_SECRET or key.lower() in KNOWN_KEYS:
            raise InsecureConfiguration(
                f"SECRET_KEY is too easy to guess: use at least {MIN_SECRET} random characters,"
                " e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'."
            )
        return key
    if str(config["DATABASE_URL"]).startswith("sqlite"):
        return _kept_key(instance / SECRET_FILE)
    raise InsecureConfiguration(
        "Set SECRET_KEY (at least 32 random characters, the same on every server, e.g."
        " python -c 'import secrets; print(secrets.token_urlsafe(48))'): without it only the"
        " embedded SQLite default starts, with a key kept in its instance folder."
    )


def _kept_key(path: Path) -> str:
    """The key in `path`, made there first if there is none. Written to a private temporary
    file and linked into place, so that processes starting together agree on one key and
    none reads a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: theirs is the key
        finally:
            temporary.unlink()
    if path.stat().st_mode & 0o077:
        raise InsecureConfiguration(f"{path} must be readable by its owner only (chmod 600).")
    return path.read_text().strip()


def label_settings(config: dict[str, Any]) -> labels.Settings:
    """The rendering settings the configuration asks for."""
    stocks = config["LABEL_STOCKS"]
    return labels.Settings(
        stocks=json.loads(stocks) if isinstance(stocks, str) else stocks,
        zpl_font=config["ZPL_FONT"],
        zpl_font_file=config["ZPL_FONT_FILE"],
    )


def smtp(config: dict[str, Any]) -> Smtp:
    """The mail settings of a loaded configuration."""
    return Smtp(
        host=config["SMTP_HOST"],
        port=config["SMTP_PORT"],
        sender=config["SMTP_SENDER"],
        username=config["SMTP_USERNAME"],
        password=config["SMTP_PASSWORD"],
        starttls=config["SMTP_STARTTLS"],
    )
