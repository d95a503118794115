"""Parsed YAML -> validated pydantic model, with every problem as an `Issue` at its line.

Shared by scenarios, archetypes, sweep files and solver profiles.
"""

from __future__ import annotations

import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from symopt.errors import Issue, Path, ScenarioError
from symopt.scenario.checks import check_raw_references, check_scenario
from symopt.scenario.schema import Scenario
from symopt.scenario.yaml_source import YamlDocument

M = TypeVar("M", bound=BaseModel)


def validate_document(document: YamlDocument, model: type[M]) -> M:
    """Validate parsed YAML against `model` (and, for scenarios, the cross-checks)."""
    if not isinstance(document.data, dict):
        kind = type(document.data).__name__
        raise ScenarioError(
            [document.issue((), f"the file holds a {kind}; expected a YAML map of fields")]
        )
    try:
        validated = model.model_validate(document.data)
    except ValidationError as error:
        issues = schema_issues(document, model, error)
        if model is Scenario:
            known = {(issue.path, issue.message) for issue in issues}
            issues += [
                document.issue(path, message)
                for path, message in check_raw_references(document.data)
                if (path, message) not in known
            ]
        raise ScenarioError(sorted(issues, key=lambda issue: issue.line or 0)) from None
    if isinstance(validated, Scenario):
        issues = [document.issue(path, message) for path, message in check_scenario(validated)]
        if issues:
            raise ScenarioError(issues)
    return validated


def schema_issues(
    document: YamlDocument, model: type[BaseModel], error: ValidationError
) -> list[Issue]:
    """Pydantic errors as issues with data paths (union tags removed) and plain messages."""
    issues: dict[tuple[Path, str], Issue] = {}
    for item in error.errors(include_url=False):
        path = _data_path(document.data, item["loc"], missing=item["type"] == "missing")
        message = _message(item, model, path)
        issues.setdefault((path, message), document.issue(path, message))
    return list(issues.values())


def _data_path(data: Any, loc: tuple[int | str, ...], *, missing: bool = False) -> Path:
    """Follow pydantic's `loc` through the data, dropping union tags it adds."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        if isinstance(current, dict) and part in current:
            current = current[part]
            path.append(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
            path.append(part)
        elif missing and index == len(loc) - 1 and isinstance(current, dict):
            path.append(part)  # the missing key
        # else: a union tag such as 'map' or 'function-after[...]'
    return tuple(path)


def _message(item: Any, model: type[BaseModel], path: Path) -> str:
    kind = item["type"]
    text: str = item["msg"]
    if kind == "missing":
        return "required field is missing"
    if kind == "too_short":
        return f"got an empty list; expected at least {item.get('ctx', {}).get('min_length', 1)} item(s)"
    if kind == "string_too_short":
        return "got an empty text; expected a non-empty id or name"
    if kind == "extra_forbidden":
        allowed = _fields_at(model, path[:-1])
        listing = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return f"unknown field {path[-1]!r}{listing}"
    if kind in ("literal_error", "enum"):
        expected = text.removeprefix("Input should be ")
        got = item.get("input")
        if path == ("symopt",):
            return f"unsupported format version {got!r}; expected 1"
        return f"got {got!r}; expected {expected}"
    if kind.startswith(("amount_type", "objective_type")):
        return f"got {_short(item.get('input'))}; {text}"
    if text.startswith("Value error, "):
        return text.removeprefix("Value error, ")
    if text.startswith("Input should be "):
        return f"got {_short(item.get('input'))}; expected {text.removeprefix('Input should be ')}"
    return text


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(model: type[BaseModel], path: Path) -> list[str]:
    """The field names allowed at `path` of `model` (aliases where set)."""
    current: Any = model
    for part in path:
        current = _step(current, part)
        if current is None:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return []


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation one step below `annotation` along `part`."""
    for candidate in _unwrap(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            for name, info in candidate.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
        origin = typing.get_origin(candidate)
        args = typing.get_args(candidate)
        if origin is dict and isinstance(part, str) and len(args) == 2:
            return args[1]
        if origin in (list, tuple) and isinstance(part, int) and args:
            return args[0]
    return None


def _unwrap(annotation: Any) -> list[Any]:
    """Strip `Annotated` and unions down to the plain types they allow."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [leaf for arg in typing.get_args(annotation) for leaf in _unwrap(arg)]
    return [annotation]
