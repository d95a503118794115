"""Pyomo model -> HiGHS -> solution vector, with HiGHS statuses mapped to `SolveStatus`.

The hand-over uses Pyomo's standard-form compiler and one `passModel` call: measured the
fastest route from Pyomo to HiGHS (see `../shared/notes/pyomo-highs.md` and
`benchmarks/`), and it gives HiGHS the declaration order of the columns, so runs are
reproducible.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from symopt.enums import SolveStatus
from symopt.errors import SolverError
from symopt.model.solution import SolverRun, ValueReader
from symopt.solver.progress import ProgressMonitor, interruptible

INF = highspy.kHighsInf

#: HiGHS model status -> symopt status, where the answer does not depend on a solution.
_STATUS_OF_HIGHS: dict[highspy.HighsModelStatus, SolveStatus] = {
    highspy.HighsModelStatus.kOptimal: SolveStatus.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: SolveStatus.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE,
}
#: Statuses where a limit stopped HiGHS: feasible if it holds a solution, else error.
_LIMIT_STATUSES = frozenset(
    {
        highspy.HighsModelStatus.kTimeLimit,
        highspy.HighsModelStatus.kIterationLimit,
        highspy.HighsModelStatus.kSolutionLimit,
        highspy.HighsModelStatus.kInterrupt,
        highspy.HighsModelStatus.kHighsInterrupt,  # type: ignore[attr-defined]
        highspy.HighsModelStatus.kObjectiveBound,
        highspy.HighsModelStatus.kObjectiveTarget,
        highspy.HighsModelStatus.kMemoryLimit,
    }
)


def map_highs_status(status: highspy.HighsModelStatus, has_solution: bool) -> SolveStatus:
    """Our status for a HiGHS model status (and whether HiGHS holds a feasible solution)."""
    if status in _STATUS_OF_HIGHS:
        return _STATUS_OF_HIGHS[status]
    if status in _LIMIT_STATUSES:
        return SolveStatus.FEASIBLE if has_solution else SolveStatus.ERROR
    return SolveStatus.ERROR


@dataclass(frozen=True)
class SolverOptions:
    """What the solver is told. `None` leaves HiGHS's own default."""

    mip_gap: float | None = 1e-4
    time_limit: float | None = None
    threads: int | None = None
    random_seed: int | None = None
    highs_options: Mapping[str, Any] = field(default_factory=dict)
    log: bool = False
    primal_start: bool = False
    """Hand HiGHS a rounded LP-relaxation plan before branch and bound (`solver.start`)."""

    def highs_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = {"output_flag": self.log, "log_to_console": self.log}
        if self.mip_gap is not None:
            settings["mip_rel_gap"] = float(self.mip_gap)
        if self.time_limit is not None:
            settings["time_limit"] = float(self.time_limit)
        if self.threads is not None:
            settings["threads"] = int(self.threads)
        if self.random_seed is not None:
            settings["random_seed"] = int(self.random_seed)
        settings.update(self.highs_options)
        return settings


@dataclass(frozen=True)
class StandardForm:
    """The model as one sparse matrix: min c x + offset, row_lower <= A x <= row_upper."""

    cost: np.ndarray
    offset: float
    matrix: Any  # scipy.sparse.csc_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    columns: list[Any]  # Pyomo VarData, in column order

    @property
    def num_cols(self) -> int:
        return len(self.columns)


def column_reader(form: StandardForm, solution: np.ndarray) -> ValueReader:
    """Read variable values from a solution vector in `form.columns` order."""
    position = {id(var): index for index, var in enumerate(form.columns)}

    def read(component: Any) -> np.ndarray:
        if not solution.size:
            return np.zeros(len(component))
        index = np.fromiter(
            (position.get(id(var), -1) for var in component.values()),
            dtype=np.int64,
            count=len(component),
        )
        # A column the compiler left out appears nowhere: it sits at its lower bound.
        fallback = np.array([var.lb or 0.0 for var in component.values()], dtype=float)
        return np.asarray(np.where(index >= 0, solution[np.maximum(index, 0)], fallback))

    return read


def compile_standard_form(model: pyo.ConcreteModel) -> StandardForm:
    """Pyomo model -> sparse matrix form (rows in mixed form: =, <= or >=)."""
    with PauseGC():
        info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=pyo.minimize)
    rhs = np.asarray(info.rhs, dtype=float)
    sense = np.fromiter((row.bound_type for row in info.rows), dtype=int, count=len(info.rows))
    row_lower = np.where(sense == 1, -INF, rhs)  # 1: <=, -1: >=, 0: ==
    row_upper = np.where(sense == -1, INF, rhs)
    columns = list(info.columns)
    col_lower = np.array([-INF if v.lb is None else v.lb for v in columns], dtype=float)
    col_upper = np.array([INF if v.ub is None else v.ub for v in columns], dtype=float)
    integer = np.array([v.is_integer() for v in columns], dtype=bool)
    cost = info.c.toarray()[0] if info.c.shape[0] else np.zeros(len(columns))
    offset = float(info.c_offset[0]) if len(info.c_offset) else 0.0
    return StandardForm(
        cost=np.asarray(cost, dtype=float),
        offset=offset,
        matrix=info.A,
        row_lower=row_lower,
        row_upper=row_upper,
        col_lower=col_lower,
        col_upper=col_upper,
        integer=integer,
        columns=columns,
    )


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the banner HiGHS prints (from C++) the first time it is created."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (some notebooks, test capture)
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


