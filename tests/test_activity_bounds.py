"""Activity bounds of processes without `size` that the usefulness bound cannot settle.

Hand-worked from the loop case of tests/test_independent_planning.py: a boiler gives
1000 MWh free, the town needs 2000 at 50 (alternative); two heat pumps without size, each
1 MWh out for 0.7 heat (no alternative) + 0.3 electricity (alternative 40) at 1 per
unit: 13 per unit of activity. Cascading round both pumps: with A the total activity,
0.7 A = 1000 + (A - 2000), A = 10000 / 3, cost 13 A = 43,333.33.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from test_independent_planning import LOOP_CASE
from test_planning import HEADER, SELLING

import symopt


def _solve(data: dict[str, object]) -> symopt.Result:
    return symopt.solve(symopt.parse_scenario(yaml.safe_dump(data)), mip_gap=0)


def test_loop_of_heat_pumps_solves_to_the_hand_optimum() -> None:
    result = _solve(LOOP_CASE)
    assert result.status is symopt.SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(130_000 / 3, rel=1e-9)
    assert result.facilities["activity"].sum() == pytest.approx(10_000 / 3, rel=1e-9)


def test_optional_pump_in_the_loop_gets_a_bound_from_the_objective() -> None:
    # hp1 optional at 1000 a year. Built: 43,333.33 + 1000 = 44,333.33. Not built: hp2
    # alone takes the boiler's 1000 (A2 = 1000 / 0.7 = 1428.57), 13 A2 + 50 (2000 - A2)
    # = 100,000 - 37 A2 = 47,142.86. So hp1 is built: 44,333.33. Its a <= M b needs a
    # finite M, which only the objective gives (the pumps' bounds justify each other).
    data = copy.deepcopy(LOOP_CASE)
    data["facilities"]["hp1"]["build"] = {"annual_cost": 1000}
    network = symopt.build_network(symopt.parse_scenario(yaml.safe_dump(data)))
    assert np.isfinite(network.activity_max).all()
    result = _solve(data)
    assert result.status is symopt.SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(130_000 / 3 + 1000, rel=1e-9)
    facilities = result.facilities.set_index("facility")
    assert bool(facilities.loc["hp1", "built"])


def test_the_bound_follows_the_objective_it_is_derived_for() -> None:
    # With the emissions objective nothing here emits, so running costs nothing in that
    # objective and it gives no bound (a known limit: symopt asks for a size, naming the
    # reason), while the cost objective's bound is not reused for it.
    data = copy.deepcopy(LOOP_CASE)
    data["facilities"]["hp1"]["build"] = {"annual_cost": 1000}
    scenario = symopt.parse_scenario(yaml.safe_dump(data))
    with pytest.raises(symopt.SymoptError, match="costs nothing in the objective"):
        symopt.solve(scenario, objective="emissions")


def test_cli_exits_4_for_a_process_that_earns_without_limit(tmp_path: Path) -> None:
    file = tmp_path / "selling.yaml"
    file.write_text(HEADER.format(name="selling") + SELLING.format(size=""), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "symopt", "solve", str(file), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 4, run.stdout + run.stderr
