"""Independent check: symopt against a separately written formulation of the spec.

``reference_milp`` builds the scenario-v1 MILP straight from the spec with
scipy.optimize.milp; ``scenario_factory`` generates random valid scenarios.
Only symopt's public API (``parse_scenario`` and ``solve``) is used here.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import pytest
from reference_milp import evaluate_plan, haversine_km, reference_baseline, reference_optimum
from scenario_factory import random_scenario, to_yaml

import symopt

SEEDS = list(range(30))
OVERRIDE_SEEDS = [0, 3, 7, 11, 18]
REL = 1e-6
ABS = 1e-6


def _approx(value: float) -> Any:
    return pytest.approx(value, rel=REL, abs=ABS)


def _solve(data: dict[str, Any], objective: Any = None) -> Any:
    scenario = symopt.parse_scenario(to_yaml(data), source=f"<{data['name']}>")
    result = symopt.solve(scenario, objective=objective, mip_gap=0)
    assert result.status == symopt.SolveStatus("optimal")
    return result


@functools.cache
def _solved_seed(seed: int) -> Any:
    return _solve(random_scenario(seed))


def _objective_from_totals(objective: Any, total_cost: float, total_emissions: float) -> float:
    if objective is None or objective == "cost":
        return total_cost
    if objective == "emissions":
        return total_emissions
    a = float(objective.get("cost", 0))
    b = float(objective.get("emissions", 0))
    return a * total_cost + b * total_emissions


# ----------------------------------------------------------- symopt vs reference


@pytest.mark.parametrize("seed", SEEDS)
def test_objective_matches_reference(seed: int) -> None:
    data = random_scenario(seed)
    expected = reference_optimum(data)
    summary = _solved_seed(seed).summary
    assert summary.objective == _approx(expected), f"seed {seed}"


@pytest.mark.parametrize("seed", SEEDS)
def test_totals_consistent_with_objective(seed: int) -> None:
    data = random_scenario(seed)
    summary = _solved_seed(seed).summary
    combined = _objective_from_totals(
        data.get("objective"), summary.total_cost, summary.total_emissions
    )
    assert summary.objective == _approx(combined)


@pytest.mark.parametrize("seed", SEEDS)
def test_baseline_matches_reference(seed: int) -> None:
    cost, emissions = reference_baseline(random_scenario(seed))
    summary = _solved_seed(seed).summary
    assert summary.baseline_cost == _approx(cost)
    assert summary.baseline_emissions == _approx(emissions)


@pytest.mark.parametrize("seed", SEEDS)
def test_reported_plan_is_feasible_and_priced_per_spec(seed: int) -> None:
    """Re-price symopt's own flows, built links, alternatives and disposals per the spec."""
    data = random_scenario(seed)
    result = _solved_seed(seed)
    check = evaluate_plan(
        data,
        flows=result.flows.to_dict("records"),
        built=result.built_links.to_dict("records"),
        alternatives=result.alternatives.to_dict("records"),
        disposals=result.disposals.to_dict("records"),
    )
    assert check.problems == []
    assert result.summary.total_cost == _approx(check.cost)
    assert result.summary.total_emissions == _approx(check.emissions)


@pytest.mark.parametrize("seed", OVERRIDE_SEEDS)
@pytest.mark.parametrize("objective", ["cost", "emissions", {"cost": 1, "emissions": 75}])
def test_objective_argument_matches_reference(seed: int, objective: Any) -> None:
    data = random_scenario(seed)
    result = _solve(data, objective=objective)
    assert result.summary.objective == _approx(reference_optimum(data, objective))
    combined = _objective_from_totals(
        objective, result.summary.total_cost, result.summary.total_emissions
    )
    assert result.summary.objective == _approx(combined)


# ------------------------------------------------- the reference, checked by hand

