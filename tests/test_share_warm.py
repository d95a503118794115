"""Warm-started coalitions (issue 12): the union of smaller coalitions' plans is a
feasible start, and the game's values are the same with and without it.

The start's cost is checked against optima computed independently (the reference MILP,
scipy.optimize.milp, on the raw scenario with the other firms' facilities deleted): the
start is a plan of S, so v(S) <= its cost; and it is no worse than the two parts side by
side, so its cost <= v(S \\ {i}) + v({i}).
"""

from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np
import pytest
from reference_milp import reference_optimum
from scenario_factory import to_yaml
from test_share import four_firm_park, restricted

import symopt
from symopt.model.build import build_model
from symopt.model.objective import Objective
from symopt.network.candidates import build_network
from symopt.network.restrict import kept_rows, restrict_network
from symopt.solver.highs import SolverOptions, compile_standard_form, new_highs, pass_model
from symopt.studies import coalition_task
from symopt.studies.coalition_task import CoalitionTask, as_start, solve_coalition, union_start
from symopt.studies.share import run_share
from symopt.studies.store import Store

EXACT = SolverOptions(mip_gap=0.0, threads=1, random_seed=0)


def test_union_start_takes_the_cheapest_known_split() -> None:
    a, b, c = ("a1", "a2"), ("b1",), ("c1",)
    plans = {
        frozenset(a): (10.0, {("b", 0): 1.0}),
        frozenset(b): (5.0, {("b", 1): 0.0}),
        frozenset(c): (7.0, {("b", 2): 1.0}),
        frozenset(a + b): (12.0, {("b", 0): 0.0, ("b", 1): 1.0, ("y", 4): 1.0}),
    }
    # S = a+b+c: splits (b+c, a) unknown, (a+c, b) unknown, (a+b, c): 12 + 7.
    assert union_start((a, b, c), plans) == {
        ("b", 0): 0.0,
        ("b", 1): 1.0,
        ("y", 4): 1.0,
        ("b", 2): 1.0,
    }
    # Only singletons known for a+c: their union.
    assert union_start((a, c), plans) == {("b", 0): 1.0, ("b", 2): 1.0}
    # Nothing known for d: no start.
    assert union_start((a, ("d1",)), plans) is None


def _fixed_lp_value(form: object, start: object) -> tuple[bool, float]:
    """The optimum of the model's LP with the start's integer decisions fixed."""
    highs = new_highs(EXACT)
    pass_model(highs, form)  # type: ignore[arg-type]
    columns, values = start.columns, start.values  # type: ignore[attr-defined]
    highs.changeColsBounds(len(columns), columns, values, values)
    highs.run()
    ok = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return ok, float(highs.getInfo().objective_function_value)


def test_the_union_of_two_coalitions_plans_is_a_feasible_start() -> None:
    data = four_firm_park()
    scenario = symopt.parse_scenario(to_yaml(data))
    owner = {name: scenario.owner_of(name) for name in scenario.facilities}

    def group(firm: str) -> tuple[str, ...]:
        return tuple(name for name in scenario.facilities if owner[name] == firm)

    def task(firms: list[str]) -> CoalitionTask:
        groups = tuple(group(firm) for firm in firms)
        facilities = tuple(name for g in groups for name in g)
        return CoalitionTask(
            "-".join(firms),
            scenario,
            "cost",
            EXACT,
            base="warm",
            facilities=facilities,
            groups=groups,
        )

    coalition_task._NETWORKS.clear()
    for firms in (["plant"], ["greenhouse"], ["utility"], ["plant", "greenhouse"]):
        assert solve_coalition(task(firms)).row["status"] == "optimal"
    # S = plant + greenhouse + utility: the known split is (plant+greenhouse, utility).
    firms = ["plant", "greenhouse", "utility"]
    groups = tuple(group(firm) for firm in firms)
    decisions = union_start(groups, coalition_task._PLANS)
    assert decisions is not None
    whole = build_network(scenario)
    facilities = {name for g in groups for name in g}
    form = compile_standard_form(
        build_model(restrict_network(whole, facilities), Objective.of("cost"))
    )
    start = as_start(decisions, form, coalition_task._rows(kept_rows(whole, facilities)))
    assert start is not None
    assert len(start.columns) == int(form.integer.sum())
    feasible, value = _fixed_lp_value(form, start)
    assert feasible

    def v(members: list[str]) -> float:
        return reference_optimum(restricted(data, frozenset(members)), "cost")

    optimum = v(firms)
    parts = v(["plant", "greenhouse"]) + v(["utility"])
    assert optimum - 1e-3 <= value <= parts + 1e-3
    # Solved from that start, the coalition's value is still the optimum.
    row = solve_coalition(task(firms)).row
    assert row["path"] == "restricted, warm start"
    assert row["total_cost"] == pytest.approx(optimum, rel=1e-6, abs=1e-3)


