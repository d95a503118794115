"""Scenario -> candidate network: the tables the model is built from.

Everything here follows "Meaning" in the scenario specs: distances (haversine times the
mode's detour factor, or an override), candidate links per pair of candidate sites,
pruned by `max_distance`, by a non-positive delivery factor and by `mixing: none`
quality bounds; delivered quality; per-slice amounts; and the tight upper bounds
(big-M values) that the model's capacity constraints use. Nothing here knows Pyomo.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from symopt.enums import Better, Driver, Mixing
from symopt.errors import SymoptError
from symopt.network.accounting import with_build_costs, with_indicator, with_owner
from symopt.network.geography import Geography, haversine_km
from symopt.network.nodes import (
    NodeTables,
    build_node_tables,
    capital_recovery_factor,
    spread_amount,
)
from symopt.scenario.schema import Scenario

__all__ = [
    "CandidateNetwork",
    "build_network",
    "capital_recovery_factor",
    "haversine_km",
    "spread_amount",
]

#: Slack on `mixing: none` bounds so that a delivered 54.9999999999 meets `min: 55`.
QUALITY_TOLERANCE = 1e-9
#: What identifies a candidate link: l = (s, k, m, site_f, site_g) in the planning spec.
LINK_KEY = ["supply", "demand", "mode", "placement_from", "placement_to"]
#: Link columns shared by the unpruned pairs and the candidate links.
_LINK_DATA = ["resource", "distance_km", "factor", "built"]
#: Passes of bound propagation through processes without `size` linked to each other.
BOUND_PASSES = 60


@dataclass(frozen=True)
class CandidateNetwork:
    """The data of one scenario, ready for the model.

    Facilities, placements, supply and demand nodes, links and slices are numbered from
    0 by their row in the tables below.
    """

    scenario_name: str
    slices: pd.DataFrame
    """`id`, `hours`."""
    facilities: pd.DataFrame
    """See `NodeTables.facilities`."""
    placements: pd.DataFrame
    """`facility_index`, `facility`, `site`, `site_cost`, `choice` (True: a p[f,site] variable)."""
    supplies: pd.DataFrame
    """`supply_id`, `facility`, `facility_index`, `resource`, `driver`, `disposal_cost`,
    `disposal_emissions`."""
    demands: pd.DataFrame
    """`demand_id`, `facility`, `facility_index`, `resource`, `driver`, `has_alternative`,
    `alternative_cost`, `alternative_emissions`."""
    supply_amount: np.ndarray
    """(S, T): amount per unit of the node's driver (the amount itself for fixed facilities)."""
    demand_amount: np.ndarray
    """(K, T): likewise for demands and process inputs."""
    supply_max: np.ndarray
    """(S, T): the most a supply node can hold in each slice."""
    demand_max: np.ndarray
    """(K, T): the most a demand node can require in each slice."""
    min_activity: np.ndarray
    """(F, T): activity a built process must reach."""
    activity_max: np.ndarray
    """(F, T): the most activity a process can usefully have (its big-M)."""
    links: pd.DataFrame
    """`supply`, `demand`, `mode`, `resource`, `placement_from`, `placement_to`,
    `distance_km`, `factor` (1 - loss*d), `built` (needs y), `build_cost` (annual cost of
    y = 1), `unit_cost` and `unit_emissions` (per unit sent); `capex`, `fixed_opex` (see
    `symopt.network.accounting`)."""
    quality_terms: pd.DataFrame
    """Linear-mixing rows: `demand`, `attribute`, `link`, `margin` (q_l - min, or max - q_l);
    constraint: sum over links of factor * margin * x >= 0 per (demand, attribute, slice)."""
    link_quality: pd.DataFrame
    """Delivered quality per link and attribute: `link`, `attribute`, `delivered`."""
    carbon_price: float
    crf: float

    @cached_property
    def capacity(self) -> np.ndarray:
        """(L, T): M_l[t] = min(supply_s[t], demand_k[t] / factor_l), the most a link can carry."""
        return _link_capacity(self.links, self.supply_max, self.demand_max)

    @property
    def is_planning(self) -> bool:
        """Whether any facility has a build, placement, size or process decision."""
        f = self.facilities
        return bool(
            (f["optional"] | f["sized"] | f["process"]).any() or self.placements["choice"].any()
        )


