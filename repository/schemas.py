"""External forms (marshmallow) of the domain's input: each field validated once, everywhere."""

from __future__ import annotations

import calendar
import re
from datetime import UTC
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from .errors import ValidationFailed
from .models.storage import position_label
from .vocabulary import (
    ACQUISITION_SOURCE,
    GERMPLASM_STORAGE,
    MLS_STATUS,
    NEXT_STEPS,
    SAMPLE_STATUS,
    AbsStatus,
    AccessLevel,
    AgreementKind,
    BiologicalStatus,
    CollectionKind,
    IntendedUse,
    ItemForm,
    LabelTemplate,
    MaterialKind,
    PreservationMethod,
    PrinterProtocol,
    PrinterTransport,
    QcOutcome,
    QcTest,
    Sex,
    ShippingCondition,
    StorageKind,
    Unit,
)

PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
MCPD_DATE = re.compile(r"^(\d{4}|----)(\d{2}|--)(\d{2}|--)$")
INSTITUTE = r"[A-Z]{3}\d{3,4}"  # an FAO WIEWS institute code
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def text(length: int = 200, **kwargs: Any) -> fields.String:
    """A string of at most `length` characters, plus any further validators (`also`)."""
    also = kwargs.pop("also", None)
    validators = [validate.Length(max=length), *([also] if also else [])]
    return fields.String(validate=validators, **kwargs)


def one_of(enum_cls: type, **kwargs: Any) -> fields.Enum:
    """A member of a vocabulary, given by its value."""
    return fields.Enum(enum_cls, by_value=True, **kwargs)


class Integer(fields.Integer):
    """An integer a database column can hold (32-bit signed): bigger ones are refused with a
    message instead of failing in the driver."""

    LIMIT = 2**31 - 1

    def _validated(self, value: Any) -> int:
        number = super()._validated(value)
        if number is not None and not -self.LIMIT <= number <= self.LIMIT:
            raise self.make_error("invalid")
        return number


class Date(fields.Date):
    """A calendar date in ISO 8601; a refused one says the format it wants."""

    default_error_messages = {"invalid": "Not a valid date: use YYYY-MM-DD (e.g. 2025-03-01)."}


def positive(value: Any) -> None:
    """More than zero (a function, not a Range, so that no Decimal lands in the OpenAPI
    document)."""
    if value <= 0:
        raise ValidationError("Must be greater than 0.")


def mcpd_date(value: str) -> None:
    """YYYYMMDD, a missing month or day written `--` or `00`; the date must exist."""
    match = MCPD_DATE.match(value or "")
    if match is None:
        raise ValidationError("Write YYYYMMDD (a missing month or day as -- or 00).")
    year, month, day = (None if p.strip("-0") == "" else int(p) for p in match.groups())
    if month is None and day is not None:
        raise ValidationError("A day is given without its month.")
    if month is not None and not 1 <= month <= 12:
        raise ValidationError(f"There is no month {month}.")
    if day is not None and day > calendar.monthrange(year or 2000, month)[1]:
        raise ValidationError(f"There is no day {day} in that month.")


def pattern(regex: str | re.Pattern, expected: str) -> validate.Regexp:
    """A pattern, and in its error message what a value should look like."""
    return validate.Regexp(regex, error=f"Expected {expected}.")


COUNTRY = pattern(r"^[A-Z]{3}$", "the country's ISO 3166-1 alpha-3 code (e.g. CHN, DEU, USA)")
A_CODE = pattern(CODE, "a code of letters, digits, dots, dashes and underscores")
AN_INSTITUTE = pattern(f"^{INSTITUTE}$", "an FAO WIEWS institute code (e.g. NOR051)")


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    def load_or_fail(self, data: Any, **kwargs: Any) -> dict:
        """Load, or raise the domain's ValidationFailed naming every bad field."""
        try:
            return self.load(data, **kwargs)
        except ValidationError as error:
            raise ValidationFailed(error.normalized_messages()) from error


class Entries(fields.List):
    """A list of at most `most` entries: a longer one is refused before any entry is read
    (the OpenAPI document shows the bound as maxItems)."""

    def __init__(self, inner: fields.Field, *, most: int, **kwargs: Any) -> None:
        also = kwargs.pop("validate", None)
        bound = validate.Length(max=most, error=f"At most {most} entries, not {{input}}.")
        super().__init__(inner, validate=[bound, *([also] if also else [])], **kwargs)
        self.most = most

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if isinstance(value, list | tuple) and len(value) > self.most:
            raise ValidationError(f"At most {self.most} entries, not {len(value)}.")
        return super()._deserialize(value, attr, data, **kwargs)


