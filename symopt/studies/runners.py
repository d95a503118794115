"""Where sweep variants run: in this process, on a pool of local worker processes, or on a
Dask cluster; each outcome goes to the `OutcomeSink`, which writes the store in batches."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from rich.progress import (
    Progress,
    TaskID,
)

from symopt.enums import SolveStatus
from symopt.errors import SymoptError
from symopt.studies.store import Store
from symopt.studies.tasks import TaskFunction, VariantOutcome, VariantTask, error_outcome

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


# ---- collecting results -------------------------------------------------------------


@dataclass
class OutcomeSink:
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


def run_inline(tasks: Sequence[VariantTask], function: TaskFunction, sink: OutcomeSink) -> None:
    for task in tasks:
        sink.finish(function(task))


def _ignore_interrupt() -> None:
    """Worker initialiser: Ctrl-C is the main process's to handle; and a worker ends with
    its parent (the fork server, which ends with the sweep), so that a sweep killed with
    `kill -9` leaves no worker solving for nobody."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # Linux; elsewhere nothing happens


_PR_SET_PDEATHSIG = 1


def _pool_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:  # forked from a clean server: no inherited solver threads
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["symopt.studies.tasks"])
        return context
    return multiprocessing.get_context("spawn")


def run_pool(
    tasks: Sequence[VariantTask], function: TaskFunction, workers: int, sink: OutcomeSink
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


def run_dask(
    tasks: Sequence[VariantTask], function: TaskFunction, scheduler: Any, sink: OutcomeSink
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
