"""Form inputs described from the input schemas' own fields, so a page shows each kind's fields
(text, number, choice, yes/no) and the schema checks them as over HTTP."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from .terms import term

LABELS: dict[str, Any] = {
    # every material
    "accession_number": _l("Accession number"),
    "designation": _l("Designation"),
    "designation_zh": _l("Designation (Chinese)"),
    "taxon_name": _l("Taxon (scientific name)"),
    "taxon_name_zh": _l("Taxon (Chinese)"),
    "taxon_id": _l("NCBI taxonomy id"),
    "access_level": _l("Access"),
    "risk_group": _l("Risk group"),
    "biological_status": _l("Biological status"),
    "origin_country": _l("Country of origin (ISO 3166 alpha-3)"),
    "origin_site": _l("Site of origin"),
    "collection_date": _l("Collected on (YYYY, YYYY-MM or YYYY-MM-DD)"),
    "collector": _l("Collector"),
    "donor_institute": _l("Donor institute"),
    "abs_status": _l("ABS / Nagoya status"),
    "remarks": _l("Remarks"),
    # strains
    "organism_type": _l("Organism type"),
    "type_strain": _l("Type strain"),
    "isolation_source": _l("Isolation source"),
    "genotype": _l("Genotype"),
    "plasmids": _l("Plasmids"),
    "genetically_modified": _l("Genetically modified"),
    "growth_medium": _l("Growth medium"),
    "growth_temperature_c": _l("Growth temperature (°C)"),
    "oxygen_relationship": _l("Oxygen relationship"),
    "applications": _l("Applications"),
    "literature": _l("Literature"),
    # seed
    "crop_name": _l("Crop name"),
    "crop_name_zh": _l("Crop name (Chinese)"),
    "sample_status": _l("MCPD sample status (100–999)"),
    "acquisition_source": _l("MCPD acquisition source (10–99)"),
    "acquisition_date": _l("Acquired on (YYYYMMDD)"),
    "ancestral_data": _l("Pedigree"),
    "breeding_institute": _l("Breeding institute (FAO WIEWS code)"),
    "mls_status": _l("MCPD MLS status (0 no, 1 yes, 99 other)"),
    "thousand_seed_weight_g": _l("Thousand-seed weight (g)"),
    # cell lines
    "cellosaurus_id": _l("Cellosaurus id (CVCL_…)"),
    "max_passage": _l("Passage limit"),
    "category": _l("Category"),
    "cell_type": _l("Cell type"),
    "tissue": _l("Tissue"),
    "disease": _l("Disease"),
    "disease_ncit": _l("Disease (NCIt code)"),
    "donor_sex": _l("Donor sex"),
    "donor_age": _l("Donor age"),
    "population": _l("Population"),
    "growth_mode": _l("Growth mode"),
    "culture_medium": _l("Culture medium"),
    "problematic": _l("Known problems"),
    # animal lines
    "background": _l("Genetic background"),
    "zygosity": _l("Zygosity"),
    "breeding_scheme": _l("Breeding scheme"),
    "coat_colour": _l("Coat colour"),
    "phenotype": _l("Phenotype"),
    "health_status": _l("Health status"),
    "protocol_number": _l("Animal protocol number"),
    "wean_age_days": _l("Weaning age (days)"),
    # specimens
    "specimen_type": _l("Specimen type"),
    "anatomical_site": _l("Anatomical site"),
    "sprec_code": _l("SPREC code"),
    "donor": _l("Donor code"),
    "disease_icd10": _l("Disease (ICD-10)"),
    "ethics_approval": _l("Ethics approval"),
    "storage_temperature": _l("Storage temperature"),
    # lots
    "method": _l("Preservation method"),
    "preserved_on": _l("Preserved on"),
    "items": _l("Number of items"),
    "quantity": _l("Quantity per item"),
    "unit": _l("Unit"),
    "form": _l("Form"),
    "passage_number": _l("Passage number"),
    "generation": _l("Generation"),
    "regeneration_cycle": _l("Regeneration cycle"),
    # places (the bench, a box's page, an item's page)
    "container": _l("Box or container"),
    "position": _l("Position"),
    # the imports page (and the bench's first step)
    "collection": _l("Collection"),
    "kind": _l("Kind"),
    "files": _l("Files"),
    "format": _l("Format"),
    "encoding": _l("Encoding"),
}


@dataclass(frozen=True)
class Input:
    """One form input: the field's name, its label, an HTML input type, and choices."""

    name: str
    label: Any
    type: str = "text"
    required: bool = False
    options: list[tuple[str, Any]] | None = None
    step: bool = False  # a number with decimals


def _choices(field: fields.Field) -> list[Any] | None:
    if isinstance(field, fields.Enum):
        members: type[enum.Enum] = field.enum
        return list(members)
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            return [str(choice) for choice in validator.choices]
    return None


def describe(name: str, field: fields.Field) -> Input | None:
    """The input for a schema field; None for lists, maps and nested records (not on forms)."""
    if isinstance(field, fields.List | fields.Dict | fields.Nested | fields.DateTime):
        return None
    label, required = LABELS.get(name, name.replace("_", " ")), field.required
    choices = _choices(field)
    if choices is not None:
        return Input(name, label, "select", required, [(str(c), term(c, name)) for c in choices])
    if isinstance(field, fields.Boolean):
        return Input(name, label, "checkbox")
    if isinstance(field, fields.Date):
        return Input(name, label, "date", required)
    if isinstance(field, fields.Integer):
        return Input(name, label, "number", required)
    if isinstance(field, fields.Float | fields.Decimal):
        return Input(name, label, "number", required, step=True)
    long = any(isinstance(v, validate.Length) and (v.max or 0) > 500 for v in field.validators)
    return Input(name, label, "textarea" if long else "text", required)


def inputs(
    schema: type[Schema], names: list[str] | None = None, skip: AbstractSet[str] = frozenset()
) -> list:
    """The inputs of `schema`'s fields (those named, in that order; or all but `skip`)."""
    declared = schema._declared_fields
    chosen = names if names is not None else [n for n in declared if n not in skip]
    found = (describe(name, declared[name]) for name in chosen)
    return [i for i in found if i is not None]


def labelled(schema: type[Schema], names: list[str], labels: Mapping[str, Any]) -> list[Input]:
    """The inputs of `schema`'s fields named, labelled by `labels` where the shared labels do
    not name them as the form means them."""
    return [
        dataclasses.replace(i, label=labels[i.name]) if i.name in labels else i
        for i in inputs(schema, names)
    ]


GENERIC = frozenset({"quantity", "items", "unit", "form", "method", "remarks", "donor"})


def label_of(name: str, shown: Iterable[Input] | Mapping[str, Any] = ()) -> Any:
    """The words for a field named in an error (`kind.field` too): the label of the input the
    form shows for it (`shown`: its inputs, or its labels by name); else the shared label, but
    names that other forms use for other things, and unknown ones, as they are."""
    field = name.rsplit(".", 1)[-1]
    if isinstance(shown, Mapping):
        label = shown.get(name, shown.get(field))
        if label is not None:
            return label
    else:
        for given in shown:
            if given.name in (name, field):
                return given.label
    return name if field in GENERIC else LABELS.get(field, name)
