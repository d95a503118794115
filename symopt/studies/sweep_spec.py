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
import re
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from symopt.errors import Issue, Path, ScenarioError, format_path
from symopt.scenario.input_file import read_input_text
from symopt.scenario.loading import scenario_from_document
from symopt.scenario.schema import Scenario
from symopt.scenario.validation import validate_document
from symopt.scenario.yaml_source import YamlDocument, YamlSyntaxError, parse_yaml
from symopt.solver.highs import SolverOptions
from symopt.solver.pipeline import solver_options
from symopt.studies.sweep_format import (
    Combine,
    Parameter,
    SweepSpec,
    choices,
)
from symopt.studies.sweep_values import canonical

__all__ = [
    "Combine",
    "Parameter",
    "SweepPlan",
    "SweepSpec",
    "Variant",
    "load_sweep",
    "parse_path",
    "plan_sweep",
]

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
    text = read_input_text(file)  # within the size limit, regular files only
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
    digest = hashlib.sha256(canonical(expanded).encode()).hexdigest()
    return SweepPlan(
        spec, document.source, document, base_file, base, expanded, digest, paths, out_dir, options
    )


def _read_base(base_file: FilePath, document: YamlDocument) -> tuple[YamlDocument, dict[str, Any]]:
    try:
        text = read_input_text(base_file, "a scenario YAML file")
    except ScenarioError as error:
        reason, _, expected = error.issues[0].message.partition("; ")
        message = f"{reason}: {base_file}" + (f"; {expected}" if expected else "")
        raise ScenarioError([document.issue(("base",), message)]) from None
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
        counts = [len(choices(parameter, i)) for i, parameter in enumerate(spec.parameters)]
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
