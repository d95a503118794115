"""Independent check of the planning spec: symopt against a separately written formulation.

``reference_planning`` builds the MILP of ``scenario-v1.md`` + ``scenario-v1-planning.md``
(+ symopt's ``process.min_activity``) straight from the specs with scipy.optimize.milp;
``planning_factory`` generates random valid planning scenarios. Only symopt's public API
(``parse_scenario``, ``solve`` and the result tables) is used here.

Where symopt and the reference disagree on a seed and the hand-worked minimal case shows
symopt to be wrong, the seed is listed in ``SYMOPT_DISAGREES`` and marked as a strict
xfail: the suite stays green, and the mark fails (and must be removed) once symopt is fixed.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import pytest
from planning_factory import random_planning_scenario
from reference_milp import reference_optimum
from reference_planning import reference_planning_optimum
from scenario_factory import random_scenario, to_yaml

import symopt

SEEDS = list(range(60))
OVERRIDE_SEEDS = [0, 5, 9, 14]
REL = 1e-6
ABS = 1e-6

# symopt bounds the activity of a process without `size` by what its outputs' demands
# can take (and its inputs without alternative can get). Two things escape that bound
# although every disposal, variable and alternative cost is >= 0 (the assumption the docs
# state): (1) a process input that absorbs a supply whose disposal costs money (carbon
# included) is a use of the process, so running it pays without any demand for its
# outputs (symopt then keeps the activity too low: a higher optimum); (2) two processes
# whose outputs feed each other's inputs (two heat pumps) get no finite bound at all, and
# symopt refuses to solve ("has no limit ... running it pays"), although the optimum is
# finite. See ABSORB_CASE and LOOP_CASE below for the minimal hand-worked cases.
# Status after the fix of (1): symopt raises activity bounds from the minimum activities
# until they settle, so absorbing a costly supply now counts (seed 20, the absorb case
# match). Processes whose bounds justify each other (one takes another's output: the two
# heat pumps of the loop case, an electrolyser whose costly waste heat a heat pump
# absorbs in seeds 6 and 26) do not settle, and symopt refuses them with an error asking
# for a `size` instead of guessing a limit: a documented limitation, never a wrong
# optimum. These stay marked as strict expected failures.
# Issue 10: such processes now get a bound from the objective (symopt.network.
# objective_bound: the objective of the plan without exchanges, minus a lower bound on
# every other term, divided by what each unit of activity costs at least), so seeds 6,
# 16 and 26 and the loop case solve to the reference's optimum.
REFUSED = "symopt asks for a `size`: the activity bounds of linked processes do not settle"
SYMOPT_DISAGREES: dict[int, str] = {}


def _approx(value: float) -> Any:
    return pytest.approx(value, rel=REL, abs=ABS)


def _seed_param(seed: int) -> Any:
    if seed in SYMOPT_DISAGREES:
        return pytest.param(
            seed, marks=pytest.mark.xfail(strict=True, reason=SYMOPT_DISAGREES[seed])
        )
    return seed


SEED_PARAMS = [_seed_param(seed) for seed in SEEDS]


def _solve(data: dict[str, Any], objective: Any = None) -> symopt.Result:
    scenario = symopt.parse_scenario(to_yaml(data), source=f"<{data['name']}>")
    return symopt.solve(scenario, objective=objective, mip_gap=0)


@functools.cache
def _solved_seed(seed: int) -> symopt.Result:
    return _solve(random_planning_scenario(seed))


@functools.cache
def _reference_seed(seed: int) -> float:
    return reference_planning_optimum(random_planning_scenario(seed))


def _assert_same(result: symopt.Result, expected: float, what: str) -> None:
    if math.isinf(expected):
        assert result.status is symopt.SolveStatus.INFEASIBLE, what
    else:
        assert result.status is symopt.SolveStatus.OPTIMAL, what
        assert result.summary.objective == _approx(expected), what


def _reported_decisions(result: symopt.Result, data: dict[str, Any]) -> dict[str, Any]:
    """symopt's facilities table as fixed build/site/size decisions for the reference.

    A facility without `build` is built by the spec (b = 1) whatever the table says.
    """
    fixed: dict[str, Any] = {}
    for row in result.facilities.to_dict("records"):
        fac = data["facilities"][row["facility"]]
        size = row["size"]
        fixed[row["facility"]] = {
            "built": bool(row["built"]) or "build" not in fac,
            "site": row["site"] or None,
            "size": None if size is None or math.isnan(size) else float(size),
        }
    return fixed


# ----------------------------------------------------------- symopt vs reference


@pytest.mark.parametrize("seed", SEED_PARAMS)
def test_status_and_objective_match_reference(seed: int) -> None:
    _assert_same(_solved_seed(seed), _reference_seed(seed), f"seed {seed}")


@pytest.mark.parametrize("seed", SEED_PARAMS)
def test_reported_decisions_reprice_to_the_optimum(seed: int) -> None:
    """Fix symopt's built/site/size in the reference: it must reach the same optimum."""
    result = _solved_seed(seed)
    if math.isinf(_reference_seed(seed)):
        assert result.status is symopt.SolveStatus.INFEASIBLE
        return
    data = random_planning_scenario(seed)
    repriced = reference_planning_optimum(data, fixed=_reported_decisions(result, data))
    assert result.summary.objective == _approx(repriced), f"seed {seed}"


