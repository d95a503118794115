"""One variant of a sweep, as a worker solves it: the task, the outcome row, and the
worker's `Resolver` kept between variants (a re-solve when the structure allows)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from symopt.enums import SolveStatus
from symopt.results.files import render_result
from symopt.results.tables import Result
from symopt.scenario.schema import Scenario
from symopt.solver.highs import SolverOptions
from symopt.solver.session import Resolver

__all__ = ["TaskFunction", "VariantOutcome", "VariantTask", "error_outcome", "solve_variant"]


@dataclass(frozen=True)
class VariantTask:
    """What a worker needs to solve one variant."""

    key: str
    scenario: Scenario
    objective: Any
    options: SolverOptions
    details: bool = False


@dataclass(frozen=True)
class VariantOutcome:
    """A worker's answer: the store row (without parameters) and, on request, result files."""

    key: str
    row: dict[str, Any]
    files: dict[str, str] | None = None


TaskFunction = Callable[[VariantTask], VariantOutcome]

_worker_state = threading.local()


def worker_resolver(options: SolverOptions) -> Resolver:
    """This worker's (thread's) `Resolver` for `options`, kept between variants."""
    cache: dict[str, Resolver] | None = getattr(_worker_state, "resolvers", None)
    if cache is None:
        cache = _worker_state.resolvers = {}
    key = repr(options)
    if key not in cache:
        cache[key] = Resolver(options=options)
    return cache[key]


def _forget_resolver(options: SolverOptions) -> None:
    cache: dict[str, Resolver] = getattr(_worker_state, "resolvers", {})
    cache.pop(repr(options), None)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def error_outcome(task: VariantTask, error: BaseException, seconds: float = 0.0) -> VariantOutcome:
    row = {
        "variant": task.key,
        "status": SolveStatus.ERROR.value,
        "seconds": seconds,
        "error": f"{type(error).__name__}: {error}",
        "worker": _worker_name(),
        "finished": _now(),
    }
    return VariantOutcome(task.key, row)


def _solve(task: VariantTask, resolver: Resolver) -> Result:
    # HiGHS's thread count per process is handled by symopt.solver.highs.use_threads.
    return resolver.solve(task.scenario, objective=task.objective)


def solve_variant(task: VariantTask) -> VariantOutcome:
    """Solve one variant with this worker's `Resolver`; errors become an error row."""
    started = time.perf_counter()
    resolver = worker_resolver(task.options)
    rebuilds = resolver.rebuilds
    try:
        result = _solve(task, resolver)
        files = render_result(result) if task.details else None
    except Exception as error:  # any failure is the variant's, stored with it
        _forget_resolver(task.options)  # its model may be half-updated
        return error_outcome(task, error, time.perf_counter() - started)
    path = "rebuild" if resolver.rebuilds > rebuilds else "resolve"
    row = result_row(result, path, time.perf_counter() - started)
    row["variant"] = task.key
    return VariantOutcome(task.key, row, files)


def result_fields(key: str, status: SolveStatus, **values: Any) -> dict[str, Any]:
    """A store row from plain values (for tasks that do not make a `Result`)."""
    return {
        "variant": key,
        "status": status.value,
        **values,
        "worker": _worker_name(),
        "finished": _now(),
    }


def result_row(result: Result, path: str, seconds: float) -> dict[str, Any]:
    """The store columns of one result (see `symopt.studies.store.RESULT_COLUMNS`)."""
    summary = result.summary
    row: dict[str, Any] = {
        "status": summary.status.value,
        "objective": summary.objective,
        "total_cost": summary.total_cost,
        "total_emissions": summary.total_emissions,
        "cost_saving": summary.cost_saving,
        "emission_saving": summary.emission_saving,
        "mip_gap": summary.mip_gap,
        "solve_seconds": summary.solve_seconds,
        "seconds": seconds,
        "path": path,
        "worker": _worker_name(),
        "finished": _now(),
    }
    if result.status.has_solution:
        links = result.built_links
        row["built_links"] = len(links)
        row["links"] = "; ".join(
            f"{r.source}->{r.sink} ({r.mode})" for r in links.itertuples(index=False)
        )
        facilities = result.facilities
        chosen = facilities[facilities["built"] & facilities["optional"]]
        row["built_facilities"] = len(chosen)
        row["facilities"] = "; ".join(chosen["facility"].astype(str))
    elif result.status is SolveStatus.ERROR:
        row["error"] = f"no solution: the solver ended with {summary.solver_status}"
    return row
