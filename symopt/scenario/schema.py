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
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        populate_by_name=True,
        use_attribute_docstrings=True,  # field docstrings become the published schema's text
        defer_build=True,  # built on first use: `symopt validate` starts faster
    )


class TimeSlice(Frozen):
    """A part of the year (a season, a day type); amounts may be given per slice."""

    id: Identifier
    """Slice id, unique in the scenario; used in amount maps and in results."""
    hours: Positive
    """Hours of the year the slice stands for. Unit: h."""


DEFAULT_TIME_SLICES = (TimeSlice(id="year", hours=8760),)


class Economics(Frozen):
    """Carbon price, discount rate and lifetime."""

    carbon_price: NonNegative = 0.0
    """Added to the annual cost for every tonne emitted. Unit: currency per t CO2e."""
    discount_rate: Annotated[float, Field(ge=0, le=10), _Plain] = 0.05
    """Annualises capital costs with the capital recovery factor. Unit: per year (0.05 = 5 %)."""
    lifetime_years: Annotated[float, Field(gt=0, le=1000), _Plain] = 25.0
    """Years over which capital costs are annualised. Unit: years."""


#: The effect indicators a resource can count towards (CO2e is always counted).
Indicator = Literal["water", "resources", "energy", "waste"]


class Quality(Frozen):
    """A quality attribute of a resource (purity, temperature, a contaminant)."""

    unit: str = ""
    """Unit of the attribute's values (a label, e.g. "%", "degC", "mg/L")."""
    better: Better
    """`higher`: demands give a minimum (purity, temperature); `lower`: a maximum (a
    contaminant)."""
    mixing: Mixing
    """`linear`: a demand's intake is the flow-weighted average of its links and must meet
    the bound; `none`: every link must meet the bound on its own (temperature levels)."""


class Resource(Frozen):
    """Something that can be exchanged: oxygen, heat, water, CO2."""

    unit: str = ""
    """Unit of every amount of this resource (a label, e.g. "t", "MWh", "m3")."""
    qualities: dict[Identifier, Quality] = Field(default_factory=dict)
    """Attributes that demands can put limits on; may be empty."""
    indicator: Indicator | None = None
    """Which effect indicator the resource counts towards (`water`, `resources`, `energy`:
    conventional supply avoided, in the resource's unit per year; `waste`: surplus no longer
    disposed, in the resource's unit per year). Default: none (not an indicator)."""
    density: Positive | None = None
    """Density of a gas at normal conditions, needed only to convert amounts or prices
    written in Nm3 to a mass unit or back (`symopt.scenario.units`); default none. Unit:
    kg per Nm3."""


class Site(Frozen):
    """A place; facilities on the same site are 0 km apart."""

    lat: Annotated[float, Field(ge=-90, le=90), _Plain]
    """Latitude. Unit: degrees north (south negative)."""
    lon: Annotated[float, Field(ge=-180, le=180), _Plain]
    """Longitude. Unit: degrees east (west negative)."""


class UnitCost(Frozen):
    """Cost and emissions per unit of a resource (disposal, alternative)."""

    cost: Number = 0.0
    """Cost of each unit. Unit: currency per unit of the resource."""
    emissions: Number = 0.0
    """Emissions of each unit. Unit: t CO2e per unit of the resource."""


class Alternative(UnitCost):
    """The conventional supply of a demand or process input, per unit it covers."""

    quality: dict[Identifier, Number] = Field(default_factory=dict)
    """Quality of the conventional supply per attribute; it blends in linear mixing. An
    attribute left out is taken to meet the demand's bound exactly (the v1 meaning).
    Default: none. Unit: each attribute's."""
    capacity_cost: NonNegative = 0.0
    """Annual cost of each unit of backup capacity kept, with `security: {backup:
    required}`; default 0. Unit: currency per year per (resource unit per hour)."""


class Security(Frozen):
    """Supply security of a demand (or the scenario-wide default)."""

    backup: Literal["required", "none"] = "none"
    """`required`: the alternative keeps a backup capacity (resource unit per hour) at
    least the largest amount per hour any single source facility delivers in any slice."""


