"""Hostile uploads through the real app: archives and workbooks that expand to hundreds of MB
(refused before they are read, the server's memory staying within 64 MiB of where it was), and
malformed files that once answered 500 (each a precise problem, in the dry run and the commit)."""

from __future__ import annotations

import io
import random
import string
import tracemalloc
import zipfile
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from api.cli import main
from repository.db import make_engine, session_factory, unit_of_work
from repository.exchange.limits import COLUMNS, MEMBERS, MIB
from tests.clients import send, upload
from tests.conftest import make_collection
from tests.databases import migrated

POST = "/api/v1/exchange/imports"
HEAP = 64 * MIB  # what refusing a bomb may take, at most
BOMB = 300 * MIB  # what each bomb expands to
DWC = "http://rs.tdwg.org/dwc/terms/"
OCCURRENCE = (
    "catalogNumber\tscientificName\tbasisOfRecord\n"
    "SEC 1\tBacillus subtilis\tLivingSpecimen\n"
    "SEC 2\tBacillus cereus\tLivingSpecimen\n"
)
CORE = {
    "encoding": "UTF-8",
    "fieldsTerminatedBy": "\\t",
    "linesTerminatedBy": "\\n",
    "fieldsEnclosedBy": "",
    "ignoreHeaderLines": "1",
    "rowType": DWC + "Occurrence",
}
FIELDS = {"0": "catalogNumber", "1": "scientificName", "2": "basisOfRecord"}


# --- building the uploads -------------------------------------------------------------------


