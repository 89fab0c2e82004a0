"""Input of materials of every kind (strains, seeds, cell lines, animal lines, specimens)
and their changes; each kind's schema loads its fields (as the bulk importer reads them), and
its input with the collection (KIND_INPUTS, one of MaterialIn) the RegisterMaterial command."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
)

from ..errors import ValidationFailed
from ..vocabulary import (
    ACQUISITION_SOURCE,
    GERMPLASM_STORAGE,
    MLS_STATUS,
    SAMPLE_STATUS,
    AbsStatus,
    AccessLevel,
    BiologicalStatus,
    MaterialKind,
)
from .fields import (
    A_CODE,
    AN_INSTITUTE,
    COUNTRY,
    INSTITUTE,
    PARTIAL_DATE,
    Boolean,
    Entries,
    Integer,
    StrictSchema,
    mcpd_date,
    one_of,
    pattern,
    text,
)
from .str_search import CellLineProfileField

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
    type_strain = Boolean()
    isolation_source = text(500)
    genotype = text(500)
    plasmids = text(500)
    genetically_modified = Boolean()
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
    # marker → alleles, names as CLASTR writes them (VWA → vWA), alleles checked
    str_profile = CellLineProfileField()
    # the supplier's limit: the highest passage number a lot may reach
    max_passage = Integer(validate=validate.Range(min=0, max=10_000))


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
    wean_age_days = Integer(validate=validate.Range(min=10, max=60))


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


class NewIdentifier(NamedTuple):
    """Another collection's or database's number of a material."""

    scheme: str
    value: str


@dataclass(frozen=True, kw_only=True)
class RegisterMaterial:
    """Register a material of `kind` in collection `collection` (a code): its accession
    number is drawn from the collection's pattern unless given; `donor` is a specimen's
    donor's code in the collection; `fields` are the kind's other fields, checked."""

    collection: str
    kind: MaterialKind
    fields: Mapping[str, Any]
    identifiers: tuple[NewIdentifier, ...] = ()
    accession_number: str | None = None
    donor: str | None = None


def _with_collection(schema: type[MaterialSchema]) -> type[MaterialSchema]:
    """A kind's schema plus the collection the material goes into (what a script sends),
    loading the RegisterMaterial command."""
    collection = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "The code of a collection you curate."},
    )

    def command(self: MaterialSchema, data: dict, **_: Any) -> RegisterMaterial:
        given = dict(data)
        return RegisterMaterial(
            collection=given.pop("collection"),
            kind=MaterialKind(given.pop("kind")),
            identifiers=tuple(NewIdentifier(**i) for i in given.pop("identifiers")),
            accession_number=given.pop("accession_number", None),
            donor=given.pop("donor", None),
            fields=MappingProxyType(given),
        )

    name = schema.__name__.removesuffix("Schema") + "In"
    members = {"collection": collection, "_command": post_load(command), "__doc__": schema.__doc__}
    return type(name, (schema,), members)


KIND_INPUTS = {str(kind): _with_collection(schema) for kind, schema in KIND_SCHEMAS.items()}


_INPUT_LOADERS = {kind: schema() for kind, schema in KIND_INPUTS.items()}  # built once


class MaterialIn(Schema):
    """A material of any kind: `kind` picks its schema (the fields every material has plus the
    kind's own; the OpenAPI document lists each as one of MaterialIn); unknown fields are
    refused."""

    def load(self, data: Any, **_: Any) -> RegisterMaterial:
        return _INPUT_LOADERS[kind_of(data)].load(data)

    def load_or_fail(self, data: Any) -> RegisterMaterial:
        """Load the command, or raise the domain's ValidationFailed naming every bad field."""
        try:
            return self.load(data)
        except ValidationError as error:
            raise ValidationFailed(error.normalized_messages()) from error


# A kind's fields an edit does not change: what other records key on (a cell line's Cellosaurus
# accession and STR profile, by which its reference and its authentications find it; a
# specimen's donor, a record of its own).
KEYED = frozenset({"cellosaurus_id", "str_profile", "donor"})

KIND_FIELDS: dict[MaterialKind, tuple[str, ...]] = {
    MaterialKind(kind): tuple(
        name
        for name in schema._declared_fields
        if name not in MaterialSchema._declared_fields and name not in KEYED
    )
    for kind, schema in KIND_SCHEMAS.items()
}
"""Each kind's own fields a curator may change after registration (its registration's)."""


def _edited(field: fields.Field) -> fields.Field:
    """A registration field as an edit reads it: never required; an optional value may be
    cleared (null), but not a required one, a yes/no, or a list (it is emptied instead)."""
    edited = copy.copy(field)
    edited.allow_none = not (field.required or isinstance(field, fields.Boolean | fields.List))
    edited.required = False
    return edited


# every kind's own fields, each read as its kind's registration reads it (a name two kinds share,
# a genotype, is declared alike by both)
_KIND_EDITS = {
    name: _edited(KIND_SCHEMAS[kind]._declared_fields[name])
    for kind, names in KIND_FIELDS.items()
    for name in names
}


def foreign_fields(kind: MaterialKind, changes: Iterable[str]) -> list[str]:
    """The fields of other kinds that `changes` name, which a material of `kind` has not."""
    own = KIND_FIELDS[kind]
    return [name for name in changes if name in _KIND_EDITS and name not in own]


class MaterialPatchSchema(StrictSchema):
    """Fields a curator may change after registration: those of every material, and a kind's
    own (a material of another kind refuses them)."""

    class Meta(StrictSchema.Meta):
        include = _KIND_EDITS

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
