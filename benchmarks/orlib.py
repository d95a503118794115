"""OR-Library capacitated warehouse location (cap71, cap131) as symopt scenarios.

J. E. Beasley's OR-Library instances with published optimal values are a check of symopt
against a published table: an optional facility with a fixed annual cost, a capacity,
and per-unit link costs is exactly the capacitated warehouse location problem (demand
may be split between warehouses).

The instance format (whitespace separated, line breaks carry no meaning):
`m n`; for each of the m warehouses `capacity fixed_cost`; for each of the n customers
its `demand` followed by m numbers, the cost of allocating *all* of its demand to each
warehouse (these wrap over several lines).

    python -m benchmarks.orlib [DIR]     # DIR defaults to ../shared/benchmarks/orlib-cap
"""

from __future__ import annotations

import gzip
import math
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

import symopt

#: Published optimal values (OR-Library, capopt).
PUBLISHED = {"cap71": 932615.750, "cap131": 793439.562}

#: Where the instance files live: `shared/` sits beside the repository.
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "orlib-cap"

RESOURCE = "goods"
MODE = "delivery"
#: symopt refuses magnitudes above this (schema.MAX_MAGNITUDE).
MAX_MAGNITUDE = 1e12
#: Site grid: 0.5 degree steps (>= 25 km apart below 60 degrees latitude).
GRID_STEP_DEG = 0.5
GRID_COLUMNS = 720
GRID_ROWS = 241


@dataclass(frozen=True)
class CapInstance:
    """One capacitated warehouse location instance."""

    name: str
    capacities: tuple[float, ...]
    """Per warehouse."""
    fixed_costs: tuple[float, ...]
    """Per warehouse: paid when it is open."""
    demands: tuple[float, ...]
    """Per customer."""
    costs: tuple[tuple[float, ...], ...]
    """`costs[j][i]`: cost of allocating all of customer j's demand to warehouse i."""

    @property
    def m(self) -> int:
        """Number of warehouses."""
        return len(self.capacities)

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.demands)

    def unit_cost(self, i: int, j: int) -> float:
        """Cost per unit of customer j's demand served from warehouse i."""
        demand = self.demands[j]
        return self.costs[j][i] / demand if demand > 0 else 0.0


def read_cap(path: str | Path) -> CapInstance:
    """Parse an OR-Library `cap` file; raise ValueError on anything malformed."""
    path = Path(path)
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    tokens = raw.decode("ascii").split()
    position = 0

    def take(what: str) -> float:
        nonlocal position
        if position >= len(tokens):
            raise ValueError(f"{path}: the file ends where {what} was expected")
        token = tokens[position]
        position += 1
        try:
            value = float(token)
        except ValueError:
            raise ValueError(f"{path}: {what} is {token!r}; expected a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{path}: {what} is {token!r}; expected a finite number")
        return value

    def count(what: str) -> int:
        value = take(what)
        if value != int(value) or value < 1:
            raise ValueError(f"{path}: {what} is {value!r}; expected a positive integer")
        return int(value)

    m = count("the number of warehouses")
    n = count("the number of customers")
    capacities, fixed_costs = [], []
    for i in range(m):
        capacities.append(take(f"the capacity of warehouse {i + 1}"))
        fixed_costs.append(take(f"the fixed cost of warehouse {i + 1}"))
    demands, costs = [], []
    for j in range(n):
        demands.append(take(f"the demand of customer {j + 1}"))
        costs.append(
            tuple(take(f"the cost of customer {j + 1} at warehouse {i + 1}") for i in range(m))
        )
    if position != len(tokens):
        raise ValueError(
            f"{path}: {len(tokens) - position} number(s) left over after {m} warehouses and "
            f"{n} customers; expected the file to end"
        )
    negative = [value for value in (*capacities, *demands) if value < 0]
    if negative:
        raise ValueError(f"{path}: negative capacity or demand {negative[0]!r}; expected >= 0")
    return CapInstance(
        name=path.name.removesuffix(".gz").removesuffix(".txt"),
        capacities=tuple(capacities),
        fixed_costs=tuple(fixed_costs),
        demands=tuple(demands),
        costs=tuple(costs),
    )


