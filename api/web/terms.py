"""The vocabulary's values (statuses, kinds, events...) as words in the page's language."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

TERMS: dict[str, Any] = {
    # what a code names
    "item": _l("item"),
    "unit": _l("storage unit"),
    "request": _l("request"),
    "material": _l("material"),
    "lot": _l("lot"),
    # item statuses
    "available": _l("available"),
    "reserved": _l("reserved"),
    "distributed": _l("distributed"),
    "consumed": _l("consumed"),
    "destroyed": _l("destroyed"),
    "missing": _l("missing"),
    # material kinds
    "strain": _l("strain"),
    "seed": _l("seed"),
    "cell_line": _l("cell line"),
    "animal_line": _l("animal line"),
    "specimen": _l("specimen"),
    # access levels
    "open": _l("open"),
    "restricted": _l("restricted"),
    "internal": _l("internal"),
    # storage kinds
    "site": _l("site"),
    "room": _l("room"),
    "freezer": _l("freezer"),
    "ln2_tank": _l("LN2 tank"),
    "cold_room": _l("cold room"),
    "refrigerator": _l("refrigerator"),
    "rack": _l("rack"),
    "shelf": _l("shelf"),
    "box": _l("box"),
    "cage": _l("cage"),
    "container": _l("container"),
    # events
    "collected": _l("collected"),
    "received": _l("received"),
    "accessioned": _l("accessioned"),
    "preserved": _l("preserved"),
    "qc": _l("QC"),
    "passaged": _l("passaged"),
    "aliquoted": _l("aliquoted"),
    "derived": _l("derived"),
    "placed": _l("placed"),
    "moved": _l("moved"),
    "shipped": _l("shipped"),
    "returned": _l("returned"),
    "found": _l("found"),
    "annotated": _l("annotated"),
    # what requested material is for
    "research": _l("research"),
    "genetic_research": _l("genetic research"),
    "commercial_use": _l("commercial use"),
    "teaching": _l("teaching"),
    # request steps
    "draft": _l("draft"),
    "submitted": _l("submitted"),
    "under_review": _l("under review"),
    "approved": _l("approved"),
    "partly_approved": _l("partly approved"),
    "rejected": _l("rejected"),
    "agreement_signed": _l("agreement signed"),
    "being_prepared": _l("being prepared"),
    "delivered": _l("delivered"),
    "closed": _l("closed"),
    "cancelled": _l("cancelled"),
    # preservation methods
    "glycerol_minus80": _l("glycerol stock, −80 °C"),
    "frozen_minus80": _l("frozen, −80 °C"),
    "ln2_vapour": _l("LN2 vapour"),
    "ln2_liquid": _l("LN2 liquid"),
    "lyophilised": _l("lyophilised"),
    "dried_seed_minus18": _l("dried seed, −18 °C"),
    "dried_seed_4": _l("dried seed, 4 °C"),
    "ffpe": _l("FFPE"),
    "ambient": _l("ambient"),
    "live": _l("live"),
    # item forms
    "cryovial": _l("cryovial"),
    "ampoule": _l("ampoule"),
    "seed_packet": _l("seed packet"),
    "tube": _l("tube"),
    "slide": _l("slide"),
    "block": _l("block"),
    "sheet": _l("sheet"),
    "plate": _l("plate"),
    "animal": _l("animal"),
    # shipping
    "ice_packs": _l("ice packs"),
    "dry_ice": _l("dry ice"),
    "ln2_dry_shipper": _l("LN2 dry shipper"),
    "approve": _l("approve"),
    "reject": _l("reject"),
    "pending": _l("pending"),
    # stock alerts
    "regeneration": _l("regenerate"),
    "re_culture": _l("re-culture"),
    # print jobs
    "queued": _l("queued"),
    "sent": _l("sent"),
    # QC
    "post_thaw_viability": _l("post-thaw viability"),
    "germination": _l("germination"),
    "mycoplasma": _l("mycoplasma"),
    "sterility": _l("sterility"),
    "identity": _l("identity"),
    "str_profile": _l("STR profile"),
    "purity": _l("purity"),
    "concentration": _l("concentration"),
    "pass": _l("pass"),
    "fail": _l("fail"),
    "inconclusive": _l("inconclusive"),
}


def term(value: Any) -> Any:
    """The word for a vocabulary value (an enum or its string); unknown values as they are."""
    key = getattr(value, "value", value)
    return TERMS.get(key, str(key).replace("_", " ") if key is not None else "")
