"""One coalition of `symopt share` as a sweep variant: the task and the worker's solve.

The worker builds the whole park's candidate network once (per scenario, kept between
tasks) and, for each coalition, removes the facilities of the firms outside it
(`symopt.network.restrict`), builds and solves the model and evaluates its annual cost:
v(S). The row it returns has the sweep store's columns, so the sweep runners (inline,
local processes, Dask) and the resumable store are used as they are.

Warm start (`CoalitionTask.warm_start`): a coalition S starts from a plan known to be
feasible where the worker has one, the union of the plans of S \\ {i} and {i} solved
earlier in the same worker (the cheapest such split), else the union of every member's
plan on its own. Each firm's facilities, links and placements keep their decisions; the
links between the parts are not built. The parts' rows are all rows of S's model (a
restriction only removes facilities), so the union is feasible unless the parts compete
for a shared limit (a plot's area); HiGHS then drops the start. The start is handed to
HiGHS as the integer decisions (it solves the flows for them), and never changes v(S).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from symopt.enums import SolveStatus
from symopt.model.build import build_model
from symopt.model.objective import Objective
from symopt.model.solution import SolverRun, read_decisions
from symopt.network.candidates import CandidateNetwork, build_network
from symopt.network.restrict import Kept, kept_rows, restrict_network
from symopt.results.tables import totals
from symopt.solver.highs import StandardForm, compile_standard_form
from symopt.solver.start import WarmStart, integer_start, solve_form
from symopt.studies.tasks import VariantOutcome, VariantTask, error_outcome, result_fields

#: The whole network of each scenario this worker has seen (by the scenario's hash).
_NETWORKS: dict[str, CandidateNetwork] = {}

#: A plan's integer decisions in the whole network's rows: (variable, row) -> value.
Decisions = dict[tuple[str, int], float]
#: The integer variables of the model and the table whose rows index them.
_INTEGER_VARIABLES = {"y": "links", "b": "facilities", "p": "placements"}
#: Per worker: each coalition solved here (by its facilities) -> (objective, decisions).
_PLANS: dict[frozenset[str], tuple[float, Decisions]] = {}
#: At most this many plans are kept per worker (a sampled game with many firms solves
#: many coalitions); past it the oldest plan of several firms goes (firms alone stay).
PLAN_LIMIT = 5000


@dataclass(frozen=True)
class CoalitionTask(VariantTask):
    """A variant task that names the coalition's facilities and its base scenario's hash."""

    base: str = ""
    facilities: tuple[str, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    """The facilities of each firm in the coalition (for the warm start's splits)."""
    warm_start: bool = True


def _network(task: CoalitionTask) -> CandidateNetwork:
    network = _NETWORKS.get(task.base)
    if network is None:
        _NETWORKS.clear()  # one scenario at a time
        _PLANS.clear()
        _SINGLE.clear()
        network = _NETWORKS[task.base] = build_network(task.scenario)
    return network


def union_start(
    groups: tuple[tuple[str, ...], ...], plans: dict[frozenset[str], tuple[float, Decisions]]
) -> Decisions | None:
    """The decisions of the cheapest known split of the coalition made of `groups` (one
    group of facilities per firm): S \\ {i} and {i} both in `plans`, else every {i}.
    None if neither is known. A decision in no part (a link between parts) is absent."""
    sets = [frozenset(group) for group in groups]
    whole = frozenset().union(*sets)
    best: tuple[float, list[Decisions]] | None = None
    if len(sets) > 1:
        for firm in sets:
            rest, alone = plans.get(whole - firm), plans.get(firm)
            if rest is not None and alone is not None:
                cost = rest[0] + alone[0]
                if best is None or cost < best[0]:
                    best = (cost, [rest[1], alone[1]])
    if best is None and all(firm in plans for firm in sets):
        best = (0.0, [plans[firm][1] for firm in sets])
    if best is None:
        return None
    union: Decisions = {}
    for part in best[1]:
        union.update(part)
    return union


_SINGLE: set[frozenset[str]] = set()


def keep_plan(key: frozenset[str], objective: float, decisions: Decisions, single: bool) -> None:
    """Remember a coalition's plan (`PLAN_LIMIT`); `single`: the plan of one firm alone."""
    if single:
        _SINGLE.add(key)
    elif len(_PLANS) >= PLAN_LIMIT:
        oldest = next((known for known in _PLANS if known not in _SINGLE), None)
        if oldest is None:
            return
        del _PLANS[oldest]
    _PLANS[key] = (objective, decisions)


def _rows(kept: Kept) -> dict[str, np.ndarray]:
    """Variable -> whole-network row of each of the restricted network's rows."""
    return {
        name: np.flatnonzero(getattr(kept, table)) for name, table in _INTEGER_VARIABLES.items()
    }


def as_start(
    decisions: Decisions, form: StandardForm, rows: dict[str, np.ndarray]
) -> WarmStart | None:
    """`decisions` (whole-network rows) as a start for `form` (a restricted model whose
    row i of each table is `rows[table][i]`); a decision not given is 0 (not built)."""
    local = {}
    for position in np.flatnonzero(form.integer).tolist():
        var = form.columns[position]
        name = var.parent_component().local_name
        if name not in rows:
            return None  # an integer variable this start does not know
        index = int(var.index())
        local[(name, var.index())] = decisions.get((name, int(rows[name][index])), 0.0)
    return integer_start(local, form)


def plan_decisions(
    model: pyo.ConcreteModel, run: SolverRun, rows: dict[str, np.ndarray]
) -> Decisions:
    """The integer decisions of a solved restricted model, in whole-network rows."""
    decisions: Decisions = {}
    for name in _INTEGER_VARIABLES:
        component = getattr(model, name)
        values = run.read_values(component)
        for index, value in zip(component.keys(), values.tolist(), strict=True):
            decisions[(name, int(rows[name][int(index)]))] = float(round(value))
    return decisions


def solve_coalition(task: VariantTask) -> VariantOutcome:
    """v(S): the optimal annual cost of the coalition's facilities on their own."""
    assert isinstance(task, CoalitionTask)
    started = time.perf_counter()
    try:
        whole = _network(task)
        facilities = set(task.facilities)
        network = restrict_network(whole, facilities)
        goal = Objective.of("cost")
        model = build_model(network, goal)
        form = compile_standard_form(model)
        rows = _rows(kept_rows(whole, facilities))
        warm = None
        if task.warm_start and task.groups:
            decisions = union_start(task.groups, _PLANS)
            warm = None if decisions is None else as_start(decisions, form, rows)
        run = solve_form(form, task.options, warm)
        cost = emissions = float("nan")
        if run.status.has_solution:
            cost, emissions = totals(network, read_decisions(network, model, run))
            if task.warm_start:
                keep_plan(
                    frozenset(facilities),
                    run.objective,
                    plan_decisions(model, run, rows),
                    len(task.groups) == 1,
                )
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
        path="restricted, warm start" if warm is not None else "restricted",
    )
    if run.status is SolveStatus.ERROR:
        row["error"] = f"no solution: the solver ended with {run.highs_status}"
    return VariantOutcome(task.key, row)
