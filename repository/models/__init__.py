"""The SQLAlchemy models of biorepo."""

from .authentication import Authentication
from .base import Base
from .batch import ItemBatch, ItemBatchRow, MaterialBatchRow
from .collection import Collection
from .colony import BodyWeight, Litter, Mating, PlugCheck, Protocol, ProtocolLine
from .genotype import Genotype
from .health import HealthReport
from .history import AuditEntry, Event, QcResult
from .imports import ImportJob
from .inventory import Animal, Item, Lot, TubeCode
from .material import (
    KIND_MODELS,
    AnimalLine,
    CellLine,
    Consent,
    Donor,
    Identifier,
    Material,
    Seed,
    Specimen,
    Strain,
)
from .people import ApiToken, LoginFailure, Organisation, RoleGrant, User, UserSession
from .printing import Printer, PrintJob
from .reference import CellosaurusEntry
from .schedule import PeriodicRun
from .search import SavedSearch
from .seed_bank import (
    GerminationReplicate,
    GerminationTest,
    Regeneration,
    SafetyDuplicate,
    SeedSetting,
)
from .sequence import (
    IdentityThreshold,
    ReferenceSequence,
    ReferenceSet,
    Sequence,
    SequenceCheck,
)
from .sharing import (
    AgreementAcceptance,
    AgreementTemplate,
    AgreementVersion,
    Allocation,
    Feedback,
    MaterialRequest,
    OutboxMessage,
    Publication,
    RequestLine,
    RequestStep,
    Shipment,
    StockAlert,
)
from .storage import Barcode, StorageUnit
from .uploads import Upload, UploadChunk

__all__ = [
    "KIND_MODELS",
    "AgreementAcceptance",
    "AgreementTemplate",
    "AgreementVersion",
    "Allocation",
    "Animal",
    "AnimalLine",
    "ApiToken",
    "AuditEntry",
    "Authentication",
    "Barcode",
    "Base",
    "BodyWeight",
    "CellLine",
    "CellosaurusEntry",
    "Collection",
    "Consent",
    "Donor",
    "Event",
    "Feedback",
    "Genotype",
    "GerminationReplicate",
    "GerminationTest",
    "HealthReport",
    "Identifier",
    "IdentityThreshold",
    "ImportJob",
    "Item",
    "ItemBatch",
    "ItemBatchRow",
    "Litter",
    "LoginFailure",
    "Lot",
    "Material",
    "MaterialBatchRow",
    "MaterialRequest",
    "Mating",
    "Organisation",
    "OutboxMessage",
    "PeriodicRun",
    "PlugCheck",
    "PrintJob",
    "Printer",
    "Protocol",
    "ProtocolLine",
    "Publication",
    "QcResult",
    "ReferenceSequence",
    "ReferenceSet",
    "Regeneration",
    "RequestLine",
    "RequestStep",
    "RoleGrant",
    "SafetyDuplicate",
    "SavedSearch",
    "Seed",
    "SeedSetting",
    "Sequence",
    "SequenceCheck",
    "Shipment",
    "Specimen",
    "StockAlert",
    "StorageUnit",
    "Strain",
    "TubeCode",
    "Upload",
    "UploadChunk",
    "User",
    "UserSession",
]
