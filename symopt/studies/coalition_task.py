"""One coalition of `symopt share` as a sweep variant: the task and the worker's solve.

The worker builds the whole park's candidate network once (per scenario, kept between
tasks) and, for each coalition, removes the facilities of the firms outside it
(`symopt.network.restrict`), builds and solves the model and evaluates its annual cost:
v(S). The row it returns has the sweep store's columns, so the sweep runners (inline,
local processes, Dask) and the resumable store are used as they are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from symopt.enums import SolveStatus
from symopt.model.build import build_model
from symopt.model.objective import Objective
from symopt.model.solution import read_decisions
from symopt.network.candidates import CandidateNetwork, build_network
from symopt.network.restrict import restrict_network
from symopt.results.tables import totals
from symopt.solver.highs import compile_standard_form, solve_standard_form
from symopt.studies.tasks import VariantOutcome, VariantTask, error_outcome, result_fields

#: The whole network of each scenario this worker has seen (by the scenario's hash).
_NETWORKS: dict[str, CandidateNetwork] = {}


@dataclass(frozen=True)
class CoalitionTask(VariantTask):
    """A variant task that names the coalition's facilities and its base scenario's hash."""

    base: str = ""
    facilities: tuple[str, ...] = ()


def _network(task: CoalitionTask) -> CandidateNetwork:
    network = _NETWORKS.get(task.base)
    if network is None:
        _NETWORKS.clear()  # one scenario at a time
        network = _NETWORKS[task.base] = build_network(task.scenario)
    return network


def solve_coalition(task: VariantTask) -> VariantOutcome:
    """v(S): the optimal annual cost of the coalition's facilities on their own."""
    assert isinstance(task, CoalitionTask)
    started = time.perf_counter()
    try:
        network = restrict_network(_network(task), set(task.facilities))
        goal = Objective.of("cost")
        model = build_model(network, goal)
        run = solve_standard_form(compile_standard_form(model), task.options)
        cost = emissions = float("nan")
        if run.status.has_solution:
            cost, emissions = totals(network, read_decisions(network, model, run))
    except Exception as error:  # the coalition's failure, stored with it
        return error_outcome(task, error, time.perf_counter() - started)
    row = result_fields(
        task.key,
        status=run.status,
        objective=cost,
        total_cost=cost,
        total_emissions=emissions,
        mip_gap=run.mip_gap,
        solve_seconds=run.solve_seconds,
        seconds=time.perf_counter() - started,
        path="restricted",
    )
    if run.status is SolveStatus.ERROR:
        row["error"] = f"no solution: the solver ended with {run.highs_status}"
    return VariantOutcome(task.key, row)
