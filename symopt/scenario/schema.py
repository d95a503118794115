"""The scenario format (version 1) as frozen pydantic models.

One class per part of `docs/scenario-format.md`. The models check each value on its own
(types, ranges, unknown keys); checks that relate one part to another (an unknown site,
a quality bound on an attribute the resource lacks) live in `symopt.scenario.checks`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from symopt.enums import Better, Mixing, ObjectiveKind
from symopt.scenario.yaml_source import number_text_hint

#: Larger magnitudes break the solver's tolerances (HiGHS treats 1e20 as infinity).
MAX_MAGNITUDE = 1e12


def _plain_number(value: object) -> object:
    """Refuse true/false and quoted text where a number is expected (YAML `yes` is True)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got the true/false value {value}")
    if isinstance(value, str):
        hint = number_text_hint(value)  # 1:30, 0x10, 017: YAML 1.1 numbers, read as text
        shown = (
            repr(value) if len(value) <= 40 else f"{value[:30]!r}... ({len(value):,} characters)"
        )
        raise ValueError(f"expected a number, got the text {shown}" + (f": {hint}" if hint else ""))
    return value


_Plain = BeforeValidator(_plain_number)
Number = Annotated[float, Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE), _Plain]
NonNegative = Annotated[float, Field(ge=0, le=MAX_MAGNITUDE), _Plain]
Positive = Annotated[float, Field(gt=0, le=MAX_MAGNITUDE), _Plain]
Identifier = Annotated[str, Field(min_length=1, max_length=200)]


def _format_version(value: object) -> object:
    """`symopt: 1`, exactly: not 1.0, true or '1'."""
    if type(value) is not int:
        raise ValueError(f"unsupported format version {value!r}; expected the integer 1")
    return value


def _amount_kind(value: object) -> str | None:
    if isinstance(value, dict):
        return "map"
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return "number"  # text, too: the number check says what is wrong with it
    return None


#: An amount: per year (spread over slices by hours) or absolute per slice id.
Amount = Annotated[
    Annotated[NonNegative, Tag("number")] | Annotated[dict[Identifier, NonNegative], Tag("map")],
    Discriminator(
        _amount_kind,
        custom_error_type="amount_type",
        custom_error_message="expected a number >= 0 (per year) or a map of slice id -> number",
    ),
]


class Frozen(BaseModel):
    """Immutable, strict about unknown keys, no NaN or infinity anywhere."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=True
    )


class TimeSlice(Frozen):
    id: Identifier
    """Slice id, unique in the scenario."""
    hours: Positive
    """Hours of the year the slice stands for."""


DEFAULT_TIME_SLICES = (TimeSlice(id="year", hours=8760),)


class Economics(Frozen):
    carbon_price: NonNegative = 0.0
    """Currency per t CO2e, added to the annual cost."""
    discount_rate: Annotated[float, Field(ge=0, le=10), _Plain] = 0.05
    """Used to annualise capital costs with the capital recovery factor."""
    lifetime_years: Annotated[float, Field(gt=0, le=1000), _Plain] = 25.0
    """Years over which capital costs are annualised."""


class Quality(Frozen):
    unit: str = ""
    better: Better
    mixing: Mixing


class Resource(Frozen):
    unit: str = ""
    qualities: dict[Identifier, Quality] = Field(default_factory=dict)


class Site(Frozen):
    lat: Annotated[float, Field(ge=-90, le=90), _Plain]
    lon: Annotated[float, Field(ge=-180, le=180), _Plain]


class UnitCost(Frozen):
    """Cost and emissions per unit of a resource (disposal, alternative)."""

    cost: Number = 0.0
    emissions: Number = 0.0


class Bound(Frozen):
    """A demand's limit on one quality attribute: `{min: x}` or `{max: x}`."""

    min: Number | None = None
    max: Number | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Bound:
        if (self.min is None) == (self.max is None):
            raise ValueError("give exactly one of 'min' or 'max'")
        return self


class Supply(Frozen):
    resource: Identifier
    amount: Amount
    """Per year (number) or per slice (map slice id -> amount)."""
    quality: dict[Identifier, Number] = Field(default_factory=dict)
    """A value for every quality attribute of the resource."""
    disposal: UnitCost = UnitCost()
    """Cost and emissions per unit not used."""


class Demand(Frozen):
    resource: Identifier
    amount: Amount
    quality: dict[Identifier, Bound] = Field(default_factory=dict)
    """Bounds on attributes; an attribute left out is not constrained."""
    alternative: UnitCost
    """The conventional supply that covers what the symbiosis does not deliver."""


class Build(Frozen):
    """Makes a facility optional: built (`b = 1`) or not, at these annual costs."""

    capex: NonNegative = 0.0
    """One-off, annualised with the capital recovery factor."""
    fixed_opex: NonNegative = 0.0
    """Per year while built."""
    annual_cost: Number = 0.0
    """Any other cost per year while built."""


