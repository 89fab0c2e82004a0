"""The problem report every importer gives: row, column, value and message of each problem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import ValidationFailed


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input; `row` counts as a spreadsheet does (the header is 1)."""

    row: int | None
    column: str | None
    value: str | None
    message: str
    file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                self.file,
                f"row {self.row}" if self.row is not None else None,
                f"column {self.column}" if self.column else None,
            )
            if part
        )
        value = f" ({self.value!r})" if self.value not in (None, "") else ""
        return f"{where}{value}: {self.message}" if where else f"{self.message}{value}"


@dataclass
class Report:
    """The problems found so far. Every one is counted; the first `limit` are kept, so a file of
    a million bad rows still fits in memory; every one goes to `sink` too, when there is one
    (a file of them all), in the order found."""

    limit: int = 10_000
    problems: list[Problem] = field(default_factory=list)
    count: int = 0
    file: str | None = None
    sink: Callable[[Problem], None] | None = None

    @property
    def ok(self) -> bool:
        return self.count == 0

    def add(self, row: int | None, column: str | None, value: Any, message: str) -> None:
        self.count += 1
        kept = len(self.problems) < self.limit
        if kept or self.sink is not None:
            shown = None if value is None else str(value)[:200]
            problem = Problem(row, column, shown, message, self.file)
            if kept:
                self.problems.append(problem)
            if self.sink is not None:
                self.sink(problem)

    def add_errors(
        self, row: int, messages: Any, columns: dict[str, str], values: dict[str, Any]
    ) -> None:
        """Marshmallow's messages ({field: [message] or nested}) as problems, each named by the
        column the field came from."""
        if isinstance(messages, list | str):
            messages = {"_schema": messages}
        for name, found in messages.items():
            column = columns.get(name, None if name == "_schema" else name)
            for message in _flatten(found):
                self.add(row, column, values.get(name), message)

    def in_order(self) -> None:
        """Sort the problems by file (in the order read) and row; checks made per batch add
        theirs after those of single rows."""
        files: dict[str | None, int] = {}
        for problem in self.problems:
            files.setdefault(problem.file, len(files))
        self.problems.sort(key=lambda p: (files[p.file], p.row or 0))

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "problems": [p.as_dict() for p in self.problems]}


COLUMNS = ("file", "row", "column", "value", "message")  # of a file of problems


def problem_cells(problem: Problem) -> list[Any]:
    """A problem as a row of such a file, in the order of COLUMNS."""
    return [getattr(problem, name) for name in COLUMNS]


def _flatten(messages: Any) -> list[str]:
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, dict):
        return [
            f"{key}: {m}" if not isinstance(key, int) else m
            for key, value in messages.items()
            for m in _flatten(value)
        ]
    return [m for value in messages for m in _flatten(value)]


class ImportRejected(ValidationFailed):
    """The input has problems; nothing was imported."""

    def __init__(self, report: Report) -> None:
        super().__init__(
            report.as_dict(),
            f"{report.count} problem{'s' if report.count != 1 else ''} found; "
            "nothing was imported.",
        )
        self.report = report
