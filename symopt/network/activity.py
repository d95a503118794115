"""Activity bounds of processes without `size` (their big-M), and node maxima.

With `size`, activity is at most `max * hours_t`. Without, two bounds, each holding for
some optimal solution (so that the model with them keeps an optimum of the spec's):

1. usefulness (`_settle`): activity is useful only up to the largest of what any of its
   inputs can receive through links and what any of its outputs' demands can take
   (beyond that each further unit needs alternatives and is disposed of, at no gain
   when those costs are non-negative), never above what an input without alternative
   can receive, and at least its `min_activity`. Processes linked to each other make
   these bounds depend on each other: they are raised from the minimum activities
   until they settle (the least fixed point; an optimum whose activities are as small
   as possible lies within it). A process for which more activity pays by itself in
   the objective minimised (`_pays_to_run`: a negative weighted coefficient), or a loop
   of processes that amplifies what it passes round, does not settle.
2. the objective (`symopt.network.objective_bound`) for those that do not settle.
"""

from __future__ import annotations

import math
from typing import NoReturn

import numpy as np
import pandas as pd

from symopt.enums import Driver
from symopt.errors import NoKnownPlanError, SymoptError, UnboundedError
from symopt.network.nodes import NodeTables
from symopt.network.objective_bound import (
    NoBound,
    objective_activity_bound,
    objective_coefficients,
)
from symopt.scenario.schema import Scenario

#: Passes of bound propagation through processes without `size` linked to each other.
BOUND_PASSES = 60
#: The provisional bound: this times the largest finite activity bound or `min_activity`.
PROVISIONAL_FACTOR = 10.0


def _node_max(
    coefficient: np.ndarray, nodes: pd.DataFrame, facilities: pd.DataFrame, activity_max: np.ndarray
) -> np.ndarray:
    """Most a node can hold: coefficient times the largest value of its driver."""
    facility = nodes["facility_index"].to_numpy(dtype=int)
    driver = nodes["driver"].to_numpy(dtype=object)
    size_max = facilities["size_max"].to_numpy(dtype=float)[facility]
    scale = np.where(driver == Driver.SIZE.value, size_max, 1.0)[:, None] * np.ones_like(
        coefficient
    )
    is_activity = driver == Driver.ACTIVITY.value
    scale[is_activity] = activity_max[facility[is_activity]]
    with np.errstate(invalid="ignore"):
        return np.where(coefficient > 0, coefficient * scale, 0.0)


def _pays_to_run(
    nodes: NodeTables, links: pd.DataFrame, weights: tuple[float, float], carbon_price: float
) -> np.ndarray:
    """(F,): processes for which more activity can pay by itself in the objective
    minimised (`weights`): a negative objective coefficient on running, on disposing or
    selling an output or on an input's alternative."""
    supplies, demands = nodes.supplies, nodes.demands
    coefficients = objective_coefficients(nodes, links, weights, carbon_price)
    w_cost, w_emissions = weights
    sale = w_cost * supplies["purchase_cost"].to_numpy(dtype=float) + (
        w_cost * carbon_price + w_emissions
    ) * supplies["purchase_emissions"].to_numpy(dtype=float)
    pays = coefficients.activity < 0
    for table, coefficient in (
        (supplies, coefficients.disposal),
        (demands, coefficients.alternative),
        (supplies, sale),
    ):
        of_process = table["driver"].to_numpy(dtype=object) == Driver.ACTIVITY.value
        pays[table["facility_index"].to_numpy(dtype=int)[of_process & (coefficient < 0)]] = True
    return np.asarray(pays)


def _best_per_pair(values: np.ndarray, pair: np.ndarray, pairs: int) -> np.ndarray:
    """(pairs, T): the largest of `values` (links, T) over the links of each node pair."""
    best = np.zeros((pairs, values.shape[1]))
    np.maximum.at(best, pair, values)
    return best


def _per_unit(reach: np.ndarray, per: np.ndarray, empty: float) -> np.ndarray:
    """What `reach` allows per unit of activity at `per` per unit (`empty` where per = 0)."""
    return np.where(per > 0, reach / np.where(per > 0, per, 1.0), empty)