def _link_capacity(
    links: pd.DataFrame, supply_max: np.ndarray, demand_max: np.ndarray
) -> np.ndarray:
    supply = supply_max[links["supply"].to_numpy()]
    demand = demand_max[links["demand"].to_numpy()]
    factor = links["factor"].to_numpy()[:, None]
    return np.asarray(np.minimum(supply, demand / factor), dtype=float)


def build_network(scenario: Scenario) -> CandidateNetwork:
    """Candidate links, distances, amounts, quality terms and bounds of a validated scenario."""
    slice_ids = [time_slice.id for time_slice in scenario.time_slices]
    hours = np.array([time_slice.hours for time_slice in scenario.time_slices], dtype=float)
    crf = capital_recovery_factor(
        scenario.economics.discount_rate, scenario.economics.lifetime_years
    )
    nodes = build_node_tables(scenario, crf)
    names = nodes.facilities["facility"].to_numpy(dtype=object)
    supplies = nodes.supplies.assign(
        facility=names[nodes.supplies["facility_index"].to_numpy(dtype=int)]
    )
    demands = nodes.demands.assign(
        facility=names[nodes.demands["facility_index"].to_numpy(dtype=int)]
    )
    placements = nodes.placements.assign(
        facility=names[nodes.placements["facility_index"].to_numpy(dtype=int)]
    )
    links = _candidate_links(scenario, supplies, demands, placements, crf)
    links = with_build_costs(scenario, links)
    supplies, demands = with_indicator(scenario, supplies), with_indicator(scenario, demands)
    link_quality, quality_terms, links = _apply_quality(
        scenario, links, nodes.supply_quality, nodes.demand_bounds
    )
    activity_max, supply_max, demand_max = _bounds(scenario, nodes, links, hours)
    return CandidateNetwork(
        scenario_name=scenario.name,
        slices=pd.DataFrame({"id": slice_ids, "hours": hours}),
        facilities=with_owner(scenario, nodes.facilities),
        placements=placements,
        supplies=supplies,
        demands=demands,
        supply_amount=nodes.supply_coefficient,
        demand_amount=nodes.demand_coefficient,
        supply_max=supply_max,
        demand_max=demand_max,
        min_activity=nodes.min_activity,
        activity_max=activity_max,
        links=links,
        quality_terms=quality_terms,
        link_quality=link_quality,
        carbon_price=scenario.economics.carbon_price,
        crf=crf,
    )


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


def _pays_to_run(nodes: NodeTables) -> np.ndarray:
    """(F,): processes for which more activity can pay by itself: any negative cost or
    emission on running, on disposing an output or on an input's alternative."""
    supplies, demands, facilities = nodes.supplies, nodes.demands, nodes.facilities
    pays = (facilities["activity_cost"].to_numpy(dtype=float) < 0) | (
        facilities["activity_emissions"].to_numpy(dtype=float) < 0
    )
    for table, cost, emissions in (
        (supplies, "disposal_cost", "disposal_emissions"),
        (demands, "alternative_cost", "alternative_emissions"),
    ):
        of_process = table["driver"].to_numpy(dtype=object) == Driver.ACTIVITY.value
        negative = (table[cost].to_numpy(dtype=float) < 0) | (
            table[emissions].to_numpy(dtype=float) < 0
        )
        pays[table["facility_index"].to_numpy(dtype=int)[of_process & negative]] = True
    return pays


def _best_per_pair(values: np.ndarray, pair: np.ndarray, pairs: int) -> np.ndarray:
    """(pairs, T): the largest of `values` (links, T) over the links of each node pair."""
    best = np.zeros((pairs, values.shape[1]))
    np.maximum.at(best, pair, values)
    return best


def _per_unit(reach: np.ndarray, per: np.ndarray, empty: float) -> np.ndarray:
    """What `reach` allows per unit of activity at `per` per unit (`empty` where per = 0)."""
    return np.where(per > 0, reach / np.where(per > 0, per, 1.0), empty)


