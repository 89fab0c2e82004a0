"""The vocabulary's values (statuses, kinds, events...) as words in the page's language."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale

from repository.words import words


def language() -> str:
    """The page's language: "zh" or "en"."""
    locale = get_locale()
    return "zh" if locale is not None and locale.language == "zh" else "en"


def term(value: Any, vocabulary: str | None = None) -> str:
    """The word for a vocabulary value (an enum member, or its string with the field it is a
    choice of); unknown values as they are, without underscores."""
    if value is None:
        return ""
    found = words(value, vocabulary)
    if found is not None:
        return found.said(language())
    return str(getattr(value, "value", value)).replace("_", " ")
