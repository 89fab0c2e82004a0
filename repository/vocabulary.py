"""Controlled vocabularies of the domain, shared by models, schemas and exchange formats."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CollectionKind(StrEnum):
    CULTURE_COLLECTION = "culture_collection"
    SEED_BANK = "seed_bank"
    CELL_BANK = "cell_bank"
    ANIMAL_FACILITY = "animal_facility"
    BIOBANK = "biobank"


class MaterialKind(StrEnum):
    STRAIN = "strain"
    SEED = "seed"
    CELL_LINE = "cell_line"
    ANIMAL_LINE = "animal_line"
    SPECIMEN = "specimen"


class AccessLevel(StrEnum):
    OPEN = "open"
    RESTRICTED = "restricted"
    INTERNAL = "internal"


PUBLIC = (AccessLevel.OPEN, AccessLevel.RESTRICTED)  # the catalogue's; internal is staff only


class AbsStatus(StrEnum):
    """Nagoya Protocol / access and benefit sharing status."""

    OUT_OF_SCOPE = "out_of_scope"
    IN_SCOPE = "in_scope"
    UNKNOWN = "unknown"


class BiologicalStatus(StrEnum):
    WILD = "wild"
    NATURAL_ISOLATE = "natural_isolate"
    LANDRACE = "landrace"
    BREEDING_MATERIAL = "breeding_material"
    CULTIVAR = "cultivar"
    LABORATORY_STRAIN = "laboratory_strain"
    MUTANT = "mutant"
    GENETICALLY_MODIFIED = "genetically_modified"
    TRANSFORMED = "transformed"
    PRIMARY = "primary"
    OTHER = "other"


class PreservationMethod(StrEnum):
    GLYCEROL_MINUS80 = "glycerol_minus80"
    FROZEN_MINUS80 = "frozen_minus80"
    LN2_VAPOUR = "ln2_vapour"
    LN2_LIQUID = "ln2_liquid"
    LYOPHILISED = "lyophilised"
    DRIED_SEED_MINUS18 = "dried_seed_minus18"
    DRIED_SEED_4 = "dried_seed_4"
    FFPE = "ffpe"
    AMBIENT = "ambient"
    LIVE = "live"


# The storage temperature (°C) each preservation method calls for; None: kept alive, not stored.
METHOD_TEMPERATURE: dict[PreservationMethod, float | None] = {
    PreservationMethod.GLYCEROL_MINUS80: -80,
    PreservationMethod.FROZEN_MINUS80: -80,
    PreservationMethod.LN2_VAPOUR: -150,
    PreservationMethod.LN2_LIQUID: -196,
    PreservationMethod.LYOPHILISED: 4,
    PreservationMethod.DRIED_SEED_MINUS18: -18,
    PreservationMethod.DRIED_SEED_4: 4,
    PreservationMethod.FFPE: 20,
    PreservationMethod.AMBIENT: 20,
    PreservationMethod.LIVE: None,
}


class CellBankTier(StrEnum):
    """The tier of a cell line's lot in a two-tier bank: working banks come from the master."""

    MCB = "mcb"  # master cell bank
    WCB = "wcb"  # working cell bank


class ItemForm(StrEnum):
    CRYOVIAL = "cryovial"
    AMPOULE = "ampoule"
    SEED_PACKET = "seed_packet"
    TUBE = "tube"
    SLIDE = "slide"
    BLOCK = "block"
    SHEET = "sheet"
    PLATE = "plate"
    ANIMAL = "animal"


