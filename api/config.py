"""Configuration: defaults, then environment variables, then what the caller passes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import labels
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
)


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'biorepo.db'}",
        "SECRET_KEY": "dev-only-change-me",
        "JSON_SORT_KEYS": False,
        "API_TITLE": "biorepo",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
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
        # stocks per template as JSON, e.g. {"cryovial": "1x0.5in", "box": "50x25mm"};
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
    }
    config.update({key: os.environ[key] for key in ENVIRONMENT if os.environ.get(key)})
    config.update(overrides or {})
    config["SMTP_PORT"] = int(config["SMTP_PORT"])
    config["REQUEST_OVERDUE_DAYS"] = int(config["REQUEST_OVERDUE_DAYS"])
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_CONTENT_LENGTH"])
    config["SMTP_STARTTLS"] = str(config["SMTP_STARTTLS"]).lower() in ("1", "true", "yes")
    return config


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