def test_the_game_is_the_same_with_and_without_warm_starts(tmp_path: Path) -> None:
    scenario = symopt.parse_scenario(to_yaml(four_firm_park()))
    runs = {}
    paths = {}
    for warm in (False, True):
        out = tmp_path / str(warm)
        runs[warm] = run_share(scenario, out=out, options=EXACT, warm_start=warm)
        paths[warm] = set(Store(out).read()["path"])
    cold, warm_run = runs[False], runs[True]
    assert paths[False] == {"restricted"}
    assert "restricted, warm start" in paths[True]
    a = cold.coalitions.set_index("coalition")["cost"]
    b = warm_run.coalitions.set_index("coalition")["cost"]
    assert np.allclose(a.to_numpy(), b.loc[a.index].to_numpy(), rtol=1e-9, atol=1e-6)
    shapley = [run.firms.set_index("firm")["shapley_cost"] for run in (cold, warm_run)]
    assert np.allclose(shapley[0].to_numpy(), shapley[1].loc[shapley[0].index].to_numpy())


def test_a_start_highs_answers_inconsistently_is_not_trusted() -> None:
    """Boden, coalition stegra + hive + boden_business_park + agtira: its presolved model
    is empty and HiGHS 1.16, given the union of S \\ {hive} and {hive} (a plan costing
    12,237.95), returned that plan with status optimal and objective 0. The optimum is
    what `symopt.solve` gives for the smaller scenario, without any start."""
    from symopt.studies.share import restrict

    scenario = symopt.load_scenario(
        Path(__file__).resolve().parents[1] / "scenarios" / "boden.yaml"
    )
    options = symopt.solver_options()

    def group(firm: str) -> tuple[str, ...]:
        return tuple(name for name in scenario.facilities if scenario.owner_of(name) == firm)

    def task(firms: list[str]) -> CoalitionTask:
        groups = tuple(group(firm) for firm in firms)
        facilities = tuple(name for g in groups for name in g)
        return CoalitionTask(
            "k", scenario, "cost", options, base="boden", facilities=facilities, groups=groups
        )

    coalition_task._NETWORKS.clear()
    firms = ["stegra", "hive", "boden_business_park", "agtira"]
    for part in (["hive"], ["stegra", "boden_business_park", "agtira"]):
        solve_coalition(task(part))
    row = solve_coalition(task(firms)).row
    assert row["path"] == "restricted, warm start"
    alone = symopt.solve(restrict(scenario, set(firms)), objective="cost", options=options)
    assert row["total_cost"] == pytest.approx(alone.summary.total_cost, rel=1e-7, abs=1e-3)


def test_the_plan_cache_keeps_firms_alone_and_drops_the_oldest_coalition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(coalition_task, "PLAN_LIMIT", 3)
    monkeypatch.setattr(coalition_task, "_PLANS", {})
    monkeypatch.setattr(coalition_task, "_SINGLE", set())
    a, b, c, ab, bc, abc = (
        frozenset(x) for x in ("a", "b", "c", ("a", "b"), ("b", "c"), ("a", "b", "c"))
    )
    for key, single in ((a, True), (b, True), (ab, False), (bc, False), (c, True), (abc, False)):
        coalition_task.keep_plan(key, 1.0, {}, single)
    # Limit 3: ab went when bc came, bc when abc came; firms alone are never dropped.
    assert set(coalition_task._PLANS) == {a, b, c, abc}