@pytest.mark.parametrize("seed", OVERRIDE_SEEDS)
@pytest.mark.parametrize("objective", ["cost", "emissions", {"cost": 1, "emissions": 75}])
def test_objective_argument_matches_reference(seed: int, objective: Any) -> None:
    data = random_planning_scenario(seed)
    expected = reference_planning_optimum(data, objective)
    _assert_same(_solve(data, objective), expected, f"seed {seed} {objective}")


def test_factory_covers_the_planning_features() -> None:
    """The seeds exercise every planning feature and both outcomes."""
    seen: set[str] = set()
    for seed in SEEDS:
        data = random_planning_scenario(seed)
        for fac in data["facilities"].values():
            process = fac.get("process") or {}
            features = {
                "build": "build" in fac,
                "candidate_sites": "candidate_sites" in fac,
                "site_costs": "site_costs" in fac,
                "size": "size" in fac,
                "value_per_unit": "value_per_unit" in (fac.get("size") or {}),
                "process_sized": bool(process) and "size" in fac,
                "process_unsized": bool(process) and "size" not in fac,
                "input_without_alternative": any(
                    "alternative" not in i for i in process.get("inputs", [])
                ),
                "input_with_alternative": any(
                    "alternative" in i for i in process.get("inputs", [])
                ),
                "min_activity": "min_activity" in process,
            }
            seen |= {name for name, present in features.items() if present}
        if math.isinf(_reference_seed(seed)):
            seen.add("infeasible")
    assert seen >= {
        "build",
        "candidate_sites",
        "site_costs",
        "size",
        "value_per_unit",
        "process_sized",
        "process_unsized",
        "input_without_alternative",
        "input_with_alternative",
        "min_activity",
        "infeasible",
    }


# ------------------------------------------------- the reference, checked by hand

# Sites on the equator: 0.1 degree of longitude is 6371 * pi / 180 * 0.1 km.
KM_01 = 6371.0 * math.radians(0.1)


def _case(facilities: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "symopt": 1,
        "name": "hand case",
        "economics": {"discount_rate": 0, "lifetime_years": 10},
        "resources": {
            "oxygen": {"unit": "t"},
            "heat": {"unit": "MWh"},
            "electricity": {"unit": "MWh"},
        },
        "sites": {
            "d": {"lat": 0.0, "lon": 0.0},
            "p1": {"lat": 0.0, "lon": 0.1},
            "p2": {"lat": 0.0, "lon": 0.2},
        },
        "facilities": facilities,
        "transport": {
            "truck": {"resources": ["oxygen"], "variable_cost": 1},
            "wire": {"resources": ["electricity", "heat"]},
        },
    }
    data.update(extra)
    return data


def _oxygen(amount: float, **more: Any) -> dict[str, Any]:
    return {"resource": "oxygen", "amount": amount, **more}


