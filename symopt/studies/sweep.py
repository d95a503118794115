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

import multiprocessing
import os
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from symopt.enums import SolveStatus
from symopt.errors import SymoptError
from symopt.results.files import render_result
from symopt.results.tables import Result
from symopt.scenario.schema import Scenario
from symopt.solver.highs import SolverOptions
from symopt.solver.session import Resolver
from symopt.studies.store import RESULT_COLUMNS, Store, parameter_column, parameter_types
from symopt.studies.sweep_spec import (
    SweepPlan,
    SweepSpec,
    Variant,
    expand_variants,
    load_sweep,
    plan_sweep,
)

__all__ = ["SweepRun", "VariantOutcome", "VariantTask", "run_sweep", "solve_variant", "sweep"]

#: Stop when this many variants in a row each kill their worker: the workers cannot run.
MAX_LOST_IN_A_ROW = 5
_DYING_WORKERS = (
    f"{MAX_LOST_IN_A_ROW} variants in a row killed their worker process; the workers cannot "
    "run (from a Python script, put the sweep under `if __name__ == '__main__':`; or try "
    "--workers 1 to solve in this process)"
)
#: Write the store at least this often (rows, seconds) while a sweep runs.
BATCH_ROWS = 50
BATCH_SECONDS = 10.0


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
        links = result.links
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


# ---- collecting results -------------------------------------------------------------


@dataclass
class _Sink:
    """Collects outcomes into store batches and drives the progress bar."""

    store: Store
    values: dict[str, dict[str, Any]]
    kinds: dict[str, pa.DataType]
    progress: Progress | None = None
    task_id: TaskID | None = None
    total: int = 0
    done: int = 0
    failed: int = 0
    lost: list[str] = field(default_factory=list)
    batch: list[dict[str, Any]] = field(default_factory=list)
    last_flush: float = field(default_factory=time.monotonic)

    def finish(self, outcome: VariantOutcome) -> None:
        row = {**outcome.row, **self.values[outcome.key]}
        if outcome.files is not None:
            self.store.write_details(outcome.key, outcome.files)
        self.batch.append(row)
        self.done += 1
        if row.get("status") == SolveStatus.ERROR.value:
            self.failed += 1
        if len(self.batch) >= BATCH_ROWS or time.monotonic() - self.last_flush > BATCH_SECONDS:
            self.flush()
        self._show()

    def lose(self, task: VariantTask) -> None:
        self.lost.append(task.key)
        self._show()

    def flush(self) -> None:
        self.store.append(self.batch, self.kinds)
        self.batch = []
        self.last_flush = time.monotonic()

    def _show(self) -> None:
        if self.progress is None or self.task_id is None:
            return
        remaining = self.total - self.done - len(self.lost)
        self.progress.update(
            self.task_id,
            completed=self.done + len(self.lost),
            ok=self.done - self.failed,
            failed=self.failed + len(self.lost),
            remaining=remaining,
        )


# ---- runners ------------------------------------------------------------------------


def _run_inline(tasks: Sequence[VariantTask], function: TaskFunction, sink: _Sink) -> None:
    for task in tasks:
        sink.finish(function(task))


def _ignore_interrupt() -> None:
    """Worker initialiser: Ctrl-C is the main process's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:  # forked from a clean server: no inherited solver threads
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["symopt.studies.sweep"])
        return context
    return multiprocessing.get_context("spawn")


def _run_pool(
    tasks: Sequence[VariantTask], function: TaskFunction, workers: int, sink: _Sink
) -> None:
    """Local worker processes; a pool broken by a dying worker is replaced.

    The variants in hand when a worker died are retried one at a time: the one that
    dies alone is left out (not stored), the others are solved as usual.
    """
    pending = deque(tasks)
    suspects: deque[VariantTask] = deque()
    lost_before = len(sink.lost)  # losses since the last variant that finished
    window = 2 * workers
    while pending or suspects:
        executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=_pool_context(), initializer=_ignore_interrupt
        )
        in_flight: dict[Future[VariantOutcome], tuple[VariantTask, bool]] = {}
        broken = False
        try:
            while (pending or suspects or in_flight) and not broken:
                if suspects:
                    if not in_flight:
                        task = suspects.popleft()
                        in_flight[executor.submit(function, task)] = (task, True)
                else:
                    while pending and len(in_flight) < window:
                        task = pending.popleft()
                        in_flight[executor.submit(function, task)] = (task, False)
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    task, alone = in_flight.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken = True
                        if alone:
                            sink.lose(task)
                            if len(sink.lost) - lost_before >= MAX_LOST_IN_A_ROW:
                                raise SymoptError(_DYING_WORKERS) from None
                        else:
                            suspects.append(task)
                        continue
                    except Exception as error:  # e.g. a task that cannot be sent
                        outcome = error_outcome(task, error)
                    sink.finish(outcome)
                    lost_before = len(sink.lost)
            suspects.extend(task for task, _ in in_flight.values())
        except BaseException:
            _stop_workers(executor)
            raise
        finally:
            executor.shutdown(wait=not broken, cancel_futures=True)


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    """End the pool's processes now (on Ctrl-C a long solve should not hold the exit)."""
    processes: dict[int, Any] = getattr(executor, "_processes", None) or {}
    for process in list(processes.values()):
        if process.is_alive():
            process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)


def _run_dask(
    tasks: Sequence[VariantTask], function: TaskFunction, scheduler: Any, sink: _Sink
) -> None:
    """The same variant function on a Dask distributed cluster (address or `Client`)."""
    try:
        from distributed import Client, as_completed
        from distributed.scheduler import KilledWorker
    except ImportError:
        raise SymoptError(
            "--scheduler needs dask.distributed; install it with: pip install 'symopt[cluster]'"
        ) from None
    own_client = isinstance(scheduler, str)
    try:
        client = Client(scheduler, timeout="20s", set_as_default=False) if own_client else scheduler
    except (OSError, TimeoutError) as error:
        raise SymoptError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    futures: dict[Any, VariantTask] = {}
    try:
        for task in tasks:
            futures[client.submit(function, task, pure=False)] = task
        for future in as_completed(list(futures), loop=client.loop):
            task = futures.pop(future)
            try:
                outcome = future.result()
            except KilledWorker:
                sink.lose(task)
                continue
            except Exception as error:
                outcome = error_outcome(task, error)
            sink.finish(outcome)
    finally:
        if futures:
            client.cancel(list(futures))
        if own_client:
            client.close()


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
) -> SweepRun:
    """Solve the variants not yet stored; see `sweep`. `function` solves one variant."""
    plan = _plan(spec_or_path)
    out_dir = Path(out) if out is not None else plan.out_dir
    store = Store(out_dir)
    variants = expand_variants(plan)
    stored = store.read()
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
    sink = _Sink(store, {v.key: v.values for v in variants}, kinds, total=len(tasks))
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
    sink: _Sink,
) -> None:
    if not tasks:
        return
    if scheduler is not None:
        _run_dask(tasks, function, scheduler, sink)
        return
    if workers == 1:
        _run_inline(tasks, function, sink)
    else:
        _run_pool(tasks, function, min(workers or os.cpu_count() or 1, len(tasks)), sink)


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
