"""Units on a facility's size bounds, a process's `per_activity` and `min_activity`.

By hand: 1 MW = 1000 kW; size is activity per hour in the declared size unit, so a
process with `size.unit: MW` has its activity in MWh (MW x h); slices of 4000 + 4760 h.
"""

from __future__ import annotations

from typing import Any

import pytest

import symopt

BASE = """\
symopt: 1
name: units on activity
time_slices: [{id: winter, hours: 4000}, {id: summer, hours: 4760}]
resources:
  electricity: {unit: MWh}
  oxygen: {unit: t}
sites: {a: {lat: 0, lon: 0}}
facilities:
  electrolyser:
    site: a
    size: {@UNIT@max: @MAX@, min: @MIN@}
    process:
      min_activity: @MIN_ACTIVITY@
      inputs:
        - {resource: electricity, per_activity: @PER_IN@, alternative: {cost: 40}}
      outputs:
        - {resource: oxygen, per_activity: @PER_OUT@}
transport: {truck: {resources: [oxygen]}}
"""
DEFAULTS = {
    "@UNIT@": "unit: MW electrical input, ",
    "@MAX@": "5",
    "@MIN@": "0",
    "@MIN_ACTIVITY@": "0",
    "@PER_IN@": "1",
    "@PER_OUT@": "0.2",
}


def _load(**changes: str) -> Any:
    text = BASE
    for key, value in {**DEFAULTS, **{f"@{k.upper()}@": v for k, v in changes.items()}}.items():
        text = text.replace(key, value)
    return symopt.parse_scenario(text, source="units.yaml").facilities["electrolyser"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('"5000 kW"', 5.0),  # 5000 kW = 5 MW, the declared unit (leading word of the text)
        ('"5 MW"', 5.0),
        ('"0.005 GW"', 5.0),  # 0.005 x 1000 MW
        ('"43.8 GWh/yr"', 5.0),  # 43,800 MWh over 4000 + 4760 = 8760 h
        ("5", 5.0),  # a plain number keeps its meaning
    ],
)
def test_size_in_kw_converts_to_the_declared_mw(written: str, expected: float) -> None:
    facility = _load(max=written, min='"500 kW"')
    assert facility.size.max == pytest.approx(expected, rel=1e-12)
    assert facility.size.min == pytest.approx(0.5, rel=1e-12)  # 500 kW = 0.5 MW


@pytest.mark.parametrize(
    ("field", "written", "expected"),
    [
        ("per_out", '"0.2 t/MWh"', 0.2),  # t of oxygen per MWh (MW x h) of activity
        ("per_out", '"200 kg/MWh"', 0.2),  # 200 kg = 0.2 t
        ("per_out", '"200 kg"', 0.2),  # in the resource's unit alone: per unit of activity
        ("per_in", '"1 MWh/MWh"', 1.0),  # electricity in per MWh of activity
        ("per_in", '"1000 kWh/MWh"', 1.0),  # 1000 kWh = 1 MWh
        ("per_in", '"0.8 MWh"', 0.8),
    ],
)
def test_per_activity_converts_to_resource_unit_per_activity(
    field: str, written: str, expected: float
) -> None:
    facility = _load(**{field: written})
    item = facility.process.outputs[0] if field == "per_out" else facility.process.inputs[0]
    assert item.per_activity == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('"20 GWh"', 20_000.0),  # 20 GWh = 20,000 MWh of activity a year
        ('"2 MW"', 2 * 8760.0),  # a rate: 2 MW over the year's 8760 h
        ('{winter: "1 MW"}', {"winter": 4000.0}),  # per slice: 1 MW over 4000 h
    ],
)
def test_min_activity_converts_to_activity_units(written: str, expected: Any) -> None:
    minimum = _load(min_activity=written).process.min_activity
    if isinstance(expected, dict):
        assert dict(minimum) == pytest.approx(expected, rel=1e-12)
    else:
        assert minimum == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("field", "written", "line", "path", "needles"),
    [
        ("max", '"5 t"', 11, ("size", "max"), ["'5 t'", "MW", "size unit"]),
        (
            "per_in",
            '"1 t/MWh"',
            15,
            ("process", "inputs", 0, "per_activity"),
            ["'1 t/MWh'", "MWh/(MW·h) or MWh"],
        ),
        ("min_activity", '"5 t"', 13, ("process", "min_activity"), ["'5 t'", "MW·h"]),
    ],
)
def test_bad_units_name_line_field_both_units_and_the_fix(
    field: str, written: str, line: int, path: tuple[Any, ...], needles: list[str]
) -> None:
    with pytest.raises(symopt.ScenarioError) as raised:
        _load(**{field: written})
    (issue,) = raised.value.issues
    assert issue.file == "units.yaml"
    assert issue.line == line
    assert issue.path == ("facilities", "electrolyser", *path)
    for needle in needles:
        assert needle in issue.message
    assert "write it in" in issue.message


def test_a_size_quantity_without_a_declared_size_unit_asks_for_one() -> None:
    with pytest.raises(symopt.ScenarioError) as raised:
        _load(unit="", max='"5 MW"')
    (issue,) = raised.value.issues
    assert issue.line == 11
    assert issue.path == ("facilities", "electrolyser", "size", "max")
    assert "declare it" in issue.message
    assert "size: {unit: MW" in issue.message


def test_the_converted_scenario_solves_like_its_plain_twin() -> None:
    # min_activity 8760 MWh: 1 MWh of electricity per MWh at 40: 350,400.
    plain = symopt.parse_scenario(
        BASE.replace("@UNIT@", "unit: MW, ")
        .replace("@MAX@", "5")
        .replace("@MIN@", "0")
        .replace("@MIN_ACTIVITY@", "8760")
        .replace("@PER_IN@", "1")
        .replace("@PER_OUT@", "0.2")
    )
    written = symopt.parse_scenario(
        BASE.replace("@UNIT@", "unit: MW, ")
        .replace("@MAX@", '"5000 kW"')
        .replace("@MIN@", "0")
        .replace("@MIN_ACTIVITY@", '"1 MW"')
        .replace("@PER_IN@", '"1000 kWh/MWh"')
        .replace("@PER_OUT@", '"200 kg/MWh"')
    )
    for scenario in (plain, written):
        result = symopt.solve(scenario, mip_gap=0)
        assert result.objective == pytest.approx(350_400.0, rel=1e-9)