def _settle(
    nodes: NodeTables,
    links: pd.DataFrame,
    hours: np.ndarray,
    pinned: np.ndarray,
    pays_to_run: np.ndarray,
) -> np.ndarray:
    """(F, T) activity bounds by the least fixed point; inf where they keep rising.

    `pinned` (F,): a bound already proven for a process (NaN: none; inf: no bound is
    needed); it is kept as is. `pays_to_run` (F,): see `_pays_to_run`.
    See the module docstring for the usefulness argument.
    """
    facilities = nodes.facilities
    sized = facilities["sized"].to_numpy(dtype=bool)
    process = facilities["process"].to_numpy(dtype=bool)
    activity_max = np.zeros((len(facilities), len(hours)))
    activity_max[sized & process] = (
        facilities["size_max"].to_numpy(dtype=float)[sized & process, None] * hours
    )
    unsized = np.flatnonzero(process & ~sized)
    activity_max[unsized] = nodes.min_activity[unsized]
    supply, demand = links["supply"].to_numpy(dtype=int), links["demand"].to_numpy(dtype=int)
    factor = links["factor"].to_numpy(dtype=float)[:, None]
    demands, supplies = nodes.demands, nodes.supplies
    activity = Driver.ACTIVITY.value
    input_of = np.where(
        demands["driver"].to_numpy(dtype=object) == activity,
        demands["facility_index"].to_numpy(dtype=int),
        -1,
    )
    output_of = np.where(
        supplies["driver"].to_numpy(dtype=object) == activity,
        supplies["facility_index"].to_numpy(dtype=int),
        -1,
    )
    no_alternative = ~demands["has_alternative"].to_numpy(dtype=bool)
    node_pairs, pair = np.unique(np.column_stack((supply, demand)), axis=0, return_inverse=True)
    pair = pair.reshape(-1)
    pairs = len(node_pairs)
    pair_supply, pair_demand = node_pairs[:, 0], node_pairs[:, 1]
    settled = True
    for _ in range(BOUND_PASSES if len(unsized) else 0):
        supply_max = _node_max(nodes.supply_coefficient, supplies, facilities, activity_max)
        demand_max = _node_max(nodes.demand_coefficient, demands, facilities, activity_max)
        # What links can deliver to each demand node, and take from each supply node:
        # per pair of nodes the best of its links (modes, placements), summed over pairs.
        reach_in = np.zeros_like(demand_max)
        np.add.at(reach_in, pair_demand, _best_per_pair(supply_max[supply] * factor, pair, pairs))
        reach_out = np.zeros_like(supply_max)
        np.add.at(reach_out, pair_supply, _best_per_pair(demand_max[demand] / factor, pair, pairs))
        previous, updated = activity_max, activity_max.copy()
        for f in unsized:
            inputs, outputs = np.flatnonzero(input_of == f), np.flatnonzero(output_of == f)
            useful = np.zeros(len(hours))
            for k in inputs:
                useful = np.maximum(useful, _per_unit(reach_in[k], nodes.demand_coefficient[k], 0))
            for s in outputs:
                useful = np.maximum(useful, _per_unit(reach_out[s], nodes.supply_coefficient[s], 0))
            if pays_to_run[f]:
                useful = np.full(len(hours), np.inf)
            for k in inputs[no_alternative[inputs]]:
                useful = np.minimum(
                    useful, _per_unit(reach_in[k], nodes.demand_coefficient[k], np.inf)
                )
            if not np.isnan(pinned[f]):
                useful = np.full(len(hours), pinned[f])
            updated[f] = np.maximum(useful, nodes.min_activity[f])
        settled = bool(
            np.all(
                (updated == activity_max) | np.isclose(updated, activity_max, rtol=1e-12, atol=0)
            )
        )
        activity_max = updated
        if settled:
            break
    if not settled:
        rising = ~np.isclose(updated, previous, rtol=1e-12, atol=0).all(axis=1)
        activity_max[rising] = np.inf  # still rising after every pass: unbounded
    return activity_max


