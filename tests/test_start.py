"""Primal start, warm starts and time-limited answers (issue 12).

A start is only a start: the optimum must be the same with and without it. The start
itself is checked against the model's rows and bounds with numpy, the LP bound against
an optimum proved separately (gap 0), and a solve stopped at a limit must say how far
from the optimum its plan can be, with a bound no optimum lies below.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import highspy
import numpy as np
import pytest
from planning_factory import random_planning_scenario
from rich.console import Console
from scenario_factory import random_scenario, to_yaml

import symopt
from symopt.enums import SolveStatus
from symopt.model.build import build_model
from symopt.model.objective import Objective
from symopt.report.terminal import summary_tables
from symopt.results.files import write_result
from symopt.solver import start as start_module
from symopt.solver.highs import (
    SolverOptions,
    compile_standard_form,
    new_highs,
    pass_model,
    run_highs,
    set_time_limit,
)
from symopt.solver.session import Resolver
from symopt.solver.start import (
    _Rows,
    close_unused,
    integer_plan,
    integer_start,
    lp_rounding_start,
)

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.hard_instances import generate_cap  # noqa: E402
from benchmarks.orlib import to_scenario  # noqa: E402
from benchmarks.orlib import to_yaml as cap_yaml  # noqa: E402

EXACT = SolverOptions(mip_gap=0.0, threads=1, random_seed=0)
#: HiGHS stops at its first improving plan: a limit hit without timing (deterministic).
FIRST_PLAN = dataclasses.replace(EXACT, highs_options={"mip_max_improving_sols": 1})
FILES = [
    *sorted((ROOT / "scenarios" / "examples").glob("*.yaml")),
    ROOT / "scenarios" / "boden.yaml",
    ROOT / "scenarios" / "umea.yaml",
]


def _cap_scenario(seed: int = 7, m: int = 12, n: int = 80) -> Any:
    return symopt.parse_scenario(cap_yaml(to_scenario(generate_cap("t", 3.0, seed, m, n))))


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-6)


def _both_ways(scenario: Any) -> None:
    without = symopt.solve(scenario, options=EXACT)
    started = symopt.solve(scenario, options=dataclasses.replace(EXACT, primal_start=True))
    assert started.status is without.status
    if without.status.has_solution:
        assert _same(started.summary.objective, without.summary.objective)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_primal_start_keeps_the_optimum_of_shipped_scenarios(path: Path) -> None:
    _both_ways(symopt.load_scenario(path))


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_primal_start_keeps_the_optimum_of_random_scenarios(seed: int) -> None:
    _both_ways(symopt.parse_scenario(to_yaml(random_scenario(seed))))


@pytest.mark.parametrize("seed", [2, 5, 17])
def test_primal_start_keeps_the_optimum_of_random_planning_scenarios(seed: int) -> None:
    _both_ways(symopt.parse_scenario(to_yaml(random_planning_scenario(seed))))


def test_the_primal_start_is_a_feasible_plan_above_its_lp_bound() -> None:
    scenario = _cap_scenario()
    form = compile_standard_form(build_model(symopt.build_network(scenario), Objective.of("cost")))
    highs = new_highs(EXACT)
    pass_model(highs, form)
    start = lp_rounding_start(highs.getLp(), form.integer, EXACT)
    x = start.solution
    assert x is not None
    tolerance = 1e-6
    activity = form.matrix @ x
    assert np.all(activity >= form.row_lower - tolerance * (1 + np.abs(form.row_lower)))
    assert np.all(activity <= form.row_upper + tolerance * (1 + np.abs(form.row_upper)))
    assert np.all(x >= form.col_lower - tolerance)
    assert np.all(x <= form.col_upper + tolerance)
    assert np.array_equal(x[form.integer], np.round(x[form.integer]))
    assert _same(start.objective, float(form.cost @ x) + form.offset)
    optimum = symopt.solve(scenario, options=EXACT).summary.objective
    assert start.lp_bound <= optimum + 1e-6 <= start.objective + 2e-6


def _check_stopped(summary: Any, optimum: float) -> None:
    assert summary.status is SolveStatus.FEASIBLE
    assert summary.best_bound <= optimum + 1e-6 <= summary.objective + 2e-6
    gap = (summary.objective - summary.best_bound) / abs(summary.objective)
    assert math.isclose(summary.mip_gap, gap, rel_tol=1e-6, abs_tol=1e-9)
    assert summary.status_text.startswith("feasible, within ")
    assert summary.status_text.endswith(
        f"{summary.mip_gap:.2%}".replace("%", " %") + " of the optimum"
    )


def test_a_stopped_solve_says_how_far_from_the_optimum_it_is(tmp_path: Path) -> None:
    scenario = _cap_scenario()
    optimum = symopt.solve(scenario, options=EXACT).summary.objective
    result = symopt.solve(scenario, options=FIRST_PLAN)
    _check_stopped(result.summary, optimum)
    assert result.summary.mip_gap > 0
    write_result(result, tmp_path)
    written = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert written["status"] == "feasible"
    assert written["best_bound"] == pytest.approx(result.summary.best_bound)
    assert written["status_text"] == result.summary.status_text
    console = Console(record=True, width=160)
    console.print(summary_tables(result))
    text = console.export_text()
    assert "status: feasible, within" in text
    assert "best bound" in text
    assert "best plan" in text


@pytest.mark.parametrize("hook", [None, lambda model: None], ids=["in-place", "persistent"])
def test_a_stopped_solve_through_the_resolver_keeps_its_plan_and_gap(hook: Any) -> None:
    scenario = _cap_scenario()
    optimum = symopt.solve(scenario, options=EXACT).summary.objective
    resolver = Resolver(options=FIRST_PLAN, hook=hook)
    _check_stopped(resolver.solve(scenario).summary, optimum)


def _with_price(scenario: Any, price: float) -> Any:
    economics = scenario.economics.model_copy(update={"carbon_price": price})
    return scenario.model_copy(update={"economics": economics})


@pytest.mark.parametrize("seed", [3, 11])
def test_warm_started_resolves_keep_the_optima(seed: int) -> None:
    scenario = symopt.parse_scenario(to_yaml(random_scenario(seed)))
    variants = [_with_price(scenario, price) for price in (0.0, 80.0, 250.0, 40.0)]
    warm, cold = Resolver(options=EXACT, warm_start=True), Resolver(options=EXACT)
    for variant in variants:
        a, b = warm.solve(variant), cold.solve(variant)
        reference = symopt.solve(variant, options=EXACT)
        assert a.status is b.status is reference.status
        if reference.status.has_solution:
            assert _same(a.summary.objective, reference.summary.objective)
            assert _same(b.summary.objective, reference.summary.objective)
    assert cold.warm_starts == 0
    assert warm.warm_starts == (warm.resolves if reference.status.has_solution else 0)


def test_after_a_rebuild_the_previous_build_decisions_are_the_start() -> None:
    scenario = _cap_scenario()
    network = symopt.build_network(scenario)
    form = compile_standard_form(build_model(network, Objective.of("cost")))
    plan = np.zeros(form.num_cols)
    opened = [i for i, flag in enumerate(form.integer) if flag][::3]
    plan[opened] = 1.0
    decisions = integer_plan(form, plan)
    assert decisions is not None
    names = {
        (form.columns[i].parent_component().local_name, form.columns[i].index()): plan[i]
        for i in np.flatnonzero(form.integer)
    }
    rebuilt = compile_standard_form(build_model(network, Objective.of("cost")))
    start = integer_start(decisions, rebuilt)
    assert start is not None
    for column, value in zip(start.columns.tolist(), start.values.tolist(), strict=True):
        var = rebuilt.columns[column]
        assert value == names[(var.parent_component().local_name, var.index())]
    assert sorted(start.columns.tolist()) == np.flatnonzero(rebuilt.integer).tolist()
    # A model with another structure gets no start.
    other = compile_standard_form(
        build_model(symopt.build_network(_cap_scenario(seed=8, m=13)), Objective.of("cost"))
    )
    assert integer_start(decisions, other) is None


def test_a_rebuilt_variant_with_the_same_structure_is_warm_started() -> None:
    scenario = _cap_scenario()
    data = json.loads(json.dumps(to_scenario(generate_cap("t", 3.0, 7, 12, 80))))
    data["facilities"]["customer_1"]["demands"][0]["amount"] += 3.0
    changed = symopt.parse_scenario(cap_yaml(data))
    resolver = Resolver(options=EXACT, warm_start=True)
    resolver.solve(scenario)
    result = resolver.solve(changed)
    assert resolver.rebuilds == 2
    assert resolver.warm_starts == 1
    assert _same(result.summary.objective, symopt.solve(changed, options=EXACT).summary.objective)


def _assert_feasible(form: Any, x: np.ndarray) -> None:
    tolerance = 1e-6
    activity = form.matrix @ x
    assert np.all(activity >= form.row_lower - tolerance * (1 + np.abs(form.row_lower)))
    assert np.all(activity <= form.row_upper + tolerance * (1 + np.abs(form.row_upper)))
    assert np.all(x >= form.col_lower - tolerance)
    assert np.all(x <= form.col_upper + tolerance)
    assert np.array_equal(x[form.integer], np.round(x[form.integer]))


def test_close_unused_keeps_what_the_flows_need() -> None:
    """By hand: columns y1, y2 (binary, cost 10 and 5), x1, x2 (cost 0); rows
    x1 - 4 y1 <= 0, x2 - 4 y2 <= 0, x1 + x2 = 3. Plan y = (1, 1), x = (3, 0): y1 carries
    x1 = 3 and must stay; y2 carries nothing and closes (row 2: 0 - 0 <= 0)."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 4, 3
    lp.col_cost_ = np.array([10.0, 5.0, 0.0, 0.0])
    lp.col_lower_ = np.zeros(4)
    lp.col_upper_ = np.array([1.0, 1.0, highspy.kHighsInf, highspy.kHighsInf])
    lp.row_lower_ = np.array([-highspy.kHighsInf, -highspy.kHighsInf, 3.0])
    lp.row_upper_ = np.array([0.0, 0.0, 3.0])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array([0, 1, 2, 4, 6], dtype=np.int32)
    lp.a_matrix_.index_ = np.array([0, 1, 0, 2, 1, 2], dtype=np.int32)
    lp.a_matrix_.value_ = np.array([-4.0, -4.0, 1.0, 1.0, 1.0, 1.0])
    plan = np.array([1.0, 1.0, 3.0, 0.0])
    columns = np.array([0, 1], dtype=np.int32)
    closed = close_unused(_Rows.of(lp), plan, columns, np.zeros(2))
    assert closed.tolist() == [1.0, 0.0]


