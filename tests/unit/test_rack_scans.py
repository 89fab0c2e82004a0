"""Reading rack scanner files: the layouts of the common readers, and every problem by line."""

import pytest

from repository.exchange import limits
from repository.exchange.problems import ImportRejected
from repository.exchange.rack_scans import Scan, read_rack_file


def problems(data: bytes, rows: int = 8, cols: int = 12) -> list[tuple[int | None, str]]:
    with pytest.raises(ImportRejected) as error:
        read_rack_file(data, rows, cols)
    return [(p.row, p.message) for p in error.value.report.problems]


def test_rack_position_tube_lines_without_header():
    rack = read_rack_file(b"RK001,A01,FR123\nRK001,A02,NO TUBE\nRK001,H12,NO READ\n")
    assert rack.rack == "RK001" and rack.rack_line == 1
    assert rack.scans == (
        Scan(1, 1, 1, "FR123"),
        Scan(2, 1, 2),
        Scan(3, 8, 12, no_read=True),
    )


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_header_names_the_columns_in_any_order(delimiter):
    lines = ["Tube Barcode,Position,Rack ID", "fr-123, A1 ,RK001", "NOTUBE,B2,RK001"]
    data = "\r\n".join(line.replace(",", delimiter) for line in lines).encode()
    rack = read_rack_file(data)
    assert rack.rack == "RK001"
    assert rack.scans == (Scan(2, 1, 1, "FR123"), Scan(3, 2, 2))


def test_rack_code_in_a_header_line_then_positions_and_tubes():
    data = "\ufeffRack ID;RK9\nA01;T1\nA02;\nB01;No Read\n".encode()
    rack = read_rack_file(data)
    assert (rack.rack, rack.rack_line) == ("RK9", 1)
    assert rack.scans == (Scan(2, 1, 1, "T1"), Scan(3, 1, 2), Scan(4, 2, 1, no_read=True))


def test_rack_code_last_or_on_a_line_of_its_own():
    rack = read_rack_file(b"A01,FR0001,RK1\nA02,NO TUBE,RK1\n")
    assert (rack.rack, rack.scans) == ("RK1", (Scan(1, 1, 1, "FR0001"), Scan(2, 1, 2)))
    rack = read_rack_file(b"Rack ID: RK7\nA01\tT1\n")
    assert (rack.rack, rack.rack_line, rack.scans) == ("RK7", 1, (Scan(2, 1, 1, "T1"),))


def test_a_file_without_a_rack_code():
    assert read_rack_file(b"A01,T1\n").rack is None


def test_every_problem_is_named_by_its_line():
    data = b"RK1,A01,T1\nRK1,I01,T2\nRK1,A13,T3\nRK1,A01,T4\nRK1,B01,t1\nRK2,B02,T5\nRK1,ZZ,T6\n"
    assert problems(data) == [
        (2, "Outside the 8x12 rack (A1 to H12)."),
        (3, "Outside the 8x12 rack (A1 to H12)."),
        (4, "Position read twice (line 1)."),
        (5, "Tube read twice (line 1)."),
        (6, "Another rack than RK1 (line 1)."),
        (7, "Not a position (like A01 or A1)."),
    ]


def test_formula_looking_codes_and_control_characters_are_refused():
    found = problems(b'A01,=HYPERLINK("x")\nA02,@SUM(A1)\nA03,+T1\n')
    assert [line for line, _ in found] == [1, 2, 3]
    assert all("formula" in message for _, message in found)
    assert problems(b"A01,T1\nA02,T\x002\n") == [(2, "Not a text file (control character U+0000).")]


def test_binary_junk_and_size_limits():
    assert problems(b"\xff\xfe\x00\x01junk")[0][1].startswith("Not a text file")
    assert "at most" in problems(b"A01,T1\n" * (limits.RACK_FILE // 7 + 1))[0][1]
    assert problems(b"\n" * (limits.RACK_LINES + 1)) == [
        (None, f"A rack file has at most {limits.RACK_LINES} lines.")
    ]
    too_long = b"A01," + b"T" * 65 + b"\n"
    assert problems(too_long) == [(1, "A code has at most 64 characters; this one has 65.")]


def test_a_line_short_of_cells():
    assert problems(b"Rack,Position,Tube\nRK1,A01\n") == [(2, "A line needs 3 cells.")]
