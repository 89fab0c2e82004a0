"""The SQLAlchemy models of biorepo."""

from .base import Base
from .collection import Collection
from .history import AuditEntry, Event, QcResult
from .imports import ImportJob
from .inventory import Animal, Item, Lot
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
from .sequence import Sequence
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
    "Barcode",
    "Base",
    "CellLine",
    "CellosaurusEntry",
    "Collection",
    "Consent",
    "Donor",
    "Event",
    "Feedback",
    "Identifier",
    "ImportJob",
    "Item",
    "LoginFailure",
    "Lot",
    "Material",
    "MaterialRequest",
    "Organisation",
    "OutboxMessage",
    "PrintJob",
    "Printer",
    "Publication",
    "QcResult",
    "RequestLine",
    "RequestStep",
    "RoleGrant",
    "Seed",
    "Sequence",
    "Shipment",
    "Specimen",
    "StockAlert",
    "StorageUnit",
    "Strain",
    "User",
    "UserSession",
]
