"""An import's problem report: every problem counted, the first kept, all given to a sink."""

from repository.exchange.problems import Problem, Report, problem_cells


def test_a_report_keeps_its_first_problems_and_gives_every_one_to_its_sink() -> None:
    found: list[Problem] = []
    report = Report(limit=2, sink=found.append, file="a.csv")
    for row in range(2, 7):
        report.add(row, "method", "x" * 300, f"Bad method at {row}.")
    assert report.count == 5 and not report.ok
    assert [p.row for p in report.problems] == [2, 3]
    assert [p.row for p in found] == [2, 3, 4, 5, 6]
    assert problem_cells(found[-1]) == ["a.csv", 6, "method", "x" * 200, "Bad method at 6."]
