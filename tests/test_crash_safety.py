"""Crashes must never lose or mix results: each test kills real processes with SIGKILL.

- a process killed while writing a result folder leaves the complete previous set of
  files or the complete new one;
- a sweep killed at random moments, then rerun: every variant stored exactly once, with
  the values of an uninterrupted run; while it runs, a second sweep into the same store
  is refused naming the first one's PID, and once it is dead the store is taken over;
- a pool worker killed alone: its variants are retried, none lost or doubled;
- damaged store files: reported with their path, the rest readable, and the rerun
  solves exactly the variants that were lost;
- a Dask cluster (scheduler and two workers as processes) losing a worker mid-sweep.

Random moments come from a seeded generator, so a failure can be replayed.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import psutil
import pytest

import symopt
from symopt.results import folder_swap
from symopt.results.files import render_result, write_result
from symopt.results.folder_swap import MANIFEST, recover_folder
from symopt.studies import runners
from symopt.studies.store import Store
from symopt.studies.store_lock import StoreBusyError
from symopt.studies.sweep import run_sweep
from symopt.studies.tasks import VariantOutcome, VariantTask, solve_variant

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
EXAMPLES = ROOT / "scenarios" / "examples"
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
VARIANTS = 12
#: Sweeps killed before the rerun (each costs a process start, a few seconds).
KILLED_ROUNDS = 1
#: Seconds a test variant waits before solving, so that kills land mid-sweep.
SLOW_SECONDS = 0.25


def slow_variant(task: VariantTask) -> VariantOutcome:
    """Test hook (imported by worker processes): a variant that takes a little while."""
    time.sleep(SLOW_SECONDS)
    return solve_variant(task)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), str(TESTS), env.get("PYTHONPATH")])
    )
    env.pop("SYMOPT_DEBUG", None)
    return env


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in frame.columns if c not in RUN_COLUMNS]
    return frame[columns].sort_values("variant").reset_index(drop=True)


def assert_same_values(frame: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert frame["variant"].is_unique
    pd.testing.assert_frame_equal(
        comparable(frame),
        comparable(reference),
        check_exact=False,
        check_dtype=False,  # a parameter's 70 is 70.0 once stored
        rtol=1e-9,
        atol=1e-6,
    )


def stored_keys(out: Path) -> list[str]:
    """Every key in every store file, duplicates included (what a reader could double)."""
    import pyarrow.parquet as pq

    return [
        key
        for file in Store(out).files()
        for key in pq.read_table(file, columns=["variant"]).column(0).to_pylist()
    ]


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "sweep.yaml"
    path.write_text(textwrap.dedent(SPEC), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(spec_file: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The sweep run once, uninterrupted, in this process."""
    run = run_sweep(spec_file, workers=1, out=tmp_path_factory.mktemp("reference"))
    assert run.solved == VARIANTS
    return run.frame


