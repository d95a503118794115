"""A sweep plan -> its scenario variants: the combinations of parameter values (grid, zip or
Latin-hypercube sample), each set into the base scenario's data and validated like a file."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import qmc

from symopt.errors import Issue, Path, ScenarioError, format_path
from symopt.scenario.archetypes import ARCHETYPE_KEY
from symopt.scenario.loading import scenario_from_document
from symopt.scenario.schema import ObjectiveWeights
from symopt.scenario.yaml_source import YamlDocument
from symopt.studies.sweep_format import SweepSpec, choices, tidy
from symopt.studies.sweep_spec import SweepPlan, Variant
from symopt.studies.sweep_values import canonical

#: At most this many variant problems are listed; the rest are counted.
MAX_LISTED_ISSUES = 30


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
                columns.append([(tidy(x), where) for x in values])
            else:
                options = choices(parameter, i)
                picks = np.minimum((u[:, i] * len(options)).astype(int), len(options) - 1)
                columns.append([options[k] for k in picks])
        return [list(row) for row in zip(*columns, strict=True)]
    lists = [choices(parameter, i) for i, parameter in enumerate(spec.parameters)]
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


def variant_key(base_digest: str, objective: Any, values: dict[str, Any]) -> str:
    """The store key of a variant: hash of base data, objective and the swept values."""
    if isinstance(objective, ObjectiveWeights):
        objective = objective.model_dump()
    payload = {"base": base_digest, "objective": objective, "values": values}
    return hashlib.sha256(canonical(payload).encode()).hexdigest()[:16]
