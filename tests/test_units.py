"""Numbers written with their unit, converted by hand here and compared with the loader.

Each expected value is the arithmetic in its comment (SI factors: 1 kt = 1000 t,
1 GWh = 1000 MWh, 1 MW for h hours = h MWh, 1 kWh = 0.001 MWh).
"""

from __future__ import annotations

import pytest

import symopt

BASE = """\
symopt: 1
name: units
currency: EUR
time_slices: [{id: winter, hours: 4000}, {id: summer, hours: 4760}]
economics: {carbon_price: @CARBON@}
resources:
  heat: {unit: MWh}
  oxygen: {unit: t, density: 1.429}
sites: {a: {lat: 0, lon: 0}}
facilities:
  plant:
    site: a
    build: {capex: @CAPEX@}
    supplies:
      - {resource: heat, amount: @HEAT@, cost: @PRICE@}
      - {resource: oxygen, amount: @OXYGEN@, emissions: @EMISSIONS@}
  works:
    site: a
    demands:
      - resource: heat
        amount: 1000
        alternative: {cost: 50, capacity_cost: @CAPACITY@}
"""
DEFAULTS = {
    "@CARBON@": "0",
    "@CAPEX@": "0",
    "@HEAT@": "100",
    "@PRICE@": "0",
    "@OXYGEN@": "100",
    "@EMISSIONS@": "0",
    "@CAPACITY@": "0",
}


def _load(**changes: str) -> symopt.Scenario:
    text = BASE
    for key, value in {**DEFAULTS, **{f"@{k.upper()}@": v for k, v in changes.items()}}.items():
        text = text.replace(key, value)
    return symopt.parse_scenario(text)


def _plant(scenario: symopt.Scenario) -> object:
    return scenario.facilities["plant"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('"2.3 GWh"', 2300.0),  # energy: 2.3 * 1000 MWh
        ('"5 MW"', 5 * 8760.0),  # power over the year's 4000 + 4760 h
        ('"40 GWh/yr"', 40_000.0),  # per year: the yearly amount itself
        ("100", 100.0),  # a plain number keeps its meaning
    ],
)
def test_heat_amounts(written: str, expected: float) -> None:
    supply = _load(heat=written).facilities["plant"].supplies[0]
    assert supply.amount == pytest.approx(expected, rel=1e-12)


def test_power_per_slice_uses_the_slice_hours() -> None:
    # 5 MW in winter (4000 h) = 20,000 MWh; 2 MW in summer (4760 h) = 9520 MWh.
    supply = _load(heat='{winter: "5 MW", summer: "2 MW"}').facilities["plant"].supplies[0]
    assert supply.amount == {"winter": pytest.approx(20_000.0), "summer": pytest.approx(9520.0)}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('"150 kt"', 150_000.0),  # mass: 150 * 1000 t
        ('"600 Nm3/h"', 600 * 8760 * 1.429 / 1000),  # Nm3/h * h * kg/Nm3 / (1000 kg/t)
        ('"2000 kg"', 2.0),
    ],
)
def test_oxygen_amounts(written: str, expected: float) -> None:
    supply = _load(oxygen=written).facilities["plant"].supplies[1]
    assert supply.amount == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("field", "written", "expected"),
    [
        ("price", '"45 EUR/MWh"', 45.0),
        ("price", '"0.045 EUR/kWh"', 45.0),  # per kWh = 1000 per MWh
        ("price", '"-12 EUR/MWh"', -12.0),  # a sale price
        ("emissions", '"350 kg/t"', 0.35),  # t CO2e per t: 350 kg / 1000
        ("capacity", '"4000 EUR/MW"', 4000.0),  # per (MWh per hour) per year
        ("capex", '"4 MEUR"', 4_000_000.0),
        ("carbon", '"0.08 EUR/kg"', 80.0),  # per t CO2e
    ],
)
def test_costs_and_emissions(field: str, written: str, expected: float) -> None:
    scenario = _load(**{field: written})
    plant = scenario.facilities["plant"]
    value = {
        "price": lambda: plant.supplies[0].cost,
        "emissions": lambda: plant.supplies[1].emissions,
        "capacity": lambda: scenario.facilities["works"].demands[0].alternative.capacity_cost,
        "capex": lambda: plant.build.capex if plant.build else None,
        "carbon": lambda: scenario.economics.carbon_price,
    }[field]()
    assert value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("field", "written", "needle"),
    [
        ("heat", '"5 kg"', "does not convert to MWh"),
        ("price", '"45 SEK/MWh"', "scenario's currency is EUR"),
        ("oxygen", '"5 MWh"', "does not convert to t"),
        ("heat", '"5 MWx"', "cannot read '5 MWx'"),
    ],
)
def test_units_that_do_not_convert_name_line_and_field(
    field: str, written: str, needle: str
) -> None:
    with pytest.raises(symopt.ScenarioError) as raised:
        _load(**{field: written})
    (issue,) = raised.value.issues
    assert needle in issue.message
    assert issue.line == (16 if field == "oxygen" else 15)  # the line of that supply
    assert issue.path[:3] == ("facilities", "plant", "supplies")


def test_nm3_without_density_asks_for_it() -> None:
    text = BASE.replace(", density: 1.429", "")
    for key, value in {**DEFAULTS, "@OXYGEN@": '"600 Nm3/h"'}.items():
        text = text.replace(key, value)
    with pytest.raises(symopt.ScenarioError, match="density"):
        symopt.parse_scenario(text)


def test_a_scenario_with_units_solves_like_its_plain_twin() -> None:
    # 5 MW for 8760 h is 43,800 MWh; the plain twin writes 43800 and 45.
    with_units = _load(heat='"5 MW"', price='"45 EUR/MWh"')
    plain = _load(heat="43800", price="45")
    assert with_units == plain


TRANSPORT = """\
symopt: 1
name: transport units
resources: {heat: {unit: MWh}, oxygen: {unit: t}}
sites: {a: {lat: 0, lon: 0}, b: {lat: 0, lon: 1}}
facilities:
  p: {site: a, supplies: [{resource: heat, amount: 10}]}
  q: {site: b, demands: [{resource: heat, amount: 10, alternative: {cost: 1}}]}
transport:
  pipe:
    resources: [heat]
    capex_per_km: "2.7 MEUR/km"
    fixed_opex_per_km: "81 kEUR/km/yr"
    variable_cost: "0.02 EUR/MWh/km"
    emissions: "1 kg/MWh/km"
    max_distance: "15000 m"
distances: [{from: a, to: b, km: "3100 m"}]
"""


def test_transport_fields_with_units() -> None:
    scenario = symopt.parse_scenario(TRANSPORT)
    pipe = scenario.transport["pipe"]
    assert pipe.capex_per_km == pytest.approx(2_700_000.0)  # 2.7 * 1e6 EUR per km
    assert pipe.fixed_opex_per_km == pytest.approx(81_000.0)  # per km and year
    assert pipe.variable_cost == pytest.approx(0.02)
    assert pipe.emissions == pytest.approx(0.001)  # 1 kg = 0.001 t per MWh per km
    assert pipe.max_distance == pytest.approx(15.0)
    assert scenario.distances[0].km == pytest.approx(3.1)


def test_per_unit_transport_cost_needs_one_unit_for_the_mode() -> None:
    text = TRANSPORT.replace("resources: [heat]", "resources: [heat, oxygen]")
    with pytest.raises(symopt.ScenarioError) as raised:
        symopt.parse_scenario(text)
    paths = {issue.path for issue in raised.value.issues}
    assert paths == {("transport", "pipe", "variable_cost"), ("transport", "pipe", "emissions")}