MAX_IDENTIFIERS = 50  # other identifiers of one material (ATCC, DSM, CVCL_ ...)


def distinct_identifiers(value: list[dict]) -> None:
    """No (scheme, value) twice (run only on a list whose every entry loaded)."""
    keys = [(i["scheme"], i["value"]) for i in value]
    if len(keys) != len(set(keys)):
        raise ValidationError("An identifier is listed twice.")


class IdentifierSchema(StrictSchema):
    """Another collection's or database's number of the material."""

    error_messages = {"type": 'An identifier is an object: {"scheme": "DSM", "value": "291"}.'}
    scheme = text(32, required=True, also=A_CODE)
    value = text(64, required=True, also=validate.Length(min=1, max=64))


class MaterialSchema(StrictSchema):
    """Fields every material has."""

    kind = one_of(MaterialKind, required=True)
    accession_number = text(64, also=validate.Length(min=1, max=64))
    designation = text(required=True, also=validate.Length(min=1, max=200))
    designation_zh = text()
    taxon_name = text(required=True, also=validate.Length(min=2, max=200))
    taxon_name_zh = text()
    taxon_id = Integer(validate=validate.Range(min=1))
    identifiers = Entries(
        fields.Nested(IdentifierSchema),
        most=MAX_IDENTIFIERS,
        validate=distinct_identifiers,
        load_default=list,
    )
    origin_country = fields.String(validate=COUNTRY)
    origin_site = text(500)
    latitude = fields.Float(validate=validate.Range(-90, 90))
    longitude = fields.Float(validate=validate.Range(-180, 180))
    elevation_m = Integer(validate=validate.Range(-500, 9000))
    collection_date = fields.String(
        validate=pattern(PARTIAL_DATE, "a date as YYYY, YYYY-MM or YYYY-MM-DD")
    )
    collector = text()
    donor_institute = text()
    donor_accession = text(64)
    biological_status = one_of(BiologicalStatus)
    access_level = one_of(AccessLevel)
    risk_group = Integer(validate=validate.Range(1, 4))
    abs_status = one_of(AbsStatus)
    abs_permits = text(500)
    ipr = text(500)
    restrictions_on_use = text(500)
    remarks = text(5000)
    internal_remarks = text(5000)
    minimum_stock = Integer(validate=validate.Range(0, 100_000))
    regeneration_threshold = Integer(validate=validate.Range(0, 100_000), allow_none=True)


class StrainSchema(MaterialSchema):
    organism_type = fields.String(
        validate=validate.OneOf(
            [
                "bacterium",
                "archaeon",
                "yeast",
                "fungus",
                "alga",
                "protist",
                "virus",
                "bacteriophage",
            ]
        )
    )
    type_strain = fields.Boolean()
    isolation_source = text(500)
    genotype = text(500)
    plasmids = text(500)
    genetically_modified = fields.Boolean()
    growth_medium = text()
    growth_temperature_c = fields.Float(validate=validate.Range(-20, 130))
    oxygen_relationship = fields.String(
        validate=validate.OneOf(["aerobe", "anaerobe", "facultative_anaerobe", "microaerophile"])
    )
    form_of_supply = fields.List(
        fields.String(validate=validate.OneOf(["lyophilised", "frozen", "agar", "liquid", "dna"]))
    )
    applications = text(500)
    literature = text(500)


