"""Run a sweep: every variant solved once, on local worker processes or a Dask cluster.

Each worker process keeps one `Resolver` (per solver options), so a variant with the
same model structure as the worker's previous one is a re-solve of the built model
(mutable Params, persistent HiGHS) rather than a rebuild. Finished variants go to the
Parquet store in batches; a rerun skips the variants already stored. A variant that
raises or ends without a solution is stored with its error; a worker process that dies
is replaced and the variants it had in hand are retried one at a time, so that only the
one that kills its worker is left out (and a rerun tries it again).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from symopt.enums import SolveStatus
from symopt.studies.runners import OutcomeSink, run_dask, run_inline, run_pool
from symopt.studies.store import RESULT_COLUMNS, Store, parameter_column, parameter_types
from symopt.studies.sweep_spec import (
    SweepPlan,
    SweepSpec,
    Variant,
    load_sweep,
    plan_sweep,
)
from symopt.studies.tasks import TaskFunction, VariantTask, solve_variant
from symopt.studies.variants import expand_variants
from symopt.text import printable

__all__ = ["SweepRun", "run_sweep", "sweep"]

# ---- the public entry points --------------------------------------------------------


@dataclass(frozen=True)
class SweepRun:
    """What `run_sweep` did: the table, and counts of this run."""

    frame: pd.DataFrame
    out_dir: Path
    variants: int
    skipped: int
    solved: int
    failed: int
    lost: tuple[str, ...]


def _plan(spec_or_path: SweepPlan | SweepSpec | str | Path) -> SweepPlan:
    if isinstance(spec_or_path, SweepPlan):
        return spec_or_path
    if isinstance(spec_or_path, SweepSpec):
        return plan_sweep(spec_or_path)
    return load_sweep(spec_or_path)


def run_sweep(
    spec_or_path: SweepPlan | SweepSpec | str | Path,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    out: str | Path | None = None,
    details: bool = False,
    retry_failed: bool = False,
    progress: bool | Console = False,
    function: TaskFunction = solve_variant,
    notify: Callable[[str], None] | None = None,
) -> SweepRun:
    """Solve the variants not yet stored; see `sweep`. `function` solves one variant;
    `notify` receives notices (a lock taken over, damaged store files set aside)."""
    plan = _plan(spec_or_path)
    out_dir = Path(out) if out is not None else plan.out_dir
    store = Store(out_dir)
    with store.lock(notify or _warn):  # one run per store; see symopt.studies.store_lock
        return _run_locked(
            plan, store, details, retry_failed, progress, function, workers, scheduler, notify
        )


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


def _run_locked(
    plan: SweepPlan,
    store: Store,
    details: bool,
    retry_failed: bool,
    progress: bool | Console,
    function: TaskFunction,
    workers: int | None,
    scheduler: Any,
    notify: Callable[[str], None] | None,
) -> SweepRun:
    out_dir = store.folder
    variants = expand_variants(plan)
    stored = store.read()
    # damaged files (and batches a killed run left half written) out of the way
    for file, moved in store.set_aside_damaged().items():
        (notify or _warn)(
            f"store file {printable(file)} cannot be read ({printable(store.damaged[file])}); "
            f"moved to {printable(moved)}; its variants are solved again"
        )
    done_keys = set(stored["variant"])
    if retry_failed:
        done_keys -= set(stored.loc[stored["status"] == SolveStatus.ERROR.value, "variant"])
    todo: dict[str, Variant] = {}
    for variant in variants:
        if variant.key not in done_keys:
            todo.setdefault(variant.key, variant)
    tasks = [
        VariantTask(v.key, v.scenario, plan.spec.objective, plan.options, details)
        for v in todo.values()
    ]
    kinds = parameter_types(
        {name: [v.values[name] for v in variants] for name in plan.parameter_names}
    )
    sink = OutcomeSink(store, {v.key: v.values for v in variants}, kinds, total=len(tasks))
    bar = _progress_bar(progress) if tasks else None
    with bar if bar is not None else _Nothing():
        if bar is not None:
            sink.progress = bar
            sink.task_id = bar.add_task(
                "sweep", total=len(tasks), ok=0, failed=0, remaining=len(tasks)
            )
        try:
            _execute(tasks, function, workers, scheduler, sink)
        finally:
            sink.flush()
    frame = sweep_table(plan, variants, store)
    return SweepRun(
        frame,
        out_dir,
        variants=len(variants),
        skipped=len(variants) - sum(1 for v in variants if v.key in todo),
        solved=sink.done,
        failed=sink.failed,
        lost=tuple(sink.lost),
    )


def _execute(
    tasks: Sequence[VariantTask],
    function: TaskFunction,
    workers: int | None,
    scheduler: Any,
    sink: OutcomeSink,
) -> None:
    if not tasks:
        return
    if scheduler is not None:
        run_dask(tasks, function, scheduler, sink)
        return
    if workers == 1:
        run_inline(tasks, function, sink)
    else:
        run_pool(tasks, function, min(workers or os.cpu_count() or 1, len(tasks)), sink)


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def _progress_bar(progress: bool | Console) -> Progress | None:
    if progress is False:
        return None
    console = progress if isinstance(progress, Console) else Console(stderr=True)
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("done {task.fields[ok]}  failed {task.fields[failed]}"),
        TextColumn("remaining {task.fields[remaining]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )


def sweep_table(plan: SweepPlan, variants: Iterable[Variant], store: Store) -> pd.DataFrame:
    """One row per variant of `plan` that is in the store, in the sweep's order."""
    stored = store.read()
    names = plan.parameter_names
    wanted = pd.DataFrame(
        [{"variant": v.key, **{parameter_column(n): v.values[n] for n in names}} for v in variants],
        index=pd.Index([v.index for v in variants], name="index"),
    )
    if wanted.empty:
        return wanted
    results = stored[[c for c in RESULT_COLUMNS if c in stored.columns]]
    frame = wanted.reset_index().merge(results, on="variant", how="inner").set_index("index")
    frame.attrs["missing"] = int(len(wanted) - len(frame))
    return frame


def sweep(
    spec_or_path: SweepPlan | SweepSpec | str | Path,
    workers: int | None = None,
    scheduler: Any = None,
    out: str | Path | None = None,
    *,
    details: bool = False,
    retry_failed: bool = False,
    progress: bool = False,
) -> pd.DataFrame:
    """Solve every variant of a sweep file (or `SweepSpec`) and return one row per variant.

    `workers` local processes (default: the number of cores; 1 runs in this process), or
    the Dask cluster at `scheduler` (an address such as 'tcp://host:8786', or a
    `distributed.Client`). Rows go to the Parquet store in `out` (default: the sweep's
    `output`, else `results/<sweep file stem>/`); variants already stored are not solved
    again. `details` also writes each variant's result files to `out/details/<variant>/`.
    """
    run = run_sweep(
        spec_or_path,
        workers=workers,
        scheduler=scheduler,
        out=out,
        details=details,
        retry_failed=retry_failed,
        progress=progress,
    )
    return run.frame
