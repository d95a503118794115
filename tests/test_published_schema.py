"""The published JSON Schema of the scenario and sweep formats (`symopt schema`)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from symopt.cli.main import app
from symopt.cli.schema import render_schema
from symopt.scenario.json_schema import scenario_schema
from symopt.studies.sweep_format import sweep_schema

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted(
    path for path in (ROOT / "scenarios").rglob("*.yaml") if "sweeps" not in path.parts
)
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
SCHEMA = scenario_schema()
SWEEP_SCHEMA = sweep_schema()


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(schema: dict[str, Any], data: Any) -> list[str]:
    return [error.message for error in _validator(schema).iter_errors(data)]


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_there_are_scenarios_and_sweeps_to_check() -> None:
    assert len(SCENARIOS) >= 5
    assert len(SWEEPS) >= 2


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.name)
def test_every_shipped_scenario_validates(path: Path) -> None:
    assert _errors(SCHEMA, _read(path)) == []


@pytest.mark.parametrize("path", SWEEPS, ids=lambda path: path.name)
def test_every_shipped_sweep_validates(path: Path) -> None:
    assert _errors(SWEEP_SCHEMA, _read(path)) == []


def _boden() -> dict[str, Any]:
    data = _read(ROOT / "scenarios" / "boden.yaml")
    assert isinstance(data, dict)
    return data


def _archetype_facility(data: dict[str, Any]) -> str:
    return next(name for name, item in data["facilities"].items() if "archetype" in item)


def _plain_facility(data: dict[str, Any]) -> str:
    return next(name for name, item in data["facilities"].items() if "archetype" not in item)


def _mutations() -> list[tuple[str, Any]]:
    cases = []
    data = _boden()
    data["facilitiess"] = {}
    cases.append(("misspelt top-level key", data))
    data = _boden()
    data["facilities"][_plain_facility(data)]["sit"] = "x"
    cases.append(("misspelt facility key", data))
    data = _boden()
    facility = data["facilities"][_archetype_facility(data)]
    facility.setdefault("process", {})["variable_costs"] = 1
    cases.append(("misspelt key under an archetype facility", data))
    data = _boden()
    data["facilities"][_plain_facility(data)].pop("site", None)
    cases.append(("facility without site or candidate_sites", data))
    data = _boden()
    name = _plain_facility(data)
    data["facilities"][name]["candidate_sites"] = [data["facilities"][name]["site"]]
    cases.append(("both site and candidate_sites", data))
    data = _boden()
    data["economics"]["carbon_price"] = "seventy"
    cases.append(("text where a number belongs", data))
    data = _boden()
    data["economics"]["discount_rate"] = -0.1
    cases.append(("number out of range", data))
    data = _boden()
    data["symopt"] = 2
    cases.append(("another format version", data))
    data = _boden()
    del data["sites"]
    cases.append(("required key missing", data))
    return cases


@pytest.mark.parametrize(("what", "data"), _mutations(), ids=[case[0] for case in _mutations()])
def test_schema_catches_typical_mistakes(what: str, data: Any) -> None:
    assert _errors(SCHEMA, data), what


def test_bound_needs_exactly_one_of_min_and_max() -> None:
    bound = {"$ref": "#/$defs/Bound", "$defs": SCHEMA["$defs"]}
    assert _errors(bound, {"min": 1}) == []
    assert _errors(bound, {"max": 1}) == []
    assert _errors(bound, {"min": 1, "max": 2})
    assert _errors(bound, {})


def test_a_sweep_parameter_needs_exactly_one_source_of_values() -> None:
    data = copy.deepcopy(_read(SWEEPS[0]))
    parameter = data["parameters"][0]
    parameter["range"] = {"start": 0, "stop": 1, "steps": 2}
    parameter["values"] = [1]
    assert _errors(SWEEP_SCHEMA, data)


def _field_names(schema: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for definition in [schema, *schema["$defs"].values()]:
        names.update(definition.get("properties", {}))
    return names


@pytest.mark.parametrize(
    ("schema", "doc"),
    [(SCHEMA, "scenario-format.md"), (SWEEP_SCHEMA, "sweeps.md")],
    ids=["scenario", "sweep"],
)
def test_docs_name_every_field_of_the_schema(schema: dict[str, Any], doc: str) -> None:
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    missing = sorted(name for name in _field_names(schema) if f"`{name}`" not in text)
    assert missing == [], f"docs/{doc} does not name these fields: {missing}"


@pytest.mark.parametrize("schema", [SCHEMA, SWEEP_SCHEMA], ids=["scenario", "sweep"])
def test_every_field_has_a_description_and_numbers_a_unit(schema: dict[str, Any]) -> None:
    for name, definition in schema["$defs"].items():
        for field, spec in definition.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field} has no description"
            if '"number"' in json.dumps(spec):
                assert spec.get("x-unit"), f"{name}.{field} is a number without a unit"


def test_schema_is_versioned_with_the_format() -> None:
    assert SCHEMA["$id"] == "urn:symopt:schema:scenario:1"
    assert SCHEMA["properties"]["symopt"]["const"] == 1
    assert SWEEP_SCHEMA["$id"] == "urn:symopt:schema:sweep:1"


@pytest.mark.parametrize(
    ("flag", "file"),
    [([], "scenario-v1.schema.json"), (["--sweep"], "sweep-v1.schema.json")],
    ids=["scenario", "sweep"],
)
def test_cli_prints_the_committed_schema(flag: list[str], file: str) -> None:
    result = CliRunner().invoke(app, ["schema", *flag])
    assert result.exit_code == 0, result.output
    assert result.output == render_schema(sweep=bool(flag))
    committed = (ROOT / "docs" / "schema" / file).read_text(encoding="utf-8")
    assert committed == result.output, (
        f"docs/schema/{file} is stale: run `symopt schema {' '.join(flag)} -o docs/schema/{file}`"
    )
