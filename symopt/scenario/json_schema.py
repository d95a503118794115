"""The published scenario format: a JSON Schema generated from the pydantic models.

Editors use it for completion and red squiggles while a planner types a scenario (see
docs/schema.md); a test validates every shipped scenario against it. It describes the
file as written, before archetypes are applied: a facility may name an `archetype`, and
then every map under it may be partial (the archetype fills in the rest).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pydantic import BaseModel

from symopt.scenario.archetypes import ARCHETYPE_KEY, REPO_MODELS_DIR
from symopt.scenario.schema import Scenario
from symopt.scenario.units import STARTS_WITH_NUMBER

FORMAT_VERSION = 1
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_UNIT = re.compile(r"Unit:\s*(?P<unit>[^.]+(?:\.\d[^.]*)?)\.?\s*$", re.DOTALL)
_PARTIAL = "Partial"


def published_schema(model: type[BaseModel], kind: str, title: str) -> dict[str, Any]:
    """`model`'s JSON Schema with the dialect, a versioned id, and `x-unit` per field."""
    schema = model.model_json_schema(by_alias=True)
    schema = {
        "$schema": DIALECT,
        "$id": f"urn:symopt:schema:{kind}:{FORMAT_VERSION}",
        **schema,
        "title": title,
    }
    for definition in [schema, *schema.get("$defs", {}).values()]:
        for field in definition.get("properties", {}).values():
            match = _UNIT.search(" ".join(field.get("description", "").split()))
            if match:
                field["x-unit"] = match["unit"].strip()
    return schema


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (format version 1)."""
    schema = published_schema(Scenario, "scenario", f"symopt scenario, format {FORMAT_VERSION}")
    definitions = schema["$defs"]
    allow_quantities(definitions)
    # `Bound` and `Facility` check "exactly one of" in Python; say it in the schema too.
    definitions["Bound"]["oneOf"] = [{"required": ["min"]}, {"required": ["max"]}]
    place = [{"required": ["site"]}, {"required": ["candidate_sites"]}]
    # A facility with an archetype may leave out anything the archetype gives.
    partial = _partial_definitions(definitions, "Facility")
    from_archetype = partial.pop(_PARTIAL + "Facility")
    from_archetype["properties"][ARCHETYPE_KEY] = {
        "type": "string",
        "description": (
            "Start this facility from models/<name>.yaml; fields given here override the "
            "archetype's (maps merge key by key, lists and numbers are replaced whole)."
        ),
        "examples": sorted(path.stem for path in REPO_MODELS_DIR.glob("*.yaml")),
    }
    from_archetype.update(title="Facility from an archetype", required=[ARCHETYPE_KEY])
    from_archetype["oneOf"] = place
    own = definitions.pop("Facility")
    own["oneOf"] = place
    definitions.update(partial, FacilityOwn=own, FacilityFromArchetype=from_archetype)
    definitions["Facility"] = {
        "description": own.get("description", ""),
        "if": {"type": "object", "required": [ARCHETYPE_KEY]},
        "then": {"$ref": "#/$defs/FacilityFromArchetype"},
        "else": {"$ref": "#/$defs/FacilityOwn"},
    }
    return schema


def _partial_definitions(definitions: dict[str, Any], root: str) -> dict[str, Any]:
    """`Partial<Name>` copies of `root` and every map below it, with nothing required.

    Lists are replaced whole when an archetype is merged, so list items keep their
    required fields; maps merge key by key, so a map under an archetype facility may give
    any subset of its fields.
    """
    partial: dict[str, Any] = {}

    def make(name: str) -> None:
        if _PARTIAL + name in partial:
            return
        definition = copy.deepcopy(definitions[name])
        definition.pop("required", None)
        definition.pop("oneOf", None)
        partial[_PARTIAL + name] = definition
        for field in definition.get("properties", {}).values():
            _retarget(field, make)

    make(root)
    return partial


def _retarget(node: Any, make: Any) -> None:
    """Point `$ref`s to object definitions (outside list items) at their partial copies."""
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/$defs/"):
            name = reference.removeprefix("#/$defs/")
            if not name.startswith(_PARTIAL):
                make(name)
                node["$ref"] = f"#/$defs/{_PARTIAL}{name}"
        for key, value in node.items():
            if key != "items":
                _retarget(value, make)
    elif isinstance(node, list):
        for item in node:
            _retarget(item, make)


#: (definition, field) of the published JSON Schema that accept a number with its unit.
QUANTITY_FIELDS = {
    "Economics": ["carbon_price"],
    "Supply": ["amount", "cost", "emissions"],
    "Demand": ["amount"],
    "UnitCost": ["cost", "emissions"],
    "Alternative": ["cost", "emissions", "capacity_cost"],
    "ProcessOutput": ["cost", "emissions", "per_activity"],
    "ProcessInput": ["per_activity"],
    "Process": ["min_activity"],
    "Size": ["min", "max"],
    "Build": ["capex", "fixed_opex", "annual_cost"],
    "Facility": ["site_costs"],
    "TransportMode": [
        "capex_per_km",
        "fixed_opex_per_km",
        "variable_cost",
        "emissions",
        "max_distance",
    ],
    "DistanceOverride": ["km"],
}
_METADATA = ("description", "title", "default", "x-unit", "examples")
QUANTITY_PATTERN = STARTS_WITH_NUMBER.pattern


def allow_quantities(definitions: dict[str, Any]) -> None:
    """Let each number in the `QUANTITY_FIELDS` of a JSON Schema also be a quantity string."""
    quantity = {
        "type": "string",
        "pattern": "^" + QUANTITY_PATTERN,
        "description": 'a number with its unit, e.g. "150 kt" or "45 EUR/MWh"',
    }

    def widen(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("type") == "number":
                return {"anyOf": [node, quantity]}
            return {key: widen(value) for key, value in node.items()}
        if isinstance(node, list):
            return [widen(item) for item in node]
        return node

    for name, fields in QUANTITY_FIELDS.items():
        properties = definitions.get(name, {}).get("properties", {})
        for field in fields:
            if field in properties:
                spec = properties[field]
                meta = {key: value for key, value in spec.items() if key in _METADATA}
                rest = {key: value for key, value in spec.items() if key not in _METADATA}
                properties[field] = {**meta, **widen(rest)}
