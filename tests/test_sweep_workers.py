"""Worker processes and Dask: the same store as solving in order; crashes lose only their variant."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from symopt.studies.store import Store
from symopt.studies.sweep import run_sweep
from symopt.studies.tasks import VariantOutcome, VariantTask, solve_variant

EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios" / "examples"
#: Columns that depend on where and when a variant ran, not on what it is.
RUN_COLUMNS = ["seconds", "solve_seconds", "path", "worker", "finished"]

SPEC = f"""
base: {EXAMPLES / "heat_greenhouse.yaml"}
solver: {{mip_gap: 0}}
parameters:
  - {{path: economics.carbon_price, values: [0, 70, 150, 300]}}
  - path: transport.heat_pipe.capex_per_km
    values: [1000000, 2000000, 2600000]
"""
KILLER = (150.0, 2000000.0)
RAISER = (300.0, 1000000.0)


def crashing_variant(task: VariantTask) -> VariantOutcome:
    """Test hook: one variant kills its worker process, one raises, the rest solve."""
    values = (
        task.scenario.economics.carbon_price,
        task.scenario.transport["heat_pipe"].capex_per_km,
    )
    if values == KILLER:
        os._exit(7)
    if values == RAISER:
        raise RuntimeError("this variant fails on purpose")
    return solve_variant(task)


def write_spec(folder: Path) -> Path:
    path = folder / "sweep.yaml"
    path.write_text(textwrap.dedent(SPEC), encoding="utf-8")
    return path


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=RUN_COLUMNS).sort_values("variant").reset_index(drop=True)


def key_of(frame: pd.DataFrame, values: tuple[float, float]) -> str:
    rows = frame[
        (frame["economics.carbon_price"] == values[0])
        & (frame["transport.heat_pipe.capex_per_km"] == values[1])
    ]
    assert len(rows) == 1
    return str(rows["variant"].iloc[0])


def test_killed_worker_and_raising_variant_leave_the_rest_stored(tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    out = tmp_path / "out"
    first = run_sweep(spec, workers=2, out=out, function=crashing_variant)
    assert first.variants == 12
    assert len(first.lost) == 1
    assert len(first.frame) == 11  # every variant but the one whose worker died
    raised = first.frame[first.frame["status"] == "error"]
    assert len(raised) == 1
    assert raised["error"].iloc[0] == "RuntimeError: this variant fails on purpose"
    assert (first.frame.drop(raised.index)["status"] == "optimal").all()
    stored = Store(out).read()
    assert len(stored) == 11
    assert first.lost[0] not in set(stored["variant"])

    rerun = run_sweep(spec, workers=2, out=out)  # only the missing one is solved
    assert (rerun.solved, rerun.skipped, rerun.lost) == (1, 11, ())
    assert len(rerun.frame) == 12
    assert key_of(rerun.frame, KILLER) == first.lost[0]
    assert rerun.frame.set_index("variant").loc[first.lost[0], "status"] == "optimal"

    retry = run_sweep(spec, workers=1, out=out, retry_failed=True)  # and the failed one
    assert (retry.solved, retry.skipped) == (1, 11)
    assert (retry.frame["status"] == "optimal").all()
    assert len(Store(out).read()) == 12


@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::UserWarning")
def test_dask_cluster_gives_the_same_store_as_the_local_pool(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    spec = write_spec(tmp_path)
    local = run_sweep(spec, workers=2, out=tmp_path / "local")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask = run_sweep(spec, scheduler=cluster.scheduler_address, out=tmp_path / "dask")
    assert on_dask.solved == local.solved == 12
    a, b = comparable(local.frame), comparable(on_dask.frame)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-6)
    pd.testing.assert_frame_equal(
        comparable(Store(tmp_path / "local").read()),
        comparable(Store(tmp_path / "dask").read()),
        check_exact=False,
        rtol=1e-9,
        atol=1e-6,
    )
