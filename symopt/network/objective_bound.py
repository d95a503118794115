"""An activity bound from the objective, for processes whose usefulness bound does not settle.

Write the objective (the model's `w_C * cost + w_E * emissions`) as a sum of terms, each a
coefficient times a variable: per unit of a variable the coefficient is
`w_C * cost + (w_C * carbon_price + w_E) * emissions`. Let Q be the processes without
`size` and `c_f` the coefficient of their activity `a[f,t]` (variable cost and emissions).
If

- `c_f >= 0` for every f in Q, and `c_f > 0` for each process to bound,
- the alternatives of Q's inputs, the disposals of Q's outputs and every link out of a
  Q output that has no finite capacity have coefficients >= 0,
- and the *trivial plan* is feasible: nothing exchanged, optional facilities not built,
  other sizes at their minimum (enough for `min_activity`), activities at their
  `min_activity` (every input of such a process then needs an alternative, and no
  alternative may miss a linear quality bound where it would cover a demand alone),

then with `U` the objective of the trivial plan (an upper bound on the optimum) and
`L` a lower bound on every term except the activity terms of Q (negative coefficients
times the most their variable can be, from the nodes whose amounts do not depend on
Q; zero for the terms required >= 0 above), every optimal solution has

    c_f * sum_t a[f,t] <= U - L,   so   a[f,t] <= (U - L) / c_f   for every slice t.

An input `k` of f that only its alternative (coefficient alpha_k >= 0) or nodes outside
Q can cover (at most `R_k` a year through its links) adds to the rate: its `u` is at
least `per_activity_k * A_f - R_k`, so `c_f` becomes `c_f + alpha_k per_activity_k` and
`L` takes `- alpha_k R_k` (`_input_rates`). A bound needs the rate to be > 0.

Otherwise no bound is derived, and the reason is returned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from symopt.enums import Driver, ObjectiveKind
from symopt.network.nodes import NodeTables
from symopt.scenario.schema import ObjectiveWeights, Scenario


def scenario_weights(scenario: Scenario) -> tuple[float, float]:
    """(cost weight, emissions weight) of the scenario's own objective."""
    objective = scenario.objective
    if isinstance(objective, ObjectiveWeights):
        return objective.cost, objective.emissions
    return (1.0, 0.0) if objective == ObjectiveKind.COST else (0.0, 1.0)


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    return np.asarray(table[name].to_numpy(dtype=float))


