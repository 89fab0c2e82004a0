"""Checks of animal line names against the nomenclature of mouse and rat strains, where the
rules are unambiguous: a substrain is written Parent/Substrain (C57BL/6J, C57BL/6NCrl), the
well-known strains are spelled as registered (BALB/c, not Balb/c), and an F1 hybrid is named by
its parents' abbreviations, the female's first, then F1 (B6D2F1). They only warn."""

from __future__ import annotations

import re

# Well-known strains and the abbreviation an F1 hybrid names them by.
ABBREVIATIONS = {
    "C57BL/6": "B6",
    "C57BL/10": "B10",
    "DBA/2": "D2",
    "BALB/c": "C",
    "C3H": "C3",
    "129": "129",
    "CBA": "CBA",
    "FVB/N": "FVB",
    "A": "A",
    "SJL": "SJL",
    "NOD": "NOD",
}
# Spellings of well-known strains that are not theirs (compared without case and slashes).
_CANONICAL = {re.sub(r"[/\s]", "", s).upper(): s for s in ABBREVIATIONS if len(s) > 3}
_CROSS = re.compile(r"^\(?(?P<female>.+?)\s+[x×X]\s+(?P<male>.+?)\)?\s*F1$")


def check_name(name: str, female: str | None = None, male: str | None = None) -> list[str]:
    """What the line name `name` breaks of the nomenclature, as warnings (none: nothing
    found); `female` and `male`, the parent strains of an F1 hybrid, when known."""
    name = name.strip()
    warnings: list[str] = []
    if not name:
        return ["The name is empty."]
    if re.search(r"\s/|/\s", name):
        warnings.append(
            "A substrain is written Parent/Substrain without spaces around the slash (C57BL/6J)."
        )
    if name.startswith("/") or name.endswith("/"):
        warnings.append("A substrain is written Parent/Substrain (C57BL/6J); a side is empty.")
    warnings.extend(_misspelled(name))
    warnings.extend(_hybrid(name, female, male))
    return warnings


def _strain_of(name: str) -> str | None:
    """The well-known strain a (sub)strain name is of: C57BL/6 for C57BL/6NCrl."""
    for strain in sorted(ABBREVIATIONS, key=len, reverse=True):
        if name == strain or (
            name.startswith(strain) and "/" in strain and re.match(r"[A-Z]", name[len(strain) :])
        ):
            return strain
        if "/" not in strain and name.startswith(strain + "/"):
            return strain
        if strain == "129" and re.match(r"129[PSTX]\d", name):
            return strain
    return None


def _misspelled(name: str) -> list[str]:
    """A well-known strain spelled otherwise (C57Bl/6, BALB/C, C57BL6J)."""
    found = []
    for word in re.split(r"[\s.;,()-]+", name):
        squeezed = word.replace("/", "").upper()
        for key, strain in _CANONICAL.items():
            if not squeezed.startswith(key) or word.startswith(strain):
                continue
            rest = word[len(word) - len(squeezed) + len(key) :]
            if rest and not re.fullmatch(r"[A-Za-z]+", rest):
                continue  # another strain, such as C57BL/10 against C57BL/1
            found.append(f"{word!r}: the strain is written {strain} ({strain}{rest}).")
            break
    return found


def _hybrid(name: str, female: str | None, male: str | None) -> list[str]:
    """An F1 hybrid's name: parents' abbreviations, the female first, then F1."""
    crossed = _CROSS.match(name)
    if crossed:
        parents = _abbreviation(crossed["female"]), _abbreviation(crossed["male"])
        named = f"{parents[0]}{parents[1]}F1" if all(parents) else "its parents' abbreviations"
        return [
            "An F1 hybrid is named by its parents' abbreviations, the female's first, then F1 "
            f"({named})."
        ]
    if re.search(r"f1$", name) and not name.endswith("F1"):
        return ["An F1 hybrid's name ends with F1 (capital F)."]
    if not name.endswith("F1") or female is None or male is None:
        return []
    first, second = _abbreviation(female), _abbreviation(male)
    if first is None or second is None:
        return []
    expected = f"{first}{second}F1"
    if name != expected and name == f"{second}{first}F1":
        return [
            f"An F1 hybrid names the female parent first: {expected} (a {female} female "
            f"crossed with a {male} male)."
        ]
    return []


def _abbreviation(strain: str) -> str | None:
    strain = strain.strip()
    if strain in ABBREVIATIONS.values():
        return strain
    known = _strain_of(strain)
    return ABBREVIATIONS[known] if known else None
