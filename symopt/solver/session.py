"""Build once, re-solve many: the fast path for sweeps and Pareto fronts.

A `Resolver` keeps a Pyomo model with mutable Params inside Pyomo's persistent HiGHS
interface. For each variant it builds the candidate network (cheap); if the network has
the same structure (the same index sets), it only updates the Params and HiGHS is told
the changed coefficients in place; otherwise it rebuilds the model.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from symopt.enums import SolveStatus
from symopt.model.build import build_model
from symopt.model.cost_vector import ColumnMap, cost_vector, same_constraints
from symopt.model.data import update_parameters
from symopt.model.objective import Objective
from symopt.model.solution import SolverRun
from symopt.network.candidates import LINK_KEY, CandidateNetwork, build_network
from symopt.results.tables import Result, extract_result
from symopt.results.units import annotate
from symopt.scenario.schema import Scenario
from symopt.solver.bounded_network import network_for
from symopt.solver.highs import (
    SolverOptions,
    StandardForm,
    _quiet_stdout,
    apply_options,
    column_reader,
    compile_standard_form,
    new_highs,
    pass_model,
    solve_standard_form,
    use_threads,
)
from symopt.solver.start import WarmStart, integer_plan, integer_start, run_started

#: A hook run on every freshly built model, before it is solved (e.g. an emissions cap).
ModelHook = Callable[[pyo.ConcreteModel], None]

_TERMINATION: dict[TerminationCondition, SolveStatus] = {
    TerminationCondition.convergenceCriteriaSatisfied: SolveStatus.OPTIMAL,
    TerminationCondition.provenInfeasible: SolveStatus.INFEASIBLE,
    TerminationCondition.locallyInfeasible: SolveStatus.INFEASIBLE,
    TerminationCondition.infeasibleOrUnbounded: SolveStatus.INFEASIBLE,
    TerminationCondition.unbounded: SolveStatus.UNBOUNDED,
}
_LIMITS = frozenset(
    {
        TerminationCondition.maxTimeLimit,
        TerminationCondition.iterationLimit,
        TerminationCondition.objectiveLimit,
        TerminationCondition.interrupted,
    }
)


def map_persistent_status(
    termination: TerminationCondition, solution: SolutionStatus
) -> SolveStatus:
    """Our status for a result of Pyomo's persistent HiGHS interface."""
    if termination in _TERMINATION:
        return _TERMINATION[termination]
    has_solution = solution in (SolutionStatus.feasible, SolutionStatus.optimal)
    if termination in _LIMITS:
        return SolveStatus.FEASIBLE if has_solution else SolveStatus.ERROR
    return SolveStatus.ERROR


def same_structure(a: CandidateNetwork, b: CandidateNetwork) -> bool:
    """Whether two networks give models with the same variables and constraints."""
    keys = [*LINK_KEY, "built"]
    if len(a.links) != len(b.links) or not a.links[keys].equals(b.links[keys]):
        return False
    for column in ("facility_index", "driver"):
        if not (
            a.supplies[column].equals(b.supplies[column])
            and a.demands[column].equals(b.demands[column])
        ):
            return False
    if not a.demands["has_alternative"].equals(b.demands["has_alternative"]):
        return False
    flags = ["optional", "sized", "process"]
    if not a.facilities[flags].equals(b.facilities[flags]):
        return False
    if not a.placements[["facility_index", "choice"]].equals(
        b.placements[["facility_index", "choice"]]
    ):
        return False
    patterns = [
        (a.capacity, b.capacity),
        (a.supply_max, b.supply_max),
        (a.demand_max, b.demand_max),
        (a.activity_max, b.activity_max),
        (a.min_activity, b.min_activity),
    ]
    if any(x.shape != y.shape or not np.array_equal(x > 0, y > 0) for x, y in patterns):
        return False
    if not a.demands["backup"].equals(b.demands["backup"]):
        return False
    keys = ["demand", "attribute"]
    if not a.alternative_terms[keys].equals(b.alternative_terms[keys]):
        return False
    terms = ["demand", "attribute", "link"]
    return bool(a.quality_terms[terms].equals(b.quality_terms[terms]))


def _persistent_reader(component: Any) -> np.ndarray:
    return np.fromiter(
        (var.value if var.value is not None else 0.0 for var in component.values()),
        dtype=float,
        count=len(component),
    )


