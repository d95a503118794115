"""The archetype library (`models/*.yaml`) and the archetype mechanism (`symopt.scenario.archetypes`)."""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from symopt.errors import ScenarioError
from symopt.scenario import archetypes as arch
from symopt.scenario.archetypes import (
    RESOURCE_VOCABULARY,
    SEASONS,
    UnknownArchetypeError,
    apply_archetypes,
    check_provenance,
    known_archetypes,
    load_archetype,
    merge_facility,
    parse_path,
)
from symopt.scenario.schema import Facility, Scenario

MODELS = Path(__file__).resolve().parent.parent / "models"
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
LIBRARY = sorted(path.stem for path in MODELS.glob("*.yaml"))
REQUIRED = {
    "pem_electrolyser",
    "alkaline_electrolyser",
    "data_centre_air_cooled",
    "data_centre_liquid_cooled",
    "heat_pump",
    "greenhouse",
    "fish_farm",
    "wastewater_plant",
    "chp_plant",
    "e_methanol_plant",
}
HAS_PLANNING = "process" in Facility.model_fields
NO_PLANNING = "symopt.scenario.schema.Facility has no planning fields (`process`, `size`, ...) yet"


# ---- the library --------------------------------------------------------------------


def test_library_has_every_required_archetype() -> None:
    assert set(known_archetypes([MODELS])) >= REQUIRED


def test_repository_models_folder_is_a_default_search_folder() -> None:
    assert arch.REPO_MODELS_DIR == MODELS
    assert MODELS in [folder.resolve() for folder in arch.default_search_dirs()]


@pytest.mark.parametrize("name", LIBRARY)
def test_archetype_loads_with_complete_provenance(name: str) -> None:
    facility, archetype = load_archetype(name, [MODELS])
    assert archetype.name == name
    assert check_provenance(archetype) == []
    assert facility == archetype.facility
    assert facility is not archetype.facility  # a fresh copy the caller may change
    for coefficient in archetype.coefficients:
        assert coefficient.source.strip()
        assert coefficient.unit.strip()


