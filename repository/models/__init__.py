"""The SQLAlchemy models of biorepo."""

from .base import Base
from .collection import Collection
from .history import AuditEntry, Event, QcResult
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
from .people import ApiToken, LoginFailure, Organisation, RoleGrant, User
from .printing import Printer, PrintJob
from .storage import Barcode, StorageUnit

__all__ = [
    "KIND_MODELS",
    "Animal",
    "AnimalLine",
    "ApiToken",
    "AuditEntry",
    "Barcode",
    "Base",
    "CellLine",
    "Collection",
    "Consent",
    "Donor",
    "Event",
    "Identifier",
    "Item",
    "LoginFailure",
    "Lot",
    "Material",
    "Organisation",
    "PrintJob",
    "Printer",
    "QcResult",
    "RoleGrant",
    "Seed",
    "Specimen",
    "StorageUnit",
    "Strain",
    "User",
]