class SeedSchema(MaterialSchema):
    """A seed accession; the MCPD v2.1 passport descriptors in their coded forms."""

    crop_name = text()
    crop_name_zh = text()
    sample_status = Integer(validate=validate.OneOf(sorted(SAMPLE_STATUS)))
    acquisition_source = Integer(validate=validate.OneOf(sorted(ACQUISITION_SOURCE)))
    acquisition_date = fields.String(validate=mcpd_date)
    ancestral_data = text(500)
    breeding_institute = text(
        also=pattern(
            rf"^{INSTITUTE}(;{INSTITUTE})*$", "FAO WIEWS institute codes separated by semicolons"
        )
    )
    storage_types = fields.List(Integer(validate=validate.OneOf(sorted(GERMPLASM_STORAGE))))
    mls_status = Integer(validate=validate.OneOf(sorted(MLS_STATUS)))
    thousand_seed_weight_g = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    puid = text()
    collecting_number = text(64)
    collecting_institutes = fields.List(fields.String(validate=AN_INSTITUTE))
    collecting_institute_name = text()
    collecting_institute_address = text(500)
    collecting_mission = text()
    genus = text(100, also=pattern(r"^[A-Z][a-z-]+$", "a genus name (e.g. Oryza)"))
    specific_epithet = text(100)
    species_author = text()
    subtaxa = text()
    subtaxa_author = text()
    latitude_dms = fields.String(
        validate=pattern(
            r"^\d{2}(\d{2}|--)(\d{2}|--)[NS]$", "a latitude as DDMMSSH (e.g. 103020S, 10----N)"
        )
    )
    longitude_dms = fields.String(
        validate=pattern(
            r"^\d{3}(\d{2}|--)(\d{2}|--)[EW]$", "a longitude as DDDMMSSH (e.g. 0762510W)"
        )
    )
    coordinate_uncertainty_m = Integer(validate=validate.Range(min=0))
    coordinate_datum = text(32)
    georeference_method = text(64)
    breeding_institute_name = text()
    donor_institute_code = fields.String(validate=AN_INSTITUTE)
    safety_duplicate_sites = fields.List(fields.String(validate=AN_INSTITUTE))
    safety_duplicate_name = text()


class CellLineSchema(MaterialSchema):
    cellosaurus_id = fields.String(
        validate=pattern(r"^CVCL_[0-9A-Z]{4}$", "a Cellosaurus accession (CVCL_ and 4 characters)")
    )
    category = text(64)
    cell_type = text()
    tissue = text()
    disease = text()
    disease_ncit = fields.String(validate=pattern(r"^C\d{1,7}$", "an NCIt code (e.g. C4872)"))
    donor_sex = fields.String(
        validate=validate.OneOf(["Female", "Male", "Mixed sex", "Sex ambiguous", "Sex unspecified"])
    )
    donor_age = text(32)
    population = text(100)
    growth_mode = fields.String(validate=validate.OneOf(["adherent", "suspension", "mixed"]))
    culture_medium = text()
    problematic = text(2000)
    str_profile = fields.Dict(
        keys=text(32, also=validate.Length(min=1, max=32)),
        values=fields.String(validate=pattern(r"^[0-9XY.,\s]+$", "alleles such as 11,12 or X,Y")),
    )


class AnimalLineSchema(MaterialSchema):
    background = text(100)
    genotype = text(500)
    zygosity = fields.String(
        validate=validate.OneOf(["homozygous", "heterozygous", "hemizygous", "wild_type"])
    )
    breeding_scheme = fields.String(
        validate=validate.OneOf(
            [
                "inbred",
                "outbred",
                "congenic",
                "transgenic",
                "knockout",
                "knock_in",
                "mutant",
                "hybrid",
            ]
        )
    )
    coat_colour = text(64)
    phenotype = text(500)
    health_status = text(64)
    protocol_number = text(64)


SPECIMEN_TYPES = [
    "whole_blood",
    "serum",
    "plasma",
    "buffy_coat",
    "dna",
    "rna",
    "tissue_frozen",
    "tissue_ffpe",
    "saliva",
    "urine",
    "faeces",
    "cell_pellet",
    "herbarium_sheet",
    "other",
]


class SpecimenSchema(MaterialSchema):
    specimen_type = fields.String(required=True, validate=validate.OneOf(SPECIMEN_TYPES))
    anatomical_site = text(100)
    sprec_code = fields.String(
        validate=pattern(
            r"^[A-Z0-9]{2,3}(-[A-Z0-9]{1,3}){0,7}$", "a SPREC code (e.g. SER-SST-A-B-N-A-A)"
        )
    )
    donor = text(32)  # the donor's code in the collection
    disease_icd10 = fields.String(
        validate=pattern(r"^[A-Z]\d{2}(\.\d{1,2})?$", "an ICD-10 code (e.g. C50.9)")
    )
    ethics_approval = text(64)
    collected_at = fields.AwareDateTime(default_timezone=None)
    storage_temperature = text(32)


KIND_SCHEMAS: dict[str, type[MaterialSchema]] = {
    MaterialKind.STRAIN: StrainSchema,
    MaterialKind.SEED: SeedSchema,
    MaterialKind.CELL_LINE: CellLineSchema,
    MaterialKind.ANIMAL_LINE: AnimalLineSchema,
    MaterialKind.SPECIMEN: SpecimenSchema,
}