def _bounds(
    scenario: Scenario, nodes: NodeTables, links: pd.DataFrame, hours: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Activity bounds (big-M) and the most each node can hold.

    With `size`, activity is at most `max * hours_t`. Without, activity is useful only up
    to the largest of what any of its inputs can receive through links and what any of
    its outputs' demands can take (beyond that each further unit needs alternatives and
    is disposed of, at no gain when those costs are non-negative), never above what an
    input without alternative can receive, and at least its `min_activity`. Processes
    linked to each other make these bounds depend on each other: they are raised from
    the minimum activities until they settle (the least fixed point; an optimum whose
    activities are as small as possible lies within it). A process for which more
    activity pays by itself (a negative cost or emission), or a loop of processes that
    amplifies what it passes round, does not settle and is refused.
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
    pays_to_run = _pays_to_run(nodes)
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
    unbounded = ~np.isfinite(activity_max).all(axis=1)
    if unbounded.any():
        names = facilities["facility"].to_numpy(dtype=object)
        payers = ", ".join(map(repr, names[unbounded & pays_to_run]))
        reason = (
            f"more activity of {payers} pays by itself (a negative cost or emission)"
            if payers
            else "their bounds depend on each other (one takes another's output, which "
            "only the first's activity would justify) and do not settle"
        )
        raise SymoptError(
            "cannot bound the activity of process(es) "
            + ", ".join(map(repr, names[unbounded]))
            + f" without a `size`: {reason}, so the optimum may be unbounded; give each a "
            "`size: {max: ...}` (activity per hour at most max)"
        )
    supply_max = _node_max(nodes.supply_coefficient, supplies, facilities, activity_max)
    demand_max = _node_max(nodes.demand_coefficient, demands, facilities, activity_max)
    return activity_max, supply_max, demand_max


def _mode_table(scenario: Scenario, crf: float) -> pd.DataFrame:
    rows = [
        (
            mode_id,
            resource,
            mode.detour_factor,
            np.inf if mode.max_distance is None else mode.max_distance,
            mode.loss_per_km,
            mode.has_build_decision,
            mode.capex_per_km * crf + mode.fixed_opex_per_km,
            mode.variable_cost,
            mode.emissions,
        )
        for mode_id, mode in scenario.transport.items()
        for resource in dict.fromkeys(mode.resources)
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "mode",
            "resource",
            "detour_factor",
            "max_distance",
            "loss_per_km",
            "built",
            "annual_cost_per_km",
            "variable_cost",
            "emissions",
        ],
    )


def all_link_pairs(
    scenario: Scenario,
    supplies: pd.DataFrame,
    demands: pd.DataFrame,
    placements: pd.DataFrame,
    crf: float,
    *,
    prune: bool = True,
) -> pd.DataFrame:
    """Every (supply, demand, mode, site of each end) with its distance and factor.

    With `prune`, only site pairs within a mode's `max_distance` (and with a positive
    delivery factor) are formed; without, every pair (for diagnosing a missing link).
    """
    geography = Geography.of(scenario)
    placed = placements[["facility_index", "site"]].reset_index(names="placement")
    placed = placed.assign(site=geography.positions(placed["site"]))
    sources = (
        supplies[["facility_index", "resource"]]
        .reset_index(names="supply")
        .merge(placed, on="facility_index")
    ).add_suffix("_from")
    sinks = (
        demands[["facility_index", "resource"]]
        .reset_index(names="demand")
        .merge(placed, on="facility_index")
    ).add_suffix("_to")
    frames = []
    for mode in _mode_table(scenario, crf).to_dict("records"):
        origin = sources[sources["resource_from"] == mode["resource"]]
        target = sinks[sinks["resource_to"] == mode["resource"]]
        limit = float(mode["max_distance"]) if prune else np.inf
        i, j = geography.pairs_within(
            np.unique(origin["site_from"].to_numpy()),
            np.unique(target["site_to"].to_numpy()),
            limit / float(mode["detour_factor"]),
        )
        distance = geography.distance_km(i, j, float(mode["detour_factor"]))
        factor = 1.0 - float(mode["loss_per_km"]) * distance
        keep = (distance <= limit) & (factor > 0) if prune else np.ones(len(i), dtype=bool)
        site_pairs = pd.DataFrame(
            {
                "site_from": i[keep],
                "site_to": j[keep],
                "distance_km": distance[keep],
                "factor": factor[keep],
            }
        )
        pairs = site_pairs.merge(origin, on="site_from").merge(target, on="site_to")
        pairs = pairs[pairs["facility_index_from"] != pairs["facility_index_to"]]
        frames.append(pairs.assign(**{str(key): value for key, value in mode.items()}))
    columns = [
        *LINK_KEY,
        *_LINK_DATA,
        "detour_factor",
        "max_distance",
        "loss_per_km",
        "annual_cost_per_km",
        "variable_cost",
        "emissions",
    ]
    if not frames:
        return pd.DataFrame({column: [] for column in columns})
    links = pd.concat(frames, ignore_index=True).rename(
        columns={"supply_from": "supply", "demand_to": "demand"}
    )
    return links[columns]


