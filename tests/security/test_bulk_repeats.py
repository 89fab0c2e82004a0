"""A hostile or careless sheet against the importer's short cut for a vial's row that repeats
the row before: rows that alternate two declarations of one material or lot, a redeclaration
repeated, and a repeat that reuses the row before's barcode and place are each reported on
their own row, and nothing is written."""

from __future__ import annotations

from tests.integration.test_bulk_import import (  # noqa: F401 (stock: a fixture)
    HEADER,
    VIAL,
    counts,
    problems,
    stock,
    write,
)

GOOD = "L1,glycerol_minus80,2025-01-01"
OTHER = "L1,lyophilised,2025-01-01"


def test_alternating_and_repeated_redeclarations_are_each_reported(
    factory,
    stock,  # noqa: F811 (the fixture imported above)
    tmp_path,
):
    box = stock["box"]
    rows = [
        f"CC 90,A,Bacillus subtilis,{GOOD},{VIAL},X-1,{box},A1",
        f"CC 90,B,Bacillus subtilis,{GOOD},{VIAL},X-2,{box},A2",  # the material again, other
        f"CC 90,B,Bacillus subtilis,{GOOD},{VIAL},X-3,{box},A3",  # ... and once more
        f"CC 90,A,Bacillus subtilis,{OTHER},{VIAL},X-4,{box},A4",  # the lot again, other
        f"CC 90,A,Bacillus subtilis,{OTHER},{VIAL},X-5,{box},A5",
        f"CC 90,A,Bacillus subtilis,{GOOD},{VIAL},X-6,{box},A6",  # as first declared: fine
        f"CC 90,A,Bacillus subtilis,{GOOD},{VIAL},X-6,{box},A6",  # a repeat, its code and place
    ]
    before = counts(factory)
    for batch in (1000, 2):  # the rows in one batch, or a batch boundary between each pair
        found = problems(
            factory, write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"), batch=batch
        )
        assert [(row, column) for row, column, _, _ in found] == [
            (3, "accession_number"),
            (4, "accession_number"),
            (5, "lot"),
            (6, "lot"),
            (8, "barcode"),
            (8, "position"),
        ]
    assert counts(factory) == before
