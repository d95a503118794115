"""The cost-emissions Pareto front: monotone, its ends are the single-objective optima."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import symopt
from symopt.cli.main import app
from symopt.solver.highs import SolverOptions
from symopt.studies.pareto import distinct_points

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
    # distinct efficient points only: at most one per cap, numbered in order
    assert 1 <= len(frame) <= points
    assert list(frame["point"]) == list(range(len(frame)))
    assert frame.attrs["caps"] == points
    assert frame.attrs["distinct"] == len(frame)
    assert (frame["status"] == "optimal").all()
    tolerance = 1e-6 * max(1.0, frame["emissions"].abs().max())
    assert (frame["emissions"] <= frame["emission_cap"] + tolerance).all()
    # caps rise; along the front emissions strictly rise and cost strictly falls (no repeat,
    # and no point dominated by another)
    assert frame["emission_cap"].is_monotonic_increasing
    assert (frame["emissions"].diff().dropna() > 0).all()
    assert (frame["cost"].diff().dropna() < 0).all()
    # the ends are the single-objective optima
    least_emissions = symopt.solve(scenario, objective="emissions", mip_gap=0)
    least_cost = symopt.solve(scenario, objective="cost", mip_gap=0)
    assert frame["emissions"].iloc[0] == pytest.approx(least_emissions.objective, abs=1e-6)
    assert frame["cost"].iloc[-1] == pytest.approx(least_cost.objective, rel=1e-9)
    # the cheap end is the least-emission plan among the cheapest: no more than any of them
    assert frame["emissions"].iloc[-1] <= least_cost.summary.total_emissions + tolerance
    # the low-emission end is the cheapest plan among those with the least emissions
    assert frame["cost"].iloc[0] <= least_emissions.summary.total_cost * (1 + 1e-9)


def test_front_of_four_plants_is_monotone_with_optimal_ends() -> None:
    scenario = symopt.parse_scenario(FOUR_PLANTS)
    frame = symopt.pareto(scenario, points=9, options=EXACT)
    assert_front(frame, scenario, 9)
    assert len(frame) >= 4  # a real trade-off, not one point
    assert frame["built_links"].iloc[0] == 4
    assert frame["built_links"].iloc[-1] == 0
    assert frame["links"].iloc[0].count("oxygen_pipe") == 4
    # one model, every later solve a re-solve: least emissions, least cost at E_min, then
    # two solves (cost, then emissions at that cost) for each of the other 8 caps: 18
    # solves, the first of which builds the model
    assert frame.attrs["rebuilds"] == 1
    assert frame.attrs["resolves"] == 2 * 9 - 1
    assert set(frame["path"]) == {"resolve"}


def test_boden_front_lists_each_plan_once() -> None:
    """Boden's 8-cap front used to list 2 plans 8 times (issue 9): least emissions (0 t,
    every heat and oxygen pipe) and least cost (30.149 t). Every cap between them keeps
    the emission-free plan, so the distinct front has exactly these two points."""
    scenario = symopt.load_scenario(
        Path(__file__).resolve().parent.parent / "scenarios" / "boden.yaml"
    )
    frame = symopt.pareto(scenario, points=8)
    assert len(frame) == 2
    assert frame.attrs["caps"] == 8
    least_emissions = symopt.solve(scenario, objective="emissions")
    least_cost = symopt.solve(scenario, objective="cost")
    assert frame["emissions"].iloc[0] == pytest.approx(least_emissions.objective, abs=1e-6)
    assert frame["cost"].iloc[-1] == pytest.approx(least_cost.objective, rel=1e-4)
    assert frame["emissions"].iloc[-1] <= least_cost.summary.total_emissions + 1e-6


def test_distinct_points_drops_repeats_and_renumbers() -> None:
    rows = pd.DataFrame(
        {
            "emission_cap": [0.0, 1.0, 2.0, 3.0],
            "cost": [10.0, 10.0 + 1e-9, 7.0, 7.0],
            "emissions": [0.0, 0.0, 2.0, 2.0 * (1 + 1e-12)],
            "status": ["optimal"] * 4,
        }
    )
    unique = distinct_points(rows)
    assert list(unique["point"]) == [0, 1]
    assert list(unique["emission_cap"]) == [0.0, 2.0]  # the lowest cap reaching each


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
    meta = json.loads((out / "pareto.json").read_text(encoding="utf-8"))
    assert meta["caps"] == 5
    assert meta["distinct_points"] == len(table) <= 5
    assert meta["currency"] == "EUR"
    assert f"{len(table)} distinct efficient point(s) from 5 emission caps" in " ".join(
        result.output.split()
    )
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
