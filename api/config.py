"""Configuration: defaults, then environment variables, then what the caller passes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ENVIRONMENT = ("DATABASE_URL", "SECRET_KEY")


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'biorepo.db'}",
        "SECRET_KEY": "dev-only-change-me",
        "JSON_SORT_KEYS": False,
    }
    config.update({key: os.environ[key] for key in ENVIRONMENT if os.environ.get(key)})
    config.update(overrides or {})
    return config
