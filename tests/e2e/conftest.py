"""What the browser tests share: one demo server for the whole session (`biorepo db upgrade`,
`demo`, `serve`, run once), Debian's Chromium driven by Playwright, and the marks of the tests
that drive it.

Tests on the shared demo must not depend on each other's changes: one that changes data works
on records that no other test asserts on (its own registrations, imports and requests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browsers import CHROMIUM, SHOTS, VIEWPORTS
from tests.servers import demo_server

HERE = Path(__file__).parent
NO_CHROMIUM = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="Chromium not installed (apt-get install chromium)"
)


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `browser` the tests of this folder that drive Chromium, and skip them without it.
    (The hook sees every collected test, so it picks those under this folder.)"""
    for item in items:
        if HERE in item.path.parents and "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            item.add_marker(NO_CHROMIUM)


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory) -> Path:
    """Where the shared demo database lives (demo.db)."""
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="session")
def server(demo_folder: Path) -> Iterator[str]:
    """The base URL of `biorepo serve` on the demo data, shared by every test that needs it."""
    with demo_server(demo_folder) as base:
        yield base


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """Playwright's synchronous API, started once (the tests skip without it)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    SHOTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as started:
        yield started


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    """Headless Chromium, launched once."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield chromium
    chromium.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser: Any) -> Iterator[Any]:
    """A tab of its own (its own cookies), at desktop then at tablet size."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], locale="en-GB")
    tab = context.new_page()
    tab.viewport_name = request.param
    yield tab
    context.close()
