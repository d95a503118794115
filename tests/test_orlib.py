"""OR-Library capacitated warehouse location (cap71, cap131) against their published optima.

The instances live beside the repository in `shared/benchmarks/orlib-cap`; the tests that
need them are skipped when it is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import symopt

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest` run as a script does not put the repo on the path
    sys.path.insert(0, str(ROOT))

from benchmarks.orlib import (  # noqa: E402
    PUBLISHED,
    CapInstance,
    alternative_cost,
    read_cap,
    to_scenario,
    to_yaml,
)

INSTANCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "orlib-cap"
REL = 1e-6


@pytest.fixture(scope="module", params=sorted(PUBLISHED), ids=str)
def solved(request: pytest.FixtureRequest) -> tuple[CapInstance, Any]:
    name = request.param
    path = INSTANCE_DIR / f"{name}.txt"
    if not path.is_file():
        pytest.skip(f"OR-Library instance {path} not present (shared/ beside the repository)")
    instance = read_cap(path)
    scenario = symopt.parse_scenario(to_yaml(to_scenario(instance)), source=str(path))
    result = symopt.solve(scenario, mip_gap=0)
    assert result.status == symopt.SolveStatus("optimal")
    return instance, result


def test_objective_is_published_optimum(solved: tuple[CapInstance, Any]) -> None:
    instance, result = solved
    assert result.summary.objective == pytest.approx(PUBLISHED[instance.name], rel=REL)


def test_objective_is_fixed_plus_allocation_cost(solved: tuple[CapInstance, Any]) -> None:
    """Recompute the warehouse location cost from the plan with the instance's own data."""
    instance, result = solved
    built = dict(zip(result.facilities["facility"], result.facilities["built"], strict=True))
    fixed = sum(cost for i, cost in enumerate(instance.fixed_costs) if built[f"warehouse_{i + 1}"])
    allocation = sum(
        row.sent
        * instance.unit_cost(int(row.source.split("_")[1]) - 1, int(row.sink.split("_")[1]) - 1)
        for row in result.flows.itertuples()
    )
    assert fixed + allocation == pytest.approx(result.summary.objective, rel=REL)


def test_every_customer_served_by_links(solved: tuple[CapInstance, Any]) -> None:
    instance, result = solved
    assert result.alternatives["amount"].sum() == pytest.approx(0.0, abs=1e-6)
    delivered = result.flows.groupby("sink")["delivered"].sum()
    for j, demand in enumerate(instance.demands):
        assert delivered.get(f"customer_{j + 1}", 0.0) == pytest.approx(demand, rel=REL, abs=1e-6)


def test_no_warehouse_over_capacity(solved: tuple[CapInstance, Any]) -> None:
    instance, result = solved
    sent = result.flows.groupby("source")["sent"].sum()
    built = dict(zip(result.facilities["facility"], result.facilities["built"], strict=True))
    for i, capacity in enumerate(instance.capacities):
        name = f"warehouse_{i + 1}"
        shipped = float(sent.get(name, 0.0))
        assert shipped <= capacity * (1 + 1e-9) + 1e-6, name
        assert built[name] or shipped <= 1e-6, f"{name} ships {shipped} but is not built"


def test_read_cap_wrapped_lines(tmp_path: Path) -> None:
    """Costs wrap over lines at arbitrary places; line breaks carry no meaning."""
    path = tmp_path / "tiny.txt"
    path.write_text(" 2 3 \n 10 5.\n 10 0.\n 4\n 8.0 \n 12.\n 6 3\n 6 2\n 3.5\n 7\n\n")
    instance = read_cap(path)
    assert instance.capacities == (10.0, 10.0)
    assert instance.fixed_costs == (5.0, 0.0)
    assert instance.demands == (4.0, 6.0, 2.0)
    assert instance.costs == ((8.0, 12.0), (3.0, 6.0), (3.5, 7.0))
    assert instance.unit_cost(1, 0) == 3.0
    # Demand 12 needs both warehouses (capacity 10 each): fixed 5. Warehouse 1 is cheaper
    # for everyone (8 + 3 + 3.5 = 14.5 for all of it), but 2 units must come from
    # warehouse 2, cheapest for customer 2 (0.5 more per unit): 5 + 14.5 + 1 = 20.5.
    scenario = symopt.parse_scenario(to_yaml(to_scenario(instance)))
    result = symopt.solve(scenario, mip_gap=0)
    assert result.summary.objective == pytest.approx(20.5, rel=REL)
    assert result.alternatives["amount"].sum() == pytest.approx(0.0, abs=1e-9)
    # c_max + fixed costs / granularity (every capacity and demand is a multiple of 2)
    assert alternative_cost(instance) > 3.0 + 5.0 / 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2 1\n10 5\n10 0\n4 8\n", "ends where the cost of customer 1 at warehouse 2"),
        ("1 1\n10 5\n4 8 9\n", "left over"),
        ("1 1\n10 five\n4 8\n", "expected a number"),
    ],
)
def test_read_cap_rejects_malformed(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_cap(path)


@pytest.mark.parametrize(
    ("name", "capacity"), [("capa-10000", 10000.0), ("capb-5000", 5000.0), ("capc-5000", 5000.0)]
)
def test_large_instances_read_from_their_gzip_files(name: str, capacity: float) -> None:
    """OR-Library's capa/capb/capc (benchmarks/orlib-large/README.md): 100 warehouses of
    the capacity the file name gives, 1000 customers, a cost per warehouse each."""
    from benchmarks.hard_instances import ORLIB_LARGE, orlib_large_instances

    instance = read_cap(ORLIB_LARGE / f"{name}.txt.gz")
    assert instance.name == name
    assert (instance.m, instance.n) == (100, 1000)
    assert set(instance.capacities) == {capacity}
    assert all(len(row) == 100 for row in instance.costs)
    assert name in {found.name for found in orlib_large_instances()}
