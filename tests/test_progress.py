"""Progress from HiGHS callbacks: throttled reports; Ctrl-C keeps the best solution found."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.orlib import CapInstance, to_scenario, to_yaml
from symopt.solver.progress import ProgressMonitor, SolveProgress

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class FakeData:
    running_time: float
    mip_primal_bound: float
    mip_dual_bound: float
    mip_gap: float


@dataclass
class FakeEvent:
    data_out: FakeData
    interrupted: list[bool] = field(default_factory=list)

    def interrupt(self, interrupt_value: bool = True) -> None:
        self.interrupted.append(interrupt_value)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_reports_are_throttled_and_carry_the_latest_state() -> None:
    """Callbacks every 10 ms for 2 s at an interval of 0.25 s: a report at 0, 0.25, ...,
    1.75 s (8 reports, the first at once), each with that moment's numbers."""
    clock = FakeClock()
    reports: list[SolveProgress] = []
    monitor = ProgressMonitor(reports.append, interval=0.25, clock=clock)
    for step in range(200):
        clock.now = step * 0.01
        incumbent = 1000.0 - step  # improves with every call
        bound = 800.0
        monitor.on_mip(
            FakeEvent(FakeData(clock.now, incumbent, bound, (incumbent - bound) / incumbent))
        )
    assert len(reports) == 8
    assert [round(r.elapsed_seconds, 2) for r in reports] == [0.25 * k for k in range(8)]
    third = reports[2]  # at 0.5 s: step 50
    assert third.incumbent == 950.0
    assert third.bound == 800.0
    assert third.gap == pytest.approx(150.0 / 950.0)
    assert monitor.latest is not None
    assert monitor.latest.incumbent == 801.0


def test_no_incumbent_yet_is_shown_as_unknown() -> None:
    """HiGHS reports +-inf (or 1e30 and up) before it has an incumbent or a bound."""
    reports: list[SolveProgress] = []
    monitor = ProgressMonitor(reports.append, interval=0.0, clock=FakeClock())
    monitor.on_mip(FakeEvent(FakeData(0.5, math.inf, -math.inf, math.inf)))
    monitor.on_mip(FakeEvent(FakeData(0.6, 1e30, 12.5, 1e31)))
    assert math.isnan(reports[0].incumbent)
    assert math.isnan(reports[0].bound)
    assert math.isnan(reports[1].incumbent)
    assert reports[1].bound == 12.5
    assert reports[0].describe() == "0.5 s  incumbent -  bound -  gap -"
    assert reports[1].describe() == "0.6 s  incumbent -  bound 12.5  gap -"


def test_stop_interrupts_at_the_next_callback_only() -> None:
    monitor = ProgressMonitor(None, clock=FakeClock())
    before = FakeEvent(FakeData(1.0, 10.0, 5.0, 0.5))
    monitor.on_mip(before)
    monitor.on_lp(before)
    assert before.interrupted == []
    monitor.stop()
    mip, lp = FakeEvent(FakeData(2.0, 9.0, 5.0, 0.44)), FakeEvent(FakeData(2.0, 9.0, 5.0, 0.44))
    monitor.on_mip(mip)
    monitor.on_lp(lp)
    assert mip.interrupted == [True]
    assert lp.interrupted == [True]
    assert monitor.reports == 0  # no reporter: nothing reported


def hard_warehouse_location(m: int = 80, n: int = 160, seed: int = 2) -> str:
    """A random capacitated warehouse location instance (capacity 1.6x demand) that HiGHS
    needs about 30 s to prove optimal on one thread, finding a first solution within ~1 s."""
    rng = np.random.default_rng(seed)
    wx, wy, cx, cy = rng.random(m), rng.random(m), rng.random(n), rng.random(n)
    demand = rng.integers(5, 35, n).astype(float)
    capacity = rng.integers(40, 120, m).astype(float)
    capacity = np.round(capacity * 1.6 * demand.sum() / capacity.sum())
    fixed = rng.integers(300, 700, m).astype(float)
    distance = np.hypot(wx[None, :] - cx[:, None], wy[None, :] - cy[:, None])
    costs = tuple(
        tuple(round(100 * distance[j, i] * demand[j]) / 10 for i in range(m)) for j in range(n)
    )
    instance = CapInstance(
        "hard",
        tuple(capacity.tolist()),
        tuple(fixed.tolist()),
        tuple(demand.tolist()),
        costs,
    )
    return to_yaml(to_scenario(instance))


@pytest.mark.slow
def test_ctrl_c_keeps_the_best_solution_and_writes_complete_results(tmp_path: Path) -> None:
    scenario = tmp_path / "hard.yaml"
    scenario.write_text(hard_warehouse_location(), encoding="utf-8")
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "symopt",
            "solve",
            str(scenario),
            "--out",
            str(out),
            "--mip-gap",
            "0",
            "--threads",
            "1",
            "--log",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    # HiGHS's own log (--log) shows when the branch and bound has a solution: a MIP log
    # line whose BestSol column (6th) is a number. Interrupt then.
    in_table = False
    for line in process.stdout:
        parts = line.split()
        if parts[:2] == ["Src", "Proc."]:
            in_table = True
        elif in_table and len(parts) > 6 and parts[0].isalpha() and _number(parts[5]):
            break
    else:
        pytest.fail("the solve ended before it found a first solution")
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)  # a solve that ignores Ctrl-C times out
    assert process.returncode == 0, stderr  # as for `feasible`
    assert "interrupted (Ctrl-C)" in stderr
    assert "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "feasible"
    assert "nterrupt" in summary["solver_status"]
    assert 0 < summary["mip_gap"] < 1
    # complete: every file is there, and the plan is whole: each customer's demand is
    # met by its links (no alternative is bought at its prohibitive price)
    for name in ("flows.csv", "links.csv", "alternatives.csv", "disposals.csv", "facilities.csv"):
        assert (out / name).is_file()
    flows = pd.read_csv(out / "flows.csv")
    delivered = flows.groupby("sink")["delivered"].sum()
    assert len(delivered) == 160
    assert pd.read_csv(out / "alternatives.csv").empty
    facilities = pd.read_csv(out / "facilities.csv")
    opened = facilities[facilities["facility"].str.startswith("warehouse_") & facilities["built"]]
    assert set(flows["source"]) <= set(opened["facility"])


def _number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
