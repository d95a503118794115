"""A sharing run killed with SIGKILL at random moments, then rerun, gives the answer of an
uninterrupted run, with every coalition stored exactly once (the sharing run keeps its
coalitions in the same resumable store as sweeps, see tests/test_crash_safety.py)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from scenario_factory import to_yaml
from test_crash_safety import child_env, kill_tree, lock_owner, stored_keys, wait_for
from test_share import four_firm_park

from symopt.studies.store import Store

KILLED_ROUNDS = 3


def share(scenario: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "symopt", "share", str(scenario), "--out", str(out)],
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def firms_table(out: Path) -> pd.DataFrame:
    frame = pd.read_csv(out / "firms.csv")
    return frame.sort_values("firm").reset_index(drop=True)


@pytest.mark.slow
def test_killed_sharing_run_resumes_to_the_same_answer(tmp_path: Path) -> None:
    scenario = tmp_path / "park.yaml"
    scenario.write_text(to_yaml(four_firm_park()), encoding="utf-8")
    reference = tmp_path / "reference"
    done = share(scenario, reference)
    assert done.wait(timeout=300) == 0, done.communicate()[1]
    done.communicate()
    expected = firms_table(reference)
    solved = len(stored_keys(reference))
    assert solved > 0

    out = tmp_path / "out"
    generator = random.Random(11)
    for _ in range(KILLED_ROUNDS):
        driver = share(scenario, out)
        try:
            # A run left with few coalitions may take the lock and end between two looks.
            wait_for(
                lambda: lock_owner(out) == driver.pid or driver.poll() is not None,  # noqa: B023
                120,
                "the lock",
            )
            time.sleep(generator.uniform(0.0, 0.8))
            if driver.poll() is None:
                os.kill(driver.pid, signal.SIGKILL)
                driver.wait(timeout=30)
            else:
                assert driver.returncode == 0, driver.communicate()[1]
        finally:
            kill_tree(driver)
        keys = stored_keys(out) if (out / "store").exists() else []
        assert len(keys) == len(set(keys))  # nothing doubled by a kill
    rerun = share(scenario, out)
    assert rerun.wait(timeout=300) == 0, rerun.communicate()[1]
    rerun.communicate()
    keys = stored_keys(out)
    assert len(keys) == len(set(keys)) == solved
    assert len(Store(out).read()) == solved
    pd.testing.assert_frame_equal(firms_table(out), expected, check_exact=False, rtol=1e-9)