def kill_tree(process: subprocess.Popen[str]) -> None:
    """SIGKILL a process started in its own session, and whatever it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)  # reaps it and closes its pipes


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


# --- a result folder written while the writer is killed ------------------------------


def _write_forever(first: symopt.Result, second: symopt.Result, folder: Path) -> None:
    while True:
        write_result(second, folder)
        write_result(first, folder)


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_killed_writer_leaves_the_old_or_the_new_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    """With the atomic exchange the folder is always whole; with two renames it may be
    missing for a moment, and `recover_folder` (run by the next write) makes it whole."""
    import multiprocessing

    if not exchange:
        monkeypatch.setattr(folder_swap, "_renameat2", None)

    first = symopt.solve(symopt.load_scenario(EXAMPLES / "oxygen_wastewater.yaml"))
    second = symopt.solve(symopt.load_scenario(EXAMPLES / "water_reuse.yaml"))
    sets = {"first": render_result(first), "second": render_result(second)}
    assert sets["first"].keys() == sets["second"].keys()
    folder = tmp_path / "out"
    write_result(first, folder)
    generator = random.Random(13)
    seen = set()
    for _ in range(12):
        writer = multiprocessing.get_context("fork").Process(
            target=_write_forever, args=(first, second, folder)
        )
        writer.start()
        time.sleep(generator.uniform(0.05, 0.4))
        os.kill(writer.pid or 0, signal.SIGKILL)  # no chance to clean up
        writer.join()
        if not exchange:
            recover_folder(folder)
        files = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}
        files.pop(MANIFEST, None)
        matches = [name for name, expected in sets.items() if files == expected]
        assert matches, f"a mix of files: {sorted(files)}"
        seen.add(matches[0])
        recover_folder(folder)  # what the next write does first: leftovers go
        assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert seen == {"first", "second"}  # the kills did land while writing


# --- a sweep killed, a second sweep refused, the rerun ---------------------------------

DRIVER = """
import json, sys
from symopt.studies import runners
from symopt.studies.sweep import run_sweep
from test_crash_safety import slow_variant
runners.BATCH_ROWS = 1  # a store file per variant: kills land between batches
run = run_sweep(sys.argv[1], workers=2, out=sys.argv[2], function=slow_variant)
print(json.dumps({"solved": run.solved, "lost": list(run.lost)}), flush=True)
"""


def lock_owner(out: Path) -> int | None:
    """The PID the store's lock file names, if any."""
    try:
        return int(json.loads((out / "store.lock").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def start_driver(spec: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(spec), str(out)],
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.mark.slow
def test_killed_sweep_is_resumed_and_a_second_sweep_refused(
    spec_file: Path, reference: pd.DataFrame, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    generator = random.Random(7)
    for round_ in range(KILLED_ROUNDS):
        driver = start_driver(spec_file, out)
        try:
            wait_for(lambda: lock_owner(out) == driver.pid, 60, "the lock")  # noqa: B023
            if round_ == 0:  # meanwhile a second sweep into the same store is refused
                with pytest.raises(StoreBusyError, match=f"PID {driver.pid} on host"):
                    run_sweep(spec_file, workers=1, out=out)
            before = len(Store(out).files())
            wait_for(lambda: len(Store(out).files()) > before, 60, "a variant")  # noqa: B023
            time.sleep(generator.uniform(0.0, 1.0))
            os.kill(driver.pid, signal.SIGKILL)  # the sweep itself, at a random moment
            driver.wait(timeout=30)
        finally:
            kill_tree(driver)
        keys = stored_keys(out)
        assert len(keys) == len(set(keys)) < VARIANTS  # killed mid-sweep, nothing doubled
    notices: list[str] = []
    rerun = run_sweep(spec_file, workers=1, out=out, notify=notices.append)
    assert any("taking over the results store" in notice for notice in notices)
    assert rerun.solved == VARIANTS - rerun.skipped > 0
    assert rerun.lost == ()
    keys = stored_keys(out)
    assert len(keys) == len(set(keys)) == VARIANTS
    assert_same_values(rerun.frame, reference)
    assert_same_values(Store(out).read(), reference)


def _workers_of(driver: subprocess.Popen[str]) -> list[psutil.Process]:
    """The pool's worker processes: children of the fork server the driver started."""
    workers = []
    for child in psutil.Process(driver.pid).children():
        if "forkserver" in " ".join(child.cmdline()):
            workers.extend(child.children())
        elif "spawn_main" in " ".join(child.cmdline()):
            workers.append(child)
    return workers


@pytest.mark.slow
def test_killed_worker_loses_and_doubles_nothing(
    spec_file: Path, reference: pd.DataFrame, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    driver = start_driver(spec_file, out)
    try:
        wait_for(lambda: len(Store(out).files()) >= 2, 90, "stored variants")
        workers = _workers_of(driver)
        assert workers, "no worker processes found"
        random.Random(3).choice(workers).send_signal(signal.SIGKILL)
        stdout, stderr = driver.communicate(timeout=120)
    finally:
        kill_tree(driver)
    assert driver.returncode == 0, stderr[-3000:]
    report = json.loads(stdout.strip().splitlines()[-1])
    assert report == {"solved": VARIANTS, "lost": []}
    keys = stored_keys(out)
    assert len(keys) == len(set(keys)) == VARIANTS
    assert_same_values(Store(out).read(), reference)


# --- damaged store files --------------------------------------------------------------


def test_damaged_store_files_are_reported_and_only_their_variants_solved_again(
    spec_file: Path, reference: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(runners, "BATCH_ROWS", 3)
    run_sweep(spec_file, workers=1, out=out)
    files = Store(out).files()
    assert len(files) == 4
    truncated, garbage = files[1], files[2]
    truncated.write_bytes(truncated.read_bytes()[:100])
    garbage.write_bytes(b"not parquet at all" * 10)
    store = Store(out)
    readable = store.read()
    assert len(readable) == VARIANTS - 6  # the rest of the store is still there
    assert set(store.damaged) == {truncated, garbage}

    notices: list[str] = []
    rerun = run_sweep(spec_file, workers=1, out=out, notify=notices.append)
    assert (rerun.solved, rerun.skipped) == (6, VARIANTS - 6)  # only what was lost
    for file in (truncated, garbage):
        (notice,) = [n for n in notices if str(file) in n]
        assert "cannot be read" in notice
        assert "solved again" in notice
        assert (out / "store" / "damaged" / file.name).exists()
    assert_same_values(rerun.frame, reference)
    assert Store(out).damaged == {}


@pytest.mark.slow
def test_damaged_store_on_the_command_line_names_the_file(
    spec_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(runners, "BATCH_ROWS", 6)
    run_sweep(spec_file, workers=1, out=out)
    damaged = Store(out).files()[0]
    damaged.write_bytes(damaged.read_bytes()[:-50])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "symopt",
            "sweep",
            str(spec_file),
            "--out",
            str(out),
            "--workers",
            "1",
        ],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"note: store file {damaged} cannot be read" in done.stderr
    assert "6 solved now (0 failed), 6 already stored" in done.stdout


# --- a Dask cluster losing a worker ---------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dask_cluster() -> Iterator[tuple[str, list[subprocess.Popen[str]]]]:
    pytest.importorskip("distributed")
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        pytest.skip("the dask command is not installed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    common = {"env": child_env(), "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [
        subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            start_new_session=True,
            **common,  # type: ignore[arg-type]
        )
    ]
    workers = [
        subprocess.Popen(
            [
                str(dask),
                "worker",
                address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
            ],
            start_new_session=True,
            **common,  # type: ignore[arg-type]
        )
        for _ in range(2)
    ]
    try:
        yield address, workers
    finally:
        for process in [*workers, *processes]:
            kill_tree(process)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::UserWarning")
def test_dask_worker_killed_mid_sweep(
    dask_cluster: tuple[str, list[subprocess.Popen[str]]],
    spec_file: Path,
    reference: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from distributed import Client

    address, workers = dask_cluster
    with Client(address, timeout="60s") as client:
        client.wait_for_workers(2, timeout=60)
    monkeypatch.setattr(runners, "BATCH_ROWS", 1)
    out = tmp_path / "out"
    outcome: dict[str, object] = {}

    def sweep() -> None:
        try:
            outcome["run"] = run_sweep(spec_file, scheduler=address, out=out, function=slow_variant)
        except BaseException as error:  # pragma: no cover - reported below
            outcome["error"] = error

    thread = threading.Thread(target=sweep)
    thread.start()
    wait_for(lambda: len(Store(out).files()) >= 2 or not thread.is_alive(), 120, "stored variants")
    os.kill(workers[0].pid, signal.SIGKILL)
    thread.join(timeout=180)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    run = outcome["run"]
    assert run.lost == ()  # type: ignore[attr-defined]
    keys = stored_keys(out)
    assert len(keys) == len(set(keys)) == VARIANTS
    assert_same_values(Store(out).read(), reference)
