"""What the browser tests share: Debian's Chromium, driven by Playwright, one per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browsers import CHROMIUM, SHOTS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (the modules skip themselves without it or without Playwright)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    SHOTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()
