"""An activity bound from the objective, for processes whose usefulness bound does not settle.

Write the objective (the model's `w_C * cost + w_E * emissions`) as a sum of terms, each a
coefficient times a variable: per unit of a variable the coefficient is
`w_C * cost + (w_C * carbon_price + w_E) * emissions`. Let Q be the processes whose
usefulness bound does not settle (`activity_max` infinite), `A_f = sum_t a[f,t]` and
`c_f` the coefficient of `a[f,t]` (variable cost and emissions; any sign). Split the
objective into the terms that grow with Q's activities and the rest:

    obj = sum_{f in Q} (c_f A_f + sum_{inputs k of f} alpha_k U_k
          + sum_{outputs o of f} (delta_o D_o + sum_{open links l out of o} lambda_l X_l))
          + rest

with `U_k`, `D_o`, `X_l` the yearly alternative, disposal and flow, alpha, delta, lambda
their coefficients (a link's: transport plus the supply's purchase), and an *open* link
one that joins two of Q's nodes (no finite capacity from a node outside Q). Every other
term is in `rest`, which is at least `L`: each term's min(0, coefficient) times the most
its variable can be (nodes outside Q, other links, build, site and size terms, the
activities of settled and sized processes, at most their bounds).

Bound the growing terms from below, node by node, with the balances
`sum_l factor x + u = per_activity_k a` and `sum_l x + v = per_activity_o a`, p_min and
p_max the smallest and largest per_activity over the slices, `R_k`, `R_o` the most the
node's links to or from nodes outside Q carry in a year (`_growth`):

- an input with alpha_k < 0: `u <= per_activity_k a`, so `alpha_k U_k >= alpha_k p_max A_f`;
- an input with alpha_k > 0 (*covered*): what its links bring is at most `R_k` plus, per
  output o of a process g in Q with open links to it, `phi_max p_max_o A_g`, so
  `U_k >= w_k >= max(0, p_min A_f - R_k - sum_o phi_max p_max_o A_g)`;
- an output with m_o = min(delta_o, lambda_l over its open links, 0) < 0: disposal and
  open links carry at most `per_activity_o a`, so their terms are >= `m_o p_max A_f`;
- an output with delta_o > 0 (*covered*): its links take at most `R_o` plus, per input k
  of a process g in Q it reaches by open links, `p_max_k A_g / phi_min`, so
  `D_o >= w_o >= max(0, p_min A_f - R_o - sum_k p_max_k A_g / phi_min)`;
- every other growing term is >= 0 (coefficient >= 0).

With `r_f` = c_f plus the p_max terms above and `U` the objective of the *trivial plan*
(nothing exchanged, optional facilities not built, other sizes at their minimum, enough
for `min_activity`, activities at their `min_activity`; it must be feasible: every input
of such a process needs an alternative, and no alternative may miss a linear quality
bound where it would cover a demand alone) or of any other plan known to be feasible
(`known_upper`, from a solve under provisional bounds), every optimal solution satisfies

    sum_f r_f A_f + sum_j weight_j w_j <= obj - L <= U - L,

whatever the signs of `r_f`, together with the rows of the covered nodes and the supply
rows of the inputs without alternative (`symopt.network.bound_program`). The largest
`A_g` this small LP allows bounds `a[g,t]` in every slice. Where the LP is unbounded,
no bound is derived and the reason is returned. A process that earns by running is
bounded when what it must buy, dispose of or get from other processes costs more; a
process whose running costs nothing is bounded when what it must buy or dispose of
costs something. The bound holds for every optimum of the problem with the settled
processes at their usefulness bounds, which has the optimum of the spec's
(`symopt.network.activity`).

When some f in Q earns in a slice t by running alone, `c_f + sum_k alpha_k
per_activity_k[t] + sum_o delta_o per_activity_o[t] < 0` with every input that it needs
in t coverable by its alternative (no linear quality bound missed), the trivial plan
feasible, and f free to be built (if optional, its `min_activity` coverable too), the
scenario is *proven* unbounded: the trivial plan with f built, running more and more in
t, its inputs bought from their alternatives and its outputs disposed of, is feasible
and its objective falls without limit (`NoBound.earners`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from symopt.enums import Driver, ObjectiveKind
from symopt.network.bound_program import ObjectiveRow, largest_activities, supply_rows
from symopt.network.nodes import NodeTables
from symopt.scenario.schema import ObjectiveWeights, Scenario


@dataclass(frozen=True)
class NoBound:
    """Why no bound was derived; `earners` (F,): processes proven to earn without limit."""

    reason: str
    earners: np.ndarray
    #: Whether a known feasible plan's objective (`known_upper`) would let a bound exist.
    needs_plan: bool = False


def scenario_weights(scenario: Scenario) -> tuple[float, float]:
    """(cost weight, emissions weight) of the scenario's own objective."""
    objective = scenario.objective
    if isinstance(objective, ObjectiveWeights):
        return objective.cost, objective.emissions
    return (1.0, 0.0) if objective == ObjectiveKind.COST else (0.0, 1.0)


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    return np.asarray(table[name].to_numpy(dtype=float))


