"""The fair split (`symopt share`): the game's values and allocations checked from the
definition, independently of symopt's code.

- 3 firms (water_reuse example): every v(S) worked out by hand from the file's numbers.
- 4 firms: every v(S) by the independent reference MILP (tests/reference_milp.py,
  scipy.optimize.milp) on the scenario with the other firms' facilities deleted, and the
  Shapley values as the average marginal cost over all 4! orders of arrival.
- Axioms of the Shapley value and the core check as properties of random games.
"""

from __future__ import annotations

import copy
import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_milp import reference_optimum
from scenario_factory import to_yaml

import symopt
from symopt.studies.coalitions import (
    core_check,
    proportional_split,
    sample_permutations,
    shapley_exact,
    shapley_sampled,
)
from symopt.studies.share import run_share

ROOT = Path(__file__).resolve().parents[1]
REL = 1e-6


def shapley_by_orders(firms: list[str], v: dict[frozenset[str], float]) -> dict[str, float]:
    """The definition: each firm's cost of joining, averaged over every order of arrival."""
    total = dict.fromkeys(firms, 0.0)
    orders = list(itertools.permutations(firms))
    for order in orders:
        before: frozenset[str] = frozenset()
        for firm in order:
            total[firm] += v[before | {firm}] - v[before]
            before = before | {firm}
    return {firm: value / len(orders) for firm, value in total.items()}


# ---- 3 firms by hand ------------------------------------------------------------------


def test_three_firms_by_hand(tmp_path: Path) -> None:
    scenario = symopt.load_scenario(ROOT / "scenarios" / "examples" / "water_reuse.yaml")
    run = run_share(scenario, out=tmp_path, options=symopt.solver_options(mip_gap=0))
    rate, years = 0.05, 40
    crf = rate * (1 + rate) ** years / ((1 + rate) ** years - 1)
    effluent_pipe = 1.3 * 9.249904 * 146_000 * crf  # EUR/yr, 12.02 km (file's hand numbers)
    condensate_pipe = 1.0 * 146_000 * crf
    W, C, M = "wastewater_plant", "chp_plant", "methanol_plant"
    v = {
        frozenset(): 0.0,
        frozenset({W}): 0.0,  # discharges at no cost
        frozenset({C}): 0.0,
        frozenset({M}): 500_000 * 0.67,  # all drinking water
        frozenset({W, C}): 0.0,
        frozenset({W, M}): 500_000 * 0.67,  # effluent alone too dirty (50 > 35 mg/L COD)
        frozenset({C, M}): condensate_pipe + 365_000 * 0.67,
        frozenset({W, C, M}): effluent_pipe + condensate_pipe + 95_000 * 0.67,
    }
    coalitions = run.coalitions.set_index("coalition")
    assert len(coalitions) == 7
    for members, value in v.items():
        if members:
            label = "+".join(firm for firm in (W, C, M) if firm in members)
            assert coalitions.loc[label, "cost"] == pytest.approx(value, rel=1e-6, abs=0.01)
    shapley = shapley_by_orders([W, C, M], v)
    firms = run.firms.set_index("firm")
    for firm, value in shapley.items():
        assert firms.loc[firm, "shapley_cost"] == pytest.approx(value, rel=1e-6, abs=0.01)
        assert firms.loc[firm, "standalone_cost"] == pytest.approx(v[frozenset({firm})], abs=0.01)
    # W: 1/3 of (v(WCM) - v(CM)) = -26,195 EUR/yr: it is paid for its effluent.
    assert shapley[W] == pytest.approx((v[frozenset({W, C, M})] - v[frozenset({C, M})]) / 3)
    assert firms["shapley_cost"].sum() == pytest.approx(v[frozenset({W, C, M})], rel=1e-6)
    # Proportional: only the methanol plant has a standalone cost, so it keeps the saving.
    assert firms.loc[M, "proportional_cost"] == pytest.approx(v[frozenset({W, C, M})], rel=1e-6)
    assert bool(firms.loc[W, "in_core"])
    for name in ("firms.csv", "coalitions.parquet", "transfers.csv", "share.json"):
        assert (tmp_path / name).is_file()
    # The transfers move each firm from what it pays in the optimum to its Shapley cost.
    transfers = pd.read_csv(tmp_path / "transfers.csv")
    paid = transfers.groupby("payer")["amount"].sum().reindex([W, C, M]).fillna(0)
    received = transfers.groupby("payee")["amount"].sum().reindex([W, C, M]).fillna(0)
    before = {W: 0.0, C: 0.0, M: v[frozenset({W, C, M})]}  # M builds and pays both pipes
    for firm in (W, C, M):
        after = before[firm] + paid[firm] - received[firm]
        assert after == pytest.approx(shapley[firm], rel=1e-6, abs=0.01)
    assert set(transfers["payer"]) == {M}
    assert set(transfers["mode"]) == {"water_pipe"}