class Bound(Frozen):
    """A demand's limit on one quality attribute: `{min: x}` or `{max: x}`."""

    min: Number | None = None
    """Lowest acceptable value (for a `better: higher` attribute). Unit: the attribute's."""
    max: Number | None = None
    """Highest acceptable value (for a `better: lower` attribute). Unit: the attribute's."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Bound:
        if (self.min is None) == (self.max is None):
            raise ValueError("give exactly one of 'min' or 'max'")
        return self


class Supply(Frozen):
    """A surplus the facility would otherwise dispose of."""

    resource: Identifier
    """The resource supplied (a key of `resources`)."""
    amount: Amount
    """How much is available: per year (a number, spread over slices by hours) or per slice
    (a map slice id -> amount). Unit: the resource's (per unit of size with `size`)."""
    quality: dict[Identifier, Number] = Field(default_factory=dict)
    """A value for every quality attribute of the resource. Unit: each attribute's."""
    disposal: UnitCost = UnitCost()
    """Cost and emissions of each unit not used (venting, cooling, discharge)."""
    cost: Number = 0.0
    """Purchase price of each unit sent on links (negative: a sale price); not paid on what
    is disposed; default 0. Unit: currency per resource unit."""
    emissions: Number = 0.0
    """Upstream emissions of each unit sent on links; default 0. Unit: t CO2e per resource
    unit."""


class Demand(Frozen):
    """A need the facility covers conventionally today."""

    resource: Identifier
    """The resource needed (a key of `resources`)."""
    amount: Amount
    """How much is needed: per year (a number, spread over slices by hours) or per slice (a
    map slice id -> amount). Unit: the resource's (per unit of size with `size`)."""
    quality: dict[Identifier, Bound] = Field(default_factory=dict)
    """Bounds on attributes of what is delivered; an attribute left out is not constrained."""
    alternative: Alternative
    """The conventional supply that covers what the symbiosis does not deliver: cost and
    emissions per unit (and optionally its quality and backup capacity cost)."""
    security: Security | None = None
    """Supply security; default: the scenario's `security` (no backup)."""


class Build(Frozen):
    """Makes a facility optional: built (`b = 1`) or not, at these annual costs."""

    capex: NonNegative = 0.0
    """One-off investment, annualised with the capital recovery factor. Unit: currency."""
    fixed_opex: NonNegative = 0.0
    """Cost per year while built. Unit: currency per year."""
    annual_cost: Number = 0.0
    """Any other cost per year while built. Unit: currency per year."""


class Size(Frozen):
    """A facility sized by the optimiser: `min * b <= z <= max * b`."""

    min: NonNegative = 0.0
    """Smallest size if built. Unit: the facility's size unit."""
    max: Positive
    """Largest size if built. Unit: the facility's size unit."""
    unit: str = ""
    """What one unit of size means (e.g. `MW electrical input`), shown with every size;
    default: the archetype's `size_unit` for a facility built from an archetype, else empty."""
    capex_per_unit: NonNegative = 0.0
    """One-off investment per unit of size, annualised. Unit: currency per unit of size."""
    fixed_opex_per_unit: NonNegative = 0.0
    """Cost per year per unit of size. Unit: currency per unit of size per year."""
    value_per_unit: Number = 0.0
    """Annual value of each unit of size (revenue), subtracted from the cost. Unit:
    currency per unit of size per year."""

    @model_validator(mode="after")
    def _min_below_max(self) -> Size:
        if self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is above max ({self.max:g}); expected min <= max")
        return self


class ProcessInput(Frozen):
    """Like a demand, per unit of activity; without `alternative` it must come by links."""

    resource: Identifier
    """The resource taken in (a key of `resources`)."""
    per_activity: NonNegative
    """Amount needed per unit of activity. Unit: the resource's per unit of activity."""
    quality: dict[Identifier, Bound] = Field(default_factory=dict)
    """Bounds on attributes of what is delivered, as on a demand."""
    alternative: Alternative | None = None
    """Cost and emissions per unit covered conventionally; without it, the input must come
    entirely through links."""
    security: Security | None = None
    """Supply security; default: the scenario's `security` where the input has an
    alternative (no backup otherwise)."""