def test_without_a_relaxation_the_start_is_everything_open_trimmed(monkeypatch: Any) -> None:
    """A relaxation that did not finish (simulated: its LP reports failure) leaves the
    'everything open' rounding: still a feasible plan, no LP bound, the same optimum."""
    scenario = _cap_scenario()
    form = compile_standard_form(build_model(symopt.build_network(scenario), Objective.of("cost")))
    highs = new_highs(EXACT)
    pass_model(highs, form)
    solve_lp = start_module._solve_lp
    calls = []

    def relaxation_fails(h: Any) -> Any:
        calls.append(1)
        return (False, math.nan, np.empty(0)) if len(calls) == 1 else solve_lp(h)

    monkeypatch.setattr(start_module, "_solve_lp", relaxation_fails)
    start = lp_rounding_start(highs.getLp(), form.integer, EXACT)
    assert start.solution is not None
    assert math.isnan(start.lp_bound)
    _assert_feasible(form, start.solution)
    optimum = symopt.solve(scenario, options=EXACT).summary.objective
    assert optimum <= start.objective + 2e-6
    _both_ways(scenario)


def test_a_time_limit_holds_for_each_run_of_the_same_highs() -> None:
    """HiGHS's run clock adds up the runs of one Highs object; `set_time_limit` measures
    from where it stands, so a re-solve under a limit is not stopped at once."""
    scenario = _cap_scenario()
    form = compile_standard_form(build_model(symopt.build_network(scenario), Objective.of("cost")))
    limited = dataclasses.replace(EXACT, time_limit=600.0)
    highs = new_highs(limited)
    pass_model(highs, form)
    highs.run()
    highs.setOptionValue("time_limit", highs.getRunTime() / 2)  # what a plain limit did
    highs.clearSolver()
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    set_time_limit(highs, 600.0)
    highs.clearSolver()
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