@dataclass
class Resolver:
    """Solve a sequence of scenario variants, reusing the model where the structure allows.

    Without a `hook`, the Resolver holds the same HiGHS model `symopt.solve` builds; a
    variant that changes only costs, emission factors, the carbon price or the objective
    weights gets a new cost vector in place (one `changeColsCost` call), anything else
    that keeps the structure is rebuilt. With a `hook` (run on each newly built model, to
    add constraints or Params), the model has mutable Params inside Pyomo's persistent
    HiGHS interface, and any structure-preserving variant updates them in place.
    `rebuilds` and `resolves` count which path each solve took.
    """

    options: SolverOptions = field(default_factory=SolverOptions)
    hook: ModelHook | None = None
    rebuilds: int = 0
    resolves: int = 0
    _network: CandidateNetwork | None = field(default=None, repr=False)
    _model: pyo.ConcreteModel | None = field(default=None, repr=False)
    _solver: Any = field(default=None, repr=False)
    _form: StandardForm | None = field(default=None, repr=False)
    _columns: ColumnMap | None = field(default=None, repr=False)
    warm_start: bool = False
    """Start each re-solve from the previous plan where it applies (`symopt.solver.start`).
    Off by default: on the medium carbon-price sweep HiGHS 1.16 is slower with the start
    (about 0.5x; `benchmarks/results.md`, hard instances): with a plan within 0.1 % from
    the first second, it stops separating cuts at the root early and restarts the root
    several times (reduced-cost fixing), where without one its root sub-MIP finds the
    optimum and closes the gap at once. Not the `setSolution` call, nor noise."""
    warm_starts: int = 0
    _plan: np.ndarray | None = field(default=None, repr=False)

    @property
    def model(self) -> pyo.ConcreteModel | None:
        return self._model

    def solve(self, scenario: Scenario, objective: Any = None) -> Result:
        """Solve `scenario` (a variant of the previous ones, or anything else)."""
        goal = Objective.of(scenario.objective if objective is None else objective)
        timings: dict[str, float] = {}
        started = time.perf_counter()
        weights = (goal.cost_weight, goal.emissions_weight)
        # A plan found without the hook's constraints (caps) bounds nothing under them.
        network = (
            network_for(scenario, goal, self.options)
            if self.hook is None
            else build_network(scenario, weights)
        )
        timings["network"] = time.perf_counter() - started
        if self.hook is None:
            return annotate(
                self._solve_in_place(network, goal, scenario.currency, timings), scenario
            )
        started = time.perf_counter()
        if (
            self._model is None
            or self._network is None
            or not same_structure(self._network, network)
        ):
            self._rebuild(network, goal)
            timings["build"] = time.perf_counter() - started
        else:
            update_parameters(self._model, network, goal)
            self._network = network
            self.resolves += 1
            timings["update"] = time.perf_counter() - started
        run = self._run()
        timings["solve"] = run.solve_seconds
        started = time.perf_counter()
        assert self._model is not None
        result = extract_result(network, self._model, run, goal, scenario.currency, timings)
        timings["results"] = time.perf_counter() - started
        return annotate(result, scenario)

    def _solve_in_place(
        self, network: CandidateNetwork, goal: Objective, currency: str, timings: dict[str, float]
    ) -> Result:
        started = time.perf_counter()
        previous = self._network
        if (
            self._solver is not None
            and self._columns is not None
            and previous is not None
            and same_structure(previous, network)
            and same_constraints(previous, network)
        ):
            cost, offset = cost_vector(network, goal, self._columns)
            columns = np.arange(len(cost), dtype=np.int32)
            self._solver.changeColsCost(len(cost), columns, cost)
            self._solver.changeObjectiveOffset(offset)
            self.resolves += 1
            warm = self._plan_start(None, in_place=True)
            timings["update"] = time.perf_counter() - started
        else:
            same = previous is not None and same_structure(previous, network)
            decisions = self._decisions() if same else None
            self._model = build_model(network, goal)
            self._form = compile_standard_form(self._model)
            self._columns = ColumnMap.of(self._form.columns)
            self._solver = new_highs(self.options)
            if self._form.num_cols:
                pass_model(self._solver, self._form)
            self.rebuilds += 1
            warm = self._plan_start(decisions, in_place=False)
            timings["build"] = time.perf_counter() - started
        self._network = network
        assert self._model is not None
        assert self._form is not None
        form = self._form
        if form.num_cols == 0:
            run = solve_standard_form(form, self.options)
        else:
            apply_options(self._solver, self.options)
            self.warm_starts += warm is not None
            run, solution = run_started(self._solver, form.integer, self.options, warm)
            self._plan = solution if run.status.has_solution else None
            run = dataclasses.replace(run, read_values=column_reader(form, solution))
        timings["solve"] = run.solve_seconds
        started = time.perf_counter()
        result = extract_result(network, self._model, run, goal, currency, timings)
        timings["results"] = time.perf_counter() - started
        return result

    def _decisions(self) -> dict[tuple[str, object], float] | None:
        """The previous plan's integer decisions, read before its model is replaced."""
        if not self.warm_start or self._plan is None or self._form is None:
            return None
        return integer_plan(self._form, self._plan)

    def _plan_start(
        self, decisions: dict[tuple[str, object], float] | None, *, in_place: bool
    ) -> WarmStart | None:
        """The previous plan as a start: all of it when only costs changed (`in_place`),
        else its integer `decisions` mapped onto the rebuilt model's columns (same
        structure); none after a change of structure."""
        plan, self._plan = self._plan, None
        if not self.warm_start or plan is None or self._form is None:
            return None
        if in_place:
            return WarmStart.full(plan) if len(plan) == self._form.num_cols else None
        return None if decisions is None else integer_start(decisions, self._form)

    def _rebuild(self, network: CandidateNetwork, goal: Objective) -> None:
        model = build_model(network, goal, mutable=True)
        if self.hook is not None:
            self.hook(model)
        with _quiet_stdout():
            solver = Highs()
        solver.config.auto_updates.check_for_new_or_removed_constraints = False
        solver.config.auto_updates.check_for_new_or_removed_vars = False
        solver.config.auto_updates.check_for_new_or_removed_params = False
        solver.config.auto_updates.update_constraints = False
        solver.config.auto_updates.update_vars = False
        solver.config.auto_updates.update_named_expressions = False
        solver.set_instance(model)
        self._model, self._network, self._solver = model, network, solver
        self.rebuilds += 1

    def _time_limit(self) -> float | None:
        """`options.time_limit` on the clock of every run of the persistent HiGHS
        (`symopt.solver.highs.set_time_limit`): each re-solve gets the whole limit."""
        highs = getattr(self._solver, "_solver_model", None)
        if self.options.time_limit is None or highs is None:
            return self.options.time_limit
        return float(highs.getRunTime()) + self.options.time_limit

    def _run(self) -> SolverRun:
        options = self.options
        settings = options.highs_settings()
        settings.pop("output_flag", None)
        settings.pop("log_to_console", None)
        for name in ("mip_rel_gap", "time_limit", "threads"):
            settings.pop(name, None)
        started = time.perf_counter()
        use_threads(options.threads)
        quiet = contextlib.nullcontext() if options.log else _quiet_stdout()
        with quiet:
            results = self._solver.solve(
                self._model,
                load_solutions=False,
                raise_exception_on_nonoptimal_result=False,
                tee=options.log,
                rel_gap=options.mip_gap,
                time_limit=self._time_limit(),
                threads=options.threads,
                solver_options=settings,
            )
        seconds = time.perf_counter() - started
        status = map_persistent_status(results.termination_condition, results.solution_status)
        if status.has_solution:
            results.solution_loader.load_vars()
        gap = bound = np.nan
        if status.has_solution:
            incumbent, bound = results.incumbent_objective, results.objective_bound
            if incumbent is not None and bound is not None and np.isfinite(bound):
                gap = abs(incumbent - bound) / max(abs(incumbent), 1e-10)
            else:
                gap, bound = 0.0, incumbent
        return SolverRun(
            status=status,
            highs_status=str(results.termination_condition.name),
            objective=float(results.incumbent_objective or np.nan),
            mip_gap=float(gap),
            solve_seconds=seconds,
            handover_seconds=0.0,
            read_values=_persistent_reader if status.has_solution else SolverRun.read_values,
            best_bound=float(bound) if bound is not None else np.nan,
        )