def _granularity(values: tuple[float, ...]) -> Fraction:
    """The largest g such that every value is an integer multiple of g (0 if all are 0)."""
    g = Fraction(0)
    for value in values:
        exact = Fraction(repr(value))  # the shortest decimal that reads back as this float
        g = Fraction(
            math.gcd(g.numerator * exact.denominator, exact.numerator * g.denominator),
            g.denominator * exact.denominator,
        )
    return g


def alternative_cost(instance: CapInstance) -> float:
    """A per-unit cost of the customers' alternative that no optimum ever uses.

    Let c_max be the largest per-unit allocation cost, F the sum of the (positive) fixed
    costs, D the total demand, and g the granularity of the data: every capacity and
    every demand is an integer multiple of g (g = 1 for OR-Library's integer data).
    Take A > c_max + F / g (and at least 10 c_max). Suppose a solution covers U > 0
    units by the alternative, with warehouses S open:
    - if cap(S) >= D, fewer than D units are sent, so some open warehouse has spare
      capacity; sending one of the U units from it instead costs at most c_max < A
      (every warehouse-customer link exists), so the solution is not optimal;
    - if cap(S) < D, then U >= D - cap(S) > 0, which is an integer multiple of g, so
      U >= g. Opening every closed warehouse (at most F) gives capacity >= D (checked
      in `to_scenario`), and sending the U units from warehouses with spare capacity
      costs at most c_max U; that saves A U - c_max U - F >= (A - c_max) g - F > 0.
    Either way the solution can be improved, so every optimum serves all demand by links
    and its cost is that of the warehouse location problem.
    """
    c_max = max(
        (instance.unit_cost(i, j) for j in range(instance.n) for i in range(instance.m)),
        default=0.0,
    )
    fixed = sum(max(cost, 0.0) for cost in instance.fixed_costs)
    g = _granularity((*instance.capacities, *instance.demands))
    if g == 0:  # no demand at all: the alternative is never needed
        return 10 * c_max + 1.0
    bound = c_max + float(Fraction(fixed) / g)
    cost = float(math.ceil(max(10 * c_max, 1.1 * bound + 1.0)))
    if cost > MAX_MAGNITUDE:
        raise ValueError(
            f"{instance.name}: the alternative cost would be {cost:g}, above symopt's limit "
            f"{MAX_MAGNITUDE:g} (data granularity {float(g):g})"
        )
    return cost


def _site(k: int) -> dict[str, float]:
    """Distinct coordinates on a 0.5-degree grid; all link distances are overrides anyway."""
    if k >= GRID_COLUMNS * GRID_ROWS:
        raise ValueError(f"more than {GRID_COLUMNS * GRID_ROWS} sites")
    row, column = divmod(k, GRID_COLUMNS)
    return {"lat": -60.0 + GRID_STEP_DEG * row, "lon": -179.5 + GRID_STEP_DEG * column}


def to_scenario(instance: CapInstance) -> dict[str, Any]:
    """The instance as a scenario dict (scenario format v1 with `build`).

    Each warehouse is an optional facility (`build: {annual_cost: fixed_cost}`) on its own
    site with one supply of `capacity` units of `goods`; unused supply is disposed of at
    no cost. Each customer is a facility on its own site with a demand of `demand` units
    whose alternative is prohibitively expensive (see `alternative_cost`). The link from
    warehouse i to customer j is `cost[j][i] / demand[j]` km long (a distance override;
    every site is distinct, since same-site links are 0 km and overrides do not apply),
    and the one transport mode costs 1 per unit per km, so a unit sent on it costs
    `cost[j][i] / demand[j]`. One time slice, no capex: economics do not matter.
    """
    total_capacity = sum(instance.capacities)
    total_demand = sum(instance.demands)
    if total_capacity < total_demand:
        raise ValueError(
            f"{instance.name}: total capacity {total_capacity:g} is below total demand "
            f"{total_demand:g}; expected an instance with a feasible allocation"
        )
    warehouses = [f"warehouse_{i + 1}" for i in range(instance.m)]
    customers = [f"customer_{j + 1}" for j in range(instance.n)]
    alternative = alternative_cost(instance)
    facilities: dict[str, Any] = {}
    for i, name in enumerate(warehouses):
        facilities[name] = {
            "site": name,
            "build": {"annual_cost": float(instance.fixed_costs[i])},
            "supplies": [{"resource": RESOURCE, "amount": float(instance.capacities[i])}],
        }
    for j, name in enumerate(customers):
        facilities[name] = {
            "site": name,
            "demands": [
                {
                    "resource": RESOURCE,
                    "amount": float(instance.demands[j]),
                    "alternative": {"cost": alternative, "emissions": 0.0},
                }
            ],
        }
    distances = [
        {"from": warehouse, "to": customer, "km": float(instance.unit_cost(i, j))}
        for j, customer in enumerate(customers)
        for i, warehouse in enumerate(warehouses)
    ]
    return {
        "symopt": 1,
        "name": f"OR-Library {instance.name} ({instance.m} warehouses, {instance.n} customers)",
        "economics": {"carbon_price": 0.0, "discount_rate": 0.0, "lifetime_years": 1.0},
        "resources": {RESOURCE: {"unit": "unit"}},
        "sites": {name: _site(k) for k, name in enumerate(warehouses + customers)},
        "facilities": facilities,
        "transport": {MODE: {"resources": [RESOURCE], "variable_cost": 1.0}},
        "distances": distances,
        "objective": "cost",
    }


