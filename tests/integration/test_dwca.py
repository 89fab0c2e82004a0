"""Darwin Core Archives: a collection's strains and specimens exported, then read back with
python-dwca-reader, each row's terms as GBIF would read them."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from dwca.read import DwCAReader
from sqlalchemy import select

from repository.exchange import dwca
from repository.models import Item
from repository.schemas.inventory import Consume
from repository.services import inventory
from tests.conftest import make_lot, make_strain
from tests.factories import add_material

DWC = "http://rs.tdwg.org/dwc/terms/"


@pytest.fixture
def archive(db, collection, tmp_path):
    strain = make_strain(
        db,
        accession_number="TST 00001",
        identifiers=[{"scheme": "ATCC", "value": "700926"}, {"scheme": "DSM", "value": "18039"}],
        origin_country="DEU",
        origin_site="Göttingen,\tsoil",
        latitude=51.54,
        longitude=9.93,
        collection_date="1922-03",
        collector="A. Müller",
        abs_status="in_scope",
        abs_permits="IRCC-DE-2019-1",
        ipr="None known",
    )
    make_lot(db, strain, items=2)
    make_lot(db, strain, items=1, method="lyophilised", unit="ampoule", form="ampoule")
    dna = add_material(
        db,
        "TST",
        {
            "kind": "specimen",
            "accession_number": "TST 00002",
            "designation": "DNA of leaf",
            "taxon_name": "Arabidopsis thaliana",
            "specimen_type": "dna",
        },
    )
    lot = make_lot(db, dna, items=1, method="frozen_minus80", form="tube")
    inventory.consume(db, db.scalar(select(Item.barcode).where(Item.lot_id == lot.id)), Consume())
    add_material(
        db,
        "TST",
        {
            "kind": "specimen",
            "accession_number": "TST 00003",
            "designation": "Sheet",
            "taxon_name": "Quercus robur",
            "specimen_type": "herbarium_sheet",
        },
    )
    make_strain(db, accession_number="TST 00004", access_level="internal")
    out = io.BytesIO()
    count = dwca.export(db, "TST", out)
    path = tmp_path / "tst.zip"
    path.write_bytes(out.getvalue())
    return count, path


def test_the_archive_reads_back_with_every_term(archive):
    count, path = archive
    assert count == 3
    with DwCAReader(str(path)) as reader:
        assert reader.descriptor.core.type == DWC + "Occurrence"
        assert reader.metadata is not None
        rows = {row.data[DWC + "catalogNumber"]: row.data for row in reader}
    assert sorted(rows) == ["TST 00001", "TST 00002", "TST 00003"]  # not the internal one
    strain = rows["TST 00001"]
    assert strain[DWC + "occurrenceID"] == "urn:catalog:TST:TST:TST%2000001"
    assert strain[DWC + "basisOfRecord"] == "LivingSpecimen"
    assert strain[DWC + "scientificName"] == "Escherichia coli"
    assert strain[DWC + "preparations"] == "glycerol_minus80 | lyophilised"
    assert strain[DWC + "disposition"] == "in collection"
    assert strain[DWC + "recordedBy"] == "A. Müller"
    assert strain[DWC + "eventDate"] == "1922-03"
    assert strain[DWC + "country"] == "Germany"
    assert strain[DWC + "countryCode"] == "DE"
    assert strain[DWC + "locality"] == "Göttingen, soil"
    assert float(strain[DWC + "decimalLatitude"]) == 51.54
    assert float(strain[DWC + "decimalLongitude"]) == 9.93
    assert strain[DWC + "geodeticDatum"] == "WGS84"
    assert strain[DWC + "institutionCode"] == "TST"
    assert strain[DWC + "collectionCode"] == "TST"
    assert strain[DWC + "otherCatalogNumbers"] == "ATCC:700926 | DSM:18039"
    assert strain[DWC + "associatedSequences"] == ""
    assert "Nagoya/ABS: in_scope" in strain["http://purl.org/dc/terms/accessRights"]
    assert "IRCC-DE-2019-1" in strain["http://purl.org/dc/terms/accessRights"]
    properties = json.loads(strain[DWC + "dynamicProperties"])
    assert properties["absStatus"] == "in_scope" and properties["ipr"] == "None known"
    dna = rows["TST 00002"]
    assert dna[DWC + "basisOfRecord"] == "MaterialSample"
    assert dna[DWC + "disposition"] == "consumed"
    assert dna[DWC + "geodeticDatum"] == "" and dna[DWC + "country"] == ""
    sheet = rows["TST 00003"]
    assert sheet[DWC + "basisOfRecord"] == "PreservedSpecimen"
    assert sheet[DWC + "disposition"] == "" and sheet[DWC + "preparations"] == ""


def test_the_core_is_tab_separated_utf8_with_a_header(archive):
    _, path = archive
    with zipfile.ZipFile(path) as zipped:
        assert sorted(zipped.namelist()) == ["eml.xml", "meta.xml", "occurrence.txt"]
        lines = zipped.read("occurrence.txt").decode("utf-8").split("\n")
    assert lines[0].split("\t")[:3] == ["occurrenceID", "catalogNumber", "basisOfRecord"]
    assert lines[-1] == "" and len(lines) == 5
    assert all(len(line.split("\t")) == len(dwca.TERMS) for line in lines[:-1])


STORED = (
    "kind",
    "designation",
    "taxon_name",
    "taxon_id",
    "collector",
    "collection_date",
    "origin_country",
    "origin_site",
    "latitude",
    "longitude",
    "abs_status",
    "abs_permits",
    "ipr",
    "restrictions_on_use",
    "risk_group",
    "access_level",
)


def _stored(db, code):
    from repository.models import Material
    from repository.services.collections import get_collection

    found = db.scalars(
        select(Material).where(Material.collection_id == get_collection(db, code).id)
    )
    return {
        m.accession_number: (
            {f: getattr(m, f) for f in STORED}
            | {"identifiers": sorted((i.scheme, i.value) for i in m.identifiers)}
            | {"specimen_type": getattr(m, "specimen_type", None)}
        )
        for m in found
        if m.access_level.value != "internal"
    }


def test_an_exported_archive_imports_to_the_same_values(db, archive):
    from repository.exchange import bulk
    from repository.exchange.imports import import_files
    from tests.conftest import make_collection

    count, path = archive
    make_collection(db, "TS2")
    dry = import_files(db, [path], "dwca", bulk.Options("TS2", dry_run=True))
    assert dry.report.ok, [str(p) for p in dry.report.problems]
    assert dry.materials == count == 3
    outcome = import_files(db, [path], "dwca", bulk.Options("TS2"))
    assert outcome.materials == 3
    ours, theirs = _stored(db, "TST"), _stored(db, "TS2")
    assert theirs["TST 00001"]["origin_site"] == "Göttingen, soil"  # no tabs in a DwC cell
    ours["TST 00001"]["origin_site"] = "Göttingen, soil"
    assert theirs == ours


def test_an_archive_with_problems_imports_nothing(db, archive, tmp_path):
    from repository.exchange import bulk
    from repository.exchange.imports import import_files
    from repository.exchange.problems import ImportRejected
    from tests.conftest import make_collection

    _, path = archive
    make_collection(db, "TS3")
    with zipfile.ZipFile(path) as source:
        core = source.read("occurrence.txt").decode().replace("\tDE\t", "\tXX\t")
        meta = source.read("meta.xml")
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as target:
        target.writestr("meta.xml", meta)
        target.writestr("occurrence.txt", core)
    with pytest.raises(ImportRejected) as rejected:
        import_files(db, [broken], "dwca", bulk.Options("TS3"))
    (problem,) = rejected.value.report.problems
    assert problem.column == "countryCode" and problem.row == 2
    assert _stored(db, "TS3") == {}
    not_an_archive = tmp_path / "x.zip"
    not_an_archive.write_bytes(b"no")
    outcome = import_files(db, [not_an_archive], "dwca", bulk.Options("TS3", dry_run=True))
    assert "Not a Darwin Core Archive" in outcome.report.problems[0].message


def test_a_core_file_that_stops_being_utf8_is_reported_at_its_row(db, archive, tmp_path):
    from repository.exchange import bulk
    from repository.exchange.imports import import_files
    from tests.conftest import make_collection

    _, path = archive
    make_collection(db, "TS4")
    with zipfile.ZipFile(path) as source:
        core = source.read("occurrence.txt")
        meta = source.read("meta.xml")
    lines = core.split(b"\n")
    lines[2] = lines[2].replace(b"\t", "\t\u00e9".encode("latin-1"), 1)  # row 3: not UTF-8
    broken = tmp_path / "latin1.zip"
    with zipfile.ZipFile(broken, "w") as target:
        target.writestr("meta.xml", meta)
        target.writestr("occurrence.txt", b"\n".join(lines))
    outcome = import_files(db, [broken], "dwca", bulk.Options("TS4", dry_run=True))
    (problem,) = outcome.report.problems
    assert problem.row == 3 and "Line 3 of the core file is not UTF-8 text" in problem.message
