"""The Chinese pages in a real browser at tablet widths: no heading, table header or button
breaks a Chinese word over two lines. Chromium draws Chinese with the Noto Sans SC the labels
embed (a fontconfig file points at it), so the check does not depend on the system's fonts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labels.fonts import face
from tests.e2e.browsers import CHROMIUM, PASSWORD, away_from_login, shot

TABLET_WIDTHS = (768, 820, 1024, 1180)

# The text of each element that spreads over more than one line although it has no space.
SPLIT_WORDS = """() => {
  const split = [];
  const shown = 'header a, h1, h2, h3, th, dt, button';
  for (const el of document.querySelectorAll(shown)) {
    const text = el.innerText.trim();
    if (!text || /\\s/.test(text)) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const boxes = [...range.getClientRects()].filter(r => r.width > 0);
    const lines = new Set(boxes.map(r => Math.round(r.top)));
    if (lines.size > 1) split.push(text);
  }
  return split;
}"""


@pytest.fixture(scope="module")
def browser(playwright, tmp_path_factory):
    """Chromium of its own, with the labels' Noto Sans SC on its font path."""
    folder = tmp_path_factory.mktemp("fonts")
    noto = Path(face(latin=False, bold=False).file).parent
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{noto}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>"
    )
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox"],
        env={**os.environ, "FONTCONFIG_FILE": str(config)},
    )
    yield chromium
    chromium.close()


def test_the_dashboard_in_chinese_keeps_its_words_whole(browser, server):
    context = browser.new_context(viewport={"width": 820, "height": 1180}, locale="zh-CN")
    page = context.new_page()
    page.viewport_name = "tablet-zh"
    try:
        page.goto(f"{server}/login")
        page.get_by_label("电子邮箱").fill("admin@biorepo.example")
        page.get_by_label("密码").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(away_from_login)
        page.goto(f"{server}/dashboard")
        assert page.locator("html").get_attribute("lang").startswith("zh")
        for width in TABLET_WIDTHS:
            page.set_viewport_size({"width": width, "height": 1180})
            assert page.evaluate(SPLIT_WORDS) == [], f"at {width} px"
        page.set_viewport_size({"width": 820, "height": 1180})
        shot(page, "dashboard")
    finally:
        context.close()