# Build: 100 t of oxygen on site d; by alternative 100 x 10 = 1000. The plant costs its
# annual cost and delivers at 0 km for free: built iff that is below 1000.
def _build_case(annual_cost: float) -> dict[str, Any]:
    return _case(
        {
            "o2_plant": {
                "site": "d",
                "build": {"annual_cost": annual_cost},
                "supplies": [_oxygen(100)],
            },
            "user": {"site": "d", "demands": [_oxygen(100, alternative={"cost": 10})]},
        }
    )


# Place: the plant is on p1 (11.12 km, site cost c) or p2 (22.24 km, free); the truck
# costs 1 per t km; the alternative 30 per t (3000). p1 with c = 300: 300 + 100 x 11.12.
# A pipe instead (capex 10 per km, CRF 1/10: 1 per km per year, build binaries) costs
# only its length: p1 at 11.12 km, where the link is built only if both ends are placed.
def _place_case(p1_cost: float, pipe: bool = False) -> dict[str, Any]:
    data = _case(
        {
            "o2_plant": {
                "candidate_sites": ["p1", "p2"],
                "site_costs": {"p1": p1_cost},
                "supplies": [_oxygen(100)],
            },
            "user": {"site": "d", "demands": [_oxygen(100, alternative={"cost": 30})]},
        }
    )
    if pipe:
        data["transport"]["truck"] = {"resources": ["oxygen"], "capex_per_km": 10}
    return data


# Size: 60 t of oxygen on site; the fish farm needs 2 t per unit of size (max 50) at 30
# per t otherwise. The first 30 units are served for free, each further unit costs 60.
# Value 100 > 60: size 50, -100 x 50 + 40 t x 30 = -3800. Value 50 < 60: size 30, -1500.
def _size_case(value: float) -> dict[str, Any]:
    return _case(
        {
            "o2_source": {"site": "d", "supplies": [_oxygen(60)]},
            "fish_farm": {
                "site": "d",
                "size": {"max": 50, "value_per_unit": value},
                "demands": [_oxygen(2, alternative={"cost": 30})],
            },
        }
    )


# Process: a heat pump turns 0.25 MWh of electricity (alternative 40, 0.02 t) into 1 MWh
# of heat (variable cost 2, 0.001 t); the heating needs 1000 MWh at 50 (0.05 t).
# Cost: per MWh 0.25 x 40 + 2 = 12 < 50: run a = 1000: 12000.
# Emissions: per MWh 0.25 x 0.02 + 0.001 = 0.006 < 0.05: 6 t.
PROCESS_CASE = _case(
    {
        "heat_pump": {
            "site": "d",
            "process": {
                "variable_cost": 2,
                "emissions": 0.001,
                "inputs": [
                    {
                        "resource": "electricity",
                        "per_activity": 0.25,
                        "alternative": {"cost": 40, "emissions": 0.02},
                    }
                ],
                "outputs": [{"resource": "heat", "per_activity": 1.0}],
            },
        },
        "district_heating": {
            "site": "d",
            "demands": [
                {
                    "resource": "heat",
                    "amount": 1000,
                    "alternative": {"cost": 50, "emissions": 0.05},
                }
            ],
        },
    }
)


# min_activity 8760 per year over slices of 4000 h and 4760 h is 1 per hour. The input has
# no alternative and comes free from the grid at 0 km. Size max 2: feasible, cost 0 (the
# size has no cost). Size max 0.5: activity at most 0.5 per hour < 1: infeasible.
def _min_activity_case(size_max: float) -> dict[str, Any]:
    return _case(
        {
            "grid": {
                "site": "d",
                "supplies": [{"resource": "electricity", "amount": 100000}],
            },
            "electrolyser": {
                "site": "d",
                "size": {"max": size_max},
                "process": {
                    "min_activity": 8760,
                    "inputs": [{"resource": "electricity", "per_activity": 1.0}],
                    "outputs": [{"resource": "oxygen", "per_activity": 0.2}],
                },
            },
        },
        time_slices=[{"id": "winter", "hours": 4000}, {"id": "summer", "hours": 4760}],
    )