@dataclass(frozen=True)
class Coefficients:
    """Objective coefficients per unit: activity (F,), alternative (K,), disposal (S,),
    link (L,)."""

    activity: np.ndarray
    alternative: np.ndarray
    disposal: np.ndarray
    link: np.ndarray


def objective_coefficients(
    nodes: NodeTables, links: pd.DataFrame, weights: tuple[float, float], carbon_price: float
) -> Coefficients:
    w_cost, w_emissions = weights
    w_carbon = w_cost * carbon_price + w_emissions

    def coefficient(table: pd.DataFrame, cost: list[str], emissions: list[str]) -> np.ndarray:
        return np.asarray(
            w_cost * sum(_column(table, name) for name in cost)
            + w_carbon * sum(_column(table, name) for name in emissions)
        )

    return Coefficients(
        activity=coefficient(nodes.facilities, ["activity_cost"], ["activity_emissions"]),
        alternative=coefficient(nodes.demands, ["alternative_cost"], ["alternative_emissions"]),
        disposal=coefficient(nodes.supplies, ["disposal_cost"], ["disposal_emissions"]),
        link=coefficient(
            links, ["unit_cost", "purchase_cost"], ["unit_emissions", "purchase_emissions"]
        ),
    )


def _node_max(
    table: pd.DataFrame, amount: np.ndarray, size_max: np.ndarray, activity_max: np.ndarray
) -> np.ndarray:
    """Most each node can hold (inf for Q's nodes where their per_activity is > 0)."""
    facility = table["facility_index"].to_numpy(dtype=int)
    driver = table["driver"].to_numpy(dtype=object)
    scale = np.ones_like(amount)
    by_size = driver == Driver.SIZE.value
    scale[by_size] = size_max[facility[by_size], None]
    is_activity = driver == Driver.ACTIVITY.value
    scale[is_activity] = activity_max[facility[is_activity]]
    with np.errstate(invalid="ignore"):
        return np.where(amount > 0, amount * scale, 0.0)


def objective_activity_bound(
    nodes: NodeTables,
    links: pd.DataFrame,
    hours: np.ndarray,
    activity_max: np.ndarray,
    weights: tuple[float, float],
    carbon_price: float,
    alternative_misses: np.ndarray,
    known_upper: float = math.inf,
) -> np.ndarray | NoBound:
    """(F,) a bound on the activity per slice of each process in Q (the rows of
    `activity_max`, the usefulness bounds, that are not finite; inf elsewhere), or why
    there is none.

    `known_upper`: the objective of a plan known to be feasible (an upper bound on the
    optimum like the trivial plan's; the smaller of the two is U)."""
    facilities, supplies, demands = nodes.facilities, nodes.supplies, nodes.demands
    in_q = ~np.isfinite(activity_max).all(axis=1)
    size_max = _column(facilities, "size_max")
    coefficients = objective_coefficients(nodes, links, weights, carbon_price)
    activity, alternative, disposal = (
        coefficients.activity,
        coefficients.alternative,
        coefficients.disposal,
    )
    supply_max = _node_max(supplies, nodes.supply_coefficient, size_max, activity_max)
    demand_max = _node_max(demands, nodes.demand_coefficient, size_max, activity_max)
    supply, demand = links["supply"].to_numpy(dtype=int), links["demand"].to_numpy(dtype=int)
    capacity = np.minimum(
        supply_max[supply], demand_max[demand] / _column(links, "factor")[:, None]
    )
    open_link = ~np.isfinite(capacity).all(axis=1)
    upper = _trivial_plan(
        nodes, hours, activity, alternative, disposal, weights[0], alternative_misses
    )
    upper = min(math.inf if upper is None else upper, known_upper)
    if math.isinf(upper):
        return NoBound(
            "a process that must run (`min_activity`) has an input without alternative, "
            "so no plan without exchanges is known to be feasible",
            np.zeros(len(facilities), dtype=bool),
            needs_plan=True,
        )
    lower = _lower_bound(nodes, activity, activity_max, weights[0])
    closed = np.where(open_link[:, None], 0.0, capacity)
    lower += float((np.minimum(coefficients.link, 0.0)[:, None] * closed).sum())
    lower += float(
        (np.minimum(alternative, 0.0)[:, None] * np.nan_to_num(demand_max, posinf=0)).sum()
    )
    lower += float((np.minimum(disposal, 0.0)[:, None] * np.nan_to_num(supply_max, posinf=0)).sum())
    growth = _growth(nodes, links, capacity, coefficients, in_q)
    no_alternative = _activity_nodes(demands, in_q) & ~demands["has_alternative"].to_numpy(
        dtype=bool
    )
    rows, rhs = supply_rows(
        len(facilities),
        demands,
        supplies,
        links,
        no_alternative,
        nodes.demand_coefficient,
        nodes.supply_coefficient,
        open_link,
        growth.reach_in,
    )
    largest = largest_activities(
        in_q,
        ObjectiveRow(growth.rate, upper - lower, growth.matrix, growth.reach, growth.weight),
        rows,
        rhs,
    )
    if largest is None:
        names = ", ".join(
            map(repr, facilities["facility"].to_numpy(dtype=object)[in_q & (growth.rate <= 0)])
        )
        return NoBound(
            f"running {names} costs nothing in the objective or pays: no variable cost or "
            "emissions, inputs that must be bought or outputs that must be disposed of "
            "make up for it"
            if names
            else "running these processes costs nothing in the objective or pays, once "
            "what they need from each other is counted",
            _earners(nodes, coefficients, in_q, alternative_misses),
        )
    return np.asarray(np.maximum(largest, nodes.min_activity.max(axis=1)), dtype=float)


