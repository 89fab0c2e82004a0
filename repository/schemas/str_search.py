"""Input of an STR similarity search: the query profile (a mapping of marker to alleles, or
CLASTR-style text, one marker a line) and CLASTR's parameters; the schema next to the command
(a frozen dataclass) its load builds. The profile field also reads a cell line's own profile."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from ..str_profiles import AMELOGENIN, KNOWN_MARKERS, Profile, ProfileError, read_profile
from ..str_search import Algorithm, Mode, Options
from .fields import Boolean, Integer, StrictSchema, text

MOST_TEXT = 5_000  # characters of a pasted profile


class ProfileField(fields.Field):
    """An STR profile: `{"D5S818": "11,12", "TH01": ["7", "9.3"]}` or the text `D5S818: 11,12`,
    one marker a line. Marker names are normalised as CLASTR does (VWA → vWA); alleles are
    numbers (X and Y on Amelogenin) or ND, each kept once. Loads a `Profile`."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "description": 'Marker → alleles ("11,12" or a list), or text with one '
            "`Marker: alleles` a line.",
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": {
                        "oneOf": [
                            {"type": "string"},
                            {"type": "array", "items": {"type": "string"}},
                        ]
                    },
                },
                {"type": "string", "maxLength": MOST_TEXT},
            ],
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Profile:
        if isinstance(value, str):
            if len(value) > MOST_TEXT:
                raise ValidationError(f"At most {MOST_TEXT} characters.")
        elif not isinstance(value, Mapping):
            raise ValidationError("Give the profile as an object (marker → alleles) or text.")
        try:
            return read_profile(value)
        except ProfileError as error:
            raise ValidationError(error.errors) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value.as_text() if isinstance(value, Profile) else value


class CellLineProfileField(fields.Dict):
    """A cell line's own profile, marker → alleles (`"11,12"` or a list), read as a search's
    profile is and kept as marker → `"11,12"`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(keys=fields.String(), values=fields.String(), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValidationError("Give the profile as an object: marker → alleles.")
        try:
            return read_profile(value).as_text()
        except ProfileError as error:
            raise ValidationError(error.errors) from None


class StrSearchIn(StrictSchema):
    profile = ProfileField(required=True)
    algorithm = fields.Enum(Algorithm, by_value=True, load_default=Algorithm.TANABE)
    mode = fields.Enum(Mode, by_value=True, load_default=Mode.NON_EMPTY)
    include_amelogenin = Boolean(load_default=False)
    score_filter = Integer(load_default=60, validate=validate.Range(min=0, max=100))
    min_markers = Integer(load_default=8, validate=validate.Range(min=1, max=len(KNOWN_MARKERS)))
    max_results = Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    description = text(200)

    @post_load
    def _command(self, data: dict, **_: Any) -> StrSearch:
        profile: Profile = data["profile"]
        check(profile, data["min_markers"])
        options = Options(
            algorithm=data["algorithm"],
            mode=data["mode"],
            include_amelogenin=data["include_amelogenin"],
            score_filter=float(data["score_filter"]),
            min_markers=data["min_markers"],
            max_results=data["max_results"],
        )
        return StrSearch(profile=profile, options=options, description=data.get("description"))


def check(profile: Profile, min_markers: int) -> None:
    """A query must have markers, some CLASTR knows, and at least `min_markers` of them
    (Amelogenin not counted): else no reference could be reported."""
    if not profile.markers:
        raise ValidationError("The profile is empty: give at least one marker.", "profile")
    if not profile.scored:
        raise ValidationError(
            f"No marker of the profile is one CLASTR compares ({', '.join(profile.unknown)}).",
            "profile",
        )
    count = profile.count()
    if count < min_markers:
        raise ValidationError(
            f"The profile has {count} marker(s) besides {AMELOGENIN}; a search reports "
            f"references compared on at least {min_markers} (min_markers): give more "
            "markers or lower min_markers.",
            "profile",
        )


@dataclass(frozen=True, kw_only=True)
class StrSearch:
    """A query profile and the search's parameters; markers CLASTR does not know are kept
    in the profile (and reported), not scored."""

    profile: Profile
    options: Options = field(default_factory=Options)
    description: str | None = None
