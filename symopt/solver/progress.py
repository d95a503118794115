"""Progress of a running MIP solve from HiGHS's callbacks, and a clean stop on Ctrl-C.

HiGHS calls back often during a solve (`cbMipInterrupt` during the branch and bound,
`cbSimplexInterrupt` / `cbIpmInterrupt` in LPs). `ProgressMonitor` turns these calls
into at most one `SolveProgress` per `interval` seconds (elapsed time, incumbent, best
bound, gap) and, once `stop()` was called (by the SIGINT handler of `interruptible`),
asks HiGHS to stop: HiGHS then ends with status "interrupted" and keeps the best solution
it found, which symopt reports as `feasible` with its gap.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import highspy

#: Seconds between two progress reports (a live terminal line: a few updates a second).
DEFAULT_INTERVAL = 0.25
#: |values| at or above this are HiGHS's "no incumbent / no bound yet".
_NO_VALUE = 1e30


@dataclass(frozen=True)
class SolveProgress:
    """A snapshot of a running solve; NaN where HiGHS has no value yet."""

    elapsed_seconds: float
    incumbent: float
    """Objective of the best solution found so far."""
    bound: float
    """Best bound on the optimum (a lower bound when minimising)."""
    gap: float
    """Relative gap |incumbent - bound| / |incumbent| as HiGHS reports it (0.01 = 1 %)."""

    def describe(self) -> str:
        """`12.3 s  incumbent 1,234.5  bound 1,200.0  gap 2.79%` ('-' where unknown)."""
        incumbent = "-" if math.isnan(self.incumbent) else f"{self.incumbent:,.6g}"
        bound = "-" if math.isnan(self.bound) else f"{self.bound:,.6g}"
        gap = "-" if math.isnan(self.gap) else f"{self.gap:.2%}"
        return f"{self.elapsed_seconds:.1f} s  incumbent {incumbent}  bound {bound}  gap {gap}"


class _Event(Protocol):
    """What a HiGHS callback passes (`highspy.highs.HighsCallbackEvent`)."""

    @property
    def data_out(self) -> Any: ...

    def interrupt(self, interrupt_value: bool = True) -> None: ...


def _value(number: float) -> float:
    number = float(number)
    return math.nan if not math.isfinite(number) or abs(number) >= _NO_VALUE else number


class ProgressMonitor:
    """Throttled progress reports and a stop flag, fed by HiGHS callback events."""

    def __init__(
        self,
        report: Callable[[SolveProgress], None] | None = None,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.report = report
        self.interval = interval
        self.clock = clock
        self.stop_requested = False
        self.reports = 0
        self.latest: SolveProgress | None = None
        self._last_report = -math.inf

    def stop(self) -> None:
        """Ask HiGHS to stop at its next callback (keeping the best solution found)."""
        self.stop_requested = True

    def on_mip(self, event: _Event) -> None:
        """`cbMipInterrupt`: record the state, report if due, interrupt if asked to."""
        data = event.data_out
        self.latest = SolveProgress(
            elapsed_seconds=float(data.running_time),
            incumbent=_value(data.mip_primal_bound),
            bound=_value(data.mip_dual_bound),
            gap=_value(data.mip_gap),
        )
        now = self.clock()
        if self.report is not None and now - self._last_report >= self.interval:
            self._last_report = now
            self.reports += 1
            self.report(self.latest)
        if self.stop_requested:
            event.interrupt()

    def on_lp(self, event: _Event) -> None:
        """`cbSimplexInterrupt` / `cbIpmInterrupt`: only the stop request."""
        if self.stop_requested:
            event.interrupt()

    def attach(self, highs: highspy.Highs) -> None:
        highs.cbMipInterrupt.subscribe(self.on_mip)
        highs.cbSimplexInterrupt.subscribe(self.on_lp)
        highs.cbIpmInterrupt.subscribe(self.on_lp)

    def detach(self, highs: highspy.Highs) -> None:
        highs.cbMipInterrupt.unsubscribe(self.on_mip)
        highs.cbSimplexInterrupt.unsubscribe(self.on_lp)
        highs.cbIpmInterrupt.unsubscribe(self.on_lp)


@contextlib.contextmanager
def interruptible(monitor: ProgressMonitor) -> Iterator[None]:
    """While inside: SIGINT (Ctrl-C) asks the solve to stop instead of raising at once.

    Only in the main thread (where Python runs signal handlers); elsewhere a no-op. The
    handler runs when HiGHS next calls back into Python, sets the stop flag, and the same
    callback interrupts HiGHS. The previous handler is restored afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        monitor.stop()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