def _activity_nodes(table: pd.DataFrame, in_q: np.ndarray) -> np.ndarray:
    """(nodes,) the nodes driven by the activity of a process in Q."""
    facility = table["facility_index"].to_numpy(dtype=int)
    return np.asarray(
        (table["driver"].to_numpy(dtype=object) == Driver.ACTIVITY.value) & in_q[facility]
    )


@dataclass(frozen=True)
class Growth:
    """What grows with Q's activities, as the LP of `symopt.network.bound_program` takes it.

    `rate` (F,): per unit of activity, c_f and the terms of inputs and outputs whose
    coefficient is < 0 (at their most). Each *covered* node j (an input with alpha > 0 or
    an output with delta > 0) has a row: its alternative or disposal is at least
    `max(0, matrix[j] . A - reach[j])`, which enters the objective times `weight[j]`.
    `reach_in` (K,): what the links from nodes outside Q deliver to each input at most in a
    year.
    """

    rate: np.ndarray
    matrix: np.ndarray
    reach: np.ndarray
    weight: np.ndarray
    reach_in: np.ndarray


def _growth(
    nodes: NodeTables,
    links: pd.DataFrame,
    capacity: np.ndarray,
    coefficients: Coefficients,
    in_q: np.ndarray,
) -> Growth:
    """The terms of the objective that grow with Q's activities (module docstring)."""
    demands, supplies = nodes.demands, nodes.supplies
    supply, demand = links["supply"].to_numpy(dtype=int), links["demand"].to_numpy(dtype=int)
    open_link = ~np.isfinite(capacity).all(axis=1)
    yearly = np.where(open_link, 0.0, np.nan_to_num(capacity, posinf=0.0).sum(axis=1))
    factor = _column(links, "factor")
    pairs = (
        pd.DataFrame({"supply": supply, "demand": demand, "factor": factor})[open_link]
        .groupby(["supply", "demand"], as_index=False)["factor"]
        .agg(["min", "max"])
    )
    pair_supply = pairs["supply"].to_numpy(dtype=int)
    pair_demand = pairs["demand"].to_numpy(dtype=int)
    input_owner = demands["facility_index"].to_numpy(dtype=int)
    output_owner = supplies["facility_index"].to_numpy(dtype=int)
    rate = np.where(in_q, coefficients.activity, 0.0)
    per_in, per_out = nodes.demand_coefficient, nodes.supply_coefficient

    # inputs: alpha < 0: alpha p_max A_f; alpha > 0: U_k >= p_min A_f - R_k - sum_o phi p_max_o A_g
    alpha = coefficients.alternative
    reach_in = np.zeros(len(demands))
    np.add.at(reach_in, demand, factor * yearly)
    mine = _activity_nodes(demands, in_q) & demands["has_alternative"].to_numpy(dtype=bool)
    paying = mine & (alpha < 0)
    np.add.at(rate, input_owner[paying], alpha[paying] * per_in[paying].max(axis=1))
    inputs = np.flatnonzero(mine & (alpha > 0) & (per_in.min(axis=1) > 0))

    # outputs: m_o < 0: m_o p_max A_f; delta > 0: D_o >= p_min A_f - R_o - sum_k p_max_k/phi A_g
    delta = coefficients.disposal
    cheapest = np.minimum(delta, 0.0)
    np.minimum.at(cheapest, supply[open_link], coefficients.link[open_link])
    mine = _activity_nodes(supplies, in_q)
    paying = mine & (cheapest < 0)
    np.add.at(rate, output_owner[paying], cheapest[paying] * per_out[paying].max(axis=1))
    lossless = np.ones(len(supplies), dtype=bool)
    np.logical_and.at(lossless, pair_supply, pairs["min"].to_numpy(dtype=float) > 0)
    outputs = np.flatnonzero(mine & ~paying & (delta > 0) & (per_out.min(axis=1) > 0) & lossless)
    reach_out = np.zeros(len(supplies))
    np.add.at(reach_out, supply, yearly)

    matrix = np.zeros((len(inputs) + len(outputs), len(in_q)))
    row_of_input = np.full(len(demands), -1)
    row_of_input[inputs] = np.arange(len(inputs))
    row_of_output = np.full(len(supplies), -1)
    row_of_output[outputs] = len(inputs) + np.arange(len(outputs))
    matrix[row_of_input[inputs], input_owner[inputs]] += per_in[inputs].min(axis=1)
    matrix[row_of_output[outputs], output_owner[outputs]] += per_out[outputs].min(axis=1)
    fed = row_of_input[pair_demand] >= 0  # an open link brings the input k what o gives off
    np.add.at(
        matrix,
        (row_of_input[pair_demand[fed]], output_owner[pair_supply[fed]]),
        -pairs["max"].to_numpy(dtype=float)[fed] * per_out[pair_supply[fed]].max(axis=1),
    )
    taken = row_of_output[pair_supply] >= 0  # an open link takes o's output to the input k
    np.add.at(
        matrix,
        (row_of_output[pair_supply[taken]], input_owner[pair_demand[taken]]),
        -per_in[pair_demand[taken]].max(axis=1) / pairs["min"].to_numpy(dtype=float)[taken],
    )
    return Growth(
        rate=rate,
        matrix=matrix,
        reach=np.concatenate([reach_in[inputs], reach_out[outputs]]),
        weight=np.concatenate([alpha[inputs], delta[outputs]]),
        reach_in=reach_in,
    )