def kind_of(data: Any) -> MaterialKind:
    """The kind a material's input names (it picks the schema), or a ValidationError."""
    if not isinstance(data, dict):
        raise ValidationError({"_schema": ["A material is an object."]})
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KIND_SCHEMAS:
        raise ValidationError(
            {"kind": [f"Must be one of: {', '.join(k.value for k in MaterialKind)}."]}
        )
    return MaterialKind(kind)


def load_material(data: Any) -> dict:
    """Validate a material of any kind; the kind picks the schema."""
    try:
        kind = kind_of(data)
    except ValidationError as error:
        raise ValidationFailed(error.normalized_messages()) from error
    return _MATERIAL_LOADERS[kind].load_or_fail(data)


_MATERIAL_LOADERS = {kind: schema() for kind, schema in KIND_SCHEMAS.items()}  # built once


class ConsentSchema(StrictSchema):
    scope = fields.List(
        fields.String(
            validate=validate.OneOf(
                ["research", "genetic_research", "commercial_use", "data_sharing", "recontact"]
            )
        ),
        required=True,
        validate=validate.Length(min=1),
    )
    signed_on = Date(required=True)
    withdrawn_on = Date(allow_none=True)
    document_ref = text(100, allow_none=True)

    @validates_schema
    def _withdrawn_after_signed(self, data: dict, **_: Any) -> None:
        if data.get("withdrawn_on") and data["withdrawn_on"] < data["signed_on"]:
            raise ValidationError("Withdrawn before it was signed.", "withdrawn_on")


class DonorSchema(StrictSchema):
    code = text(32, required=True, also=A_CODE)
    sex = one_of(Sex, load_default=Sex.UNKNOWN)
    year_of_birth = Integer(validate=validate.Range(1880, 2200))
    consents = fields.List(fields.Nested(ConsentSchema), load_default=list)


class ConsentOut(Schema):
    id = Integer()
    scope = fields.List(fields.String())
    signed_on = Date()
    withdrawn_on = Date(allow_none=True)
    document_ref = fields.String(allow_none=True)


class DonorOut(Schema):
    id = Integer()
    collection_id = Integer()
    code = fields.String()
    sex = fields.String()
    year_of_birth = Integer(allow_none=True)
    consents = fields.List(fields.Nested(ConsentOut))


class PrinterSchema(StrictSchema):
    name = text(100, required=True, also=validate.Length(min=1))
    protocol = one_of(PrinterProtocol, required=True)
    transport = one_of(PrinterTransport, required=True)
    address = text(500, allow_none=True)  # host (tcp), folder (directory) or queue (cups)
    port = Integer(validate=validate.Range(1, 65535))
    dpi = Integer(validate=validate.OneOf([203, 300, 600]))
    template = one_of(LabelTemplate)
    location = text(allow_none=True)
    agent = fields.Email(allow_none=True)  # pull: the printer agent's user
    active = fields.Boolean()

    @validates_schema
    def _reachable(self, data: dict, partial: Any = None, **_: Any) -> None:
        transport = data.get("transport")
        if transport is None:
            return
        if transport is PrinterTransport.PULL and not data.get("agent"):
            raise ValidationError("A pull printer names its agent.", "agent")
        if transport is not PrinterTransport.PULL and not data.get("address"):
            raise ValidationError(f"A {transport.value} printer needs an address.", "address")


class OrganisationSchema(StrictSchema):
    name = text(required=True, also=validate.Length(min=1, max=200))
    name_zh = text()
    country = fields.String(validate=COUNTRY)
    biosafety_level = Integer(validate=validate.Range(1, 4))


class CollectionSchema(StrictSchema):
    code = text(32, required=True, also=A_CODE)
    name = text(required=True, also=validate.Length(min=1, max=200))
    name_zh = text()
    kind = one_of(CollectionKind, required=True)
    institute_code = fields.String(validate=AN_INSTITUTE)
    organisation = text()
    accession_pattern = text(64)
    mta_template = text(100_000)


class PositionSchema(StrictSchema):
    row = Integer(required=True, validate=validate.Range(min=1))
    col = Integer(required=True, validate=validate.Range(min=1))


class AnimalSchema(StrictSchema):
    sex = one_of(Sex, required=True)
    birth_date = Date()
    ear_tag = text(32)
    sire = text(32)  # barcode of the father
    dam = text(32)  # barcode of the mother