class ProcessOutput(Frozen):
    """Like a supply, per unit of activity."""

    resource: Identifier
    """The resource given off (a key of `resources`)."""
    per_activity: NonNegative
    """Amount produced per unit of activity. Unit: the resource's per unit of activity."""
    quality: dict[Identifier, Number] = Field(default_factory=dict)
    """A value for every quality attribute of the resource, as on a supply. Unit: each
    attribute's."""
    disposal: UnitCost = UnitCost()
    """Cost and emissions of each unit not used."""
    cost: Number = 0.0
    """Price of each unit sent on links, as on a supply (negative: sold); default 0. Unit:
    currency per resource unit."""
    emissions: Number = 0.0
    """Upstream emissions of each unit sent on links, as on a supply; default 0. Unit: t
    CO2e per resource unit."""


class Process(Frozen):
    """A converter: activity `a[f,t]` turns inputs into outputs."""

    variable_cost: Number = 0.0
    """Cost of running. Unit: currency per unit of activity."""
    emissions: Number = 0.0
    """Emissions of running. Unit: t CO2e per unit of activity."""
    inputs: list[ProcessInput] = Field(default_factory=list)
    """What each unit of activity takes in."""
    outputs: list[ProcessOutput] = Field(default_factory=list)
    """What each unit of activity gives off."""
    min_activity: Amount | None = None
    """Activity the facility must reach when built, per year (spread over slices by hours)
    or per slice: `a[f,t] >= min_activity[t] * b[f]` (symopt extension). Unit: units of
    activity."""


class Facility(Frozen):
    """A plant, building or farm that supplies and demands resources."""

    owner: Identifier | None = None
    """The firm that owns and runs the facility (a firm id, listed in `firms` if that map is
    given). Used only for accounting and the fair split (`symopt share`), never by the
    optimum. Default: the facility's own id (a firm of its own)."""
    site: Identifier | None = None
    """The site of a facility whose place is fixed."""
    candidate_sites: Annotated[list[Identifier], Field(min_length=1)] | None = None
    """Instead of `site`: the optimiser places the facility on one of these."""
    site_costs: dict[Identifier, Number] = Field(default_factory=dict)
    """Extra annual cost of placing the facility on a site. Unit: currency per year."""
    build: Build | None = None
    """Makes the facility optional (built or not) at these costs."""
    size: Size | None = None
    """The optimiser sizes the facility; amounts of its supplies and demands are then per
    unit of size."""
    process: Process | None = None
    """A converter: its activity turns inputs into outputs."""
    supplies: list[Supply] = Field(default_factory=list)
    """What the facility has to give away."""
    demands: list[Demand] = Field(default_factory=list)
    """What the facility needs."""

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
    """A way to carry resources (pipeline, truck); creates candidate links."""

    resources: Annotated[list[Identifier], Field(min_length=1)]
    """The resources the mode can carry."""
    capex_per_km: NonNegative = 0.0
    """One-off investment per km, annualised with the capital recovery factor. Unit:
    currency per km."""
    fixed_opex_per_km: NonNegative = 0.0
    """Cost per km per year while the link is built. Unit: currency per km per year."""
    variable_cost: NonNegative = 0.0
    """Cost of carrying. Unit: currency per unit sent per km."""
    emissions: NonNegative = 0.0
    """Emissions of carrying. Unit: t CO2e per unit sent per km."""
    loss_per_km: Annotated[float, Field(ge=0, lt=1), _Plain] = 0.0
    """Losses: the sink receives (1 - loss_per_km * km) of what is sent. Unit: fraction per
    km."""
    quality_change_per_km: dict[Identifier, Number] = Field(default_factory=dict)
    """Change of an attribute on the way (negative: cooling, loss of purity). Unit: the
    attribute's unit per km."""
    max_distance: NonNegative | None = None
    """Links longer than this are not allowed (none: no limit). Unit: km."""
    detour_factor: Annotated[float, Field(ge=1, le=100), _Plain] = 1.0
    """Route length = straight-line length * factor (not applied to `distances`). Unit:
    none (a ratio >= 1)."""

    @property
    def has_build_decision(self) -> bool:
        """A link of this mode must be built (`y`) before it carries anything."""
        return self.capex_per_km > 0 or self.fixed_opex_per_km > 0