def activity_bounds(
    scenario: Scenario,
    nodes: NodeTables,
    links: pd.DataFrame,
    hours: np.ndarray,
    weights: tuple[float, float],
    alternative_misses: np.ndarray,
    known_upper: float = math.inf,
    provisional: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Activity bounds (big-M) and the most each node can hold.

    First the least fixed point of `_settle`. Processes whose bounds do not settle get
    the objective bound of `symopt.network.objective_bound` (valid for the objective
    with `weights` = (cost weight, emissions weight)); the others are then settled again
    with those pinned. Where neither bound limits a process, the scenario is refused as
    proven unbounded (`UnboundedError`, exit code 4) when a process earns by running
    alone (`NoBound.earners`); else, where the model needs no big-M, it is left to the
    solver, and where it needs one, refused with the reason.

    Where the objective bound lacks a feasible plan's objective (`NoBound.needs_plan`),
    `NoKnownPlanError` is raised, unless `provisional`: then the unbounded processes get
    `PROVISIONAL_FACTOR` times the largest finite activity bound or `min_activity`, a
    restriction of the problem whose optimum (if any) is a feasible plan's objective, to
    pass back as `known_upper`.
    """
    facilities = nodes.facilities
    no_pin = np.full(len(facilities), np.nan)
    pays = _pays_to_run(nodes, links, weights, scenario.economics.carbon_price)
    activity_max = _settle(nodes, links, hours, no_pin, pays)
    unbounded = ~np.isfinite(activity_max).all(axis=1)
    if unbounded.any():
        bound = objective_activity_bound(
            nodes,
            links,
            hours,
            activity_max,
            weights,
            scenario.economics.carbon_price,
            alternative_misses,
            known_upper,
        )
        if isinstance(bound, NoBound) and bound.needs_plan and provisional:
            bound = np.full(len(facilities), _provisional_bound(nodes, activity_max))
        if isinstance(bound, NoBound):
            if bound.earners.any():
                _refuse_unbounded(nodes, bound.earners)
            # Without a big-M to keep, the model needs none: the solver then finds the
            # optimum, or reports the scenario unbounded.
            activity_max = _settle(nodes, links, hours, np.where(unbounded, np.inf, np.nan), pays)
            if not _needs_big_m(nodes, links, activity_max):
                return _with_node_max(nodes, activity_max)
            if bound.needs_plan:
                raise NoKnownPlanError(_refusal(nodes, unbounded & pays, unbounded, bound.reason))
            _refuse(nodes, unbounded & pays, unbounded, bound.reason)
        activity_max = _settle(nodes, links, hours, np.where(unbounded, bound, np.nan), pays)
        still = ~np.isfinite(activity_max).all(axis=1)
        if still.any():
            _refuse(
                nodes, still & pays, still, "their bounds depend on each other and do not settle"
            )
    return _with_node_max(nodes, activity_max)


def _with_node_max(
    nodes: NodeTables, activity_max: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    facilities = nodes.facilities
    supply_max = _node_max(nodes.supply_coefficient, nodes.supplies, facilities, activity_max)
    demand_max = _node_max(nodes.demand_coefficient, nodes.demands, facilities, activity_max)
    return activity_max, supply_max, demand_max


def _needs_big_m(nodes: NodeTables, links: pd.DataFrame, activity_max: np.ndarray) -> bool:
    """Whether an unbounded activity would enter a big-M constraint: the process is
    optional (a <= M b), or a link that can carry without limit needs building (x <= M y)
    or has an end whose placement is a decision (x <= M p)."""
    facilities, placements = nodes.facilities, nodes.placements
    unbounded = ~np.isfinite(activity_max).all(axis=1)
    if facilities["optional"].to_numpy(dtype=bool)[unbounded].any():
        return True
    _, supply_max, demand_max = _with_node_max(nodes, activity_max)
    supply, demand = links["supply"].to_numpy(dtype=int), links["demand"].to_numpy(dtype=int)
    limitless = ~(np.isfinite(supply_max[supply]) | np.isfinite(demand_max[demand])).all(axis=1)
    owner = placements["facility_index"].to_numpy(dtype=int)
    decided = (
        placements["choice"].to_numpy(dtype=bool)
        | facilities["optional"].to_numpy(dtype=bool)[owner]
    )
    gated = (
        links["built"].to_numpy(dtype=bool)
        | decided[links["placement_from"].to_numpy(dtype=int)]
        | decided[links["placement_to"].to_numpy(dtype=int)]
    )
    return bool((limitless & gated).any())


def _provisional_bound(nodes: NodeTables, activity_max: np.ndarray) -> float:
    """A generous finite activity bound for a first solve that only seeks a feasible plan."""
    finite = activity_max[np.isfinite(activity_max)]
    largest = max(float(finite.max(initial=0.0)), float(nodes.min_activity.max(initial=0.0)), 1.0)
    return PROVISIONAL_FACTOR * largest


def _refuse(nodes: NodeTables, paying: np.ndarray, unbounded: np.ndarray, why: str) -> NoReturn:
    raise SymoptError(_refusal(nodes, paying, unbounded, why))


def _refusal(nodes: NodeTables, paying: np.ndarray, unbounded: np.ndarray, why: str) -> str:
    names = nodes.facilities["facility"].to_numpy(dtype=object)
    payers = ", ".join(map(repr, names[paying]))
    reason = (
        f"more activity of {payers} pays by itself (a negative cost or emission)"
        if payers
        else "their bounds depend on each other (one takes another's output, which "
        "only the first's activity would justify) and do not settle"
    )
    return (
        "cannot bound the activity of process(es) "
        + ", ".join(map(repr, names[unbounded]))
        + f" without a `size`: {reason}, and no bound from the objective either ({why}), "
        "so the optimum may be unbounded; give each a `size: {max: ...}` (activity per "
        "hour at most max)"
    )


def _refuse_unbounded(nodes: NodeTables, earners: np.ndarray) -> NoReturn:
    names = ", ".join(map(repr, nodes.facilities["facility"].to_numpy(dtype=object)[earners]))
    raise UnboundedError(
        f"unbounded: each unit of activity of process(es) {names} lowers the objective "
        "(its variable cost and emissions, its inputs bought from their alternatives and "
        "its outputs disposed of earn more than they cost) and nothing limits it (no "
        "`size`), so the objective can be lowered without limit; give each a "
        "`size: {max: ...}` (activity per hour at most max) or check the signs of its "
        "costs and emissions"
    )
