"""Sweep files -> a validated plan -> scenario variants, each validated like a scenario file.

A sweep file names a base scenario and parameters addressed by dotted paths into the
base's YAML data (`economics.carbon_price`, `facilities.greenhouse.demands[0].amount`),
each with a list of `values`, a `range` or a `distribution`, combined as a full `grid`,
a `zip`, or `samples` Latin-hypercube draws (`sample`). Every problem is reported with
the sweep file's line: a bad field, a path the base does not have, and a variant that is
not a valid scenario (with that variant's values).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, JsonValue, model_validator
from scipy.stats import qmc, triang, truncnorm

from symopt.enums import ObjectiveKind
from symopt.errors import Issue, Path, ScenarioError, format_path
from symopt.scenario.archetypes import ARCHETYPE_KEY
from symopt.scenario.loading import scenario_from_document
from symopt.scenario.schema import Frozen, ObjectiveWeights, Scenario
from symopt.scenario.validation import validate_document
from symopt.scenario.yaml_source import YamlDocument, YamlSyntaxError, parse_yaml
from symopt.solver.highs import SolverOptions
from symopt.solver.pipeline import solver_options

__all__ = [
    "Combine",
    "Parameter",
    "SweepPlan",
    "SweepSpec",
    "Variant",
    "expand_variants",
    "load_sweep",
    "parse_path",
    "plan_sweep",
]

Combine = Literal["grid", "zip", "sample"]
Finite = Annotated[float, Field(allow_inf_nan=False)]
#: At most this many variant problems are listed; the rest are counted.
MAX_LISTED_ISSUES = 30


class Range(Frozen):
    """`steps` evenly spaced values from `start` to `stop`, both included."""

    start: Finite
    stop: Finite
    steps: Annotated[int, Field(ge=1, le=1_000_000)]


class Uniform(Frozen):
    low: Finite
    high: Finite

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class Triangular(Frozen):
    low: Finite
    mode: Finite
    high: Finite

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError("expected low <= mode <= high with low < high")
        return self


class Normal(Frozen):
    """A normal distribution, cut to [low, high] where given."""

    mean: Finite
    sd: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    low: Finite | None = None
    high: Finite | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Normal:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        return self


class Distribution(Frozen):
    """Exactly one of `uniform`, `triangular` or `normal`."""

    uniform: Uniform | None = None
    triangular: Triangular | None = None
    normal: Normal | None = None

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
    range: Range | None = None
    distribution: Distribution | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Parameter:
        given = [name for name in ("values", "range", "distribution") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of 'values', 'range' or 'distribution'")
        return self


class SolverSettings(Frozen):
    """Solver settings for every variant; unset ones come from the profile."""

    profile: str | None = None
    mip_gap: Annotated[float, Field(ge=0, le=1)] | None = None
    time_limit: Annotated[float, Field(gt=0)] | None = None
    """Seconds per variant; a variant stopped without a solution is stored as an error."""
    threads: Annotated[int, Field(ge=1, le=1024)] = 1
    """HiGHS threads per worker (parallelism comes from the workers)."""


class SweepSpec(Frozen):
    """A sweep file."""

    name: str | None = None
    base: Annotated[str, Field(min_length=1)]
    """The base scenario file, relative to the sweep file."""
    parameters: Annotated[list[Parameter], Field(min_length=1)]
    combine: Combine = "grid"
    samples: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    """Number of Latin-hypercube samples (`combine: sample` only)."""
    seed: Annotated[int, Field(ge=0)] = 0
    objective: ObjectiveKind | ObjectiveWeights | None = None
    """Overrides the scenario's objective for every variant."""
    solver: SolverSettings = SolverSettings()
    output: str | None = None
    """Output folder, relative to the sweep file (default `results/<sweep file stem>/`)."""


_SEGMENT = re.compile(r"([^.\[\]\s][^.\[\]]*)((?:\[\d+\])*)")