# Case "truck": one supply (100 t/yr), one demand (60 t/yr), one truck mode.
# Sites on the equator 0.1 degree of longitude apart: haversine = R * 0.1 * pi / 180
# = 11.1195 km, times detour 1.2 -> d = 13.343 km.
# Per unit sent: variable 2 * d plus carbon 10 * 0.01 * d = 2.1 d (about 28) and the
# unit is not disposed (saves 1); the alternative costs 50 + 10 * 0.5 = 55 per unit.
# So all 60 t go by truck and 40 t are disposed:
#   cost      = 60 * 2.1 d + 40 * 1                  = 126 d + 40
#   emissions = 60 * 0.01 d (disposal emits 0)        = 0.6 d
#   {cost: 1, emissions: 100}: per unit 2.1 d + 100 * 0.01 d = 3.1 d (41) < 55 + 50,
#   so the same plan: 126 d + 40 + 100 * 0.6 d       = 186 d + 40
TRUCK_KM = 1.2 * 6371.0 * math.radians(0.1)
TRUCK_CASE: dict[str, Any] = {
    "symopt": 1,
    "name": "hand truck",
    "economics": {"carbon_price": 10},
    "resources": {"oxygen": {"unit": "t", "qualities": {}}},
    "sites": {"a": {"lat": 0.0, "lon": 0.0}, "b": {"lat": 0.0, "lon": 0.1}},
    "facilities": {
        "maker": {
            "site": "a",
            "supplies": [
                {
                    "resource": "oxygen",
                    "amount": 100,
                    "quality": {},
                    "disposal": {"cost": 1, "emissions": 0},
                }
            ],
        },
        "user": {
            "site": "b",
            "demands": [
                {
                    "resource": "oxygen",
                    "amount": 60,
                    "quality": {},
                    "alternative": {"cost": 50, "emissions": 0.5},
                }
            ],
        },
    },
    "transport": {
        "truck": {
            "resources": ["oxygen"],
            "variable_cost": 2,
            "emissions": 0.01,
            "detour_factor": 1.2,
        }
    },
}

# Case "pipe": two slices of 4380 h; the supply of 1000/yr is 500 per slice; the
# demand {a: 300} is 300 in slice a and 0 in slice b. Distance override 4 km (the
# sites themselves are ~157 km apart). Pipe: loss 0.05/km -> factor 0.8, capex
# 1000/km with r = 0 and n = 10 -> CRF = 1/10, fixed opex 50/km:
#   build = 4 * (1000 * 0.1 + 50) = 600 per year; send 300 / 0.8 = 375 <= 500 in slice a.
# Without it the alternative costs 300 * 10 = 3000, so the optimum is 600.
# The free "hose" has max_distance 3 < 4 and must not exist (else the optimum is 0).
PIPE_CASE: dict[str, Any] = {
    "symopt": 1,
    "name": "hand pipe",
    "time_slices": [{"id": "a", "hours": 4380}, {"id": "b", "hours": 4380}],
    "economics": {"discount_rate": 0, "lifetime_years": 10},
    "resources": {"heat": {"unit": "MWh", "qualities": {}}},
    "sites": {"p": {"lat": 0.0, "lon": 0.0}, "q": {"lat": 1.0, "lon": 1.0}},
    "facilities": {
        "boiler": {
            "site": "p",
            "supplies": [{"resource": "heat", "amount": 1000, "quality": {}}],
        },
        "house": {
            "site": "q",
            "demands": [
                {
                    "resource": "heat",
                    "amount": {"a": 300},
                    "quality": {},
                    "alternative": {"cost": 10, "emissions": 0},
                }
            ],
        },
    },
    "transport": {
        "pipe": {
            "resources": ["heat"],
            "capex_per_km": 1000,
            "fixed_opex_per_km": 50,
            "loss_per_km": 0.05,
        },
        "hose": {"resources": ["heat"], "max_distance": 3},
    },
    "distances": [{"from": "q", "to": "p", "km": 4}],
}

