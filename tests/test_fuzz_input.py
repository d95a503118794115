"""Property tests: whatever a planner's file holds, the loader answers in its own words.

A valid base scenario is mutated at random (keys deleted, renamed or added, values
replaced by odd scalars, lists, maps, None, NaN, huge or negative numbers, text cut
short, lines swapped, stray characters). `parse_scenario` must then either return a
`Scenario` or raise `ScenarioError` whose every issue has a message and, when the text
was valid YAML, a line inside the file. No other exception may escape.

A second property generates valid scenarios and checks that their ids survive the
YAML round trip.
"""

from __future__ import annotations

import copy
import math
import tracemalloc
import unicodedata
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symopt
from symopt.errors import format_path

BASE_TEXT = """\
symopt: 1
name: Fuzz base
time_slices:
  - {id: winter, hours: 4000}
  - {id: summer, hours: 4760}
economics: {carbon_price: 80, discount_rate: 0.06, lifetime_years: 25}
resources:
  oxygen:
    unit: t
    density: 1.429
    qualities:
      purity: {unit: "%", better: higher, mixing: linear}
  heat:
    unit: MWh
    qualities:
      temperature: {unit: degC, better: higher, mixing: none}
sites:
  h2plant: {lat: 65.825, lon: 21.689}
  wwtp: {lat: 65.816, lon: 21.705}
facilities:
  electrolyser:
    site: h2plant
    supplies:
      - resource: oxygen
        amount: 60000
        quality: {purity: 99.5}
        disposal: {cost: 0, emissions: 0}
        cost: "5 EUR/t"
        emissions: 0.01
      - resource: heat
        amount: {winter: "22.5 MW", summer: 100000}
        quality: {temperature: 65}
  wastewater_plant:
    site: wwtp
    demands:
      - resource: oxygen
        amount: 9000
        quality: {purity: {min: 90}}
        alternative: {cost: 120, emissions: 0.35, quality: {purity: 99.5}, capacity_cost: 4000}
        security: {backup: required}
      - resource: heat
        amount: {winter: 4000}
        quality: {temperature: {min: 55}}
        alternative: {cost: "55 EUR/MWh", emissions: 0.05, quality: {temperature: 70}}
  heat_pump:
    site: wwtp
    size: {unit: MW heat, max: "5000 kW", min: "0.5 MW"}
    process:
      min_activity: {winter: "1 MW"}
      inputs:
        - {resource: heat, per_activity: "750 kWh/MWh", alternative: {cost: 50}}
      outputs:
        - {resource: heat, per_activity: "1 MWh", quality: {temperature: 80}}
transport:
  oxygen_pipe:
    resources: [oxygen]
    capex_per_km: 400000
    variable_cost: 0.8
    loss_per_km: 0.01
    max_distance: 10
  heat_pipe:
    resources: [heat]
    capex_per_km: 900000
    quality_change_per_km: {temperature: -0.3}
    detour_factor: 1.3
distances:
  - {from: h2plant, to: wwtp, km: 1.2}
objective: {cost: 1, emissions: 50}
security: {backup: none}
"""
BASE: dict[str, Any] = yaml.safe_load(BASE_TEXT)

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Location = tuple[str | int, ...]