class LotSchema(StrictSchema):
    method = one_of(PreservationMethod, required=True)
    preserved_on = Date(required=True)
    passage_number = Integer(validate=validate.Range(min=0, max=10_000))
    generation = fields.String(
        validate=pattern(r"^[A-Za-z0-9+/.-]{1,16}$", "a generation such as F2 or N10F3")
    )
    regeneration_cycle = Integer(validate=validate.Range(min=0, max=1000))
    items = Integer(required=True, validate=validate.Range(min=1, max=10_000))
    quantity = fields.Decimal(required=True, places=6, validate=positive)
    unit = one_of(Unit, required=True)
    form = one_of(ItemForm, required=True)
    remarks = text(5000)
    animals = fields.List(fields.Nested(AnimalSchema))

    @validates_schema(skip_on_field_errors=False)
    def _one_animal_per_item(self, data: dict, **_: Any) -> None:
        if "animals" in data and len(data["animals"]) != data.get("items"):
            raise ValidationError("Describe one animal per item.", "animals")


class ItemsSchema(StrictSchema):
    """New items cut from a parent: aliquots, or derivatives (with their own lot method)."""

    count = Integer(required=True, validate=validate.Range(min=1, max=1000))
    quantity = fields.Decimal(required=True, places=6, validate=positive)
    unit = one_of(Unit)
    form = one_of(ItemForm)
    taken = fields.Decimal(places=6, validate=positive)
    method = one_of(PreservationMethod)
    note = text(5000)


class StorageUnitSchema(StrictSchema):
    kind = one_of(StorageKind, required=True)
    name = text(100, required=True, also=validate.Length(min=1, max=100))
    slot = Integer(validate=validate.Range(min=1, max=10_000))
    rows = Integer(validate=validate.Range(1, 50))
    cols = Integer(validate=validate.Range(1, 50))
    capacity = Integer(validate=validate.Range(min=0, max=1_000_000))
    temperature_c = fields.Float(validate=validate.Range(-273, 100))
    description = text(500)
    barcode = text(32)

    @validates_schema
    def _grid(self, data: dict, **_: Any) -> None:
        is_box = data.get("kind") == StorageKind.BOX
        has_grid = "rows" in data and "cols" in data
        if is_box and not has_grid:
            raise ValidationError("A box needs rows and cols.", "rows")
        if not is_box and ("rows" in data or "cols" in data):
            raise ValidationError("Only boxes have a grid.", "rows")


class QcSchema(StrictSchema):
    test = one_of(QcTest, required=True)
    outcome = one_of(QcOutcome, required=True)
    value = fields.Float()
    value_unit = text(16)
    method = text()
    tested_on = Date(required=True)
    note = text(5000)


# --- dump shapes: what the outside sees ----------------------------------------------------------


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC, with its offset, whether or not the database kept the zone."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class IdentifierOut(Schema):
    scheme = fields.String()
    value = fields.String()


class CatalogueMaterialOut(Schema):
    """The public catalogue view: no storage, no internal remarks, no donor details."""

    id = Integer()
    collection = fields.Function(lambda m: m.collection.code)
    accession_number = fields.String()
    kind = fields.Enum(MaterialKind, by_value=True)
    designation = fields.String()
    designation_zh = fields.String(allow_none=True)
    taxon_name = fields.String()
    taxon_name_zh = fields.String(allow_none=True)
    taxon_id = Integer(allow_none=True)
    identifiers = fields.List(fields.Nested(IdentifierOut))
    origin_country = fields.String(allow_none=True)
    biological_status = fields.Enum(BiologicalStatus, by_value=True, allow_none=True)
    access_level = fields.Enum(AccessLevel, by_value=True)
    risk_group = Integer()
    abs_status = fields.Enum(AbsStatus, by_value=True)
    abs_permits = fields.String(allow_none=True)
    ipr = fields.String(allow_none=True)
    restrictions_on_use = fields.String(allow_none=True)
    remarks = fields.String(allow_none=True)


