"""The direct-HiGHS reference (`benchmarks/direct_highs.py`) agrees with symopt at gap 0.

Two independent builds of the same MILP from symopt's candidate network: symopt's Pyomo
model and a numpy/scipy matrix passed to highspy. On generated small scenarios (and the
examples in `scenarios/examples/`), their proven optima must be equal.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import symopt

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `pytest` run without the repo root on the path
    sys.path.insert(0, str(ROOT))

from benchmarks.direct_highs import build_matrix, solve  # noqa: E402
from benchmarks.generate import generate, to_yaml  # noqa: E402
from symopt.model.objective import Objective  # noqa: E402
from symopt.solver.highs import SolverOptions  # noqa: E402

REL = 1e-6
SEEDS = [0, 1, 2, 3]
EXAMPLES = sorted((ROOT / "scenarios" / "examples").glob("*.yaml"))


def _is_v1(scenario: symopt.Scenario) -> bool:
    """The reference handles scenario v1 only (no planning decisions)."""
    return not any(
        getattr(facility, field, None) is not None
        for facility in scenario.facilities.values()
        for field in ("build", "size", "process", "candidate_sites")
    )


def _compare(scenario: symopt.Scenario, objective: Any = None) -> None:
    goal = Objective.of(scenario.objective if objective is None else objective)
    result = symopt.solve(scenario, objective=objective, mip_gap=0)
    run = solve(build_matrix(symopt.build_network(scenario), goal), SolverOptions(mip_gap=0.0))
    assert result.status is symopt.SolveStatus.OPTIMAL
    assert run.status == "Optimal"
    assert run.objective == pytest.approx(result.summary.objective, rel=REL, abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_small_scenario(seed: int) -> None:
    _compare(symopt.parse_scenario(to_yaml(generate("small", seed)), source=f"small-{seed}"))


@pytest.mark.parametrize("objective", ["emissions", {"cost": 1, "emissions": 50}])
def test_other_objectives(objective: Any) -> None:
    _compare(symopt.parse_scenario(to_yaml(generate("small", 4)), source="small-4"), objective)


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example(path: Path) -> None:
    scenario = symopt.load_scenario(path)
    if not _is_v1(scenario):
        pytest.skip("uses planning decisions; the direct reference covers scenario v1 only")
    _compare(scenario)


def test_generator_is_deterministic() -> None:
    assert to_yaml(generate("small", 7)) == to_yaml(generate("small", 7))
    assert to_yaml(generate("small", 7)) != to_yaml(generate("small", 8))
