"""Where the browser tests find Chromium, where their screenshots go, the demo users' password,
the page sizes they use, and the steps most of them take (logging in, a screenshot)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).parent / "screenshots"
PASSWORD = "biorepo-demo"
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "tablet": {"width": 820, "height": 1180}}


def shot(page: Any, name: str, *, whole: bool = True) -> None:
    """A screenshot of the whole page (or of the screen), named for what it shows and the
    page's viewport. A whole-page shot stretches the viewport for a moment: a test that goes on
    clicking on a page taller than the screen takes the screen's."""
    page.screenshot(path=SHOTS / f"{name}-{page.viewport_name}.png", full_page=whole)


def away_from_login(url: str) -> bool:
    """Logged in: the login page sent the browser on (staff to what is due, others home)."""
    return "/login" not in url


def log_in(page: Any, server: str, email: str) -> None:
    """Log in as a demo user through the login form."""
    page.goto(f"{server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(away_from_login)