class MaterialOut(CatalogueMaterialOut):
    """The staff view: every field, the kind's own fields under `details`."""

    origin_site = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    elevation_m = Integer(allow_none=True)
    collection_date = fields.String(allow_none=True)
    collector = fields.String(allow_none=True)
    donor_institute = fields.String(allow_none=True)
    donor_accession = fields.String(allow_none=True)
    internal_remarks = fields.String(allow_none=True)
    minimum_stock = Integer()
    regeneration_threshold = Integer(allow_none=True)
    details = fields.Method("_details")
    updated_at = UtcDateTime()

    def _details(self, material: Any) -> dict:
        own = (
            KIND_SCHEMAS[material.kind]._declared_fields.keys()
            - MaterialSchema._declared_fields.keys()
        )
        values = {}
        for name in sorted(own):
            if name == "donor":
                donor = getattr(material, "donor", None)
                values["donor"] = donor.code if donor else None
                continue
            value = getattr(material, name, None)
            values[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return values


class MaterialPatchSchema(StrictSchema):
    """Fields a curator may change after registration."""

    designation = text(also=validate.Length(min=1, max=200))
    designation_zh = text(allow_none=True)
    taxon_name = text(also=validate.Length(min=2, max=200))
    taxon_name_zh = text(allow_none=True)
    taxon_id = Integer(validate=validate.Range(min=1), allow_none=True)
    access_level = one_of(AccessLevel)
    risk_group = Integer(validate=validate.Range(1, 4))
    abs_status = one_of(AbsStatus)
    abs_permits = text(500, allow_none=True)
    ipr = text(500, allow_none=True)
    restrictions_on_use = text(500, allow_none=True)
    remarks = text(5000, allow_none=True)
    internal_remarks = text(5000, allow_none=True)
    minimum_stock = Integer(validate=validate.Range(0, 100_000))
    regeneration_threshold = Integer(validate=validate.Range(0, 100_000), allow_none=True)


class PathUnitOut(Schema):
    barcode = fields.String()
    name = fields.String()
    kind = fields.String()


class EventOut(Schema):
    id = Integer()
    at = UtcDateTime()
    type = fields.String()
    actor_id = Integer(allow_none=True)
    item_id = Integer(allow_none=True)
    lot_id = Integer(allow_none=True)
    material_id = Integer(allow_none=True)
    data = fields.Dict()
    note = fields.String(allow_none=True)


class HistoryOut(Schema):
    at = UtcDateTime()
    type = fields.String()
    actor_id = Integer(allow_none=True)
    data = fields.Dict()
    note = fields.String(allow_none=True)


class ScanItemOut(Schema):
    barcode = fields.String()
    status = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit = fields.String()
    form = fields.String()
    parent_id = Integer(allow_none=True)


class ScanMaterialOut(Schema):
    id = Integer()
    collection = fields.String()
    accession_number = fields.String()
    kind = fields.String()
    designation = fields.String()
    designation_zh = fields.String(allow_none=True)
    taxon_name = fields.String()
    taxon_name_zh = fields.String(allow_none=True)
    risk_group = Integer()
    access_level = fields.String()


class ScanLotOut(Schema):
    """A lot as the scan shows it (LotOut adds its material and quantities)."""

    id = Integer()
    number = Integer()
    method = fields.String()
    preserved_on = Date()
    passage_number = Integer(allow_none=True)
    generation = fields.String(allow_none=True)
    regeneration_cycle = Integer(allow_none=True)


class ScanOut(Schema):
    item = fields.Nested(ScanItemOut)
    material = fields.Nested(ScanMaterialOut)
    lot = fields.Nested(ScanLotOut)
    location = fields.List(fields.Nested(PathUnitOut))
    position = fields.String(allow_none=True)
    temperature_c = fields.Float(allow_none=True)
    history = fields.List(fields.Nested(HistoryOut))


class ItemOut(Schema):
    id = Integer()
    barcode = fields.String()
    lot_id = Integer()
    parent_id = Integer(allow_none=True)
    form = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit = fields.String()
    status = fields.String()
    container = fields.Function(lambda i: i.container.barcode if i.container else None)
    position = fields.Function(lambda i: position_label(i.row, i.col) or None)


class LotOut(ScanLotOut):
    material_id = Integer()
    initial_quantity = fields.Decimal(as_string=True)
    unit = fields.String()


class StorageUnitOut(Schema):
    id = Integer()
    barcode = fields.String()
    kind = fields.String()
    name = fields.String()
    slot = Integer(allow_none=True)
    rows = Integer(allow_none=True)
    cols = Integer(allow_none=True)
    capacity = Integer(allow_none=True)
    occupied = Integer()
    temperature_c = fields.Float(allow_none=True)
    parent = fields.Function(lambda u: u.parent.barcode if u.parent else None)
    children = fields.Function(lambda u: [c.barcode for c in u.children])


class AuditOut(Schema):
    id = Integer()
    at = UtcDateTime()
    actor_id = Integer(allow_none=True)
    table_name = fields.String()
    row_id = fields.String()
    action = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()


class CollectionOut(Schema):
    id = Integer()
    code = fields.String()
    name = fields.String()
    name_zh = fields.String(allow_none=True)
    kind = fields.String()
    institute_code = fields.String(allow_none=True)
    accession_pattern = fields.String()


# --- sharing requests -----------------------------------------------------------------------------


class RequestLineSchema(StrictSchema):
    material_id = Integer(required=True, validate=validate.Range(min=1))
    form = one_of(ItemForm, required=True)
    quantity = Integer(required=True, validate=validate.Range(1, 10_000))
    purpose = text(2000)


class RequestDetailsSchema(StrictSchema):
    """What a request is for, and the approvals and permits the checks ask for."""

    purpose = text(5000)
    intended_use = one_of(IntendedUse)
    ethics_approval = text(100)
    hgr_approval = text(100)
    phytosanitary_certificate = text(100)
    import_permit = text(100)
    destination_country = fields.String(validate=COUNTRY)
    shipping_address = text(1000)


class RequestSchema(RequestDetailsSchema):
    """A new request (the cart): its lines, and its details."""

    lines = fields.List(
        fields.Nested(RequestLineSchema), required=True, validate=validate.Length(min=1, max=100)
    )
    idempotency_key = text(100, also=validate.Length(min=1, max=100))
    submit = fields.Boolean(load_default=False)


class RequestChangesSchema(RequestDetailsSchema):
    """Details changed on a draft; `version` is the one the caller read."""

    version = Integer(validate=validate.Range(min=1))


class StepSchema(StrictSchema):
    """A step without more data: an optional note (a reason) and the version the caller read
    (a stale one is refused)."""

    note = text(5000)
    version = Integer(validate=validate.Range(min=1))


class LineDecisionSchema(StrictSchema):
    line_id = Integer(required=True)
    approve = fields.Boolean(required=True)
    reason = text(5000)
    items = fields.List(text(32), validate=validate.Length(max=10_000))  # picked barcodes


class DecisionSchema(StepSchema):
    """The curator's decision: lines not named are approved (and reserved from the proposal)."""

    decisions = fields.List(fields.Nested(LineDecisionSchema), load_default=list)


class AcceptanceSchema(StepSchema):
    agreement_version_id = Integer(required=True)
    signer_name = text(200, required=True, also=validate.Length(min=1, max=200))


class ShipmentSchema(StepSchema):
    packaging = text(200, required=True, also=validate.Length(min=1, max=200))
    condition = one_of(ShippingCondition, required=True)
    courier = text(100, required=True, also=validate.Length(min=1, max=100))
    tracking_number = text(100, required=True, also=validate.Length(min=1, max=100))


class FeedbackSchema(StrictSchema):
    rating = Integer(required=True, validate=validate.Range(1, 5))
    comment = text(5000)


class PublicationSchema(StrictSchema):
    citation = text(1000, required=True, also=validate.Length(min=1, max=1000))
    doi = fields.String(validate=pattern(r"^10\.\d{4,9}/\S{1,180}$", "a DOI (e.g. 10.1000/xyz123)"))
    note = text(5000)


class AgreementSchema(StrictSchema):
    name = text(200, required=True, also=validate.Length(min=1, max=200))
    kind = one_of(AgreementKind, load_default=AgreementKind.MTA)
    text = text(100_000, required=True, also=validate.Length(min=1, max=100_000))


class AgreementVersionSchema(StrictSchema):
    text = text(100_000, required=True, also=validate.Length(min=1, max=100_000))


class SupplyOut(Schema):
    form = fields.String()
    unit = fields.String()
    available = Integer()
    distributable = Integer()


class OfferOut(Schema):
    """What the catalogue offers of a material: forms, how many can be had, on which terms."""

    supply = fields.List(fields.Nested(SupplyOut))
    minimum_stock = Integer()
    terms = fields.List(fields.String())
    agreement = fields.String(allow_none=True)


class RequestLineOut(Schema):
    id = Integer()
    material_id = Integer()
    accession_number = fields.Function(lambda line: line.material.accession_number)
    designation = fields.Function(lambda line: line.material.designation)
    form = fields.String()
    quantity = Integer()
    purpose = fields.String(allow_none=True)
    decision = fields.String()
    decision_reason = fields.String(allow_none=True)


class RequestStepOut(Schema):
    status = fields.String()
    at = UtcDateTime()
    by = fields.Function(lambda step: step.actor.name if step.actor else None)
    note = fields.String(allow_none=True)


class AllocationOut(Schema):
    line_id = Integer()
    barcode = fields.Function(lambda a: a.item.barcode)
    quantity = fields.Function(lambda a: str(a.item.quantity))
    unit = fields.Function(lambda a: a.item.unit.value)
    status = fields.Function(lambda a: a.item.status.value)


class AcceptanceOut(Schema):
    agreement = fields.Function(lambda a: a.version.template.name)
    agreement_version = fields.Function(lambda a: a.version.number)
    sha256 = fields.Function(lambda a: a.version.sha256)
    signer_name = fields.String()
    organisation = fields.Function(lambda a: a.organisation.name)
    address = fields.String(allow_none=True)
    accepted_at = UtcDateTime()


class ShipmentOut(Schema):
    packaging = fields.String()
    condition = fields.String()
    courier = fields.String()
    tracking_number = fields.String()
    shipped_at = UtcDateTime()
    delivered_at = UtcDateTime(allow_none=True)


class FeedbackOut(Schema):
    rating = Integer()
    comment = fields.String(allow_none=True)
    at = UtcDateTime()


class PublicationOut(Schema):
    id = Integer()
    citation = fields.String()
    doi = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    at = UtcDateTime()


class NextStepOut(Schema):
    """What happens next to a request: who must act (lab or collection) and what."""

    actor = fields.String()
    action = fields.String()
    text = fields.String()


class RequestSummaryOut(Schema):
    id = Integer()
    number = fields.String()
    collection = fields.Function(lambda r: r.collection.code)
    organisation = fields.Function(lambda r: r.organisation.name)
    requester = fields.Function(lambda r: r.requester.email)
    status = fields.String()
    version = Integer()
    created_at = UtcDateTime()
    changed_at = UtcDateTime()
    overdue = fields.Boolean()
    next_step = fields.Function(
        lambda r: NextStepOut().dump(NEXT_STEPS[r.status]) if r.status in NEXT_STEPS else None,
        allow_none=True,
    )


class RequestOut(RequestSummaryOut):
    """A request with every step (who, when), its lines, reserved items (no locations),
    agreement, shipment, feedback and publications."""

    purpose = fields.String(allow_none=True)
    intended_use = fields.String()
    ethics_approval = fields.String(allow_none=True)
    hgr_approval = fields.String(allow_none=True)
    phytosanitary_certificate = fields.String(allow_none=True)
    import_permit = fields.String(allow_none=True)
    destination_country = fields.String(allow_none=True)
    shipping_address = fields.String(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(RequestLineOut))
    steps = fields.List(fields.Nested(RequestStepOut))
    items = fields.List(fields.Nested(AllocationOut), attribute="allocations")
    acceptance = fields.Nested(AcceptanceOut, allow_none=True)
    shipment = fields.Nested(ShipmentOut, allow_none=True)
    feedback = fields.Nested(FeedbackOut, allow_none=True)
    publications = fields.List(fields.Nested(PublicationOut))


class PackingRowOut(Schema):
    barcode = fields.String()
    accession_number = fields.String()
    designation = fields.String()
    lot = fields.String()
    quantity = fields.String()
    unit = fields.String()
    terms = fields.List(fields.String())


class PackingListOut(Schema):
    request = fields.String()
    recipient = fields.String()
    organisation = fields.String()
    address = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    courier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    condition = fields.String(allow_none=True)
    packaging = fields.String(allow_none=True)
    agreement = fields.String(allow_none=True)
    terms = fields.List(fields.String())
    rows = fields.List(fields.Nested(PackingRowOut))


class AgreementVersionOut(Schema):
    id = Integer()
    number = Integer()
    sha256 = fields.String()
    text = fields.String()
    created_at = UtcDateTime()


class AgreementOut(Schema):
    id = Integer()
    collection = fields.Function(lambda t: t.collection.code)
    name = fields.String()
    kind = fields.String()
    latest = fields.Function(lambda t: AgreementVersionOut().dump(t.versions[-1]))
