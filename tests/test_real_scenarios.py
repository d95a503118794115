"""Golden results for the real planning scenarios (Boden, Umeå), solved to gap 0.

When the data in a scenario changes, re-solve (`symopt solve FILE --mip-gap 0`), check
that the decisions still make sense for the reasons given here, update the figures and
say in the commit what changed and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import symopt

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def boden() -> symopt.Result:
    return symopt.solve(symopt.load_scenario(SCENARIOS / "boden.yaml"), mip_gap=0)


@pytest.fixture(scope="module")
def umea() -> symopt.Result:
    return symopt.solve(symopt.load_scenario(SCENARIOS / "umea.yaml"), mip_gap=0)


def _facilities(result: symopt.Result) -> dict[str, dict[str, object]]:
    return result.facilities.set_index("facility").to_dict("index")


def test_boden_objective_and_savings(boden: symopt.Result) -> None:
    assert boden.status is symopt.SolveStatus.OPTIMAL
    # Negative: the fish farm's value per tonne outweighs all costs (see boden.yaml).
    assert boden.objective == pytest.approx(-1_195_384.749, rel=1e-6)
    assert boden.summary.baseline_cost == pytest.approx(6_010_581.947, rel=1e-6)
    assert boden.summary.emission_saving == pytest.approx(11_489.30, rel=1e-5)


def test_boden_decisions(boden: symopt.Result) -> None:
    decided = _facilities(boden)
    # Stegra's oxygen and 70-80 degC heat are free at 0 km on the industrial park: the fish
    # farm goes there at its maximum size (each tonne of fish is worth more than its
    # inputs), and so does the Agtira greenhouse, whose 45 degC water the data centres'
    # 25-35 degC air-cooling heat cannot supply.
    assert decided["fish_farm"]["site"] == "industrial_park"
    assert decided["fish_farm"]["size"] == pytest.approx(6000)
    assert decided["agtira_greenhouse"]["site"] == "industrial_park"
    # A heat pump at the business park would lift data-centre heat, but Stegra's heat is
    # cheaper: it is not built.
    assert not decided["business_park_heat_pump"]["built"]
    links = boden.links.set_index(["source", "sink", "resource"])
    # District heating in town is served by a 5.35 km heat pipe from Stegra.
    pipe = links.loc[("stegra_electrolyser", "district_heating", "heat")]
    assert pipe["distance_km"] == pytest.approx(5.35, abs=0.01)
    # Oxygen to the wastewater plant in town does not pay for a pipe.
    assert ("stegra_electrolyser", "wastewater_plant", "oxygen") not in links.index


def test_umea_objective_and_decisions(umea: symopt.Result) -> None:
    assert umea.status is symopt.SolveStatus.OPTIMAL
    assert umea.objective == pytest.approx(125_455_066.59, rel=1e-6)
    # The methanol plant's hydrogen and CO2 have no alternative: no baseline.
    assert umea.summary.to_dict()["baseline_cost"] is None
    decided = _facilities(umea)
    # The electrolyser is sized to the contracted hydrogen (189 kg H2 per t methanol,
    # 100 kt methanol) and placed at Dåva, where its heat enters district heating at
    # 0 km; its oxygen is not worth a pipeline to Ön at the assumed prices.
    assert decided["electrolyser"]["site"] == "dava"
    assert decided["electrolyser"]["size"] == pytest.approx(118.676, rel=1e-4)
    assert decided["electrolyser_heat_pump"]["built"]
    flows = umea.flows
    assert flows.loc[flows["supply_resource"] == "hydrogen", "sent"].sum() == pytest.approx(18_900)
    assert flows.loc[flows["supply_resource"] == "co2", "sent"].sum() == pytest.approx(137_400)
    assert "on_wwtp" not in set(flows["sink"])