def objective_activity_bound(
    nodes: NodeTables,
    links: pd.DataFrame,
    hours: np.ndarray,
    unbounded: np.ndarray,
    weights: tuple[float, float],
    carbon_price: float,
    alternative_misses: np.ndarray,
) -> np.ndarray | str:
    """(F,) a bound on each `unbounded` process's activity per slice, or why there is none."""
    w_cost, w_emissions = weights
    w_carbon = w_cost * carbon_price + w_emissions

    def coefficient(cost: np.ndarray, emissions: np.ndarray) -> np.ndarray:
        return np.asarray(w_cost * cost + w_carbon * emissions)

    facilities, supplies, demands = nodes.facilities, nodes.supplies, nodes.demands
    sized = facilities["sized"].to_numpy(dtype=bool)
    process = facilities["process"].to_numpy(dtype=bool)
    in_q = process & ~sized
    activity = coefficient(
        _column(facilities, "activity_cost"), _column(facilities, "activity_emissions")
    )
    if (activity[in_q] < 0).any():
        return "running some process without a size pays in the objective"
    size_max = _column(facilities, "size_max")
    # Most each node can hold where that does not depend on Q (inf for Q's nodes).
    activity_max = np.where(sized[:, None], size_max[:, None] * hours, np.inf)

    def node_max(table: pd.DataFrame, amount: np.ndarray) -> np.ndarray:
        facility = table["facility_index"].to_numpy(dtype=int)
        driver = table["driver"].to_numpy(dtype=object)
        scale = np.ones_like(amount)
        scale[driver == Driver.SIZE.value] = size_max[facility[driver == Driver.SIZE.value], None]
        is_activity = driver == Driver.ACTIVITY.value
        scale[is_activity] = activity_max[facility[is_activity]]
        with np.errstate(invalid="ignore"):
            return np.where(amount > 0, amount * scale, 0.0)

    supply_max = node_max(supplies, nodes.supply_coefficient)
    demand_max = node_max(demands, nodes.demand_coefficient)
    alternative = coefficient(
        _column(demands, "alternative_cost"), _column(demands, "alternative_emissions")
    )
    disposal = coefficient(
        _column(supplies, "disposal_cost"), _column(supplies, "disposal_emissions")
    )
    has_alternative = demands["has_alternative"].to_numpy(dtype=bool)
    demand_in_q = ~np.isfinite(demand_max).all(axis=1)
    supply_in_q = ~np.isfinite(supply_max).all(axis=1)
    if (alternative[demand_in_q & has_alternative] < 0).any():
        return "an input of such a process has an alternative that pays"
    if (disposal[supply_in_q] < 0).any():
        return "an output of such a process pays to dispose of"
    supply, demand = links["supply"].to_numpy(dtype=int), links["demand"].to_numpy(dtype=int)
    link = coefficient(
        _column(links, "unit_cost") + _column(links, "purchase_cost"),
        _column(links, "unit_emissions") + _column(links, "purchase_emissions"),
    )
    factor = _column(links, "factor")[:, None]
    capacity = np.minimum(supply_max[supply], demand_max[demand] / factor)
    if (link[~np.isfinite(capacity).all(axis=1)] < 0).any():
        return "a link between such processes pays to use"
    upper = _trivial_plan(nodes, hours, activity, alternative, disposal, w_cost, alternative_misses)
    if upper is None:
        return (
            "a process that must run (`min_activity`) has an input without alternative, "
            "so no plan without exchanges is known to be feasible"
        )
    lower = _lower_bound(nodes, activity, activity_max, alternative, disposal, w_cost)
    lower += float(
        (np.minimum(link, 0.0)[:, None] * np.where(np.isfinite(capacity), capacity, 0.0)).sum()
    )
    lower += float(
        (np.minimum(alternative, 0.0)[:, None] * np.nan_to_num(demand_max, posinf=0)).sum()
    )
    lower += float((np.minimum(disposal, 0.0)[:, None] * np.nan_to_num(supply_max, posinf=0)).sum())
    rate, reach_cost = _input_rates(nodes, links, capacity, alternative, demand_in_q)
    lower -= reach_cost
    rate = rate + activity
    if (rate[unbounded] <= 0).any():
        return (
            "running some process without a size costs nothing in the objective (no "
            "variable cost or emissions, no input that must be bought)"
        )
    with np.errstate(divide="ignore"):
        bound = np.where(unbounded, max(upper - lower, 0.0) / rate, np.inf)
    return np.asarray(np.maximum(bound, nodes.min_activity.max(axis=1)), dtype=float)


