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
from .people import Organisation, User
from .storage import Barcode, StorageUnit

__all__ = [
    "KIND_MODELS",
    "Animal",
    "AnimalLine",
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
    "Lot",
    "Material",
    "Organisation",
    "QcResult",
    "Seed",
    "Specimen",
    "StorageUnit",
    "Strain",
    "User",
]