class DistanceOverride(Frozen):
    """A route length between two sites, both directions, every mode."""

    from_site: Identifier = Field(alias="from")
    """One end (a site id)."""
    to_site: Identifier = Field(alias="to")
    """The other end (a site id)."""
    km: NonNegative
    """The route length to use. Unit: km."""


class ObjectiveWeights(Frozen):
    """Minimise `cost * annual cost + emissions * annual emissions`."""

    cost: NonNegative = 0.0
    """Weight of the annual cost. Unit: none (the cost counts in currency per year)."""
    emissions: NonNegative = 0.0
    """Weight of the annual emissions. Unit: none (emissions count in t CO2e per year)."""

    @model_validator(mode="after")
    def _not_all_zero(self) -> ObjectiveWeights:
        if self.cost == 0 and self.emissions == 0:
            raise ValueError("at least one weight must be positive")
        return self


class Scenario(Frozen):
    """A whole scenario file, validated."""

    symopt: Annotated[Literal[1], BeforeValidator(_format_version)]
    """Format version: the integer 1."""
    name: Annotated[str, Field(min_length=1)]
    """Free text; appears in summary.json and the console summary."""
    currency: str = "EUR"
    """Label of every money amount."""
    time_slices: Annotated[tuple[TimeSlice, ...], Field(min_length=1)] = DEFAULT_TIME_SLICES
    """How the year is split (default: one slice `year` of 8760 h)."""
    economics: Economics = Economics()
    """Carbon price, discount rate and lifetime."""
    resources: dict[Identifier, Resource]
    """What can be exchanged: resource id -> resource."""
    sites: dict[Identifier, Site]
    """Places: site id -> coordinates."""
    facilities: dict[Identifier, Facility]
    """Who supplies and who demands: facility id -> facility."""
    transport: dict[Identifier, TransportMode] = Field(default_factory=dict)
    """How resources can be carried: mode id -> mode. Without any mode there are no links."""
    firms: dict[Identifier, Annotated[str, Field(max_length=200)]] = Field(default_factory=dict)
    """Firm id -> display name, for reports and `symopt share`. Optional; when given, every
    facility's `owner` must be one of its ids. Default: no names (a firm is shown by its id)."""
    distances: list[DistanceOverride] = Field(default_factory=list)
    """Route lengths between site pairs, replacing computed distances."""
    objective: Annotated[
        Annotated[ObjectiveKind, Tag("name")] | Annotated[ObjectiveWeights, Tag("weights")],
        Discriminator(
            lambda value: "weights" if isinstance(value, dict | ObjectiveWeights) else "name",
            custom_error_type="objective_type",
            custom_error_message="expected 'cost', 'emissions' or {cost: a, emissions: b}",
        ),
    ] = ObjectiveKind.COST
    """What to minimise: `cost`, `emissions` or weights `{cost: a, emissions: b}`."""
    security: Security = Security()
    """Scenario-wide default of each demand's (and alternative-backed input's) `security`."""

    @property
    def total_hours(self) -> float:
        return sum(time_slice.hours for time_slice in self.time_slices)

    def owner_of(self, facility_id: str) -> str:
        """The firm owning a facility: its `owner`, else the facility's own id."""
        owner = self.facilities[facility_id].owner
        return facility_id if owner is None else owner

    def firm_name(self, firm: str) -> str:
        """A firm's display name (from `firms`), else its id."""
        return self.firms.get(firm) or firm
