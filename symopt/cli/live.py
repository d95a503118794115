"""A solve with a live terminal line (elapsed time, incumbent, bound, gap) and Ctrl-C."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from rich.console import Console

from symopt.results.tables import Result
from symopt.solver.highs import SolverOptions
from symopt.solver.progress import ProgressMonitor

__all__ = ["solve_live"]


def solve_live(
    scenario: Any,
    file: Path,
    *,
    objective: Any,
    options: SolverOptions,
    console: Console,
    quiet: bool,
) -> tuple[Result, bool]:
    """Solve, showing progress on `console` unless `quiet`; True if Ctrl-C stopped it."""
    from symopt.solver.pipeline import solve

    status = None if quiet else console.status(f"solving {file} ...", spinner="dots")
    with status if status is not None else contextlib.nullcontext():

        def show(progress: Any) -> None:
            if status is not None:
                status.update(f"solving {file.name}: {progress.describe()}  (Ctrl-C: stop)")

        monitor = ProgressMonitor(show)
        result = solve(scenario, objective=objective, options=options, monitor=monitor)
    return result, monitor.stop_requested