def parse_path(text: str) -> Path:
    """`facilities.greenhouse.demands[0].amount` -> ('facilities', 'greenhouse', 'demands', 0, 'amount')."""
    parts: list[str | int] = []
    for piece in text.split("."):
        match = _SEGMENT.fullmatch(piece)
        if match is None:
            raise ValueError(
                f"{text!r} is not a dotted path; expected keys joined by '.', list items as "
                "[i], e.g. facilities.greenhouse.demands[0].amount"
            )
        parts.append(match.group(1))
        parts.extend(int(index) for index in re.findall(r"\[(\d+)\]", match.group(2)))
    return tuple(parts)


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep file together with its base scenario."""

    spec: SweepSpec
    source: str
    """The sweep file (or `<sweep>` for a spec built in Python); errors name it."""
    document: YamlDocument
    base_file: FilePath
    base: YamlDocument
    expanded: dict[str, Any]
    """The base scenario's data with its archetypes applied."""
    base_digest: str
    """sha256 of the expanded base data (comments and layout do not count; the archetypes'
    numbers do)."""
    paths: tuple[Path, ...]
    out_dir: FilePath
    options: SolverOptions

    @property
    def parameter_names(self) -> list[str]:
        return [parameter.path for parameter in self.spec.parameters]

    def issue(self, path: Path, message: str) -> Issue:
        return self.document.issue(path, message)


@dataclass(frozen=True)
class Variant:
    """One scenario of a sweep: the values it sets, its key, its data and its `Scenario`."""

    index: int
    values: dict[str, Any]
    """Parameter path -> value, in the sweep file's order."""
    key: str
    """Hash of the values, the objective and the base scenario's data: the store's key."""
    data: dict[str, Any]
    """The variant's scenario data, archetypes applied, as a YAML file could hold it
    (shares unchanged parts with the base: treat as read-only)."""
    scenario: Scenario