def _earners(
    nodes: NodeTables, coefficients: Coefficients, in_q: np.ndarray, alternative_misses: np.ndarray
) -> np.ndarray:
    """(F,) processes in Q that earn by running alone in some slice: its inputs bought
    from their alternatives (none missing a quality bound), its outputs disposed of."""
    demands, supplies = nodes.demands, nodes.supplies
    per_slice = np.where(in_q[:, None], coefficients.activity[:, None], 0.0) * np.ones(
        nodes.min_activity.shape
    )
    blocked = np.zeros(per_slice.shape, dtype=bool)
    inputs = _activity_nodes(demands, in_q)
    owner = demands["facility_index"].to_numpy(dtype=int)
    needs = nodes.demand_coefficient > 0
    coverable = demands["has_alternative"].to_numpy(dtype=bool) & ~alternative_misses
    np.logical_or.at(blocked, owner[inputs], needs[inputs] & ~coverable[inputs, None])
    alpha = np.where(coverable, coefficients.alternative, 0.0)
    np.add.at(per_slice, owner[inputs], alpha[inputs, None] * nodes.demand_coefficient[inputs])
    outputs = _activity_nodes(supplies, in_q)
    owner = supplies["facility_index"].to_numpy(dtype=int)
    np.add.at(
        per_slice,
        owner[outputs],
        coefficients.disposal[outputs, None] * nodes.supply_coefficient[outputs],
    )
    optional = nodes.facilities["optional"].to_numpy(dtype=bool)
    stuck = optional & ((nodes.min_activity > 0) & blocked).any(axis=1)
    return np.asarray(in_q & ~stuck & ((per_slice < 0) & ~blocked).any(axis=1))


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