def _resources_used(facility: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(kind, resource, quality) for every supply, demand, process input and output."""
    for supply in facility.get("supplies", []):
        yield "value", supply["resource"], supply.get("quality", {})
    for demand in facility.get("demands", []):
        yield "bound", demand["resource"], demand.get("quality", {})
    process = facility.get("process") or {}
    for item in process.get("inputs", []):
        yield "bound", item["resource"], item.get("quality", {})
    for item in process.get("outputs", []):
        yield "value", item["resource"], item.get("quality", {})


@pytest.mark.parametrize("name", LIBRARY)
def test_archetype_speaks_the_common_vocabulary(name: str) -> None:
    facility, _ = load_archetype(name, [MODELS])
    for kind, resource, quality in _resources_used(facility):
        assert resource in RESOURCE_VOCABULARY, f"{name}: resource {resource!r}"
        attributes = RESOURCE_VOCABULARY[resource]["qualities"]
        if kind == "value":  # a supply gives every attribute of its resource
            assert set(quality) == set(attributes), f"{name}: {resource} quality"
        else:  # a bound is a min on better-higher, a max on better-lower attributes
            for attribute, bound in quality.items():
                expected = "min" if attributes[attribute]["better"] == "higher" else "max"
                assert set(bound) == {expected}, f"{name}: {resource}.{attribute}"
    for entry in facility.get("supplies", []) + facility.get("demands", []):
        if isinstance(entry["amount"], dict):
            assert set(entry["amount"]) <= set(SEASONS), f"{name}: slice ids"


def _as_scenario(name: str, facility: dict[str, Any]) -> dict[str, Any]:
    """A one-facility scenario around an archetype's facility part."""
    placed = dict(facility, site="plot")
    if "size" in placed and "max" not in placed["size"]:
        placed["size"] = dict(placed["size"], max=1.0)
    return {
        "symopt": 1,
        "name": f"archetype {name}",
        "time_slices": [
            {"id": "winter", "hours": 2160},
            {"id": "spring", "hours": 2208},
            {"id": "summer", "hours": 2208},
            {"id": "autumn", "hours": 2184},
        ],
        "resources": copy.deepcopy(dict(RESOURCE_VOCABULARY)),
        "sites": {"plot": {"lat": 65.82, "lon": 21.78}},
        "facilities": {name: placed},
    }


@pytest.mark.skipif(not HAS_PLANNING, reason=NO_PLANNING)
@pytest.mark.parametrize("name", LIBRARY)
def test_archetype_facility_validates_as_a_facility(name: str) -> None:
    from symopt.scenario.checks import check_scenario

    facility, _ = load_archetype(name, [MODELS])
    data = _as_scenario(name, facility)
    Facility.model_validate(data["facilities"][name])
    scenario = Scenario.model_validate(data)
    assert list(check_scenario(scenario)) == []


def test_heat_pump_cop_follows_the_documented_lift() -> None:
    facility, archetype = load_archetype("heat_pump", [MODELS])
    cop = 0.5 * (80 + 273.15) / (80 - 30)
    heat_in, electricity = facility["process"]["inputs"]
    assert electricity["per_activity"] == pytest.approx(1 / cop, abs=1e-4)
    assert heat_in["per_activity"] + electricity["per_activity"] == pytest.approx(1.0)
    assert heat_in["quality"]["temperature"]["min"] == 30
    assert facility["process"]["outputs"][0]["quality"]["temperature"] == 80
    assert "0.5 * T_hot / (T_hot - T_cold)" in archetype.description


# ---- files for the mechanism tests --------------------------------------------------

GOOD = """\
archetype: 1
name: {name}
description: A test archetype.
size_unit: MW
facility:
  size: {{capex_per_unit: 100}}
  process:
    variable_cost: 2
    inputs:
      - {{resource: electricity, per_activity: 1.0, alternative: {{cost: 40}}}}
    outputs:
      - {{resource: heat, per_activity: 0.5, quality: {{temperature: 60}}}}
  demands:
    - resource: oxygen
      amount: {{winter: 3, summer: 1}}
      alternative: {{cost: 20}}
coefficients:
  - {{path: size.capex_per_unit, value: 100, unit: EUR/MW, source: test}}
  - {{path: process.variable_cost, value: 2, unit: EUR/MWh, source: test}}
  - {{path: "process.inputs[0].per_activity", value: 1.0, unit: MWh/MWh, source: test}}
  - {{path: "process.inputs[0].alternative.cost", value: 40, unit: EUR/MWh, source: test}}
  - {{path: "process.outputs[0].per_activity", value: 0.5, unit: MWh/MWh, range: [0.1, 0.9], source: test}}
  - {{path: "process.outputs[0].quality.temperature", value: 60, unit: degC, source: test}}
  - {{path: "demands[0].amount.winter", value: 3, unit: t, source: test}}
  - {{path: "demands[0].amount.summer", value: 1, unit: t, source: test}}
  - {{path: "demands[0].alternative.cost", value: 20, unit: EUR/t, source: test}}
"""


def _write(folder: Path, name: str, text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"{name}.yaml"
    file.write_text(GOOD.format(name=name) if text is None else textwrap.dedent(text))
    return file


def _errors(file: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        arch.read_archetype_file(file)
    return [str(issue) for issue in caught.value.issues]


def test_good_test_archetype_loads(tmp_path: Path) -> None:
    _write(tmp_path, "unit")
    facility, archetype = load_archetype("unit", [tmp_path])
    assert archetype.size_unit == "MW"
    assert facility["process"]["outputs"][0]["per_activity"] == 0.5


# ---- provenance -----------------------------------------------------------------------


def _variant(old: str, new: str) -> str:
    text = GOOD.format(name="unit")
    assert old in text
    return text.replace(old, new)


def test_number_without_coefficient_is_reported_at_its_line(tmp_path: Path) -> None:
    text = _variant(
        "  - {path: process.variable_cost, value: 2, unit: EUR/MWh, source: test}\n", ""
    )
    errors = _errors(_write(tmp_path, "unit", text))
    assert errors == [
        f"{tmp_path / 'unit.yaml'}:8: facility.process.variable_cost: the number 2 has no entry "
        "under 'coefficients'; expected one with path: process.variable_cost, value, unit and "
        "source"
    ]


def test_coefficient_value_must_equal_the_number(tmp_path: Path) -> None:
    text = _variant("value: 2, unit: EUR/MWh", "value: 2.5, unit: EUR/MWh")
    (error,) = _errors(_write(tmp_path, "unit", text))
    assert (
        "coefficients[1].value: 2.5 differs from the number at process.variable_cost (2)" in error
    )


def test_coefficient_path_must_exist(tmp_path: Path) -> None:
    text = _variant("path: process.variable_cost,", "path: process.variable_costs,")
    errors = _errors(_write(tmp_path, "unit", text))
    assert any("'facility' has nothing at process.variable_costs" in error for error in errors)
    assert any("process.variable_cost: the number 2 has no entry" in error for error in errors)


def test_coefficient_path_must_lead_to_a_number(tmp_path: Path) -> None:
    text = (
        GOOD.format(name="unit")
        + '  - {path: "demands[0].amount", value: 3, unit: t, source: test}\n'
    )
    errors = _errors(_write(tmp_path, "unit", text))
    assert any("at demands[0].amount, not a number" in error for error in errors)


def test_two_entries_for_one_number_are_an_error(tmp_path: Path) -> None:
    text = GOOD.format(name="unit") + (
        "  - {path: process.variable_cost, value: 2, unit: EUR/MWh, source: again}\n"
    )
    (error,) = _errors(_write(tmp_path, "unit", text))
    assert "a second entry for process.variable_cost (entry 1 documents it already)" in error


def test_range_must_contain_the_value(tmp_path: Path) -> None:
    text = _variant("range: [0.1, 0.9]", "range: [0.6, 0.9]")
    (error,) = _errors(_write(tmp_path, "unit", text))
    assert "value 0.5 is outside its range [0.6, 0.9]" in error


def test_unreadable_path_is_reported(tmp_path: Path) -> None:
    text = _variant('path: "demands[0].amount.summer"', 'path: "demands[x].amount.summer"')
    errors = _errors(_write(tmp_path, "unit", text))
    assert any("cannot read the path 'demands[x].amount.summer'" in error for error in errors)


def test_parse_path() -> None:
    assert parse_path("process.outputs[0].per_activity") == (
        "process",
        "outputs",
        0,
        "per_activity",
    )
    assert parse_path("demands[1].amount.winter") == ("demands", 1, "amount", "winter")
    with pytest.raises(ValueError, match="cannot read the path"):
        parse_path("a..b")


# ---- the archetype file's own structure -----------------------------------------------


def test_name_must_equal_file_stem(tmp_path: Path) -> None:
    file = tmp_path / "other.yaml"
    file.write_text(GOOD.format(name="unit"))
    (error,) = _errors(file)
    assert error.endswith("name: name 'unit' differs from the file name; expected 'other'")


@pytest.mark.parametrize("key", ["site", "candidate_sites", "archetype"])
def test_facility_part_must_not_place_the_facility(tmp_path: Path, key: str) -> None:
    text = _variant("facility:\n", f"facility:\n  {key}: plot_a\n")
    errors = _errors(_write(tmp_path, "unit", text))
    assert any(f"'facility' must not contain {key!r}" in error for error in errors)


def test_size_unit_goes_with_size(tmp_path: Path) -> None:
    text = _variant("size_unit: MW\n", "")
    errors = _errors(_write(tmp_path, "unit", text))
    assert any("'size_unit' must say what one unit means" in error for error in errors)


def test_unknown_top_level_field_and_wrong_version(tmp_path: Path) -> None:
    text = _variant("archetype: 1\n", "archetype: 2\nauthor: me\n")
    errors = _errors(_write(tmp_path, "unit", text))
    assert any("archetype: got 2; expected 1" in error for error in errors)
    assert any("unknown field 'author'" in error for error in errors)


def test_text_for_a_coefficient_value_is_refused(tmp_path: Path) -> None:
    text = _variant("value: 2, unit: EUR/MWh", 'value: "2", unit: EUR/MWh')
    errors = _errors(_write(tmp_path, "unit", text))
    assert any("expected a number, got the text '2'" in error for error in errors)


def test_unknown_archetype_from_load_archetype(tmp_path: Path) -> None:
    _write(tmp_path, "unit")
    with pytest.raises(UnknownArchetypeError) as caught:
        load_archetype("unt", [tmp_path])
    assert caught.value.known == ("unit",)
    assert "unknown archetype 'unt'; expected one of: unit (did you mean 'unit'?)" in str(
        caught.value
    )
    with pytest.raises(UnknownArchetypeError):
        load_archetype("../unit", [tmp_path])


def test_earlier_search_folder_wins(tmp_path: Path) -> None:
    _write(tmp_path / "first", "unit")
    _write(tmp_path / "second", "unit", GOOD.format(name="unit").replace("test archetype", "other"))
    _, archetype = load_archetype("unit", [tmp_path / "first", tmp_path / "second"])
    assert archetype.description == "A test archetype."
    assert known_archetypes([tmp_path / "first", tmp_path / "second"]) == {
        "unit": tmp_path / "first" / "unit.yaml"
    }


# ---- merging into a scenario ----------------------------------------------------------


def _scenario(**facilities: Any) -> dict[str, Any]:
    return {"symopt": 1, "name": "t", "facilities": facilities}


def test_maps_merge_lists_replace_scenario_wins(tmp_path: Path) -> None:
    _write(tmp_path, "unit")
    data = _scenario(
        plant={
            "archetype": "unit",
            "site": "plot",
            "size": {"max": 20},  # map: merged with the archetype's capex_per_unit
            "process": {
                "variable_cost": 3,  # number: the scenario's wins
                "outputs": [{"resource": "heat", "per_activity": 0.4}],  # list: replaced
            },
        }
    )
    original = copy.deepcopy(data)
    result, issues = apply_archetypes(data, "s.yaml", [tmp_path])
    assert issues == []
    assert data == original  # the input is left alone
    plant = result["facilities"]["plant"]
    assert "archetype" not in plant
    assert plant["site"] == "plot"
    # size.unit defaults to the archetype's size_unit (MW in GOOD)
    assert plant["size"] == {"capex_per_unit": 100, "max": 20, "unit": "MW"}
    assert plant["process"]["variable_cost"] == 3
    assert plant["process"]["outputs"] == [{"resource": "heat", "per_activity": 0.4}]
    assert plant["process"]["inputs"][0]["alternative"] == {"cost": 40}  # kept from archetype
    assert plant["demands"][0]["amount"] == {"winter": 3, "summer": 1}


def test_scenario_can_drop_an_archetype_field_with_null(tmp_path: Path) -> None:
    _write(tmp_path, "unit")
    data = _scenario(plant={"archetype": "unit", "site": "plot", "process": None})
    result, issues = apply_archetypes(data, "s.yaml", [tmp_path])
    assert issues == []
    assert result["facilities"]["plant"]["process"] is None


def test_facilities_without_archetype_are_untouched(tmp_path: Path) -> None:
    plain = {"site": "plot", "supplies": []}
    data = _scenario(plain=plain)
    result, issues = apply_archetypes(data, "s.yaml", [tmp_path])
    assert issues == []
    assert result is data
    assert result["facilities"]["plain"] is plain


def test_each_facility_gets_its_own_copy(tmp_path: Path) -> None:
    _write(tmp_path, "unit")
    data = _scenario(a={"archetype": "unit", "site": "p"}, b={"archetype": "unit", "site": "q"})
    result, _ = apply_archetypes(data, "s.yaml", [tmp_path])
    a, b = result["facilities"]["a"], result["facilities"]["b"]
    assert a["process"] == b["process"]
    assert a["process"] is not b["process"]


def test_unknown_archetype_names_the_facility_and_the_known_ones(tmp_path: Path) -> None:
    _write(tmp_path, "unit")
    _write(tmp_path, "other_unit")
    data = _scenario(plant={"archetype": "unti", "site": "plot"})
    lines = {("facilities", "plant", "archetype"): 7}
    result, issues = apply_archetypes(data, "s.yaml", [tmp_path], line_of=lines.get)
    (issue,) = issues
    assert issue.file == "s.yaml"
    assert issue.line == 7
    assert issue.path == ("facilities", "plant", "archetype")
    assert issue.message.startswith(
        "unknown archetype 'unti'; expected one of: other_unit, unit (did you mean 'unit'?)"
    )
    assert str(tmp_path) in issue.message
    assert "archetype" not in result["facilities"]["plant"]


@pytest.mark.parametrize("name", [3, None, "../unit", ["unit"]])
def test_archetype_must_be_a_plain_name(tmp_path: Path, name: Any) -> None:
    _write(tmp_path, "unit")
    _, issues = apply_archetypes(_scenario(plant={"archetype": name}), "s.yaml", [tmp_path])
    (issue,) = issues
    assert issue.path == ("facilities", "plant", "archetype")
    assert "expected the name of an archetype" in issue.message
    assert "unit" in issue.message


def test_broken_archetype_is_reported_in_its_file_once(tmp_path: Path) -> None:
    file = _write(tmp_path, "unit", _variant("value: 2, unit", "value: 9, unit"))
    data = _scenario(a={"archetype": "unit", "site": "p"}, b={"archetype": "unit", "site": "q"})
    _, issues = apply_archetypes(data, "s.yaml", [tmp_path])
    in_archetype = [issue for issue in issues if issue.file == str(file)]
    in_scenario = [issue for issue in issues if issue.file == "s.yaml"]
    assert len(in_archetype) == 1
    assert in_archetype[0].line is not None
    assert [issue.path[1] for issue in in_scenario] == ["a", "b"]


def test_merge_facility_is_recursive_and_copies() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    override = {"a": {"c": [3]}, "e": {"f": 1}}
    merged = merge_facility(base, override)
    assert merged == {"a": {"b": 1, "c": [3]}, "d": 1, "e": {"f": 1}}
    merged["a"]["b"] = 2
    assert base["a"]["b"] == 1


# ---- through the scenario loader (once symopt.scenario.loading applies archetypes) -------------


def _loader_applies_archetypes() -> bool:
    import symopt.scenario.loading

    return "apply_archetypes" in vars(symopt.scenario.loading)


NOT_WIRED = "symopt.scenario.loading does not call apply_archetypes yet"


@pytest.mark.skipif(not (HAS_PLANNING and _loader_applies_archetypes()), reason=NOT_WIRED)
def test_scenario_with_archetype_loads() -> None:
    from symopt.scenario.loading import parse_scenario

    data = _as_scenario("wwtp", {"archetype": "wastewater_plant", "size": {"min": 1000}})
    data["facilities"]["wwtp"]["size"]["max"] = 1000
    scenario = parse_scenario(yaml.safe_dump(data, sort_keys=False), "t.yaml")
    wwtp = scenario.facilities["wwtp"]
    assert wwtp.size is not None
    assert (wwtp.size.min, wwtp.size.max) == (1000, 1000)
    assert wwtp.demands[0].resource == "oxygen"
    assert wwtp.supplies[0].resource == "water"


@pytest.mark.skipif(not (HAS_PLANNING and _loader_applies_archetypes()), reason=NOT_WIRED)
def test_unknown_archetype_through_the_loader_names_line() -> None:
    from symopt.scenario.loading import parse_scenario

    text = textwrap.dedent(
        """\
        symopt: 1
        name: t
        resources: {heat: {unit: MWh}}
        sites: {plot: {lat: 65.8, lon: 21.7}}
        facilities:
          farm:
            archetype: fish_farms
            site: plot
        """
    )
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "t.yaml")
    (issue,) = caught.value.issues
    assert issue.line == 7
    assert "unknown archetype 'fish_farms'" in issue.message
    assert "did you mean 'fish_farm'?" in issue.message


@pytest.mark.skipif(not (HAS_PLANNING and _loader_applies_archetypes()), reason=NOT_WIRED)
@pytest.mark.parametrize("name", ["boden", "umea"])
def test_real_scenarios_validate(name: str) -> None:
    from symopt.scenario.loading import load_scenario

    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    assert [time_slice.id for time_slice in scenario.time_slices] == list(SEASONS)
    assert scenario.total_hours == 8760
    for resource_id, resource in scenario.resources.items():
        expected = RESOURCE_VOCABULARY[resource_id]
        assert resource.unit == expected["unit"]
        assert set(resource.qualities) == set(expected["qualities"])


def test_scenario_size_unit_wins_over_the_archetypes(tmp_path: Path) -> None:
    _write(tmp_path, "unit")
    data = _scenario(
        plant={"archetype": "unit", "site": "plot", "size": {"max": 20, "unit": "MW heat"}}
    )
    result, issues = apply_archetypes(data, "s.yaml", [tmp_path])
    assert issues == []
    assert result["facilities"]["plant"]["size"]["unit"] == "MW heat"