class Size(Frozen):
    """A facility sized by the optimiser: `min * b <= z <= max * b`."""

    min: NonNegative = 0.0
    max: Positive
    capex_per_unit: NonNegative = 0.0
    fixed_opex_per_unit: NonNegative = 0.0
    value_per_unit: Number = 0.0
    """Annual value of each unit of size (revenue), subtracted from the cost."""

    @model_validator(mode="after")
    def _min_below_max(self) -> Size:
        if self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is above max ({self.max:g}); expected min <= max")
        return self


class ProcessInput(Frozen):
    """Like a demand, per unit of activity; without `alternative` it must come by links."""

    resource: Identifier
    per_activity: NonNegative
    quality: dict[Identifier, Bound] = Field(default_factory=dict)
    alternative: UnitCost | None = None


class ProcessOutput(Frozen):
    """Like a supply, per unit of activity."""

    resource: Identifier
    per_activity: NonNegative
    quality: dict[Identifier, Number] = Field(default_factory=dict)
    disposal: UnitCost = UnitCost()


class Process(Frozen):
    """A converter: activity `a[f,t]` turns inputs into outputs."""

    variable_cost: Number = 0.0
    """Per unit of activity."""
    emissions: Number = 0.0
    """t CO2e per unit of activity."""
    inputs: list[ProcessInput] = Field(default_factory=list)
    outputs: list[ProcessOutput] = Field(default_factory=list)
    min_activity: Amount | None = None
    """symopt extension: activity the facility must reach when built, per year (spread over
    slices by hours) or per slice; `a[f,t] >= min_activity[t] * b[f]`."""


class Facility(Frozen):
    site: Identifier | None = None
    """The site of a facility whose place is fixed."""
    candidate_sites: Annotated[list[Identifier], Field(min_length=1)] | None = None
    """Instead of `site`: the optimiser places the facility on one of these."""
    site_costs: dict[Identifier, Number] = Field(default_factory=dict)
    """Extra annual cost per site."""
    build: Build | None = None
    size: Size | None = None
    process: Process | None = None
    supplies: list[Supply] = Field(default_factory=list)
    demands: list[Demand] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_way_to_place(self) -> Facility:
        if (self.site is None) == (self.candidate_sites is None):
            raise ValueError("give exactly one of 'site' or 'candidate_sites'")
        return self

    @property
    def sites(self) -> list[str]:
        """The sites this facility may stand on."""
        if self.candidate_sites is not None:
            return list(dict.fromkeys(self.candidate_sites))
        assert self.site is not None
        return [self.site]

    @property
    def is_optional(self) -> bool:
        return self.build is not None


class TransportMode(Frozen):
    resources: Annotated[list[Identifier], Field(min_length=1)]
    capex_per_km: NonNegative = 0.0
    fixed_opex_per_km: NonNegative = 0.0
    variable_cost: NonNegative = 0.0
    """Per unit sent per km."""
    emissions: NonNegative = 0.0
    """t CO2e per unit sent per km."""
    loss_per_km: Annotated[float, Field(ge=0, lt=1), _Plain] = 0.0
    quality_change_per_km: dict[Identifier, Number] = Field(default_factory=dict)
    max_distance: NonNegative | None = None
    detour_factor: Annotated[float, Field(ge=1, le=100), _Plain] = 1.0

    @property
    def has_build_decision(self) -> bool:
        """A link of this mode must be built (`y`) before it carries anything."""
        return self.capex_per_km > 0 or self.fixed_opex_per_km > 0


class DistanceOverride(Frozen):
    from_site: Identifier = Field(alias="from")
    to_site: Identifier = Field(alias="to")
    km: NonNegative


class ObjectiveWeights(Frozen):
    cost: NonNegative = 0.0
    emissions: NonNegative = 0.0

    @model_validator(mode="after")
    def _not_all_zero(self) -> ObjectiveWeights:
        if self.cost == 0 and self.emissions == 0:
            raise ValueError("at least one weight must be positive")
        return self


class Scenario(Frozen):
    """A whole scenario file, validated."""

    symopt: Annotated[Literal[1], BeforeValidator(_format_version)]
    name: Annotated[str, Field(min_length=1)]
    currency: str = "EUR"
    time_slices: Annotated[tuple[TimeSlice, ...], Field(min_length=1)] = DEFAULT_TIME_SLICES
    economics: Economics = Economics()
    resources: dict[Identifier, Resource]
    sites: dict[Identifier, Site]
    facilities: dict[Identifier, Facility]
    transport: dict[Identifier, TransportMode] = Field(default_factory=dict)
    distances: list[DistanceOverride] = Field(default_factory=list)
    objective: Annotated[
        Annotated[ObjectiveKind, Tag("name")] | Annotated[ObjectiveWeights, Tag("weights")],
        Discriminator(
            lambda value: "weights" if isinstance(value, dict | ObjectiveWeights) else "name",
            custom_error_type="objective_type",
            custom_error_message="expected 'cost', 'emissions' or {cost: a, emissions: b}",
        ),
    ] = ObjectiveKind.COST

    @property
    def total_hours(self) -> float:
        return sum(time_slice.hours for time_slice in self.time_slices)