def load_sweep(path: str | FilePath) -> SweepPlan:
    """Read and check a sweep file and its base scenario; `ScenarioError` if anything is wrong."""
    file = FilePath(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = (
            "no such file" if isinstance(error, FileNotFoundError) else f"cannot be read: {error}"
        )
        raise ScenarioError([Issue(str(file), None, (), reason)]) from None
    try:
        document = parse_yaml(text, str(file))
    except YamlSyntaxError as error:
        raise ScenarioError([error.issue]) from None
    spec = validate_document(document, SweepSpec)
    return plan_sweep(spec, folder=file.parent, document=document, stem=file.stem)


def plan_sweep(
    spec: SweepSpec,
    *,
    folder: FilePath = FilePath(),
    document: YamlDocument | None = None,
    stem: str = "sweep",
) -> SweepPlan:
    """Check `spec` against its base scenario (found relative to `folder`)."""
    if document is None:
        document = YamlDocument("<sweep>", spec.model_dump(mode="json", by_alias=True))
    base_file = folder / spec.base
    base, expanded = _read_base(base_file, document)
    paths = _check_parameters(spec, document, base, base_file)
    issues = _check_combination(spec, document)
    if issues:
        raise ScenarioError(issues)
    settings = spec.solver
    try:
        options = solver_options(
            settings.profile,
            mip_gap=settings.mip_gap,
            time_limit=settings.time_limit,
            threads=settings.threads,
        )
    except ScenarioError as error:
        line = document.line_of(("solver", "profile"))
        raise ScenarioError(
            [Issue(document.source, line, ("solver", "profile"), i.message) for i in error.issues]
        ) from None
    out_dir = folder / spec.output if spec.output else FilePath("results") / stem
    digest = hashlib.sha256(_canonical(expanded).encode()).hexdigest()
    return SweepPlan(
        spec, document.source, document, base_file, base, expanded, digest, paths, out_dir, options
    )


def _read_base(base_file: FilePath, document: YamlDocument) -> tuple[YamlDocument, dict[str, Any]]:
    try:
        text = base_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = (
            "no such file" if isinstance(error, FileNotFoundError) else f"cannot be read ({error})"
        )
        raise ScenarioError(
            [document.issue(("base",), f"{reason}: {base_file}; expected a scenario YAML file")]
        ) from None
    try:
        base = parse_yaml(text, str(base_file))
    except YamlSyntaxError as error:
        raise ScenarioError([error.issue]) from None
    expanded, _ = scenario_from_document(base)  # the base itself must be a valid scenario
    return base, expanded


def _check_parameters(
    spec: SweepSpec, document: YamlDocument, base: YamlDocument, base_file: FilePath
) -> tuple[Path, ...]:
    issues: list[Issue] = []
    paths: list[Path] = []
    for i, parameter in enumerate(spec.parameters):
        where = ("parameters", i, "path")
        try:
            path = parse_path(parameter.path)
        except ValueError as error:
            issues.append(document.issue(where, str(error)))
            paths.append(())
            continue
        problem = _missing(base.data, path)
        if problem is not None:
            issues.append(
                document.issue(
                    where,
                    f"{parameter.path!r} is not in the base scenario {base_file}: {problem}; "
                    "a swept field must be written in the base (give it its default there)",
                )
            )
        for j, other in enumerate(paths):
            if other and (path[: len(other)] == other or other[: len(path)] == path):
                issues.append(
                    document.issue(
                        where,
                        f"overlaps parameters[{j}] ({spec.parameters[j].path}); "
                        "expected each field to be swept by one parameter",
                    )
                )
        if parameter.distribution is not None and spec.combine != "sample":
            issues.append(
                document.issue(
                    ("parameters", i, "distribution"),
                    f"a distribution needs 'combine: sample' (this sweep has {spec.combine!r}); "
                    "expected 'values' or 'range' for a grid or zip",
                )
            )
        paths.append(path)
    if issues:
        raise ScenarioError(issues)
    return tuple(paths)


def _check_combination(spec: SweepSpec, document: YamlDocument) -> list[Issue]:
    if spec.combine == "sample":
        if spec.samples is None:
            return [document.issue(("combine",), "'combine: sample' needs 'samples: N'")]
        return []
    if spec.samples is not None:
        return [
            document.issue(
                ("samples",), f"'samples' is only used with 'combine: sample', not {spec.combine!r}"
            )
        ]
    if spec.combine == "zip":
        counts = [len(_choices(parameter, i)) for i, parameter in enumerate(spec.parameters)]
        if len(set(counts)) > 1:
            listing = ", ".join(
                f"{p.path}: {n}" for p, n in zip(spec.parameters, counts, strict=True)
            )
            return [
                document.issue(
                    ("combine",),
                    f"'combine: zip' needs as many values for every parameter; got {listing}",
                )
            ]
    return []


def _missing(data: Any, path: Path) -> str | None:
    """Why `path` does not exist in `data`, or None if it does."""
    current = data
    for depth, part in enumerate(path):
        where = format_path(path[:depth]) if depth else "the top level"
        if isinstance(part, str):
            if not isinstance(current, dict):
                return f"{where} is a {_kind(current)}, not a map"
            if part not in current:
                keys = ", ".join(map(str, current)) or "(none)"
                return f"no {part!r} under {where}; it has: {keys}"
        else:
            if not isinstance(current, list):
                return f"{where} is a {_kind(current)}, not a list"
            if part >= len(current):
                return f"{where} has {len(current)} item(s); index {part} is out of range"
        current = current[part]
    return None


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "list"
    return f"value ({value!r})"


def _choices(parameter: Parameter, i: int) -> list[tuple[Any, Path]]:
    """(value, where in the sweep file) for a `values` or `range` parameter."""
    if parameter.values is not None:
        return [(v, ("parameters", i, "values", j)) for j, v in enumerate(parameter.values)]
    assert parameter.range is not None
    r = parameter.range
    points = np.linspace(r.start, r.stop, r.steps) if r.steps > 1 else np.array([r.start])
    return [(_tidy(x), ("parameters", i, "range")) for x in points]


def _tidy(value: float) -> float:
    """12 significant digits: 0.30000000000000004 -> 0.3 (stable in files and hashes)."""
    return float(f"{float(value):.12g}")


def _combinations(spec: SweepSpec) -> list[list[tuple[Any, Path]]]:
    """Per variant: (value, sweep-file path of its origin) for every parameter."""
    if spec.combine == "sample":
        assert spec.samples is not None
        sampler = qmc.LatinHypercube(d=len(spec.parameters), rng=np.random.default_rng(spec.seed))
        u = sampler.random(spec.samples)
        columns: list[list[tuple[Any, Path]]] = []
        for i, parameter in enumerate(spec.parameters):
            if parameter.distribution is not None:
                where: Path = ("parameters", i, "distribution")
                values = parameter.distribution.quantile(u[:, i])
                columns.append([(_tidy(x), where) for x in values])
            else:
                options = _choices(parameter, i)
                picks = np.minimum((u[:, i] * len(options)).astype(int), len(options) - 1)
                columns.append([options[k] for k in picks])
        return [list(row) for row in zip(*columns, strict=True)]
    lists = [_choices(parameter, i) for i, parameter in enumerate(spec.parameters)]
    if spec.combine == "zip":
        return [list(row) for row in zip(*lists, strict=True)]
    return [list(row) for row in itertools.product(*lists)]


def expand_variants(plan: SweepPlan) -> list[Variant]:
    """Every variant, validated; `ScenarioError` naming the sweep file's lines if any is not."""
    problems: dict[tuple[Path, Path, str], list[int]] = {}
    first_values: dict[tuple[Path, Path, str], dict[str, Any]] = {}
    variants: list[Variant] = []
    for index, combination in enumerate(_combinations(plan.spec)):
        values = {
            name: value for name, (value, _) in zip(plan.parameter_names, combination, strict=True)
        }
        # Values set on the expanded base give what expanding each variant would give,
        # unless a value is a map (merged with an archetype's) or names an archetype.
        expand = any(isinstance(value, dict) for value in values.values()) or any(
            ARCHETYPE_KEY in path for path in plan.paths
        )
        data: Any = plan.base.data if expand else plan.expanded
        for path, (value, _) in zip(plan.paths, combination, strict=True):
            data = _with_value(data, path, value)
        document = YamlDocument(f"{plan.base_file} (variant {index})", data, plan.base.lines)
        try:
            data, scenario = scenario_from_document(document)
        except ScenarioError as error:
            for issue in error.issues:
                where = _origin(issue.path, plan.paths, combination)
                problem = (where, issue.path, issue.message)
                problems.setdefault(problem, []).append(index)
                first_values.setdefault(problem, values)
            continue
        key = variant_key(plan.base_digest, plan.spec.objective, values)
        variants.append(Variant(index, values, key, data, scenario))
    if problems:
        raise ScenarioError(_variant_issues(plan, problems, first_values))
    return variants


def _origin(path: Path, swept: Sequence[Path], combination: list[tuple[Any, Path]]) -> Path:
    """The sweep-file path of the parameter behind a problem at scenario `path`."""
    best: Path = ("parameters",)
    best_length = -1
    for parameter_path, (_, where) in zip(swept, combination, strict=True):
        shared = min(len(path), len(parameter_path))
        if path[:shared] == parameter_path[:shared] and shared > best_length:
            best, best_length = where, shared
    return best


def _variant_issues(
    plan: SweepPlan,
    problems: dict[tuple[Path, Path, str], list[int]],
    first_values: dict[tuple[Path, Path, str], dict[str, Any]],
) -> list[Issue]:
    issues = []
    for key, indices in list(problems.items())[:MAX_LISTED_ISSUES]:
        where, scenario_path, message = key
        shown = ", ".join(f"{name}={_short(value)}" for name, value in first_values[key].items())
        more = f" and {len(indices) - 1} more variant(s)" if len(indices) > 1 else ""
        issues.append(
            plan.issue(
                where,
                f"variant {indices[0]} ({shown}){more} is not a valid scenario: "
                f"{format_path(scenario_path)}: {message}",
            )
        )
    if len(problems) > MAX_LISTED_ISSUES:
        issues.append(
            plan.issue(
                ("parameters",), f"... and {len(problems) - MAX_LISTED_ISSUES} more problems"
            )
        )
    return issues


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, float) else f"{value:g}"
    return text if len(text) <= 40 else text[:37] + "..."


def _with_value(data: Any, path: Path, value: Any) -> Any:
    """A copy of `data` with `value` at `path`, sharing every untouched part."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        changed: dict[str, Any] = dict(data)
        changed[str(head)] = _with_value(data[head], rest, value)
        return changed
    items = list(data)
    items[int(head)] = _with_value(data[head], rest, value)
    return items


def _normal_number(value: Any) -> Any:
    """Numbers as floats (70 and 70.0 are the same variant); containers recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _normal_number(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal_number(v) for v in value]
    return str(value)


def _canonical(value: Any) -> str:
    return json.dumps(_normal_number(value), sort_keys=True, separators=(",", ":"))


def variant_key(base_digest: str, objective: Any, values: dict[str, Any]) -> str:
    """The store key of a variant: hash of base data, objective and the swept values."""
    if isinstance(objective, ObjectiveWeights):
        objective = objective.model_dump()
    payload = {"base": base_digest, "objective": objective, "values": values}
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()[:16]


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