# ---- 4 firms against the independent reference MILP -----------------------------------


def four_firm_park() -> dict[str, Any]:
    """Heat from a plant and a utility's boiler to a greenhouse, the utility's network and a
    pool; the utility owns two facilities."""
    return {
        "symopt": 1,
        "name": "four firms",
        "economics": {"carbon_price": 50, "discount_rate": 0.05, "lifetime_years": 20},
        "resources": {"heat": {"unit": "MWh"}},
        "sites": {
            "a": {"lat": 60.0, "lon": 20.0},
            "b": {"lat": 60.02, "lon": 20.0},
            "c": {"lat": 60.0, "lon": 20.05},
            "d": {"lat": 60.03, "lon": 20.04},
        },
        "firms": {"plant": "Plant", "greenhouse": "Greenhouse", "utility": "Utility"},
        "facilities": {
            "plant": {
                "owner": "plant",
                "site": "a",
                "supplies": [
                    {"resource": "heat", "amount": 9000, "disposal": {"cost": 2, "emissions": 0.01}}
                ],
            },
            "greenhouse": {
                "owner": "greenhouse",
                "site": "b",
                "demands": [
                    {
                        "resource": "heat",
                        "amount": 5000,
                        "alternative": {"cost": 40, "emissions": 0.2},
                    }
                ],
            },
            "network": {
                "owner": "utility",
                "site": "c",
                "demands": [
                    {
                        "resource": "heat",
                        "amount": 6000,
                        "alternative": {"cost": 25, "emissions": 0.05},
                    }
                ],
            },
            "boiler": {
                "owner": "utility",
                "site": "c",
                "supplies": [{"resource": "heat", "amount": 2500}],
            },
            "pool": {
                "site": "d",
                "demands": [
                    {
                        "resource": "heat",
                        "amount": 1500,
                        "alternative": {"cost": 60, "emissions": 0.2},
                    }
                ],
            },
        },
        "transport": {
            "heat_pipe": {
                "resources": ["heat"],
                "capex_per_km": 150_000,
                "fixed_opex_per_km": 1_000,
                "variable_cost": 0.3,
                "emissions": 0.0001,
                "loss_per_km": 0.02,
            }
        },
        "objective": "cost",
    }


def restricted(data: dict[str, Any], firms: frozenset[str]) -> dict[str, Any]:
    """The raw scenario with only the facilities of `firms` (owner, else the facility id)."""
    data = copy.deepcopy(data)
    data["facilities"] = {
        name: facility
        for name, facility in data["facilities"].items()
        if facility.get("owner", name) in firms
    }
    return data