# Absorb: 1000 MWh of waste heat cost 10 per MWh to dispose of. A cooler (no size, no
# outputs) takes it in at a variable cost of 1 per MWh. Its input has no alternative but
# is fully supplied: run a = 1000: cost 1000 (instead of 10000 by disposal). No demand
# takes an output, yet running pays: the input is the use.
ABSORB_CASE = _case(
    {
        "waste_heat": {
            "site": "d",
            "supplies": [{"resource": "heat", "amount": 1000, "disposal": {"cost": 10}}],
        },
        "cooler": {
            "site": "d",
            "process": {
                "variable_cost": 1,
                "inputs": [{"resource": "heat", "per_activity": 1}],
            },
        },
    }
)


# Loop: a boiler gives 1000 MWh free; the town needs 2000 at 50. Two equal heat pumps,
# no size: 1 MWh out needs 0.7 heat (no alternative) + 0.3 electricity (alternative 40)
# and costs 1: 13 per unit of activity. Cascading heat through the pumps multiplies it by
# 1/0.7 at 13/0.7 = 18.57 per unit put in, worth 0.43 x 50 = 21.43: cascade until the
# town is covered. With A the total activity: 0.7 A = 1000 + (A - 2000), A = 10000 / 3;
# cost 13 A = 43333.33 (all heat to the town, nothing by alternative).
def _heat_pump() -> dict[str, Any]:
    return {
        "site": "d",
        "process": {
            "variable_cost": 1,
            "inputs": [
                {"resource": "heat", "per_activity": 0.7},
                {"resource": "electricity", "per_activity": 0.3, "alternative": {"cost": 40}},
            ],
            "outputs": [{"resource": "heat", "per_activity": 1}],
        },
    }


LOOP_CASE = _case(
    {
        "boiler": {"site": "d", "supplies": [{"resource": "heat", "amount": 1000}]},
        "town": {
            "site": "d",
            "demands": [{"resource": "heat", "amount": 2000, "alternative": {"cost": 50}}],
        },
        "hp1": _heat_pump(),
        "hp2": _heat_pump(),
    }
)

HAND_CASES = [
    pytest.param(_build_case(600), None, 600.0, id="build-pays"),
    pytest.param(_build_case(1500), None, 1000.0, id="build-does-not-pay"),
    pytest.param(_place_case(300), None, 300 + 100 * KM_01, id="place-p1"),
    pytest.param(_place_case(1500), None, 200 * KM_01, id="place-p2"),
    pytest.param(_place_case(0, pipe=True), None, KM_01, id="place-pipe"),
    pytest.param(_size_case(100), None, -3800.0, id="size-grows"),
    pytest.param(_size_case(50), None, -1500.0, id="size-stops"),
    pytest.param(PROCESS_CASE, None, 12000.0, id="process-cost"),
    pytest.param(PROCESS_CASE, "emissions", 6.0, id="process-emissions"),
    pytest.param(_min_activity_case(2), None, 0.0, id="min-activity-fits"),
    pytest.param(_min_activity_case(0.5), None, math.inf, id="min-activity-too-big"),
    pytest.param(ABSORB_CASE, None, 1000.0, id="absorb"),
    pytest.param(LOOP_CASE, None, 130000 / 3, id="loop"),
]


@pytest.mark.parametrize("seed", range(30))
def test_reference_reduces_to_the_v1_reference(seed: int) -> None:
    """Without planning fields the planning reference is the v1 reference."""
    data = random_scenario(seed)
    expected = reference_optimum(data)
    assert reference_planning_optimum(data) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(("data", "objective", "expected"), HAND_CASES)
def test_reference_matches_hand_computation(
    data: dict[str, Any], objective: Any, expected: float
) -> None:
    value = reference_planning_optimum(data, objective)
    assert value == pytest.approx(expected, rel=1e-9, abs=1e-9)


SYMOPT_HAND_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize(
    ("data", "objective", "expected"),
    [
        pytest.param(
            *case.values,
            id=case.id,
            marks=[pytest.mark.xfail(strict=True, reason=SYMOPT_HAND_XFAIL[case.id])]
            if case.id in SYMOPT_HAND_XFAIL
            else [],
        )
        for case in HAND_CASES
    ],
)
def test_symopt_matches_hand_computation(
    data: dict[str, Any], objective: Any, expected: float
) -> None:
    _assert_same(_solve(data, objective), expected, "hand case")
