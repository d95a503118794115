"""The sweep file format as frozen pydantic models, and the values a parameter takes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, JsonValue, model_validator
from scipy.stats import triang, truncnorm

from symopt.enums import ObjectiveKind
from symopt.errors import Path
from symopt.scenario.schema import Frozen, ObjectiveWeights

Combine = Literal["grid", "zip", "sample"]
Finite = Annotated[float, Field(allow_inf_nan=False)]


class Range(Frozen):
    """`steps` evenly spaced values from `start` to `stop`, both included."""

    start: Finite
    """First value. Unit: the swept field's."""
    stop: Finite
    """Last value (included). Unit: the swept field's."""
    steps: Annotated[int, Field(ge=1, le=1_000_000)]
    """Number of values, both ends included. Unit: count."""


class Uniform(Frozen):
    """Every value between `low` and `high` equally likely."""

    low: Finite
    """Lowest value. Unit: the swept field's."""
    high: Finite
    """Highest value. Unit: the swept field's."""

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class Triangular(Frozen):
    """A triangular distribution from `low` over the most likely `mode` to `high`."""

    low: Finite
    """Lowest value. Unit: the swept field's."""
    mode: Finite
    """Most likely value. Unit: the swept field's."""
    high: Finite
    """Highest value. Unit: the swept field's."""

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError("expected low <= mode <= high with low < high")
        return self


class Normal(Frozen):
    """A normal distribution, cut to [low, high] where given."""

    mean: Finite
    """Mean before the cut. Unit: the swept field's."""
    sd: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    """Standard deviation before the cut. Unit: the swept field's."""
    low: Finite | None = None
    """Values below are cut off (none: no cut). Unit: the swept field's."""
    high: Finite | None = None
    """Values above are cut off (none: no cut). Unit: the swept field's."""

    @model_validator(mode="after")
    def _ordered(self) -> Normal:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class Distribution(Frozen):
    """Exactly one of `uniform`, `triangular` or `normal`."""

    uniform: Uniform | None = None
    """A uniform distribution."""
    triangular: Triangular | None = None
    """A triangular distribution."""
    normal: Normal | None = None
    """A normal distribution, optionally cut."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Distribution:
        given = [name for name in ("uniform", "triangular", "normal") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of 'uniform', 'triangular' or 'normal'")
        return self

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF at `u` in [0, 1): how Latin-hypercube points become values."""
        if self.uniform is not None:
            return self.uniform.low + u * (self.uniform.high - self.uniform.low)
        if self.triangular is not None:
            t = self.triangular
            shape = (t.mode - t.low) / (t.high - t.low)
            return np.asarray(triang.ppf(u, shape, loc=t.low, scale=t.high - t.low), dtype=float)
        assert self.normal is not None
        n = self.normal
        low = -np.inf if n.low is None else (n.low - n.mean) / n.sd
        high = np.inf if n.high is None else (n.high - n.mean) / n.sd
        return np.asarray(truncnorm.ppf(u, low, high, loc=n.mean, scale=n.sd), dtype=float)


class Parameter(Frozen):
    """One swept value of the base scenario: `path` and one of values, range, distribution."""

    path: Annotated[str, Field(min_length=1)]
    """Dotted path into the base scenario, e.g. `facilities.greenhouse.demands[0].amount`."""
    values: Annotated[list[JsonValue], Field(min_length=1)] | None = None
    """The values to try, as the scenario would hold them (numbers, maps, texts)."""
    range: Range | None = None
    """Evenly spaced numbers."""
    distribution: Distribution | None = None
    """A distribution to draw Latin-hypercube samples from (`combine: sample`)."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Parameter:
        given = [name for name in ("values", "range", "distribution") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of 'values', 'range' or 'distribution'")
        return self


class SolverSettings(Frozen):
    """Solver settings for every variant; unset ones come from the profile."""

    profile: str | None = None
    """Solver profile: a name in solvers/ or a file (default: solvers/default.yaml)."""
    mip_gap: Annotated[float, Field(ge=0, le=1)] | None = None
    """Relative MIP gap at which a variant counts as solved. Unit: fraction (0.01 = 1 %)."""
    time_limit: Annotated[float, Field(gt=0)] | None = None
    """Time per variant; a variant stopped without a solution is stored as an error. Unit:
    s."""
    threads: Annotated[int, Field(ge=1, le=1024)] = 1
    """HiGHS threads per worker (parallelism comes from the workers)."""


class SweepSpec(Frozen):
    """A sweep file."""

    name: str | None = None
    """Free text naming the sweep."""
    base: Annotated[str, Field(min_length=1)]
    """The base scenario file, relative to the sweep file."""
    parameters: Annotated[list[Parameter], Field(min_length=1)]
    """The swept values of the base scenario."""
    combine: Combine = "grid"
    """`grid`: every combination; `zip`: the i-th values together; `sample`: Latin-hypercube
    draws."""
    samples: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    """Number of Latin-hypercube samples (`combine: sample` only)."""
    seed: Annotated[int, Field(ge=0)] = 0
    """Seed of the Latin-hypercube sampler (the same seed gives the same variants)."""
    objective: ObjectiveKind | ObjectiveWeights | None = None
    """Overrides the scenario's objective for every variant."""
    solver: SolverSettings = SolverSettings()
    """Solver settings for every variant."""
    output: str | None = None
    """Output folder, relative to the sweep file (default `results/<sweep file stem>/`)."""


def choices(parameter: Parameter, i: int) -> list[tuple[Any, Path]]:
    """(value, where in the sweep file) for a `values` or `range` parameter."""
    if parameter.values is not None:
        return [(v, ("parameters", i, "values", j)) for j, v in enumerate(parameter.values)]
    assert parameter.range is not None
    r = parameter.range
    points = np.linspace(r.start, r.stop, r.steps) if r.steps > 1 else np.array([r.start])
    return [(tidy(x), ("parameters", i, "range")) for x in points]


def tidy(value: float) -> float:
    """12 significant digits: 0.30000000000000004 -> 0.3 (stable in files and hashes)."""
    return float(f"{float(value):.12g}")


def sweep_schema() -> dict[str, Any]:
    """The JSON Schema of a sweep file."""
    from symopt.scenario.json_schema import published_schema

    schema = published_schema(SweepSpec, "sweep", "symopt sweep file")
    for name, fields in {
        "Parameter": ("values", "range", "distribution"),
        "Distribution": ("uniform", "triangular", "normal"),
    }.items():
        schema["$defs"][name]["oneOf"] = [{"required": [field]} for field in fields]
    return schema