def locations(data: Any, here: Location = ()) -> list[Location]:
    """Every key and list index in `data`, as paths from the root."""
    found: list[Location] = []
    if isinstance(data, dict):
        for key, value in data.items():
            found.append((*here, key))
            found.extend(locations(value, (*here, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.append((*here, index))
            found.extend(locations(value, (*here, index)))
    return found


def containers(data: Any, here: Location = ()) -> list[Location]:
    """Every map in `data` (including the root), as paths from the root."""
    found: list[Location] = [here] if isinstance(data, dict) else []
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(containers(value, (*here, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(containers(value, (*here, index)))
    return found


def node_at(data: Any, where: Location) -> Any:
    for part in where:
        data = data[part]
    return data


def parent_of(data: Any, where: Location) -> Any:
    return node_at(data, where[:-1])


BASE_LOCATIONS = locations(BASE)
BASE_MAPS = containers(BASE)
BASE_KEYS = [where for where in BASE_LOCATIONS if isinstance(where[-1], str)]

keys = st.one_of(
    st.sampled_from(["site", "amount", "resources", "quality", "min", "max", "demnds", "id"]),
    st.text(min_size=1, max_size=12),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e300, -1e300, 1e12, 1e13, -1.0, -0.0, 0]),
    st.text(max_size=20),
    st.sampled_from(["wwtp", "oxygen", "winter", "cost", "higher", "lower", "none", "1e300"]),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(keys, scalars, max_size=3),
)


@st.composite
def mutated_data(draw: st.DrawFn) -> Any:
    """The base data with one structural change."""
    data = copy.deepcopy(BASE)
    kind = draw(st.sampled_from(["delete", "replace", "rename", "insert", "root"]))
    if kind == "delete":
        where = draw(st.sampled_from(BASE_LOCATIONS))
        del parent_of(data, where)[where[-1]]
    elif kind == "replace":
        where = draw(st.sampled_from(BASE_LOCATIONS))
        parent_of(data, where)[where[-1]] = draw(values)
    elif kind == "rename":
        where = draw(st.sampled_from(BASE_KEYS))
        parent = parent_of(data, where)
        new_key = draw(keys)
        parent[new_key] = parent.pop(where[-1])
    elif kind == "insert":
        where = draw(st.sampled_from(BASE_MAPS))
        node_at(data, where)[draw(keys)] = draw(values)
    else:
        data = draw(values)
    return data


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """Base text (or a structurally mutated one) with one textual change, or none."""
    text = draw(st.sampled_from([BASE_TEXT, dump(BASE)]))
    if draw(st.booleans()):
        text = dump(draw(mutated_data()))
    kind = draw(st.sampled_from(["none", "truncate", "swap", "insert_char", "delete_line"]))
    lines = text.splitlines(keepends=True)
    if kind == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif kind == "swap" and len(lines) > 1:
        first = draw(st.integers(0, len(lines) - 1))
        second = draw(st.integers(0, len(lines) - 1))
        lines[first], lines[second] = lines[second], lines[first]
        text = "".join(lines)
    elif kind == "insert_char":
        position = draw(st.integers(0, len(text)))
        char = draw(st.one_of(st.sampled_from(list("\t:{}[]-#&*!|>'\"%@`,? \n")), st.characters()))
        text = text[:position] + char + text[position:]
    elif kind == "delete_line" and lines:
        del lines[draw(st.integers(0, len(lines) - 1))]
        text = "".join(lines)
    return text


def is_valid_yaml(text: str) -> bool:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    except RecursionError:  # pragma: no cover - absurd nesting
        return False
    return True


def check_outcome(text: str) -> None:
    """`parse_scenario` returns a Scenario or raises a well-formed ScenarioError, nothing else."""
    try:
        scenario = symopt.parse_scenario(text, source="fuzz.yaml")
    except symopt.ScenarioError as error:
        issues = error.issues
    else:
        assert isinstance(scenario, symopt.Scenario)
        return
    assert issues, "ScenarioError without issues"
    valid_yaml = is_valid_yaml(text)
    line_count = max(1, len(text.splitlines()))
    for issue in issues:
        assert isinstance(issue.message, str)
        assert issue.message.strip(), f"issue without a message: {issue!r}"
        assert issue.file == "fuzz.yaml"
        if valid_yaml:
            assert isinstance(issue.line, int), f"no line number: {issue}"
            assert 1 <= issue.line <= line_count, f"line outside the file: {issue}"
        assert str(issue).startswith("fuzz.yaml")


def test_base_is_valid() -> None:
    scenario = symopt.parse_scenario(BASE_TEXT)
    assert set(scenario.facilities) == {"electrolyser", "wastewater_plant", "heat_pump"}
    pump = scenario.facilities["heat_pump"]
    assert (pump.size.max, pump.size.min) == (5.0, 0.5)  # 5000 kW, 0.5 MW in MW
    assert pump.process.min_activity == {"winter": 4000.0}  # 1 MW over 4000 h, in MWh
    assert pump.process.inputs[0].per_activity == 0.75  # 750 kWh per MWh
    assert pump.process.outputs[0].per_activity == 1.0
    assert symopt.parse_scenario(dump(BASE)) == scenario


@FUZZ
@given(data=mutated_data())
def test_structural_mutations(data: Any) -> None:
    check_outcome(dump(data))


@FUZZ
@given(text=mutated_text())
def test_text_mutations(text: str) -> None:
    check_outcome(text)


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\n", "~", "[]", "{}", "-", ":", "symopt: 1", "{", "]", "&a [*a]", "!!set {}"],
)
def test_tiny_texts(text: str) -> None:
    check_outcome(text)


# --- round trip of generated valid scenarios -----------------------------------------

ids = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
amounts = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
#: Free text without control characters (Cc holds U+0085, which PyYAML folds to a space).
names = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    min_size=1,
    max_size=30,
).filter(str.strip)
unit_costs = st.fixed_dictionaries({"cost": numbers, "emissions": numbers})


@st.composite
def valid_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    slice_ids = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    time_slices = [
        {"id": slice_id, "hours": draw(st.floats(min_value=1, max_value=8760))}
        for slice_id in slice_ids
    ]
    resources: dict[str, Any] = {}
    for name in draw(st.lists(ids, min_size=1, max_size=3, unique=True)):
        attributes = draw(st.lists(ids, max_size=2, unique=True))
        resources[name] = {
            "unit": draw(st.sampled_from(["t", "MWh", "m3"])),
            "qualities": {
                attribute: {
                    "unit": "",
                    "better": draw(st.sampled_from(["higher", "lower"])),
                    "mixing": draw(st.sampled_from(["linear", "none"])),
                }
                for attribute in attributes
            },
        }
    sites = {
        name: {
            "lat": draw(st.floats(min_value=-90, max_value=90)),
            "lon": draw(st.floats(min_value=-180, max_value=180)),
        }
        for name in draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    }

    def amount() -> Any:
        if draw(st.booleans()):
            return draw(amounts)
        chosen = draw(st.lists(st.sampled_from(slice_ids), unique=True))
        return {slice_id: draw(amounts) for slice_id in chosen}

    def supply() -> dict[str, Any]:
        resource = draw(st.sampled_from(sorted(resources)))
        qualities = resources[resource]["qualities"]
        return {
            "resource": resource,
            "amount": amount(),
            "quality": {attribute: draw(numbers) for attribute in qualities},
            "disposal": draw(unit_costs),
        }

    def demand() -> dict[str, Any]:
        resource = draw(st.sampled_from(sorted(resources)))
        qualities = resources[resource]["qualities"]
        bounded = (
            draw(st.lists(st.sampled_from(sorted(qualities)), unique=True)) if qualities else []
        )
        return {
            "resource": resource,
            "amount": amount(),
            "quality": {
                attribute: {
                    "min" if qualities[attribute]["better"] == "higher" else "max": draw(numbers)
                }
                for attribute in bounded
            },
            "alternative": draw(unit_costs),
        }

    facilities: dict[str, Any] = {}
    for name in draw(st.lists(ids, min_size=1, max_size=4, unique=True)):
        supply_count = draw(st.integers(0, 2))
        demand_count = draw(st.integers(0 if supply_count else 1, 2))
        facility: dict[str, Any] = {"site": draw(st.sampled_from(sorted(sites)))}
        if supply_count:
            facility["supplies"] = [supply() for _ in range(supply_count)]
        if demand_count:
            facility["demands"] = [demand() for _ in range(demand_count)]
        facilities[name] = facility

    transport: dict[str, Any] = {}
    for name in draw(st.lists(ids, max_size=2, unique=True)):
        carried = draw(st.lists(st.sampled_from(sorted(resources)), min_size=1, unique=True))
        attributes = sorted({a for r in carried for a in resources[r]["qualities"]})
        changed = draw(st.lists(st.sampled_from(attributes), unique=True)) if attributes else []
        transport[name] = {
            "resources": carried,
            "capex_per_km": draw(amounts),
            "variable_cost": draw(amounts),
            "loss_per_km": draw(st.floats(min_value=0, max_value=0.5)),
            "quality_change_per_km": {attribute: draw(numbers) for attribute in changed},
            "detour_factor": draw(st.floats(min_value=1, max_value=3)),
        }
    objective = draw(
        st.one_of(
            st.sampled_from(["cost", "emissions"]),
            st.fixed_dictionaries(
                {"cost": st.floats(min_value=0.5, max_value=10), "emissions": amounts}
            ),
        )
    )
    return {
        "symopt": 1,
        "name": draw(names),
        "time_slices": time_slices,
        "resources": resources,
        "sites": sites,
        "facilities": facilities,
        "transport": transport,
        "objective": objective,
    }


@FUZZ
@given(data=valid_scenarios())
def test_generated_scenarios_round_trip(data: dict[str, Any]) -> None:
    scenario = symopt.parse_scenario(dump(data), source="generated.yaml")
    assert list(scenario.facilities) == list(data["facilities"])
    assert list(scenario.sites) == list(data["sites"])
    assert list(scenario.resources) == list(data["resources"])
    assert list(scenario.transport) == list(data["transport"])
    assert [time_slice.id for time_slice in scenario.time_slices] == [
        time_slice["id"] for time_slice in data["time_slices"]
    ]
    for name, facility in data["facilities"].items():
        assert scenario.facilities[name].site == facility["site"]
    assert scenario.name == data["name"]


# --- issue 13: hostile number literals, control characters, big and odd files ---------

#: A fixed budget, the same examples on every run.
HOSTILE = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: YAML 1.1 number forms (read by plain YAML libraries as other numbers) and over-long
#: integers: every one must be refused as text.
yaml11_numbers = st.one_of(
    st.from_regex(r"[1-9][0-9]?(:[0-5][0-9]){1,3}(\.[0-9]{1,3})?", fullmatch=True),
    st.from_regex(r"[-+]?0x[0-9a-fA-F]{1,8}", fullmatch=True),
    st.from_regex(r"[-+]?0o?[0-7]{1,8}", fullmatch=True).filter(lambda t: t.lstrip("+-") != "0"),
    st.from_regex(r"[-+]?0b[01]{1,16}", fullmatch=True),
    st.integers(31, 6000).map(lambda digits: "9" * digits),
)
#: The number fields of BASE_TEXT, as (text in the file, dotted path).
NUMBER_FIELDS = [
    ("hours: 4000", "time_slices[0].hours"),
    ("carbon_price: 80", "economics.carbon_price"),
    ("lat: 65.825", "sites.h2plant.lat"),
    ("amount: 60000", "facilities.electrolyser.supplies[0].amount"),
    ("amount: 9000", "facilities.wastewater_plant.demands[0].amount"),
    ("capex_per_km: 400000", "transport.oxygen_pipe.capex_per_km"),
    ("km: 1.2", "distances[0].km"),
]


@HOSTILE
@given(literal=yaml11_numbers, field=st.sampled_from(NUMBER_FIELDS))
def test_yaml11_number_forms_are_refused(literal: str, field: tuple[str, str]) -> None:
    written, path = field
    name = written.split(":")[0]
    text = BASE_TEXT.replace(written, f"{name}: {literal}", 1)
    with pytest.raises(symopt.ScenarioError) as caught:
        symopt.parse_scenario(text, source="fuzz.yaml")
    line = 1 + next(i for i, row in enumerate(text.splitlines()) if f"{name}: {literal}" in row)
    reported = {(issue.line, format_path(issue.path)) for issue in caught.value.issues}
    assert (line, path) in reported, caught.value.issues
    (issue,) = [i for i in caught.value.issues if i.line == line]
    assert issue.message.startswith("expected a number, got the text")
    assert len(str(issue)) < 400


def _hidden(text: str) -> set[str]:
    return {
        c for c in text if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
    }


@HOSTILE
@given(
    key=st.text(
        st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Ll", "Nd"), exclude_characters="\x00"),
        min_size=1,
        max_size=12,
    ),
    where=st.sampled_from(BASE_MAPS),
)
def test_control_characters_in_keys_are_shown_escaped(key: str, where: Location) -> None:
    data = copy.deepcopy(BASE)
    node_at(data, where)[key] = 1
    try:
        symopt.parse_scenario(dump(data), source="fuzz.yaml")
    except symopt.ScenarioError as error:
        for issue in error.issues:
            assert not _hidden(str(issue)), repr(str(issue))
            assert "\n" not in str(issue)


#: The node limits, lowered so that files above them stay small enough to fuzz quickly.
SMALL_NODES, SMALL_ITEMS = 5_000, 10_000

odd_files = st.one_of(
    st.integers(1, 20_000).map(lambda n: "x: [" + ",".join(["1"] * n) + "]\n"),
    st.integers(1, 5_000).map(lambda n: "".join(f"k{i}: {{a: 1, b: [2, 3]}}\n" for i in range(n))),
    st.tuples(st.integers(2, 12), st.integers(2, 8)).map(
        lambda shape: (
            "a0: &a0 [1, 1]\n"
            + "".join(
                f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * shape[1])}]\n"
                for i in range(1, shape[0])
            )
        )
    ),
    st.integers(1, 2_000_000).map(lambda n: "name: " + "x" * n + "\n"),
    st.integers(1, 300).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 200_000).map(lambda n: "#" * n),
)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=odd_files)
def test_big_and_odd_files_are_answered_within_bounds(text: str) -> None:
    """Refused or read, never an exception of another kind; memory in proportion to the
    limit, not to the file (tracemalloc peak)."""
    from symopt.scenario import yaml_source

    saved = yaml_source.MAX_NODES, yaml_source.MAX_ITEMS
    yaml_source.MAX_NODES, yaml_source.MAX_ITEMS = SMALL_NODES, SMALL_ITEMS
    tracemalloc.start()
    try:
        check_outcome(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        yaml_source.MAX_NODES, yaml_source.MAX_ITEMS = saved
    # the text itself (up to 2 MB, kept in up to 3 copies) plus 5,000 nodes
    assert peak < 3 * len(text) + 40 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