def _input_rates(
    nodes: NodeTables,
    links: pd.DataFrame,
    capacity: np.ndarray,
    alternative: np.ndarray,
    demand_in_q: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Objective per unit of a Q process's activity from inputs that only the alternative
    or nodes outside Q can cover, and what those nodes can deliver at most.

    For such an input k (all its links have finite capacity) with alternative
    coefficient alpha_k >= 0: per_activity_k * A_f <= u_k + R_k (R_k = the most its links
    deliver in a year), so alpha_k u_k >= alpha_k per_activity_k A_f - alpha_k R_k.
    Returns (F,) the rates sum_k alpha_k per_activity_k and sum_k alpha_k R_k.
    """
    demands = nodes.demands
    demand = links["demand"].to_numpy(dtype=int)
    factor = _column(links, "factor")[:, None]
    finite = np.isfinite(capacity).all(axis=1)
    unlimited = np.zeros(len(demands), dtype=bool)
    unlimited[demand[~finite]] = True
    reach = np.zeros(len(demands))
    np.add.at(reach, demand[finite], (factor[finite] * capacity[finite]).sum(axis=1))
    use = (
        demand_in_q
        & demands["has_alternative"].to_numpy(dtype=bool)
        & ~unlimited
        & (alternative >= 0)
    )
    per_activity = nodes.demand_coefficient.max(axis=1)
    rate = np.zeros(len(nodes.facilities))
    np.add.at(
        rate,
        demands["facility_index"].to_numpy(dtype=int)[use],
        alternative[use] * per_activity[use],
    )
    return rate, float((alternative[use] * reach[use]).sum())


def _trivial_plan(
    nodes: NodeTables,
    hours: np.ndarray,
    activity: np.ndarray,
    alternative: np.ndarray,
    disposal: np.ndarray,
    w_cost: float,
    alternative_misses: np.ndarray,
) -> float | None:
    """Objective of the plan without exchanges (None if it may be infeasible).

    `alternative_misses` (K,): the demand's alternative misses a linear quality bound, so
    it cannot cover the demand alone.
    """
    facilities, demands, supplies = nodes.facilities, nodes.demands, nodes.supplies
    optional = facilities["optional"].to_numpy(dtype=bool)
    sized = facilities["sized"].to_numpy(dtype=bool)
    running = nodes.min_activity * ~optional[:, None]
    needs = running.sum(axis=1) > 0
    facility_of_input = demands["facility_index"].to_numpy(dtype=int)
    is_input = demands["driver"].to_numpy(dtype=object) == Driver.ACTIVITY.value
    stuck = is_input & ~demands["has_alternative"].to_numpy(dtype=bool)
    stuck &= nodes.demand_coefficient.max(axis=1) > 0
    if needs[facility_of_input[stuck]].any():
        return None
    size = np.where(
        sized & ~optional,
        np.maximum(_column(facilities, "size_min"), (running / hours).max(axis=1)),
        0.0,
    )
    if (size > _column(facilities, "size_max") + 1e-9).any():
        return None
    ones = np.ones(len(hours))

    def driver_value(name: str, f: np.ndarray) -> np.ndarray:
        """The trivial plan's value of a driver (1, b, z or a) for facilities f."""
        if name == Driver.FIXED.value:
            return np.asarray(np.ones((len(f), len(hours))))
        if name == Driver.BUILD.value:
            return np.asarray(np.where(optional[f], 0.0, 1.0)[:, None] * ones)
        if name == Driver.SIZE.value:
            return np.asarray(size[f][:, None] * ones)
        return np.asarray(running[f])

    def amounts(table: pd.DataFrame, coefficient: np.ndarray) -> np.ndarray:
        facility = table["facility_index"].to_numpy(dtype=int)
        driver = table["driver"].to_numpy(dtype=object)
        value = np.zeros_like(coefficient)
        for name in Driver:
            mask = driver == name.value
            value[mask] = driver_value(name.value, facility[mask])
        return np.asarray(coefficient * value)

    demand = amounts(demands, nodes.demand_coefficient).sum(axis=1)
    if (demand[alternative_misses] > 0).any():
        return None
    placements = nodes.placements
    site_cost = _column(placements, "site_cost")
    owner = placements["facility_index"].to_numpy(dtype=int)
    cheapest = pd.Series(site_cost).groupby(owner).min().reindex(range(len(facilities)))
    sites = float(np.where(optional, 0.0, cheapest.fillna(0.0).to_numpy()).sum())
    return float(
        (demand * alternative).sum()
        + (amounts(supplies, nodes.supply_coefficient).sum(axis=1) * disposal).sum()
        + w_cost * (size * _column(facilities, "size_cost")).sum()
        + w_cost * sites
        + (running.sum(axis=1) * activity).sum()
    )


def _lower_bound(
    nodes: NodeTables,
    activity: np.ndarray,
    activity_max: np.ndarray,
    alternative: np.ndarray,
    disposal: np.ndarray,
    w_cost: float,
) -> float:
    """A lower bound on the facility terms of the objective (all but Q's activity).

    Node and link terms are added by the caller.
    """
    facilities, placements = nodes.facilities, nodes.placements
    optional = facilities["optional"].to_numpy(dtype=bool)
    site_cost = _column(placements, "site_cost")
    owner = placements["facility_index"].to_numpy(dtype=int)
    cheapest = pd.Series(site_cost).groupby(owner).min().reindex(range(len(facilities)))
    cheapest_site = cheapest.fillna(0.0).to_numpy()
    sites = np.where(optional, np.minimum(cheapest_site, 0.0), cheapest_site).sum()
    build = np.where(optional, np.minimum(_column(facilities, "build_cost"), 0.0), 0.0).sum()
    size = np.minimum(_column(facilities, "size_cost") * _column(facilities, "size_max"), 0.0)
    size = np.where(facilities["sized"].to_numpy(dtype=bool), size, 0.0).sum()
    finite = np.isfinite(activity_max).all(axis=1)
    most = np.where(finite[:, None], activity_max, 0.0).sum(axis=1)
    running = np.minimum(activity, 0.0) * most
    return float(w_cost * (sites + build + size) + running.sum())
