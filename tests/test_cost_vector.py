"""The numpy cost vector used for in-place re-solves equals Pyomo's compiled objective."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scenario_factory import random_scenario, to_yaml

import symopt
from symopt.model.build import build_model
from symopt.model.cost_vector import ColumnMap, cost_vector
from symopt.model.objective import Objective
from symopt.solver.highs import compile_standard_form

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = [ROOT / "scenarios" / "boden.yaml", ROOT / "scenarios" / "umea.yaml"]


def _scenarios() -> list[symopt.Scenario]:
    return [symopt.load_scenario(path) for path in SCENARIOS] + [
        symopt.parse_scenario(to_yaml(random_scenario(seed))) for seed in range(12)
    ]


@pytest.mark.parametrize("objective", [Objective(1, 0), Objective(0, 1), Objective(2, 30)])
def test_cost_vector_equals_the_compiled_objective(objective: Objective) -> None:
    for scenario in _scenarios():
        network = symopt.build_network(scenario)
        form = compile_standard_form(build_model(network, objective))
        cost, offset = cost_vector(network, objective, ColumnMap.of(form.columns))
        np.testing.assert_allclose(cost, form.cost, rtol=1e-12, atol=1e-9)
        assert offset == pytest.approx(form.offset, rel=1e-12, abs=1e-9)
