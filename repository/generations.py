"""Generations of a mouse colony in the JAX style: N for backcross generations to the
background strain, F for intercross (sibling) generations after them, as in N10F3 (ten
backcrosses, then three generations of brother x sister matings)."""

from __future__ import annotations

import re

GENERATION = re.compile(r"^(?:N(\d{1,4}))?(?:F(\d{1,4}))?$", re.IGNORECASE)


def parse_generation(code: str) -> tuple[int, int] | None:
    """(backcrosses, intercrosses) of a code such as N10F3, N4, F2 or "" (a founder: 0, 0);
    None if the code is not of that form."""
    match = GENERATION.match(code.strip())
    if match is None:
        return None
    backcrosses, intercrosses = match.groups()
    return int(backcrosses or 0), int(intercrosses or 0)


def generation_code(backcrosses: int, intercrosses: int) -> str | None:
    """The code of (backcrosses, intercrosses): N10F3, N4, F2; None for a founder (0, 0)."""
    code = (f"N{backcrosses}" if backcrosses else "") + (f"F{intercrosses}" if intercrosses else "")
    return code or None


def offspring_generation(sire: str | None, dam: str | None) -> str | None:
    """The generation of the pups of a mating, from each parent's generation code: "" for a
    parent of the line without one (a founder), None for a parent from outside the line (the
    background strain it is backcrossed to).

    Both parents of the line are an intercross: F + 1 over the parents' backcrosses (N10 x N10
    gives N10F1, F2 x F2 gives F3, founders give F1). One parent of the line is a backcross:
    its backcrosses + 1, the intercrosses dropped (N4F2 x background gives N5). None when it
    cannot be told: neither parent of the line, a code that is not one, or an intercross of
    parents with different backcross generations."""
    parsed: list[tuple[int, int]] = []
    for code in (sire, dam):
        if code is not None:
            generation = parse_generation(code)
            if generation is None:
                return None
            parsed.append(generation)
    if not parsed:
        return None
    if len(parsed) == 1:
        return generation_code(parsed[0][0] + 1, 0)
    (n_sire, f_sire), (n_dam, f_dam) = parsed
    if n_sire != n_dam:
        return None
    return generation_code(n_sire, max(f_sire, f_dam) + 1)