def zipped(members: dict[str, bytes | Callable[[], Any]]) -> bytes:
    """A zip of its members: bytes as they are, or a function giving chunks of bytes, written
    as a stream so that a member of hundreds of MB never is in memory whole."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w") as member:
                for chunk in content():
                    member.write(chunk)
    return out.getvalue()


def repeated(head: bytes, fill: bytes, size: int, tail: bytes = b"") -> Callable[[], Any]:
    """Chunks of `head`, then `fill` repeated to `size` bytes, then `tail`."""
    chunk = fill * (MIB // len(fill))

    def chunks() -> Any:
        yield head
        for _ in range(size // len(chunk)):
            yield chunk
        yield tail

    return chunks


def meta_xml(core: dict[str, str] | None = None, fields: dict[str, str] | None = None) -> bytes:
    attributes = " ".join(f'{k}="{v}"' for k, v in (core or CORE).items())
    mapped = "".join(
        f'<field index="{i}" term="{DWC}{term}"/>' for i, term in (fields or FIELDS).items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<archive xmlns="http://rs.tdwg.org/dwc/text/" metadata="eml.xml"><core {attributes}>'
        f'<files><location>occurrence.txt</location></files><id index="0"/>{mapped}</core>'
        "</archive>"
    ).encode()


def archive(
    core: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
    occurrence: bytes | Callable[[], Any] | None = None,
    meta: bytes | Callable[[], Any] | None = None,
) -> bytes:
    core_file = occurrence or OCCURRENCE.encode()
    return zipped({"meta.xml": meta or meta_xml(core, fields), "occurrence.txt": core_file})


@cache
def workbook_parts() -> dict[str, bytes]:
    """The parts of a small, good workbook (a header and a strain)."""
    book = Workbook()
    book.active.append(["accession_number", "designation", "taxon_name"])
    book.active.append(["SEC 9", "Good strain", "Bacillus subtilis"])
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as parts:
        return {name: parts.read(name) for name in parts.namelist()}


def workbook(**replaced: bytes | Callable[[], Any]) -> bytes:
    """The good workbook with some of its parts replaced (`xl/worksheets/sheet1.xml` as
    `sheet`, `xl/workbook.xml` as `book`)."""
    names = {"sheet": "xl/worksheets/sheet1.xml", "book": "xl/workbook.xml"}
    parts: dict[str, bytes | Callable[[], Any]] = dict(workbook_parts())
    parts.update({names[key]: value for key, value in replaced.items()})
    return zipped(parts)


SHEET_ROWS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>accession_number</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>designation</t></is></c></row>'
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>SEC 8</t></is></c>'
)
SHEET_HEAD = SHEET_ROWS + b'<c r="B2" t="inlineStr"><is><t>'
SHEET_TAIL = b"</t></is></c></row></sheetData></worksheet>"


def noise(size: int) -> bytes:
    """`size` letters that hardly compress (the ratio limit does not catch them)."""
    rng = random.Random(size)
    return "".join(rng.choices(string.ascii_letters, k=size)).encode()


@cache
def bombs() -> dict[str, tuple[bytes, str, str]]:
    """Each bomb: (the upload, its format, what the refusal says)."""
    return {
        "meta.xml of 300 MB": (
            archive(meta=repeated(b"", b"\0", BOMB)),
            "dwca",
            "meta.xml expands 1,",  # ... thousand times, more than the 100 times
        ),
        "a cell of 300 MB": (
            workbook(sheet=repeated(SHEET_HEAD, b"A", BOMB, SHEET_TAIL)),
            "xlsx",
            "xl/worksheets/sheet1.xml expands",
        ),
        "a line of 300 MB": (
            archive(occurrence=repeated(b"catalogNumber\t", b"x", BOMB, b"\n")),
            "dwca",
            "occurrence.txt expands",
        ),
        "field index 30000000": (
            archive(fields={**FIELDS, "30000000": "locality"}),
            "dwca",
            f"is not a column number from 0 to {COLUMNS - 1:,}",
        ),
        "a line of 2 MB that does not compress": (
            archive(occurrence=OCCURRENCE.encode() + noise(2 * MIB) + b"\n"),
            "dwca",
            "A line is longer than 1 MiB",
        ),
        "a cell of 2 MB that does not compress": (
            workbook(sheet=SHEET_HEAD + noise(2 * MIB) + SHEET_TAIL),
            "xlsx",
            "xl/worksheets/sheet1.xml holds a text longer than 1 MiB",
        ),
        "a tag of 2 MB": (
            workbook(
                sheet=SHEET_ROWS
                + b'<c r="B2" t="inlineStr" x="'
                + noise(2 * MIB)
                + b'"><is><t>x'
                + SHEET_TAIL
            ),
            "xlsx",
            "holds a tag, comment or declaration longer than 1 MiB",
        ),
        "more members than allowed": (
            zipped({f"m{i}.txt": b"" for i in range(MEMBERS + 1)}),
            "xlsx",
            f"more than the {MEMBERS:,} an upload may",
        ),
    }


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


def test_the_command_line_refuses_bombs_too(tmp_path, monkeypatch):
    url = migrated(f"sqlite:///{tmp_path / 'cli.db'}")
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        make_collection(db)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    for bomb, fmt in (("meta.xml of 300 MB", "dwca"), ("a cell of 300 MB", "xlsx")):
        content, _, says = bombs()[bomb]
        path = tmp_path / f"bomb.{fmt}"
        path.write_bytes(content)
        command = ["import", fmt, str(path), "--collection", "TST", "--dry-run"]
        result, most = peak(lambda command=command: CliRunner().invoke(main, command))
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


def test_a_named_encoding_that_is_not_of_text_is_a_problem(tmp_path, monkeypatch):
    url = migrated(f"sqlite:///{tmp_path / 'cli.db'}")
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        make_collection(db)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    path = tmp_path / "m.csv"
    path.write_bytes(b"accession_number,designation,taxon_name\nSEC 1,A,Bacillus subtilis\n")
    for codec in ("base64", "rot13", "zlib"):
        command = ["import", "csv", str(path), "--collection", "TST", "--dry-run"]
        result = CliRunner().invoke(main, [*command, "--encoding", codec])
        assert result.exit_code == 1 and "not one of text" in result.output, result.output