def _candidate_links(
    scenario: Scenario,
    supplies: pd.DataFrame,
    demands: pd.DataFrame,
    placements: pd.DataFrame,
    crf: float,
) -> pd.DataFrame:
    """Every (supply, demand, mode, site of each end), pruned by distance and loss."""
    links = all_link_pairs(scenario, supplies, demands, placements, crf)
    links = links.assign(
        build_cost=np.where(
            links["built"], links["annual_cost_per_km"] * links["distance_km"], 0.0
        ),
        unit_cost=links["variable_cost"] * links["distance_km"],
        unit_emissions=links["emissions"] * links["distance_km"],
    )
    columns = [*LINK_KEY, *_LINK_DATA, "build_cost", "unit_cost", "unit_emissions"]
    return links[columns].sort_values(LINK_KEY, kind="stable").reset_index(drop=True)


def _apply_quality(
    scenario: Scenario,
    links: pd.DataFrame,
    supply_quality: pd.DataFrame,
    demand_bounds: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Delivered quality per link; drop links that miss a `mixing: none` bound; linear terms."""
    change = pd.DataFrame(
        [
            (mode_id, attribute, per_km)
            for mode_id, mode in scenario.transport.items()
            for attribute, per_km in mode.quality_change_per_km.items()
        ],
        columns=["mode", "attribute", "per_km"],
    )
    specs = pd.DataFrame(
        [
            (resource_id, attribute, spec.better.value, spec.mixing.value)
            for resource_id, resource in scenario.resources.items()
            for attribute, spec in resource.qualities.items()
        ],
        columns=["resource", "attribute", "better", "mixing"],
    )
    quality = links[["supply", "demand", "mode", "resource", "distance_km"]].reset_index(
        names="link"
    )
    quality = quality.merge(supply_quality, on="supply").merge(
        change, on=["mode", "attribute"], how="left"
    )
    quality["delivered"] = quality["value"] + quality["per_km"].fillna(0.0) * quality["distance_km"]
    bounded = quality.merge(demand_bounds, on=["demand", "attribute"]).merge(
        specs, on=["resource", "attribute"]
    )
    higher = (bounded["better"] == Better.HIGHER.value).to_numpy()
    margin = np.where(
        higher, bounded["delivered"] - bounded["bound"], bounded["bound"] - bounded["delivered"]
    )
    bounded = bounded.assign(margin=margin)
    misses = (bounded["mixing"] == Mixing.NONE.value) & (bounded["margin"] < -QUALITY_TOLERANCE)
    dropped = np.unique(bounded.loc[misses, "link"].to_numpy(dtype=int))
    keep = ~np.isin(np.arange(len(links)), dropped)
    renumber = np.full(len(links), -1, dtype=int)
    renumber[keep] = np.arange(int(keep.sum()))
    links = links[keep].reset_index(drop=True)

    linear = bounded[(bounded["mixing"] == Mixing.LINEAR.value) & ~bounded["link"].isin(dropped)]
    # A (demand, attribute) whose links all meet the bound needs no constraint.
    short = linear.groupby(["demand", "attribute"])["margin"].transform("min") < 0
    linear = linear[short]
    quality_terms = pd.DataFrame(
        {
            "demand": linear["demand"].to_numpy(dtype=int),
            "attribute": linear["attribute"].to_numpy(dtype=object),
            "link": renumber[linear["link"].to_numpy(dtype=int)],
            "margin": linear["margin"].to_numpy(dtype=float),
        }
    )
    kept = quality[~quality["link"].isin(dropped)]
    link_quality = pd.DataFrame(
        {
            "link": renumber[kept["link"].to_numpy(dtype=int)],
            "attribute": kept["attribute"].to_numpy(dtype=object),
            "delivered": kept["delivered"].to_numpy(dtype=float),
        }
    )
    return link_quality, quality_terms, links
