"""Who sees which records, in one place: for each kind of record a rule on one record (or its
collection) and the same rule as a filter for list queries. The API, the pages, the scan, the
exports, the statistics and the import jobs all ask these, so no two read paths disagree; a
record a principal does not see does not exist for them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, and_, cast, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from .models import (
    AuditEntry,
    Consent,
    Donor,
    Identifier,
    ImportJob,
    Item,
    Lot,
    Material,
    MaterialRequest,
    Printer,
    PrintJob,
)
from .services.accounts import Principal
from .vocabulary import PUBLIC, AccessLevel, Role

# The access levels the exchange files carry: internal materials never leave the repository.
EXPORTED = PUBLIC


def _admin(who: Principal) -> bool:
    return Role.ADMIN in who.roles


# Materials and the inventory


def sees_inventory(who: Principal) -> bool:
    """Staff see items, boxes, lots and every material; for anyone else they do not exist."""
    return who.staff


def items_filter(who: Principal) -> ColumnElement[bool]:
    """`sees_inventory` for a query on Item."""
    return true() if sees_inventory(who) else false()


def material_levels(who: Principal) -> tuple[AccessLevel, ...] | None:
    """The access levels of the materials the asker sees (None: every level)."""
    return None if sees_inventory(who) else PUBLIC


def sees_material(who: Principal, access_level: AccessLevel) -> bool:
    """Internal materials exist for staff only."""
    levels = material_levels(who)
    return levels is None or access_level in levels


def sees_own_str_profiles(who: Principal) -> bool:
    """A cell line's own STR profile belongs to the staff's record (the catalogue does not
    show it): an STR search compares the collection's cell lines for staff only, and the
    public Cellosaurus entries for everyone."""
    return sees_inventory(who)


def materials_filter(who: Principal) -> ColumnElement[bool]:
    """The materials the asker sees, for a query on Material."""
    levels = material_levels(who)
    return true() if levels is None else Material.access_level.in_(levels)


def curated_filter(who: Principal) -> ColumnElement[bool]:
    """The materials whose collection the asker curates (an administrator: every one), for a
    query on Material: those an edit, one at a time or in a batch, may change."""
    return true() if _admin(who) else Material.collection_id.in_(sorted(who.curated))


def exported(
    access_level: ColumnElement[AccessLevel] | InstrumentedAttribute[AccessLevel],
) -> ColumnElement[bool]:
    """The materials an export writes, for a query on a column holding their access level."""
    return access_level.in_(EXPORTED)


@dataclass(frozen=True)
class MaterialSight:
    """What the asker sees of one material: its whole record (staff) or the catalogue view;
    and in the record, its donor details (a specimen's donor and diagnosis) or not."""

    record: bool
    donor_details: bool


def material_sight(who: Principal, material: Material) -> MaterialSight:
    return MaterialSight(sees_inventory(who), sees_donors(who, material.collection_id))


# Donors and their consents


def sees_donors(who: Principal, collection_id: int) -> bool:
    """Donor data (codes, sex, year of birth, diagnoses, consents) is for the collection's
    curators and admins only, wherever it is shown: /donors, a material's details, the
    exports."""
    return _admin(who) or collection_id in who.curated


def donors_filter(who: Principal) -> ColumnElement[bool]:
    """The donors the asker sees, for a query on Donor."""
    return true() if _admin(who) else Donor.collection_id.in_(who.curated)


# Requests


def sees_request(who: Principal, found: MaterialRequest) -> bool:
    """Admins and technicians see every request, curators those of their collections, a
    requester those of their own lab; for anyone else the request does not exist."""
    if who.roles & {Role.ADMIN, Role.TECHNICIAN} or found.collection_id in who.curated:
        return True
    return (
        Role.REQUESTER in who.roles
        and who.organisation_id is not None
        and who.organisation_id == found.organisation_id
    )


def requests_filter(who: Principal) -> ColumnElement[bool]:
    """`sees_request` for a query on MaterialRequest."""
    if who.roles & {Role.ADMIN, Role.TECHNICIAN}:
        return true()
    shown: list[ColumnElement[bool]] = []
    if who.curated:
        shown.append(MaterialRequest.collection_id.in_(who.curated))
    if Role.REQUESTER in who.roles and who.organisation_id is not None:
        shown.append(MaterialRequest.organisation_id == who.organisation_id)
    return or_(false(), *shown)


# Print jobs


def sees_print_job(who: Principal, job: PrintJob) -> bool:
    """Staff see every print job, a printer agent its printers' jobs."""
    return who.staff or (who.user_id is not None and job.printer.agent_id == who.user_id)


def print_jobs_filter(who: Principal) -> ColumnElement[bool]:
    """`sees_print_job` for a query on PrintJob."""
    if who.staff:
        return true()
    agents = select(Printer.id).where(Printer.agent_id == who.user_id)
    return PrintJob.printer_id.in_(agents) if who.user_id is not None else false()


# The audit log


def audit_filter(who: Principal) -> ColumnElement[bool]:
    """The audit rows the asker reads, for a query on AuditEntry: admins all of them; a
    curator their collections' materials (with identifiers), lots, items, animals, donors and
    consents, and the storage tree they all share; anyone else none."""
    if _admin(who):
        return true()
    if not who.curated:
        return false()
    materials = select(Material.id).where(Material.collection_id.in_(who.curated))
    lots = select(Lot.id).where(Lot.material_id.in_(materials))
    items = select(Item.id).where(Item.lot_id.in_(lots))
    donors = select(Donor.id).where(Donor.collection_id.in_(who.curated))
    rows = {
        "materials": materials,
        "identifiers": select(Identifier.id).where(Identifier.material_id.in_(materials)),
        "lots": lots,
        "items": items,
        "animals": items,
        "donors": donors,
        "consents": select(Consent.id).where(Consent.donor_id.in_(donors)),
    }
    return or_(
        AuditEntry.table_name == "storage_units",
        *(
            and_(
                AuditEntry.table_name == table,
                AuditEntry.row_id.in_(select(cast(ids.subquery().c.id, String))),
            )
            for table, ids in rows.items()
        ),
    )


def sees_audit_entry(session: Session, who: Principal, entry: AuditEntry) -> bool:
    """Whether the asker reads this audit row (`audit_filter` asked of one row)."""
    return (
        session.scalar(select(AuditEntry.id).where(AuditEntry.id == entry.id, audit_filter(who)))
        is not None
    )


# Import jobs


def sees_import_job(who: Principal, job: ImportJob) -> bool:
    """The uploader, curators of the job's collection and admins see an import job."""
    return (
        _admin(who)
        or (who.user_id is not None and who.user_id == job.created_by)
        or (job.collection_id is not None and job.collection_id in who.curated)
    )


def import_jobs_filter(who: Principal) -> ColumnElement[bool]:
    """`sees_import_job` for a query on ImportJob."""
    if _admin(who):
        return true()
    own = [ImportJob.created_by == who.user_id] if who.user_id is not None else []
    return or_(false(), *own, ImportJob.collection_id.in_(who.curated))


# The due list


def due_scope(who: Principal) -> frozenset[int] | None:
    """The collections whose due work the asker sees: all (None) for admins and technicians,
    who work for every collection; their own for curators; none for anyone else."""
    if who.roles & {Role.ADMIN, Role.TECHNICIAN}:
        return None
    return who.curated


# The service statistics


def statistics_scope(who: Principal) -> frozenset[int] | None:
    """The collections whose figures the asker sees: all for admins (None), their own for
    curators."""
    return None if _admin(who) else who.curated
