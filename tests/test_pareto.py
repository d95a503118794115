"""The cost-emissions Pareto front: monotone, its ends are the single-objective optima."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import symopt
from symopt.cli.main import app
from symopt.solver.highs import SolverOptions

EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios" / "examples"

#: One oxygen source, four plants: each pipe saves the trucks' emissions at a price, so
#: the front has a step for every pipe (and the trucks' cost-optimum at its right end).
FOUR_PLANTS = """
symopt: 1
name: Oxygen to four plants
economics: {carbon_price: 10}
resources:
  oxygen: {unit: t}
sites:
  source: {lat: 65.80, lon: 21.70}
  a: {lat: 65.83, lon: 21.70}
  b: {lat: 65.86, lon: 21.70}
  c: {lat: 65.80, lon: 21.85}
  d: {lat: 65.90, lon: 21.72}
facilities:
  electrolyser:
    site: source
    supplies: [{resource: oxygen, amount: 100000}]
  plant_a:
    site: a
    demands: [{resource: oxygen, amount: 50000, alternative: {cost: 20, emissions: 0.03}}]
  plant_b:
    site: b
    demands: [{resource: oxygen, amount: 8000, alternative: {cost: 20, emissions: 0.03}}]
  plant_c:
    site: c
    demands: [{resource: oxygen, amount: 20000, alternative: {cost: 20, emissions: 0.03}}]
  plant_d:
    site: d
    demands: [{resource: oxygen, amount: 12000, alternative: {cost: 20, emissions: 0.03}}]
transport:
  oxygen_pipe: {resources: [oxygen], capex_per_km: 60000, fixed_opex_per_km: 1000}
  oxygen_truck: {resources: [oxygen], variable_cost: 0.1, emissions: 0.0002}
objective: cost
"""
EXACT = SolverOptions(mip_gap=0)


def assert_front(frame: pd.DataFrame, scenario: symopt.Scenario, points: int) -> None:
    assert list(frame["point"]) == list(range(points))
    assert (frame["status"] == "optimal").all()
    tolerance = 1e-6 * max(1.0, frame["emissions"].abs().max())
    assert (frame["emissions"] <= frame["emission_cap"] + tolerance).all()
    # caps rise, cost never rises: both in point order and in order of emissions
    assert frame["emission_cap"].is_monotonic_increasing
    assert (frame["cost"].diff().dropna() <= 1e-7 * frame["cost"].abs().max()).all()
    by_emissions = frame.sort_values(["emissions", "cost"], ascending=[True, False])
    assert (by_emissions["cost"].diff().dropna() <= 1e-7 * frame["cost"].abs().max()).all()
    # the ends are the single-objective optima
    least_emissions = symopt.solve(scenario, objective="emissions", mip_gap=0)
    least_cost = symopt.solve(scenario, objective="cost", mip_gap=0)
    assert frame["emissions"].iloc[0] == pytest.approx(least_emissions.objective, abs=1e-6)
    assert frame["cost"].iloc[-1] == pytest.approx(least_cost.objective, rel=1e-9)
    assert frame["emissions"].iloc[-1] == pytest.approx(
        least_cost.summary.total_emissions, rel=1e-9, abs=1e-9
    )
    # the low-emission end is the cheapest plan among those with the least emissions
    assert frame["cost"].iloc[0] <= least_emissions.summary.total_cost * (1 + 1e-9)


def test_front_of_four_plants_is_monotone_with_optimal_ends() -> None:
    scenario = symopt.parse_scenario(FOUR_PLANTS)
    frame = symopt.pareto(scenario, points=9, options=EXACT)
    assert_front(frame, scenario, 9)
    assert frame["cost"].nunique() >= 4  # a real trade-off, not one point
    assert frame["built_links"].iloc[0] == 4
    assert frame["built_links"].iloc[-1] == 0
    assert frame["links"].iloc[0].count("oxygen_pipe") == 4
    # one model, every later point a re-solve
    assert frame.attrs["rebuilds"] == 1
    assert frame.attrs["resolves"] == 9
    assert set(frame["path"]) == {"resolve"}


@pytest.mark.parametrize("name", ["oxygen_wastewater.yaml", "heat_greenhouse.yaml"])
def test_front_of_examples(name: str) -> None:
    scenario = symopt.load_scenario(EXAMPLES / name)
    frame = symopt.pareto(scenario, points=4, options=EXACT)
    assert_front(frame, scenario, 4)


def test_cli_pareto_writes_table_and_plot(tmp_path: Path) -> None:
    scenario = tmp_path / "four.yaml"
    scenario.write_text(FOUR_PLANTS, encoding="utf-8")
    out = tmp_path / "front"
    result = CliRunner().invoke(
        app, ["pareto", str(scenario), "--points", "5", "--out", str(out), "--mip-gap", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "Pareto front: Oxygen to four plants" in result.output
    table = pd.read_csv(out / "pareto.csv")
    assert list(table.columns[:6]) == [
        "point",
        "emission_cap",
        "cost",
        "emissions",
        "status",
        "mip_gap",
    ]
    assert {"built_links", "built_facilities", "links"} <= set(table.columns)
    assert len(table) == 5
    assert (out / "pareto.png").stat().st_size > 1000


def test_cli_pareto_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("symopt: 1\nname: x\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["pareto", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:" in result.output
    assert "Traceback" not in result.output
    too_few = CliRunner().invoke(app, ["pareto", str(bad), "--points", "1"])
    assert too_few.exit_code == 2
