"""Hostile uploads through the real app: archives and workbooks that expand to hundreds of MB
(refused before they are read, the server's memory staying within 64 MiB of where it was), and
malformed files that once answered 500 (each a precise problem, in the dry run and the commit)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from repository.db import make_engine, session_factory, unit_of_work
from repository.exchange.limits import MIB
from tests.bombs import (
    CORE,
    FIELDS,
    HEAP,
    OCCURRENCE,
    SHEET_HEAD,
    archive,
    bombs,
    noise,
    repeated,
    workbook,
    workbook_parts,
)
from tests.clients import CliRunner, send, upload
from tests.conftest import make_collection
from tests.databases import migrated

POST = "/api/v1/exchange/imports"


@pytest.fixture
def cli_database(tmp_path, monkeypatch) -> None:
    """A migrated SQLite database with collection TST, which DATABASE_URL names."""
    url = migrated(f"sqlite:///{tmp_path / 'cli.db'}")
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        make_collection(db)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)


def answer(app, token: str, fmt: str, content: bytes, name: str, dry_run: bool) -> Any:
    return send(app, "POST", POST, token, upload(fmt, content, name, dry_run=dry_run))


def problems_of(response: Any, dry_run: bool) -> list[dict]:
    """The problems a dry run (200) or a commit (422, nothing imported) tells."""
    if dry_run:
        assert response.status_code == 200, response.json
        found = response.json["problems"]
    else:
        assert response.status_code == 422, response.json
        found = response.json["errors"]["problems"]
    assert found, response.json
    return found


def peak(call: Callable[[], Any]) -> tuple[Any, int]:
    """What `call` returns, and the most memory Python allocated while it ran (tracemalloc
    counts every allocation through Python's allocators: bytes, zlib's output, expat's buffers)."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- item 4: uploads that would eat the server ------------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry", "commit"])
@pytest.mark.parametrize("bomb", list(bombs()))
def test_a_bomb_is_refused_before_it_is_read(world, bomb, dry_run):
    app, tokens, _ = world
    content, fmt, says = bombs()[bomb]
    name = f"bomb.{'zip' if fmt == 'dwca' else 'xlsx'}"
    response, most = peak(lambda: answer(app, tokens["curator"], fmt, content, name, dry_run))
    problems = problems_of(response, dry_run)
    assert any(says in p["message"] for p in problems), problems
    assert all(p["file"] == name for p in problems)
    assert most < HEAP, f"{most / MIB:.0f} MiB to refuse {bomb}"


def test_a_member_whose_header_understates_it_is_read_no_further(world):
    """The directory says 10 bytes; the member holds 300 MB: reading stops at 10 (its CRC then
    fails)."""
    app, tokens, _ = world
    content = bytearray(archive(occurrence=repeated(OCCURRENCE.encode(), b"x", 2 * MIB)))
    directory = content.rindex(b"PK\x01\x02")  # occurrence.txt's entry, the last one
    content[directory + 24 : directory + 28] = (10).to_bytes(4, "little")  # its size
    response, most = peak(
        lambda: answer(app, tokens["curator"], "dwca", bytes(content), "lying.zip", True)
    )
    problems = problems_of(response, True)
    assert any("broken" in p["message"] or "CRC" in p["message"] for p in problems), problems
    assert most < HEAP


@pytest.mark.usefixtures("cli_database")
def test_the_command_line_refuses_bombs_too(tmp_path, runner: CliRunner):
    for bomb, fmt in (("meta.xml of 300 MB", "dwca"), ("a cell of 300 MB", "xlsx")):
        content, _, says = bombs()[bomb]
        path = tmp_path / f"bomb.{fmt}"
        path.write_bytes(content)
        command = ["import", fmt, str(path), "--collection", "TST", "--dry-run"]
        result, most = peak(lambda command=command: runner.invoke(command))
        assert result.exit_code == 1, result.output
        assert says in result.output, result.output
        assert most < HEAP, f"{most / MIB:.0f} MiB to refuse {bomb}"


# --- item 5: malformed uploads are problems at their place, never a 500 -----------------------

MALFORMED = {
    "a delimiter of two characters": (
        archive(core={**CORE, "fieldsTerminatedBy": ";;"}),
        "fieldsTerminatedBy",
        ";;",
        "one character",
    ),
    "a bad escape as delimiter": (
        archive(core={**CORE, "fieldsTerminatedBy": "\\x"}),
        "fieldsTerminatedBy",
        "\\x",
        "one character",
    ),
    "ignoreHeaderLines x": (
        archive(core={**CORE, "ignoreHeaderLines": "x"}),
        "ignoreHeaderLines",
        "x",
        "a count",
    ),
    "index one": (
        archive(fields={**FIELDS, "one": "locality"}),
        "index",
        "one",
        "not a column number",
    ),
    **{
        f"encoding {codec}": (
            archive(core={**CORE, "encoding": codec}),
            "encoding",
            codec,
            "unknown or not one of text",
        )
        for codec in ("base64", "rot13", "zlib")
    },
    "a column the core file does not have": (
        archive(fields={**FIELDS, "7": "locality"}),
        "index",
        "7",
        "the core file has 3 columns",
    ),
    "a meta.xml with entities": (
        archive(meta=b'<!DOCTYPE a [<!ENTITY x "y">]><archive>&x;</archive>'),
        None,
        None,
        "meta.xml declares a DTD or entities",
    ),
}


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry", "commit"])
@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_archive_is_a_problem_at_its_place(world, case, dry_run):
    app, tokens, _ = world
    content, column, value, says = MALFORMED[case]
    response = answer(app, tokens["curator"], "dwca", content, "bad.zip", dry_run)
    (problem,) = problems_of(response, dry_run)
    assert (problem["file"], problem["column"], problem["value"]) == ("bad.zip", column, value)
    assert says in problem["message"], problem


def test_a_good_archive_has_no_problem(world):
    """The archives above differ from this one only in what each case breaks."""
    app, tokens, _ = world
    response = answer(app, tokens["curator"], "dwca", archive(), "good.zip", True)
    assert response.status_code == 200 and response.json["count"] == 0, response.json
    assert response.json["counts"]["materials"] == 2


DOCTYPE = b'<!DOCTYPE workbook [<!ENTITY e "e">]>'


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry", "commit"])
@pytest.mark.parametrize("part", ["book", "sheet"])
def test_a_workbook_with_a_doctype_is_refused(world, part, dry_run):
    app, tokens, _ = world
    good = workbook_parts()["xl/workbook.xml" if part == "book" else "xl/worksheets/sheet1.xml"]
    declaration = good[: good.index(b"?>") + 2] if good.startswith(b"<?xml") else b""
    content = workbook(**{part: declaration + DOCTYPE + good[len(declaration) :]})
    response = answer(app, tokens["curator"], "xlsx", content, "doc.xlsx", dry_run)
    (problem,) = problems_of(response, dry_run)
    assert "declares a DOCTYPE" in problem["message"] and problem["file"] == "doc.xlsx"


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry", "commit"])
def test_a_workbook_part_that_is_not_well_formed_is_a_problem(world, dry_run):
    app, tokens, _ = world
    content = workbook(sheet=SHEET_HEAD + b"SEC 7</t></row>")
    response = answer(app, tokens["curator"], "xlsx", content, "cut.xlsx", dry_run)
    (problem,) = problems_of(response, dry_run)
    assert "xl/worksheets/sheet1.xml is not well-formed XML" in problem["message"], problem


def test_the_good_workbook_has_no_problem(world):
    app, tokens, _ = world
    response = answer(app, tokens["curator"], "xlsx", workbook(), "good.xlsx", True)
    assert response.status_code == 200 and response.json["count"] == 0, response.json
    assert response.json["counts"]["materials"] == 1


@pytest.mark.parametrize("name", ["..", ".", "../../x.csv", "a\0b.csv", "x" * 300 + ".csv"])
def test_an_upload_named_to_escape_its_folder_is_saved_inside_it(world, name):
    app, tokens, _ = world
    content = b"accession_number,designation,taxon_name\nSEC 5,Named,Bacillus subtilis\n"
    response = answer(app, tokens["curator"], "csv", content, name, True)
    assert response.status_code == 200, response.json
    assert response.json["count"] == 0 and response.json["counts"]["materials"] == 1


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry", "commit"])
def test_a_nul_byte_is_a_problem_at_its_cell(world, dry_run):
    app, tokens, _ = world
    content = (
        b"accession_number,designation,taxon_name\n"
        b"SEC 6,Nul\0strain,Bacillus subtilis\n"
        b"SEC 7,Fine,Bacillus subtilis\n"
    )
    response = answer(app, tokens["curator"], "csv", content, "nul.csv", dry_run)
    (problem,) = problems_of(response, dry_run)
    assert (problem["row"], problem["column"]) == (2, "designation"), problem
    assert "NUL" in problem["message"]


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry", "commit"])
def test_a_csv_line_past_the_limit_is_a_problem_at_its_row(world, dry_run):
    app, tokens, _ = world
    content = b"accession_number,designation,taxon_name\nSEC 4,x," + noise(2 * MIB) + b"\n"
    response, most = peak(
        lambda: answer(app, tokens["curator"], "csv", content, "long.csv", dry_run)
    )
    (problem,) = problems_of(response, dry_run)
    assert problem["row"] == 2 and "A line is longer than 1 MiB" in problem["message"], problem
    assert most < HEAP


@pytest.mark.usefixtures("cli_database")
def test_a_named_encoding_that_is_not_of_text_is_a_problem(tmp_path, runner: CliRunner):
    path = tmp_path / "m.csv"
    path.write_bytes(b"accession_number,designation,taxon_name\nSEC 1,A,Bacillus subtilis\n")
    for codec in ("base64", "rot13", "zlib"):
        command = ["import", "csv", str(path), "--collection", "TST", "--dry-run"]
        result = runner.invoke([*command, "--encoding", codec])
        assert result.exit_code == 1 and "not one of text" in result.output, result.output
