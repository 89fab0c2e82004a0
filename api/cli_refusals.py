"""How a command refuses: what was wrong (an import's problems, or each field's), why, and
exit status 1. The use cases it runs have written nothing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from labels import LabelError
from repository.errors import DomainError, ValidationFailed
from repository.exchange.problems import ImportRejected, Report


def print_problems(report: Report) -> None:
    """An import's problems, one a line (the first of them when there are many)."""
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    if report.count > len(report.problems):
        click.echo(f"  ... and {report.count - len(report.problems)} more.", err=True)


def field_problems(errors: Any, prefix: str = "") -> list[str]:
    """A validation's messages, one a line, each after the path of its field (`profile: TH01:
    ...`)."""
    if isinstance(errors, list):
        return [f"{prefix}: {message}" if prefix else str(message) for message in errors]
    if not isinstance(errors, dict):
        return [f"{prefix}: {errors}" if prefix else str(errors)]
    lines = []
    for key, value in errors.items():
        lines += field_problems(value, f"{prefix}: {key}" if prefix else str(key))
    return lines


@contextmanager
def refusing(nothing_done: str = "", problems_file: str | None = None) -> Iterator[None]:
    """Run the block; if its use case refuses, print why (after `nothing_done`, e.g. "Nothing
    was searched.", for a refused input) and exit with status 1. `problems_file` is where an
    import also wrote every problem."""
    try:
        yield
    except ImportRejected as error:
        print_problems(error.report)
        if problems_file:
            click.echo(f"Every problem is in {problems_file}.", err=True)
        click.echo(error.detail, err=True)
    except ValidationFailed as error:
        for line in field_problems(error.errors):
            click.echo(f"  {line}", err=True)
        click.echo(f"Refused: {error.detail}{' ' + nothing_done if nothing_done else ''}", err=True)
    except DomainError as error:
        click.echo(f"Refused: {error.detail}", err=True)
    except LabelError as error:
        click.echo(f"Refused: {error}", err=True)
    else:
        return
    sys.exit(1)