def test_four_firms_against_reference(tmp_path: Path) -> None:
    data = four_firm_park()
    firms = ["plant", "greenhouse", "utility", "pool"]
    v: dict[frozenset[str], float] = {frozenset(): 0.0}
    for size in range(1, 5):
        for members in itertools.combinations(firms, size):
            v[frozenset(members)] = reference_optimum(restricted(data, frozenset(members)), "cost")
    scenario = symopt.parse_scenario(to_yaml(data))
    run = run_share(scenario, out=tmp_path, options=symopt.solver_options(mip_gap=0))
    coalitions = run.coalitions.set_index("coalition")
    for members, value in v.items():
        if members:
            label = "+".join(firm for firm in firms if firm in members)
            assert coalitions.loc[label, "cost"] == pytest.approx(value, rel=REL, abs=1e-3)
    shapley = shapley_by_orders(firms, v)
    table = run.firms.set_index("firm")
    for firm in firms:
        assert table.loc[firm, "shapley_cost"] == pytest.approx(shapley[firm], rel=REL, abs=1e-3)
    assert table.loc["utility", "facilities"] == "network; boiler"
    assert table.loc["utility", "name"] == "Utility"
    # The game is not trivial: together the firms save money.
    grand = v[frozenset(firms)]
    assert sum(v[frozenset({firm})] for firm in firms) - grand > 1000
    # Core, exactly: no coalition pays less on its own than its Shapley costs added up.
    worst = max(
        sum(shapley[firm] for firm in members) - value for members, value in v.items() if members
    )
    assert bool(table["in_core"].iloc[0]) == (worst <= 1e-6 * abs(grand) + 1e-6)
    # Before transfers the firms pay the park's cost between them; the payments along the
    # links then bring each firm to its Shapley cost.
    assert table["cost_before_transfers"].sum() == pytest.approx(grand, rel=1e-9)
    paid = run.transfers.groupby("payer")["amount"].sum()
    received = run.transfers.groupby("payee")["amount"].sum()
    for firm in firms:
        after = table.loc[firm, "cost_before_transfers"] + paid.get(firm, 0.0)
        after -= received.get(firm, 0.0)
        assert after == pytest.approx(shapley[firm], rel=REL, abs=1e-3)
    # Sampled: within 3 standard errors of the exact value (seeded, so reproducible).
    sampled = run_share(
        scenario, samples=60, seed=7, options=symopt.solver_options(mip_gap=0)
    ).firms.set_index("firm")
    for firm in firms:
        error = sampled.loc[firm, "shapley_cost_se"]
        assert abs(sampled.loc[firm, "shapley_cost"] - shapley[firm]) <= 3 * error + 1e-6


def test_firm_that_cannot_stand_alone_is_named(tmp_path: Path) -> None:
    scenario = symopt.load_scenario(ROOT / "scenarios" / "umea.yaml")
    run = run_share(scenario, out=tmp_path)
    table = run.firms.set_index("firm")
    # Liquid Wind's methanol plant needs CO2 and hydrogen with no alternative: alone (or
    # with Umeva) it cannot run its contracted minimum.
    note = table.loc["liquid_wind", "note"]
    assert note.startswith("cannot stand alone: infeasible")
    assert "e_methanol" in note
    assert any("liquid_wind" in message for message in run.messages)
    assert table["shapley_cost"].isna().all()
    assert table.loc["umeva", "note"].startswith("undefined")
    assert run.transfers.empty
    assert (tmp_path / "firms.csv").is_file()


# ---- the game as pure functions: axioms on random games ---------------------------------


def random_game(draw: Any, n: int) -> np.ndarray:
    values = draw(
        st.lists(
            st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False),
            min_size=(1 << n) - 1,
            max_size=(1 << n) - 1,
        )
    )
    return np.array([0.0, *values])


@st.composite
def games(draw: Any) -> np.ndarray:
    return random_game(draw, draw(st.integers(1, 6)))


@settings(max_examples=60, deadline=None)
@given(games())
def test_efficiency(values: np.ndarray) -> None:
    phi = shapley_exact(values)
    assert phi.sum() == pytest.approx(values[-1], abs=1e-6 * (1 + np.abs(values).max()))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 5), st.data())
def test_symmetry_and_dummy(n: int, data: Any) -> None:
    """Firms 0 and 1 are interchangeable; the last firm is a dummy (adds its own cost)."""
    base = random_game(data.draw, n - 1)  # game on firms 0..n-2
    # symmetrise firms 0 and 1: v(S) depends on how many of them S holds
    swap = np.array([(m & ~3) | ((m & 1) << 1) | ((m >> 1) & 1) for m in range(len(base))])
    base = (base + base[swap]) / 2 if n - 1 >= 2 else base
    own = data.draw(st.floats(-1e3, 1e3, allow_nan=False))
    dummy = n - 1
    values = np.array(
        [base[m & ~(1 << dummy)] + (own if m >> dummy & 1 else 0.0) for m in range(1 << n)]
    )
    phi = shapley_exact(values)
    assert phi[dummy] == pytest.approx(own, abs=1e-6 * (1 + np.abs(values).max()))
    if n - 1 >= 2:
        assert phi[0] == pytest.approx(phi[1], abs=1e-6 * (1 + np.abs(values).max()))


