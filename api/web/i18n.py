"""Chinese and English: the language from a cookie (the switch) or the browser's
Accept-Language, and message catalogues compiled when stale."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, redirect, request
from flask_babel import Babel
from werkzeug.wrappers import Response

from .pages import safe_next

LANGUAGES = ("en", "zh")
COOKIE = "lang"
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def compile_catalogues(folder: Path = TRANSLATIONS) -> None:
    """Compile each messages.po whose .mo is missing or older (atomically, so that workers
    starting together never read half a file)."""
    for po in folder.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source)
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalogue)
        os.replace(temporary, mo)


def install(app: Flask) -> None:
    compile_catalogues()
    Babel(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))


def switch(code: str) -> Response:
    """Set the language cookie and go back where the user was."""
    response = redirect(safe_next(request.args.get("next")))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 86400, samesite="Lax")
    return response


def routes(web: Blueprint) -> None:
    web.add_url_rule("/lang/<code>", "language", switch)
