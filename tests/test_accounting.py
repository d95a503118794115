"""Per-link accounting and the effect indicators, checked by hand and by adding up.

The hand figures come from the scenario files' own numbers (distances by haversine,
CRF and annuity by formula); the adding-up tests check that the links' net annual
benefits sum to the summary's saving against the baseline, as docs/scenario-format.md
says they must.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import symopt
from symopt.scenario.schema import Scenario, UnitCost

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"
REL = 1e-7


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def annuity_factor(rate: float, years: float) -> float:
    """Present value of 1 per year for `years` years: sum of 1/(1+r)^t."""
    return (1 - (1 + rate) ** -years) / rate


def link(result: symopt.Result, source: str, sink: str) -> pd.Series:
    rows = result.links[(result.links["source"] == source) & (result.links["sink"] == sink)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_water_pipe_npv_and_payback_by_hand() -> None:
    result = symopt.solve(symopt.load_scenario(EXAMPLES / "water_reuse.yaml"), mip_gap=0)
    pipe = link(result, "wastewater_plant", "methanol_plant")
    km = 1.3 * haversine_km(63.8125, 20.2797, 63.88, 20.39)
    capex = 146_000 * km  # one-off, EUR
    annuity = annuity_factor(0.05, 40)
    annualised = capex / annuity  # capex * CRF, CRF = 1 / annuity factor
    avoided = 270_000 * 0.67  # m3 of drinking water replaced x EUR/m3
    assert pipe["built"]
    assert pipe["avoided_alternative_cost"] == pytest.approx(avoided, rel=REL)
    assert pipe["annualised_capex"] == pytest.approx(annualised, rel=REL)
    assert pipe["fixed_opex"] == 0
    assert pipe["transport_cost"] == 0
    assert pipe["net_annual_benefit"] == pytest.approx(avoided - annualised, rel=REL)
    # NPV: -capex now, then `avoided` every year for 40 years at 5 %.
    assert pipe["npv"] == pytest.approx(-capex + avoided * annuity, rel=REL)
    assert pipe["payback_years"] == pytest.approx(capex / avoided, rel=REL)  # ~9.7 years
    assert 9.70 < pipe["payback_years"] < 9.71
    # Water carries no emissions here: nothing avoided, abatement cost undefined (not inf).
    assert pipe["avoided_alternative_emissions"] == 0
    assert math.isnan(pipe["abatement_cost_per_t"])
    condensate = link(result, "chp_plant", "methanol_plant")
    assert condensate["npv"] == pytest.approx(-146_000 + 135_000 * 0.67 * annuity, rel=REL)


def test_truck_link_counts_transport_only() -> None:
    scenario = symopt.load_scenario(EXAMPLES / "oxygen_wastewater.yaml")
    result = symopt.solve(scenario, mip_gap=0)
    truck = link(result, "electrolyser", "wastewater_plant")
    km = 1.5 * haversine_km(63.88, 20.39, 63.8125, 20.2797)
    sent = 6059.0
    transport, transport_t = sent * km * 0.10, sent * km * 0.00006
    avoided, avoided_t = sent * 20, sent * 0.0295
    assert not truck["built"]
    assert truck["annualised_capex"] == 0
    assert truck["fixed_opex"] == 0
    assert truck["transport_cost"] == pytest.approx(transport, rel=REL)
    assert truck["transport_emissions"] == pytest.approx(transport_t, rel=REL)
    assert truck["avoided_alternative_emissions"] == pytest.approx(avoided_t, rel=REL)
    net = avoided - transport + 70 * (avoided_t - transport_t)
    assert truck["net_annual_benefit"] == pytest.approx(net, rel=REL)
    economics = scenario.economics
    annuity = annuity_factor(economics.discount_rate, economics.lifetime_years)
    assert truck["npv"] == pytest.approx(net * annuity, rel=REL)
    assert truck["payback_years"] == 0  # nothing to invest
    # Saves money while it abates: a negative abatement cost, EUR per t CO2e.
    abatement = -(avoided - transport) / (avoided_t - transport_t)
    assert truck["abatement_cost_per_t"] == pytest.approx(abatement, rel=REL)


def assert_adds_up(result: symopt.Result) -> None:
    links, summary = result.links, result.summary
    assert summary.cost_saving == pytest.approx(
        links["net_annual_benefit"].sum(skipna=False), rel=1e-7, abs=1e-4
    )
    abated = (
        links["avoided_alternative_emissions"]
        + links["avoided_disposal_emissions"]
        - links["transport_emissions"]
    )
    assert summary.emission_saving == pytest.approx(abated.sum(skipna=False), rel=1e-7, abs=1e-6)
    # Facilities keep the optimum's decisions in the baseline: their own costs cancel.
    costs = (
        links["avoided_alternative_cost"]
        + links["avoided_disposal_cost"]
        - links["transport_cost"]
        - links["annualised_capex"]
        - links["fixed_opex"]
    )
    carbon = summary.cost_saving - costs.sum()
    assert carbon == pytest.approx(
        result_carbon_price(result) * summary.emission_saving, rel=1e-7, abs=1e-4
    )


_PRICES: dict[str, float] = {}


def result_carbon_price(result: symopt.Result) -> float:
    return _PRICES[result.summary.scenario]


def solve_file(path: Path) -> symopt.Result:
    scenario = symopt.load_scenario(path)
    _PRICES[scenario.name] = scenario.economics.carbon_price
    return symopt.solve(scenario, mip_gap=0)


@pytest.mark.parametrize(
    "path",
    [
        *sorted(EXAMPLES.glob("*.yaml")),
        ROOT / "scenarios" / "boden.yaml",
    ],
    ids=lambda path: path.stem,
)
def test_links_add_up_to_the_saving(path: Path) -> None:
    result = solve_file(path)
    assert math.isfinite(result.summary.cost_saving)
    assert_adds_up(result)


def with_alternatives(scenario: Scenario, cost: float) -> Scenario:
    """Every process input without alternative gets one at `cost` per unit."""
    facilities = {}
    for name, facility in scenario.facilities.items():
        process = facility.process
        if process is not None:
            inputs = [
                item
                if item.alternative is not None
                else item.model_copy(update={"alternative": UnitCost(cost=cost, emissions=1.0)})
                for item in process.inputs
            ]
            facility = facility.model_copy(
                update={"process": process.model_copy(update={"inputs": inputs})}
            )
        facilities[name] = facility
    return scenario.model_copy(update={"facilities": facilities})


def test_umea_adds_up() -> None:
    scenario = symopt.load_scenario(ROOT / "scenarios" / "umea.yaml")
    result = symopt.solve(scenario, mip_gap=0)
    # Hydrogen and CO2 into the methanol plant have no alternative: no baseline, and the
    # links into them have no avoided alternative cost (undefined, not 0).
    assert math.isnan(result.summary.cost_saving)
    assert math.isnan(result.links["net_annual_benefit"].sum(skipna=False))
    # With an alternative for every input, the baseline exists and the links add up to it.
    priced = with_alternatives(scenario, 10_000.0)
    _PRICES[priced.name] = priced.economics.carbon_price
    result = symopt.solve(priced, mip_gap=0)
    assert math.isfinite(result.summary.cost_saving)
    assert_adds_up(result)


def test_water_indicator_by_hand() -> None:
    result = symopt.solve(symopt.load_scenario(EXAMPLES / "water_reuse.yaml"), mip_gap=0)
    table = result.indicators.set_index(["firm", "indicator"])
    # 500,000 m3 needed; 135,000 of condensate + 270,000 of effluent delivered.
    for firm in ("methanol_plant", "(park)"):
        row = table.loc[(firm, "water")]
        assert row["unit"] == "m3"
        assert row["resource"] == "water"
        assert row["baseline"] == pytest.approx(500_000, rel=REL)
        assert row["actual"] == pytest.approx(95_000, rel=REL)
        assert row["saving"] == pytest.approx(405_000, rel=REL)
    assert ("wastewater_plant", "water") not in table.index  # a supplier, not a user
    assert table.loc[("(park)", "co2e"), "saving"] == 0
    park = {row["indicator"]: row for row in result.summary.to_dict()["indicators"]}
    assert park["water"]["saving"] == pytest.approx(405_000, rel=REL)
    assert park["co2e"]["unit"] == "t CO2e"


def test_waste_indicator_and_firms() -> None:
    text = (EXAMPLES / "oxygen_wastewater.yaml").read_text(encoding="utf-8")
    text = text.replace("  oxygen:\n    unit: t", "  oxygen:\n    indicator: waste\n    unit: t", 1)
    for facility in ("electrolyser:", "wastewater_plant:"):
        text = text.replace(f"\n  {facility}", f"\n  {facility}\n    owner: h2co\n   ", 1)
    result = symopt.solve(symopt.parse_scenario(text), mip_gap=0)
    table = result.indicators.set_index(["firm", "indicator"])
    # One firm owns both: its oxygen surplus of 150,000 t/yr, 6,059 t of it no longer vented.
    row = table.loc[("h2co", "waste")]
    assert row["baseline"] == pytest.approx(150_000, rel=REL)
    assert row["saving"] == pytest.approx(6059, rel=REL)
    assert set(table.index.get_level_values("firm")) == {"h2co", "(park)"}
    co2 = table.loc[("(park)", "co2e")]
    assert co2["baseline"] == pytest.approx(result.summary.baseline_emissions, rel=REL)
    assert co2["actual"] == pytest.approx(result.summary.total_emissions, rel=REL)


def test_unknown_owner_is_refused() -> None:
    text = (EXAMPLES / "water_reuse.yaml").read_text(encoding="utf-8")
    text = text.replace("facilities:\n", "firms: {umeva: Umeva}\nfacilities:\n", 1)
    text = text.replace("  chp_plant:", "  chp_plant:\n    owner: umeaenergi", 1)
    with pytest.raises(symopt.ScenarioError) as error:
        symopt.parse_scenario(text, source="water.yaml")
    message = str(error.value.issues[0])
    assert "owner" in message
    assert "unknown firm 'umeaenergi'" in message
    assert "umeva" in message
