"""STR authentication of cell lines' lots on the Cellosaurus excerpt: a test recorded on a lot
is searched at once and judged authenticated, mismatch or ambiguous; a mismatch or a
problematic own reference quarantines the lot (and what is made from it), the request checks
name the match, a curator lifts it with a reason; bad profiles store nothing."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from api.schemas.materials import CatalogueMaterialOut
from api.schemas.sharing import OfferOut
from repository.errors import ValidationFailed
from repository.exchange import cellosaurus
from repository.models import Authentication, Event, Lot, Material, QcResult
from repository.schemas.authentication import StrTestIn
from repository.schemas.inventory import ReleaseIn
from repository.services import authentication, catalogue, cell_culture
from repository.vocabulary import Authenticity, QcOutcome
from tests.factories import add_material, preserve
from tests.integration.test_cell_culture import VIALS, cell_bank, passage, submit
from tests.integration.test_cellosaurus import EXCERPT
from tests.integration.test_str_search import HELA

pytestmark = pytest.mark.skipif(not EXCERPT.exists(), reason="the Cellosaurus excerpt")

# A profile far from every entry of the excerpt, and the same drifted on three markers.
OWN = {
    "Amelogenin": "X,Y",
    "CSF1PO": "7,15",
    "D13S317": "8,15",
    "D16S539": "5,14",
    "D5S818": "7,16",
    "D7S820": "6,14",
    "TH01": "5,10",
    "TPOX": "6,13",
    "vWA": "11,22",
    "D18S51": "10,25",
    "FGA": "17,30",
}
DRIFTED = {**OWN, "D18S51": "10,26", "FGA": "17,31", "vWA": "11,23"}


@pytest.fixture
def w(db) -> SimpleNamespace:
    """The cell bank of the cell culture tests, and the Cellosaurus excerpt."""
    cellosaurus.import_file(db, EXCERPT)
    return cell_bank(db)


def line_of(db, w, designation: str, **fields) -> Material:
    """A cell line of CELL (the world's own line is its material `w.line`), with a lot."""
    w.line = add_material(
        db,
        "CELL",
        {"kind": "cell_line", "designation": designation, "taxon_name": "Homo sapiens", **fields},
    )
    return w.line


def lot_of(db, material: Material, form: str = "cryovial") -> Lot:
    return preserve(db, material, {**VIALS, "passage_number": 5, "form": form})


def str_test(db, lot: Lot, profile, day: str = "2026-11-30") -> Authentication:
    body = {"profile": profile, "tested_on": day, "lab": "Core lab", "kit": "PowerPlex 18D"}
    return authentication.record_str_test(db, lot.id, StrTestIn().load_or_fail(body))


def test_a_line_matching_its_own_profile_is_authenticated(db, w):
    line = line_of(db, w, "Own line", str_profile=OWN)
    lot = lot_of(db, line)
    found = str_test(db, lot, OWN)
    assert found.verdict is Authenticity.AUTHENTICATED and found.own_score == 100.0
    assert found.own_reference == line.accession_number and not found.quarantined
    assert found.matches[0]["own"] and found.matches[0]["key"] == line.accession_number
    result = db.get_one(QcResult, found.qc_result_id)
    assert (result.test.value, result.outcome, result.value) == ("str_profile", QcOutcome.PASS, 100)
    assert lot.quarantined_at is None

    drifted = str_test(db, lot, DRIFTED, "2026-12-01")
    assert drifted.verdict is Authenticity.AMBIGUOUS, drifted.reason
    assert 80 <= drifted.own_score < 90 and "between 80 and 90 %" in drifted.reason
    assert [t.id for t in authentication.tests_of(db, lot.id)] == [drifted.id, found.id]


def test_a_line_matching_another_line_is_quarantined_and_not_distributed(db, w):
    """A line said to be 1.1E7 (CVCL_2257) that gives a HeLa profile: its best match is 1-5c-4
    (CVCL_2260, a HeLa contaminant) at 100 %, better than its own entry."""
    line = line_of(db, w, "Said 1.1E7", cellosaurus_id="CVCL_2257")
    lot = lot_of(db, line)
    child = passage(db, lot)
    found = str_test(db, lot, HELA)
    assert found.verdict is Authenticity.MISMATCH and found.quarantined
    assert (found.matches[0]["key"], found.matches[0]["score"]) == ("CVCL_2260", 100.0)
    assert "matches CVCL_2260 1-5c-4 (100.0 %) better than its own reference CVCL_2257" in (
        found.reason
    )
    assert lot.quarantined_at is not None and child.quarantined_at is not None
    holds = cell_culture.holds(db, [line.id])
    assert "CVCL_2260" in holds[lot.id][0].detail and holds[child.id][0].rule == "quarantine"
    with pytest.raises(ValidationFailed) as refused:
        submit(db, w, 1)
    assert "matches CVCL_2260 1-5c-4" in refused.value.errors["quarantine"][0]

    reason = "Re-typed by a second lab: the first sample was mislabelled."
    cell_culture.release(db, lot.id, ReleaseIn().load_or_fail({"reason": reason}))
    assert lot.quarantined_at is None and lot.quarantine_reason is None
    assert not cell_culture.holds(db, [line.id])


def test_a_problematic_own_reference_quarantines_even_when_it_matches(db, w):
    line = line_of(db, w, "1-5c-4", cellosaurus_id="CVCL_2260")
    lot = lot_of(db, line)
    found = str_test(db, lot, HELA)
    assert found.verdict is Authenticity.AUTHENTICATED and found.quarantined
    assert "listed as problematic" in found.reason and lot.quarantined_at is not None
    event = db.scalars(
        select(Event).where(Event.lot_id == lot.id).order_by(Event.id.desc())
    ).first()
    assert event.data["quarantined"] == lot.label and event.data["verdict"] == "authenticated"


def test_a_line_without_a_reference_is_ambiguous(db, w):
    found = str_test(db, lot_of(db, line_of(db, w, "No reference")), OWN)
    assert found.verdict is Authenticity.AMBIGUOUS and found.own_score is None
    assert not found.quarantined


def test_bad_profiles_and_lots_store_nothing(db, w):
    strain = add_material(
        db, "CELL", {"kind": "strain", "designation": "Not a line", "taxon_name": "Bacillus"}
    )
    lot = lot_of(db, line_of(db, w, "Bad input", str_profile=OWN))
    before = db.scalar(select(func.count()).select_from(QcResult))
    for profile in ({}, {"TH01": "7"}, {**OWN, "TH01": "seven"}, 42):
        with pytest.raises(ValidationFailed):
            str_test(db, lot, profile)
    with pytest.raises(ValidationFailed) as refused:
        str_test(db, lot_of(db, strain), OWN)
    assert "is not a cell line's lot" in refused.value.errors["lot_id"][0]
    assert db.scalar(select(func.count()).select_from(QcResult)) == before
    assert db.scalar(select(func.count()).select_from(Authentication)) == 0


def test_the_catalogue_shows_the_last_verdict_never_the_profile(db, w):
    line = line_of(db, w, "Catalogued line", str_profile=OWN)
    lot = lot_of(db, line)
    str_test(db, lot, DRIFTED, "2026-10-01")
    str_test(db, lot, OWN, "2026-11-30")
    catalogue.attach_offers(db, [line])
    offer = OfferOut().dump(line.offer)
    assert offer["authentication"] == {"tested_on": "2026-11-30", "verdict": "authenticated"}
    shown = json.dumps(CatalogueMaterialOut().dump(line)) + json.dumps(offer)
    assert "17,30" not in shown and "str_profile" not in shown and "D18S51" not in shown