class ItemStatus(StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    DISTRIBUTED = "distributed"
    CONSUMED = "consumed"
    DESTROYED = "destroyed"
    MISSING = "missing"


# Statuses of items that have left the stores for good: they hold no place, never move or divide.
GONE = frozenset({ItemStatus.DISTRIBUTED, ItemStatus.CONSUMED, ItemStatus.DESTROYED})
# The statuses an edit sets, one item at a time (found, missing, destroyed) or in a batch.
EDITABLE_STATUSES = (ItemStatus.AVAILABLE, ItemStatus.MISSING, ItemStatus.DESTROYED)


class Unit(StrEnum):
    ML = "ml"
    UL = "ul"
    UG = "ug"
    MG = "mg"
    G = "g"
    SEEDS = "seeds"
    AMPOULE = "ampoule"
    CELLS = "cells"
    ANIMAL = "animal"
    EACH = "each"


class StorageKind(StrEnum):
    SITE = "site"
    ROOM = "room"
    FREEZER = "freezer"
    LN2_TANK = "ln2_tank"
    COLD_ROOM = "cold_room"
    REFRIGERATOR = "refrigerator"
    RACK = "rack"
    SHELF = "shelf"
    BOX = "box"
    CAGE = "cage"
    CONTAINER = "container"


# Which kinds of unit may stand inside which; only the leaves (box, cage, container) hold items.
STORAGE_CHILDREN: dict[StorageKind, frozenset[StorageKind]] = {
    StorageKind.SITE: frozenset({StorageKind.ROOM}),
    StorageKind.ROOM: frozenset(
        {
            StorageKind.FREEZER,
            StorageKind.LN2_TANK,
            StorageKind.COLD_ROOM,
            StorageKind.REFRIGERATOR,
            StorageKind.RACK,
            StorageKind.SHELF,
            StorageKind.CONTAINER,
        }
    ),
    StorageKind.FREEZER: frozenset({StorageKind.RACK, StorageKind.SHELF, StorageKind.BOX}),
    StorageKind.REFRIGERATOR: frozenset({StorageKind.RACK, StorageKind.SHELF, StorageKind.BOX}),
    StorageKind.LN2_TANK: frozenset({StorageKind.RACK, StorageKind.BOX}),
    StorageKind.COLD_ROOM: frozenset(
        {StorageKind.RACK, StorageKind.SHELF, StorageKind.BOX, StorageKind.CONTAINER}
    ),
    StorageKind.RACK: frozenset(
        {StorageKind.BOX, StorageKind.SHELF, StorageKind.CAGE, StorageKind.CONTAINER}
    ),
    StorageKind.SHELF: frozenset({StorageKind.BOX, StorageKind.CAGE, StorageKind.CONTAINER}),
    StorageKind.BOX: frozenset(),
    StorageKind.CAGE: frozenset(),
    StorageKind.CONTAINER: frozenset(),
}
HOLDS_ITEMS = frozenset({StorageKind.BOX, StorageKind.CAGE, StorageKind.CONTAINER})


class EventType(StrEnum):
    COLLECTED = "collected"
    RECEIVED = "received"
    ACCESSIONED = "accessioned"
    PRESERVED = "preserved"
    # an item of a bulk registration: its lot and place in one event (preserved and placed)
    REGISTERED = "registered"
    QC = "qc"
    PASSAGED = "passaged"
    ALIQUOTED = "aliquoted"
    DERIVED = "derived"
    PLACED = "placed"
    MOVED = "moved"
    RESERVED = "reserved"
    SHIPPED = "shipped"
    RETURNED = "returned"
    CONSUMED = "consumed"
    DESTROYED = "destroyed"
    MISSING = "missing"
    FOUND = "found"
    ANNOTATED = "annotated"


class LabelTemplate(StrEnum):
    """Label stocks, named for what they label."""

    CRYOVIAL = "cryovial"
    CAP = "cap"
    SEED_PACKET = "seed-packet"
    BOX = "box"
    BOX_MAP = "box-map"
    CAGE_CARD = "cage-card"
    PACKING_LIST = "packing-list"


class PrinterProtocol(StrEnum):
    ZPL = "zpl"  # Zebra-type thermal printers
    PDF = "pdf"  # office printers and label sheets


class PrinterTransport(StrEnum):
    TCP = "tcp"  # raw port (9100), sent by the print worker
    DIRECTORY = "directory"  # files dropped in a folder (a spooler watches it)
    CUPS = "cups"  # a CUPS queue, through `lp`
    PULL = "pull"  # behind a firewall: an agent with a printer token fetches its jobs


class PrintJobStatus(StrEnum):
    QUEUED = "queued"  # waiting, or retrying after a failure (see attempts and last_error)
    SENT = "sent"  # the printer (or its agent) took it
    CANCELLED = "cancelled"


class ImportJobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class QcTest(StrEnum):
    POST_THAW_VIABILITY = "post_thaw_viability"
    GERMINATION = "germination"
    MYCOPLASMA = "mycoplasma"
    STERILITY = "sterility"
    IDENTITY = "identity"
    STR_PROFILE = "str_profile"
    PURITY = "purity"
    CONCENTRATION = "concentration"


class QcOutcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


class StrAlgorithm(StrEnum):
    """An STR similarity score, as CLASTR computes it."""

    TANABE = "tanabe"  # 2 × shared / (query + reference) × 100
    MASTERS_QUERY = "masters_query"  # shared / query × 100
    MASTERS_REFERENCE = "masters_reference"  # shared / reference × 100


class StrMode(StrEnum):
    """Whose STR markers a score is computed on."""

    NON_EMPTY = "non_empty"  # the markers both profiles have
    QUERY = "query"  # the query's markers
    REFERENCE = "reference"  # the reference's markers


class Authenticity(StrEnum):
    """What an STR test says of a cell line's lot: its own reference is the best match above
    the threshold, another line matches better (or its own scores too low), or neither."""

    AUTHENTICATED = "authenticated"
    MISMATCH = "mismatch"
    AMBIGUOUS = "ambiguous"


class StrVerdict(StrEnum):
    """What an STR score says of a reference, by the published thresholds."""

    RELATED = "related"
    AMBIGUOUS = "ambiguous"
    UNRELATED = "unrelated"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class MatingType(StrEnum):
    NATURAL = "natural"
    IVF = "ivf"
    EMBRYO_TRANSFER = "embryo_transfer"
    OVARY_TRANSFER = "ovary_transfer"


class MatingStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class AnimalExit(StrEnum):
    """How an animal leaves the colony."""

    DEATH = "death"
    EUTHANASIA = "euthanasia"
    SHIPPED = "shipped"


class HealthResult(StrEnum):
    """The result of a health monitoring (sentinel) test for one agent."""

    NEGATIVE = "negative"
    POSITIVE = "positive"
    EQUIVOCAL = "equivocal"


class AuditAction(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"
    # one entry for the rows of a bulk insert into one table: their ids and a SHA-256 over them
    BATCH_INSERT = "batch_insert"


class Role(StrEnum):
    ADMIN = "admin"
    CURATOR = "curator"  # of named collections
    TECHNICIAN = "technician"
    REQUESTER = "requester"  # a member of an external lab
    PRINTER = "printer"  # an agent that fetches print jobs


class RequestStatus(StrEnum):
    """The steps of a sharing request, each visible to the requester."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    PARTLY_APPROVED = "partly_approved"
    REJECTED = "rejected"
    AGREEMENT_SIGNED = "agreement_signed"
    BEING_PREPARED = "being_prepared"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# Where a request may go from each step; cancelling is possible at any step before shipping.
REQUEST_TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.DRAFT: frozenset({RequestStatus.SUBMITTED}),
    RequestStatus.SUBMITTED: frozenset({RequestStatus.UNDER_REVIEW}),
    RequestStatus.UNDER_REVIEW: frozenset(
        {RequestStatus.APPROVED, RequestStatus.PARTLY_APPROVED, RequestStatus.REJECTED}
    ),
    RequestStatus.APPROVED: frozenset({RequestStatus.AGREEMENT_SIGNED}),
    RequestStatus.PARTLY_APPROVED: frozenset({RequestStatus.AGREEMENT_SIGNED}),
    RequestStatus.AGREEMENT_SIGNED: frozenset({RequestStatus.BEING_PREPARED}),
    RequestStatus.BEING_PREPARED: frozenset({RequestStatus.SHIPPED}),
    RequestStatus.SHIPPED: frozenset({RequestStatus.DELIVERED}),
    RequestStatus.DELIVERED: frozenset({RequestStatus.CLOSED}),
    RequestStatus.REJECTED: frozenset(),
    RequestStatus.CLOSED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
}


class Actor(StrEnum):
    """Who takes a request's next step."""

    LAB = "lab"  # the requesting lab
    COLLECTION = "collection"  # the collection's curators and technicians


@dataclass(frozen=True)
class NextStep:
    """What happens next to a request and who must act."""

    actor: Actor
    action: str  # a key, e.g. "accept_agreement"
    text: str  # the same in a sentence: "The lab must accept the agreement."


_ACCEPT = NextStep(Actor.LAB, "accept_agreement", "The lab must accept the agreement.")
NEXT_STEPS: dict[RequestStatus, NextStep] = {
    RequestStatus.DRAFT: NextStep(Actor.LAB, "submit", "The lab must send the request."),
    RequestStatus.SUBMITTED: NextStep(
        Actor.COLLECTION, "review", "The collection must start the review."
    ),
    RequestStatus.UNDER_REVIEW: NextStep(
        Actor.COLLECTION, "decide", "The collection must decide on each line."
    ),
    RequestStatus.APPROVED: _ACCEPT,
    RequestStatus.PARTLY_APPROVED: _ACCEPT,
    RequestStatus.AGREEMENT_SIGNED: NextStep(
        Actor.COLLECTION, "prepare", "The collection must prepare the shipment."
    ),
    RequestStatus.BEING_PREPARED: NextStep(
        Actor.COLLECTION, "ship", "The collection must pick the items and ship them."
    ),
    RequestStatus.SHIPPED: NextStep(
        Actor.LAB, "confirm_delivery", "The lab must confirm the delivery."
    ),
    RequestStatus.DELIVERED: NextStep(Actor.LAB, "feedback", "The lab may give feedback."),
}


CANCELLABLE = frozenset(
    {
        RequestStatus.DRAFT,
        RequestStatus.SUBMITTED,
        RequestStatus.UNDER_REVIEW,
        RequestStatus.APPROVED,
        RequestStatus.PARTLY_APPROVED,
        RequestStatus.AGREEMENT_SIGNED,
        RequestStatus.BEING_PREPARED,
    }
)
FINISHED = frozenset({RequestStatus.REJECTED, RequestStatus.CLOSED, RequestStatus.CANCELLED})
RESERVING = frozenset(
    {
        RequestStatus.APPROVED,
        RequestStatus.PARTLY_APPROVED,
        RequestStatus.AGREEMENT_SIGNED,
        RequestStatus.BEING_PREPARED,
    }
)


class LineDecision(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class IntendedUse(StrEnum):
    """What the requester will do with the material (matched against donor consent)."""

    RESEARCH = "research"
    GENETIC_RESEARCH = "genetic_research"
    COMMERCIAL_USE = "commercial_use"
    TEACHING = "teaching"


class AgreementKind(StrEnum):
    MTA = "mta"  # the collection's own material transfer agreement
    SMTA = "smta"  # the ITPGRFA standard MTA for seeds in the multilateral system


class ShippingCondition(StrEnum):
    AMBIENT = "ambient"
    ICE_PACKS = "ice_packs"
    DRY_ICE = "dry_ice"
    LN2_DRY_SHIPPER = "ln2_dry_shipper"


class AlertKind(StrEnum):
    REGENERATION = "regeneration"  # seeds: grow out a new cycle
    RE_CULTURE = "re_culture"  # strains, cells, animals, specimens: make a new lot


class SeedStore(StrEnum):
    """The store a seed lot is kept in (FAO Genebank Standards 2014): the base collection
    (long term, -18 °C or colder) or the active collection (medium term, 5-10 °C)."""

    BASE = "base"
    ACTIVE = "active"


class IsolationMethod(StrEnum):
    """How a regeneration plot was kept from pollen of other plots."""

    NONE = "none"  # self-pollinating crop
    DISTANCE = "distance"
    TIME = "time"  # sown to flower at another time
    BAGGING = "bagging"
    CAGING = "caging"
    HAND_POLLINATION = "hand_pollination"


class SeedRule(StrEnum):
    """The rule that makes a seed lot's germination test or regeneration due."""

    INITIAL_TEST = "initial_test"  # a lot never tested
    MONITORING_INTERVAL = "monitoring_interval"  # the store's (or crop's) interval has passed
    VIABILITY_DROP = "viability_drop"  # below the threshold share of the initial viability
    SEED_COUNT = "seed_count"  # fewer seeds than three regeneration cycles sow
    MINIMUM_STOCK = "minimum_stock"  # what is distributable is under the minimum stock


class IdentityVerdict(StrEnum):
    """What the best hit of a sequence identification says of the query, by the marker's
    thresholds (repository.sequence_search)."""

    SPECIES = "species"  # at or above the species threshold: the hit's species
    GENUS = "genus"  # at or above the genus threshold: the hit's genus
    BELOW_GENUS = "below_genus"  # below the genus threshold: not the hit's genus
    LOW_COVERAGE = "low_coverage"  # too little of the query aligned for a verdict
    NO_THRESHOLDS = "no_thresholds"  # no thresholds for the marker
    NO_HIT = "no_hit"  # nothing shares enough 8-mers with the query


# MCPD v2.1 coded lists (FAO/Bioversity multi-crop passport descriptors), code -> meaning.
SAMPLE_STATUS = {
    100: "wild",
    110: "natural",
    120: "semi-natural/wild",
    130: "semi-natural/sown",
    200: "weedy",
    300: "traditional cultivar/landrace",
    400: "breeding/research material",
    410: "breeder's line",
    411: "synthetic population",
    412: "hybrid",
    413: "founder stock/base population",
    414: "inbred line",
    415: "segregating population",
    416: "clonal selection",
    420: "genetic stock",
    421: "mutant",
    422: "cytogenetic stocks",
    423: "other genetic stocks",
    500: "advanced or improved cultivar",
    600: "GMO",
    999: "other",
}
ACQUISITION_SOURCE = {
    10: "wild habitat",
    11: "forest or woodland",
    12: "shrubland",
    13: "grassland",
    14: "desert or tundra",
    15: "aquatic habitat",
    20: "farm or cultivated habitat",
    21: "field",
    22: "orchard",
    23: "backyard, kitchen or home garden",
    24: "fallow land",
    25: "pasture",
    26: "farm store",
    27: "threshing floor",
    28: "park",
    30: "market or shop",
    40: "institute, experimental station, research organization, genebank",
    50: "seed company",
    60: "weedy, disturbed or ruderal habitat",
    61: "roadside",
    62: "field margin",
    99: "other",
}
MLS_STATUS = {  # MLSSTAT: in the Multilateral System of the ITPGRFA
    0: "not in the MLS",
    1: "in the MLS",
    99: "other (explained in the remarks)",
}
GERMPLASM_STORAGE = {
    10: "seed collection",
    11: "short term",
    12: "medium term",
    13: "long term",
    20: "field collection",
    30: "in vitro collection",
    40: "cryopreserved collection",
    50: "DNA collection",
    99: "other",
}


class Seen(StrEnum):
    """What a tube read by a rack scan or a stocktake says against the records."""

    MATCHED = "matched"  # where the records have it (the position, or the container read)
    MOVED = "moved"  # a tube of what was counted, read elsewhere in it
    ARRIVED = "arrived"  # a tube the records have elsewhere (another unit, or nowhere)
    UNKNOWN = "unknown"  # a code of no item
    MISSING = "missing"  # a tube the records have in what was counted, read nowhere
    NO_READ = "no_read"  # a tube the reader could not read