# Case "mixing": water with purity (higher, linear) and temperature (lower, none).
# All distances 1 km. clean: 100 at purity 95, 20 degC; dirty: 100 at purity 80,
# 38 degC. user: 200 with purity >= 90, temperature <= 40, alternative 10 per unit.
# truck (0.1/unit/km, +1.5 degC/km) delivers dirty at 39.5 (allowed); warm truck
# (0.05/unit/km, +3 degC/km) delivers dirty at 41 > 40 (link not allowed).
# Linear mixing: 100 clean allow dirty with 100 * (95 - 90) + x * (80 - 90) >= 0,
# i.e. x <= 50. Plan: clean by warm truck 100 * 0.05 = 5, dirty by truck 50 * 0.1 = 5,
# alternative 50 * 10 = 500: optimum 510. (Without the mixing row it would be 15;
# with the warm-truck link wrongly allowed it would be 507.5.)
MIXING_CASE: dict[str, Any] = {
    "symopt": 1,
    "name": "hand mixing",
    "resources": {
        "water": {
            "unit": "m3",
            "qualities": {
                "purity": {"unit": "%", "better": "higher", "mixing": "linear"},
                "temperature": {"unit": "degC", "better": "lower", "mixing": "none"},
            },
        }
    },
    "sites": {
        "s1": {"lat": 10.0, "lon": 10.0},
        "s2": {"lat": 20.0, "lon": 20.0},
        "s3": {"lat": 30.0, "lon": 30.0},
    },
    "facilities": {
        "clean": {
            "site": "s1",
            "supplies": [
                {"resource": "water", "amount": 100, "quality": {"purity": 95, "temperature": 20}}
            ],
        },
        "dirty": {
            "site": "s3",
            "supplies": [
                {"resource": "water", "amount": 100, "quality": {"purity": 80, "temperature": 38}}
            ],
        },
        "user": {
            "site": "s2",
            "demands": [
                {
                    "resource": "water",
                    "amount": 200,
                    "quality": {"purity": {"min": 90}, "temperature": {"max": 40}},
                    "alternative": {"cost": 10, "emissions": 0},
                }
            ],
        },
    },
    "transport": {
        "truck": {
            "resources": ["water"],
            "variable_cost": 0.1,
            "quality_change_per_km": {"temperature": 1.5},
        },
        "warm_truck": {
            "resources": ["water"],
            "variable_cost": 0.05,
            "quality_change_per_km": {"temperature": 3},
        },
    },
    "distances": [
        {"from": "s1", "to": "s2", "km": 1},
        {"from": "s3", "to": "s2", "km": 1},
        {"from": "s1", "to": "s3", "km": 1},
    ],
}

HAND_CASES = [
    pytest.param(TRUCK_CASE, None, 126 * TRUCK_KM + 40, id="truck-cost"),
    pytest.param(TRUCK_CASE, "emissions", 0.6 * TRUCK_KM, id="truck-emissions"),
    pytest.param(TRUCK_CASE, {"cost": 1, "emissions": 100}, 186 * TRUCK_KM + 40, id="truck-w"),
    pytest.param(PIPE_CASE, None, 600.0, id="pipe"),
    pytest.param(MIXING_CASE, None, 510.0, id="mixing"),
]


@pytest.mark.parametrize(("data", "objective", "expected"), HAND_CASES)
def test_reference_matches_hand_computation(
    data: dict[str, Any], objective: Any, expected: float
) -> None:
    assert reference_optimum(data, objective) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(("data", "objective", "expected"), HAND_CASES)
def test_symopt_matches_hand_computation(
    data: dict[str, Any], objective: Any, expected: float
) -> None:
    assert _solve(data, objective).summary.objective == _approx(expected)


def test_reference_haversine() -> None:
    # 0.1 degree of longitude on the equator is R * 0.1 * pi / 180 = 11.1195 km;
    # (0, 0) to (1, 1) is the textbook 157.25 km for R = 6371 km.
    assert haversine_km(0.0, 0.0, 0.0, 0.1) == pytest.approx(11.119493, rel=1e-7)
    assert haversine_km(0.0, 0.0, 1.0, 1.0) == pytest.approx(157.2494, rel=1e-6)
