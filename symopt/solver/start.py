"""Starting plans for branch and bound: a primal start heuristic and warm starts.

A start is only ever a *start*: it is handed to HiGHS with `setSolution` as a first
incumbent, and HiGHS keeps it only if it is feasible; the optimum HiGHS proves is the
same with or without it. Two sources:

- the primal start (`SolverOptions.primal_start`): solve the LP relaxation, round the
  integer columns (build, placement and link decisions y, b, p) at the thresholds
  `THRESHOLDS`, fix them and solve the LP of the rest; the cheapest feasible rounding
  is the start. The last threshold builds anything the relaxation uses at all, which
  keeps every `x <= M y` row of symopt's fixed-charge models satisfiable, so a plan
  exists within seconds whenever the balances can be met; each plan is then trimmed
  (`close_unused`: a costly decision the rest of the plan does not need is undone) and
  its LP solved again; the LP relaxation value is also a proven lower bound. If the
  relaxation does not finish in its time, "everything open", trimmed, is the start;
- a warm start: the plan of a previous solve (a sweep's previous variant, a previous
  coalition) where the columns mean the same.

HiGHS 1.16 can answer a started solve inconsistently (the start's values with a better
objective); such an answer is not trusted and the model is solved again without the
start (`_checked`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from symopt.enums import SolveStatus
from symopt.model.solution import SolverRun
from symopt.solver.highs import (
    _LIMIT_STATUSES,
    SolverOptions,
    StandardForm,
    column_reader,
    new_highs,
    pass_model,
    run_highs,
    set_time_limit,
)
from symopt.solver.progress import ProgressMonitor

#: An LP value within this of an integer counts as that integer.
ROUNDING_TOLERANCE = 1e-6
#: Rounding thresholds tried in turn (fractional part >= threshold: up); the last rounds
#: up anything used at all, which keeps every `x <= M y` row satisfiable.
THRESHOLDS = (0.5, 0.1, 2 * ROUNDING_TOLERANCE)
#: The largest share of `time_limit` the primal start may take.
START_SHARE = 0.5
#: The largest share of the start's time the LP relaxation may take (the rest: the LPs
#: of the roundings, or of "everything open" when the relaxation did not finish).
RELAXATION_SHARE = 0.8
_FEASIBLE = 2  # HiGHS kSolutionStatusFeasible


@dataclass(frozen=True)
class WarmStart:
    """Values for some or all columns (in the model's column order) to start from."""

    columns: np.ndarray
    """int32 column positions."""
    values: np.ndarray

    @classmethod
    def full(cls, solution: np.ndarray) -> WarmStart:
        return cls(np.arange(len(solution), dtype=np.int32), np.asarray(solution, dtype=float))


@dataclass(frozen=True)
class PrimalStart:
    """A plan found before branch and bound, and the LP bound found on the way."""

    solution: np.ndarray | None
    """All columns, in the model's order; None when rounding gave no feasible plan."""
    objective: float
    lp_bound: float
    """Optimum of the LP relaxation: no plan is cheaper (NaN if not solved)."""
    seconds: float


def _solve_lp(highs: highspy.Highs) -> tuple[bool, float, np.ndarray]:
    highs.run()
    ok = (
        highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
        and highs.getInfo().primal_solution_status == _FEASIBLE
    )
    if not ok:
        return False, math.nan, np.empty(0)
    values = np.asarray(highs.getSolution().col_value, dtype=float)
    return True, float(highs.getInfo().objective_function_value), values


def lp_rounding_start(
    lp: highspy.HighsLp, integer: np.ndarray, options: SolverOptions
) -> PrimalStart:
    """Relax, round the integer columns (`THRESHOLDS`), fix them, re-solve (module text).

    Each rounding's plan is then trimmed (`close_unused`) and its LP solved again. If the
    relaxation does not finish within `RELAXATION_SHARE` of the start's time, the one
    rounding is "everything open" (each integer column at its finite upper bound),
    trimmed the same way: a plan whenever the balances can be met, without an LP bound.
    """
    started = time.perf_counter()
    # The start may use at most half of a time budget: branch and bound needs the rest.
    share = None if options.time_limit is None else START_SHARE * options.time_limit
    settings = dataclasses.replace(
        options,
        mip_gap=None,
        log=False,
        primal_start=False,
        time_limit=None if share is None else RELAXATION_SHARE * share,
    )
    highs = new_highs(settings)
    highs.passModel(lp)
    columns = np.flatnonzero(integer).astype(np.int32)
    continuous = np.full(len(columns), highspy.HighsVarType.kContinuous)
    highs.changeColsIntegrality(len(columns), columns, continuous)
    relaxed, bound, values = _solve_lp(highs)
    lower = np.asarray(lp.col_lower_, dtype=float)[columns]
    upper = np.asarray(lp.col_upper_, dtype=float)[columns]
    if relaxed:
        roundings = [_rounded(values[columns], t, lower, upper) for t in THRESHOLDS]
    else:
        bound = math.nan
        roundings = [np.where(np.isfinite(upper), upper, lower)]  # everything open
    rows = _Rows.of(lp)
    best: tuple[float, np.ndarray] | None = None
    tried: list[np.ndarray] = []
    for rounded in roundings:
        if any(np.array_equal(rounded, other) for other in tried):
            continue
        tried.append(rounded)
        for _ in range(2):  # the rounding, then the rounding without what it left unused
            if share is not None:
                remaining = share - (time.perf_counter() - started)
                if remaining <= 0:
                    break
                set_time_limit(highs, remaining)
            highs.changeColsBounds(len(columns), columns, rounded, rounded)
            fixed, objective, plan = _solve_lp(highs)
            if not fixed:
                break
            plan[columns] = rounded  # exact integers
            if best is None or objective < best[0]:
                best = (objective, plan)
            trimmed = close_unused(rows, plan, columns, lower)
            if np.array_equal(trimmed, rounded):
                break
            rounded = trimmed
    seconds = time.perf_counter() - started
    if best is None or (share is not None and seconds > share):
        return PrimalStart(None, math.nan, bound, seconds)  # none, or over its time share
    return PrimalStart(best[1], best[0], bound, seconds)


@dataclass(frozen=True)
class _Rows:
    """The constraint matrix (columns) and row bounds of an LP, for `close_unused`."""

    matrix: sp.csc_array
    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray

    @classmethod
    def of(cls, lp: highspy.HighsLp) -> _Rows:
        a = lp.a_matrix_
        parts = (
            np.asarray(a.value_, dtype=float),
            np.asarray(a.index_, dtype=np.int64),
            np.asarray(a.start_, dtype=np.int64),
        )
        shape = (lp.num_row_, lp.num_col_)
        if a.format_ == highspy.MatrixFormat.kColwise:
            matrix = sp.csc_array(parts, shape=shape)
        else:
            matrix = sp.csr_array(parts, shape=shape).tocsc()
        return cls(
            matrix,
            np.asarray(lp.row_lower_, dtype=float),
            np.asarray(lp.row_upper_, dtype=float),
            np.asarray(lp.col_cost_, dtype=float),
        )


def close_unused(
    rows: _Rows, plan: np.ndarray, columns: np.ndarray, lower: np.ndarray
) -> np.ndarray:
    """The integer values of `plan` (at `columns`) with every costly decision that the
    rest of the plan does not need set to its lower bound.

    Most expensive first, column j goes down from v_j to l_j if every row r it enters
    stays within its bounds: L_r <= (A plan)_r - A_rj (v_j - l_j) <= U_r (with the rows
    updated after each change). The plan stays feasible and costs less by c_j (v_j - l_j).
    """
    values = np.array(plan[columns], dtype=float)
    activity = np.asarray(rows.matrix @ plan, dtype=float)
    cost = rows.cost[columns]
    tolerance = 1e-7
    for position in np.argsort(-cost, kind="stable"):
        step = values[position] - lower[position]
        if cost[position] <= 0 or step <= 0:
            continue
        j = int(columns[position])
        entries = slice(rows.matrix.indptr[j], rows.matrix.indptr[j + 1])
        touched = rows.matrix.indices[entries]
        after = activity[touched] - rows.matrix.data[entries] * step
        scale = tolerance * np.maximum(1.0, np.abs(after))
        if np.all(after >= rows.lower[touched] - scale) and np.all(
            after <= rows.upper[touched] + scale
        ):
            activity[touched] = after
            values[position] = lower[position]
    return values


def _rounded(
    values: np.ndarray, threshold: float, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """Up where the fractional part reaches `threshold`, else down; within the bounds."""
    down = np.floor(values + ROUNDING_TOLERANCE)
    rounded = np.where(values - down >= threshold, down + 1.0, down)
    return np.asarray(np.minimum(np.maximum(rounded, lower), upper), dtype=float)


def run_started(
    highs: highspy.Highs,
    integer: np.ndarray,
    options: SolverOptions,
    warm: WarmStart | None = None,
    on_start: Callable[[PrimalStart], None] | None = None,
    monitor: ProgressMonitor | None = None,
) -> tuple[SolverRun, np.ndarray]:
    """`run_highs` with a start: `warm` if given, else the primal start if switched on.

    A partial `warm` (some columns only) is completed by HiGHS itself (it fixes the
    given integer values and solves for the rest); an infeasible one is ignored.
    `on_start` sees the primal start once it is computed (benchmarks time it).

    The time spent on the start counts against `options.time_limit`. If HiGHS stops at a
    limit without a plan of its own, the start is the answer (status feasible); the LP
    bound of the primal start tightens the reported bound where HiGHS proved less.
    """
    is_mip = bool(integer.any())
    start: PrimalStart | None = None
    if is_mip and warm is not None and len(warm.columns):
        highs.setSolution(len(warm.columns), warm.columns, warm.values)
        return _checked(highs, run_highs(highs, is_mip, monitor), options, monitor)
    if is_mip and options.primal_start:
        start = lp_rounding_start(highs.getLp(), integer, options)
        if on_start is not None:
            on_start(start)
    if start is None:
        return run_highs(highs, is_mip, monitor)
    if start.solution is not None:
        everything = np.arange(len(start.solution), dtype=np.int32)
        highs.setSolution(len(start.solution), everything, start.solution)
    if options.time_limit is not None:
        set_time_limit(highs, options.time_limit - start.seconds)
    run, solution = run_highs(highs, is_mip, monitor)
    if start.solution is not None:
        run, solution = _checked(highs, (run, solution), options, monitor, start.seconds)
    if start.solution is None:
        return _with_start(run, start), solution
    stopped_early = run.status is SolveStatus.ERROR or (
        run.status is SolveStatus.FEASIBLE and run.objective > start.objective
    )
    if stopped_early and math.isfinite(start.objective) and _at_limit(highs):
        # A limit stopped HiGHS before it took the start in: the start is the best plan.
        run = dataclasses.replace(run, status=SolveStatus.FEASIBLE, objective=start.objective)
        solution = start.solution
    return _with_start(run, start), solution


#: Relative difference between HiGHS's objective and c x + offset of its solution above
#: which the two disagree (`_checked`).
CONSISTENCY_TOLERANCE = 1e-6


def _checked(
    highs: highspy.Highs,
    outcome: tuple[SolverRun, np.ndarray],
    options: SolverOptions,
    monitor: ProgressMonitor | None,
    spent: float = 0.0,
) -> tuple[SolverRun, np.ndarray]:
    """The run of a started solve, or the same model solved again without the start when
    HiGHS's answer disagrees with itself.

    HiGHS 1.16 can return the start's values as its solution with the objective of a
    different, better plan, status optimal (seen on a sharing coalition whose presolved
    model was empty: "MIP start solution is feasible in the reduced space: objective
    value is 0", the start costing 12,237.95 and the optimum 0). A plan whose cost
    c x + offset is not the objective reported is not trusted: `clearSolver` drops the
    start and HiGHS solves again, with what is left of the time limit.
    """
    run, solution = outcome
    if not run.status.has_solution or not solution.size:
        return outcome
    lp = highs.getLp()
    value = float(np.dot(np.asarray(lp.col_cost_, dtype=float), solution)) + float(lp.offset_)
    if math.isclose(value, run.objective, rel_tol=CONSISTENCY_TOLERANCE, abs_tol=1e-6):
        return outcome
    highs.clearSolver()
    if options.time_limit is not None:
        set_time_limit(highs, options.time_limit - spent - run.solve_seconds)
    again, solution = run_highs(highs, True, monitor)  # a start is only given to a MIP
    return dataclasses.replace(
        again, solve_seconds=again.solve_seconds + run.solve_seconds
    ), solution


def _at_limit(highs: highspy.Highs) -> bool:
    return highs.getModelStatus() in _LIMIT_STATUSES


def _with_start(run: SolverRun, start: PrimalStart | None) -> SolverRun:
    """Add the start's time; use its LP bound where HiGHS proved none better."""
    if start is None:
        return run
    bound = run.best_bound
    if math.isfinite(start.lp_bound) and not (math.isfinite(bound) and bound >= start.lp_bound):
        bound = start.lp_bound
    gap = run.mip_gap
    if run.status is SolveStatus.FEASIBLE and math.isfinite(bound) and math.isfinite(run.objective):
        gap = min(gap, max(run.objective - bound, 0.0) / max(abs(run.objective), 1e-10))
    return dataclasses.replace(
        run,
        solve_seconds=run.solve_seconds + start.seconds,
        best_bound=bound,
        mip_gap=gap,
    )


def _column_keys(form: StandardForm, positions: np.ndarray) -> list[tuple[str, object]]:
    return [
        (form.columns[i].parent_component().local_name, form.columns[i].index())
        for i in positions.tolist()
    ]


def integer_plan(form: StandardForm, plan: np.ndarray) -> dict[tuple[str, object], float] | None:
    """The integer decisions of `plan` (a solution of `form`) by variable name and index;
    read it while `form`'s model is alive (its columns refer to it)."""
    if len(plan) != form.num_cols:
        return None
    positions = np.flatnonzero(form.integer)
    return dict(zip(_column_keys(form, positions), plan[positions].tolist(), strict=True))


def integer_start(
    decisions: dict[tuple[str, object], float], current: StandardForm
) -> WarmStart | None:
    """Integer `decisions` of a previous plan (`integer_plan`) as a partial start for
    `current`, matched by variable and index. HiGHS completes it (fixes them, solves
    for the rest) or drops it if infeasible. None unless every integer column matches."""
    positions = np.flatnonzero(current.integer)
    keys = _column_keys(current, positions)
    if not keys or any(key not in decisions for key in keys):
        return None
    values = np.array([round(decisions[key]) for key in keys], dtype=float)
    return WarmStart(positions.astype(np.int32), values)


def solve_form(
    form: StandardForm,
    options: SolverOptions,
    warm: WarmStart | None = None,
    monitor: ProgressMonitor | None = None,
) -> SolverRun:
    """`highs.solve_standard_form` with a start (see `run_started`)."""
    if form.num_cols == 0:
        return SolverRun(SolveStatus.OPTIMAL, "Empty", form.offset, 0.0, 0.0, 0.0)
    started = time.perf_counter()
    highs = new_highs(options)
    pass_model(highs, form)
    handover = time.perf_counter() - started
    run, solution = run_started(highs, form.integer, options, warm, monitor=monitor)
    return dataclasses.replace(
        run, handover_seconds=handover, read_values=column_reader(form, solution)
    )
