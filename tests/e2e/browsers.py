"""Where the browser tests find Chromium, where their screenshots go, the demo users' password."""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).parent / "screenshots"
PASSWORD = "biorepo-demo"