def to_yaml(data: dict[str, Any]) -> str:
    """YAML text of a scenario dict (floats are written so that they read back exactly)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None, width=120))


@dataclass(frozen=True)
class Outcome:
    """One instance solved by symopt."""

    instance: str
    published: float | None
    status: str
    objective: float
    build_seconds: float
    """Network, model build and handover to HiGHS (`summary.timings`)."""
    solve_seconds: float
    alternative_units: float
    """Demand covered by the alternative (0 at a correct optimum)."""

    @property
    def relative_difference(self) -> float:
        if self.published is None:
            return math.nan
        return (self.objective - self.published) / abs(self.published)


def solve_instance(path: str | Path) -> Outcome:
    """Read, translate, parse and solve one instance with `mip_gap=0`."""
    instance = read_cap(path)
    scenario = symopt.parse_scenario(to_yaml(to_scenario(instance)), source=str(path))
    result = symopt.solve(scenario, mip_gap=0)
    timings = result.summary.timings
    build = sum(timings.get(stage, 0.0) for stage in ("network", "build", "handover"))
    alternatives = result.alternatives
    return Outcome(
        instance=instance.name,
        published=PUBLISHED.get(instance.name),
        status=str(result.status.value),
        objective=float(result.summary.objective),
        build_seconds=build,
        solve_seconds=float(result.summary.solve_seconds),
        alternative_units=float(alternatives["amount"].sum()) if len(alternatives) else 0.0,
    )


def format_table(outcomes: list[Outcome]) -> str:
    header = (
        f"{'instance':<9} {'published':>14} {'symopt':>14} {'rel. diff':>10} "
        f"{'status':<9} {'alt.':>5} {'build s':>8} {'solve s':>8} {'total s':>8}"
    )
    lines = [header, "-" * len(header)]
    for o in outcomes:
        published = "n/a" if o.published is None else f"{o.published:,.3f}"
        lines.append(
            f"{o.instance:<9} {published:>14} {o.objective:>14,.3f} "
            f"{o.relative_difference:>10.2e} {o.status:<9} {o.alternative_units:>5.3g} "
            f"{o.build_seconds:>8.2f} {o.solve_seconds:>8.2f} "
            f"{o.build_seconds + o.solve_seconds:>8.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else DEFAULT_DIR
    paths = [folder / f"{name}.txt" for name in PUBLISHED]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        print(f"instance file(s) not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    outcomes = []
    clock = time.perf_counter()
    for path in paths:
        outcomes.append(solve_instance(path))
    print(format_table(outcomes))
    print(
        "\nbuild s: network + model + handover to HiGHS (summary.timings); the first instance's\n"
        "includes one-off loading. solve s: summary.solve_seconds. alt.: units covered by the\n"
        f"alternative (0 expected). Wall time {time.perf_counter() - clock:.2f} s (with YAML parsing)."
    )
    worst = max(abs(o.relative_difference) for o in outcomes)
    return 0 if worst <= 1e-6 and all(o.status == "optimal" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