@settings(max_examples=40, deadline=None)
@given(games())
def test_core_check_finds_the_worst_coalition(values: np.ndarray) -> None:
    n = len(values).bit_length() - 1
    allocation = shapley_exact(values)
    check = core_check(allocation, dict(enumerate(values)), float(values[-1]))
    excess = [
        sum(allocation[i] for i in range(n) if m >> i & 1) - values[m] for m in range(1, 1 << n)
    ]
    worst = max(excess)
    tolerance = 1e-6 * max(1.0, abs(values[-1]))
    assert check.in_core == (worst <= tolerance)
    if not check.in_core:
        assert check.excess == pytest.approx(worst)
    assert check.checked == (1 << n) - 1


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=6),
    st.floats(0, 1, allow_nan=False),
)
def test_proportional_split_is_individually_rational(standalone: list[float], share: float) -> None:
    alone = np.array(standalone)
    grand = float(alone.sum()) * share  # any grand cost at most the sum: a saving >= 0
    split = proportional_split(alone, grand)
    assert split.sum() == pytest.approx(grand, abs=1e-6 * (1 + alone.sum()))
    assert (split <= alone + 1e-9 * (1 + alone)).all()


def test_sampled_within_three_errors_on_six_firms() -> None:
    generator = np.random.default_rng(3)
    values = np.concatenate([[0.0], generator.uniform(-100, 1000, 63)])
    exact = shapley_exact(values)
    orders = sample_permutations(6, 400, seed=11)
    sampled = shapley_sampled(orders, dict(enumerate(values)))
    assert sampled.value.sum() == pytest.approx(values[-1])  # every order is efficient
    assert (np.abs(sampled.value - exact) <= 3 * sampled.standard_error).all()
    assert (sampled.standard_error > 0).all()
    assert not math.isnan(sampled.standard_error.sum())


def test_share_command(tmp_path: Path) -> None:
    import subprocess
    import sys

    scenario = ROOT / "scenarios" / "examples" / "water_reuse.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "symopt", "share", str(scenario), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Shapley" in done.stdout
    assert "EUR per year" in done.stdout
    assert "methanol_plant" in done.stdout  # the payer of the transfers
    firms = pd.read_csv(tmp_path / "firms.csv")
    assert list(firms.columns[:5]) == [
        "firm",
        "name",
        "facilities",
        "standalone_cost",
        "shapley_cost",
    ]
    for column in ("shapley_saving", "proportional_cost", "in_core"):
        assert column in firms.columns
    assert len(pd.read_parquet(tmp_path / "coalitions.parquet")) == 7
    bad = tmp_path / "bad.yaml"
    bad.write_text(scenario.read_text(encoding="utf-8").replace("symopt: 1", "symopt: 2"))
    done = subprocess.run(
        [sys.executable, "-m", "symopt", "share", str(bad), "--out", str(tmp_path / "b")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "bad.yaml:" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("path", "coalitions"),
    [
        (
            "boden.yaml",
            [
                {"stegra", "fish_farm_operator"},
                {"stegra", "agtira", "boden_energi"},
                {"hive", "agtira", "boden_energi", "genesis"},
                {"boden_municipality", "stegra", "boden_business_park", "hydro66"},
            ],
        ),
        ("umea.yaml", [{"umea_energi", "liquid_wind"}, {"umea_energi", "umeva"}]),
    ],
)
def test_restricted_network_matches_restricted_scenario(
    path: str, coalitions: list[set[str]]
) -> None:
    """A coalition solved on the park's network without the others' facilities (what
    `symopt share` does) costs what `symopt.solve` gives for the smaller scenario."""
    from symopt.studies.coalition_task import CoalitionTask, solve_coalition
    from symopt.studies.share import restrict

    scenario = symopt.load_scenario(ROOT / "scenarios" / path)
    options = symopt.solver_options(mip_gap=0)
    for firms in coalitions:
        facilities = tuple(name for name in scenario.facilities if scenario.owner_of(name) in firms)
        task = CoalitionTask("k", scenario, "cost", options, base=path, facilities=facilities)
        row = solve_coalition(task).row
        alone = symopt.solve(restrict(scenario, firms), objective="cost", options=options)
        assert row["status"] == alone.status.value
        assert row["total_cost"] == pytest.approx(alone.summary.total_cost, rel=1e-7, abs=1e-3)
