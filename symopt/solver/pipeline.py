"""The public `solve`: scenario -> network -> model -> HiGHS -> `Result`, one stage each."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from symopt.enums import SolveStatus
from symopt.model.build import build_model
from symopt.model.objective import Objective
from symopt.results.tables import Result, extract_result
from symopt.results.units import annotate
from symopt.scenario.schema import Scenario
from symopt.solver.bounded_network import network_for
from symopt.solver.diagnose import explain_infeasibility
from symopt.solver.highs import SolverOptions, compile_standard_form
from symopt.solver.profiles import load_profile
from symopt.solver.progress import ProgressMonitor
from symopt.solver.start import solve_form


def solver_options(
    profile: str | None = None,
    *,
    mip_gap: float | None = None,
    time_limit: float | None = None,
    threads: int | None = None,
    log: bool = False,
) -> SolverOptions:
    """A profile's options with explicit settings on top."""
    options = load_profile(profile)
    overrides: dict[str, Any] = {"log": log}
    if mip_gap is not None:
        overrides["mip_gap"] = mip_gap
    if time_limit is not None:
        overrides["time_limit"] = time_limit
    if threads is not None:
        overrides["threads"] = threads
    return dataclasses.replace(options, **overrides)


def solve(
    scenario: Scenario,
    *,
    objective: Any = None,
    options: SolverOptions | None = None,
    profile: str | None = None,
    mip_gap: float | None = None,
    time_limit: float | None = None,
    threads: int | None = None,
    log: bool = False,
    monitor: ProgressMonitor | None = None,
) -> Result:
    """Solve a validated scenario.

    `objective` overrides the scenario's: 'cost', 'emissions' or {'cost': a, 'emissions': b}.
    Solver settings come from `options`, else from `profile` (default: `solvers/default.yaml`),
    with `mip_gap`, `time_limit` and `threads` on top. With `monitor`, progress reports
    come from HiGHS's callbacks and Ctrl-C stops the solve keeping the best solution
    found (status `feasible`).
    """
    if options is None:
        options = solver_options(
            profile, mip_gap=mip_gap, time_limit=time_limit, threads=threads, log=log
        )
    goal = Objective.of(scenario.objective if objective is None else objective)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    network = network_for(scenario, goal, options)
    lap("network")
    model = build_model(network, goal)
    lap("build")
    form = compile_standard_form(model)
    lap("compile")
    run = solve_form(form, options, monitor=monitor)
    timings["handover"] = timings.pop("compile") + run.handover_seconds
    timings["solve"] = run.solve_seconds
    clock = time.perf_counter()
    result = annotate(
        extract_result(network, model, run, goal, scenario.currency, timings), scenario
    )
    lap("results")
    if result.status is SolveStatus.INFEASIBLE:
        diagnosis = tuple(explain_infeasibility(scenario, network, options))
        lap("diagnosis")
        result = dataclasses.replace(
            result, summary=dataclasses.replace(result.summary, diagnosis=diagnosis)
        )
    return result