class _StoppedWithoutPlan:
    """What HiGHS reports when its time limit ends a MIP before any plan (1.16's calls)."""

    def run(self) -> None:
        pass

    def getModelStatus(self) -> Any:  # noqa: N802 - highspy's name
        return highspy.HighsModelStatus.kTimeLimit

    def getInfo(self) -> Any:  # noqa: N802
        return SimpleNamespace(
            primal_solution_status=0,
            mip_dual_bound=123.5,
            objective_function_value=0.0,
            mip_gap=math.inf,
        )

    def modelStatusToString(self, status: Any) -> str:  # noqa: N802
        return "Time limit reached"


def test_a_limit_before_any_plan_keeps_its_bound() -> None:
    run, solution = run_highs(_StoppedWithoutPlan(), is_mip=True)  # type: ignore[arg-type]
    assert run.status is SolveStatus.ERROR  # no plan: nothing to write
    assert math.isnan(run.objective)
    assert run.best_bound == 123.5  # what HiGHS proved, kept
    assert solution.size == 0


def test_the_message_of_a_solve_stopped_before_any_plan_gives_the_bound() -> None:
    from symopt.cli.main import _no_solution_message

    stopped = SimpleNamespace(solver_status="Time limit reached", best_bound=1234.5)
    text = _no_solution_message(Path("park.yaml"), SolveStatus.ERROR, stopped)  # type: ignore[arg-type]
    assert text == (
        "park.yaml: the solver ended without a solution (solver: Time limit reached); no plan "
        "can have an objective below the best bound 1,234.50; try a longer --time-limit"
    )
    unknown = SimpleNamespace(solver_status="Time limit reached", best_bound=math.nan)
    assert "best bound" not in _no_solution_message(Path("p"), SolveStatus.ERROR, unknown)  # type: ignore[arg-type]
