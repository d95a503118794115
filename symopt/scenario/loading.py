"""Scenario files -> validated `Scenario`, or a `ScenarioError` with every issue found."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path as FilePath
from typing import Any

from symopt.errors import ScenarioError
from symopt.scenario.archetypes import apply_archetypes
from symopt.scenario.input_file import read_input_text
from symopt.scenario.schema import Scenario
from symopt.scenario.units import convert_units
from symopt.scenario.validation import validate_document
from symopt.scenario.yaml_source import YamlDocument, YamlSyntaxError, parse_yaml


def load_scenario(path: str | FilePath) -> Scenario:
    """Read, validate and cross-check one scenario file."""
    file = FilePath(path)
    text = read_input_text(file)  # within the size limit, regular files only
    return parse_scenario(text, source=str(file))


def parse_scenario(text: str, source: str = "<string>") -> Scenario:
    """Validate scenario YAML text; `source` names it in error messages."""
    # Parsing creates hundreds of thousands of small objects and no cycles: the cyclic
    # garbage collector would only rescan them (measured: 10k facilities 4.5 s -> 1.7 s).
    with _paused_gc():
        try:
            document = parse_yaml(text, source)
        except YamlSyntaxError as error:
            raise ScenarioError([error.issue]) from None
        return scenario_from_document(document)[1]


@contextlib.contextmanager
def _paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off while inside (back on after, if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def scenario_from_document(document: YamlDocument) -> tuple[Any, Scenario]:
    """Parsed scenario YAML -> (its data with archetypes expanded, the validated `Scenario`)."""
    data = document.data
    if isinstance(data, dict):
        data, issues = apply_archetypes(data, document.source, line_of=document.line_of)
        if issues:
            raise ScenarioError(issues)
        data, problems = convert_units(data)
        if problems:
            raise ScenarioError([document.issue(path, message) for path, message in problems])
        document = YamlDocument(document.source, data, document.lines)
    return data, validate_document(document, Scenario)