_threads_in_use: list[int | None] = [None]


def use_threads(threads: int | None) -> None:
    """HiGHS fixes its thread pool at the first run in a process; reset it on a change."""
    if threads is not None and threads != _threads_in_use[0]:
        highspy.Highs.resetGlobalScheduler(True)
        _threads_in_use[0] = threads


def new_highs(options: SolverOptions) -> highspy.Highs:
    use_threads(options.threads)
    with _quiet_stdout():
        highs = highspy.Highs()
    apply_options(highs, options)
    return highs


def apply_options(highs: highspy.Highs, options: SolverOptions) -> None:
    """Set every option (again: a previous run may have switched presolve off)."""
    use_threads(options.threads)
    settings = {"presolve": "choose", **options.highs_settings()}
    limit = settings.pop("time_limit", None)
    for name, value in settings.items():
        if highs.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            raise SolverError(
                f"HiGHS refused the option {name}={value!r}; check its name and value"
            )
    set_time_limit(highs, limit)


def set_time_limit(highs: highspy.Highs, seconds: float | None) -> None:
    """Let the next run of `highs` take at most `seconds` (None: no limit).

    HiGHS compares `time_limit` with its run clock, which adds up every run of the same
    `Highs` object (a re-solve, the LPs of a primal start): the limit for the next run is
    that clock plus `seconds`.
    """
    limit = INF if seconds is None else highs.getRunTime() + max(float(seconds), 0.0)
    highs.setOptionValue("time_limit", limit)


def pass_model(highs: highspy.Highs, form: StandardForm) -> None:
    """Hand the matrix to HiGHS in one call."""
    lp = highspy.HighsLp()
    lp.num_col_ = form.num_cols
    lp.num_row_ = len(form.row_lower)
    lp.col_cost_ = form.cost
    lp.offset_ = form.offset
    lp.col_lower_ = form.col_lower
    lp.col_upper_ = form.col_upper
    lp.row_lower_ = form.row_lower
    lp.row_upper_ = form.row_upper
    matrix = form.matrix
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(matrix.indptr, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(matrix.indices, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(matrix.data, dtype=float)
    if form.integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in form.integer
        ]
    status = highs.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model (passModel returned an error)")


def run_highs(
    highs: highspy.Highs, is_mip: bool, monitor: ProgressMonitor | None = None
) -> tuple[SolverRun, np.ndarray]:
    """Run HiGHS on the model it holds and read back status, objective and solution.

    With `monitor`: progress reports from HiGHS's callbacks, and Ctrl-C stops the solve
    keeping the best solution found (see `symopt.solver.progress`).
    """
    started = time.perf_counter()
    if monitor is not None:
        monitor.attach(highs)
    try:
        with interruptible(monitor) if monitor is not None else contextlib.nullcontext():
            highs.run()
            status = highs.getModelStatus()
            if status == highspy.HighsModelStatus.kUnboundedOrInfeasible:
                # Presolve could not tell which; without presolve HiGHS can.
                highs.setOptionValue("presolve", "off")
                highs.run()
                status = highs.getModelStatus()
    finally:
        if monitor is not None:
            monitor.detach(highs)
    seconds = time.perf_counter() - started
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    mapped = map_highs_status(status, has_solution)
    solution = (
        np.asarray(highs.getSolution().col_value, dtype=float)
        if mapped.has_solution
        else np.empty(0)
    )
    objective = float(info.objective_function_value) if mapped.has_solution else math.nan
    if not mapped.has_solution:
        gap = math.nan
    elif is_mip:
        gap = max(float(info.mip_gap), 0.0) if math.isfinite(info.mip_gap) else math.inf
    else:
        gap = 0.0
    if is_mip and (mapped.has_solution or status in _LIMIT_STATUSES):
        # A MIP stopped by a limit has a proven bound even before it has any plan.
        bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else math.nan
    else:
        bound = objective
    run = SolverRun(
        status=mapped,
        highs_status=highs.modelStatusToString(status),
        objective=objective,
        mip_gap=gap,
        solve_seconds=seconds,
        handover_seconds=0.0,
        best_bound=bound,
    )
    return run, solution


def solve_standard_form(
    form: StandardForm, options: SolverOptions, monitor: ProgressMonitor | None = None
) -> SolverRun:
    """Solve a compiled model; an empty model is trivially optimal."""
    if form.num_cols == 0:
        return SolverRun(SolveStatus.OPTIMAL, "Empty", form.offset, 0.0, 0.0, 0.0)
    started = time.perf_counter()
    highs = new_highs(options)
    pass_model(highs, form)
    handover = time.perf_counter() - started
    run, solution = run_highs(highs, is_mip=bool(form.integer.any()), monitor=monitor)
    return dataclasses.replace(
        run, handover_seconds=handover, read_values=column_reader(form, solution)
    )
