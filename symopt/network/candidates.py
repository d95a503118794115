"""Scenario -> candidate network: the tables the model is built from.

Everything here follows "Meaning" in the scenario specs: distances (haversine times the
mode's detour factor, or an override), candidate links per pair of candidate sites,
pruned by `max_distance`, by a non-positive delivery factor and by `mixing: none`
quality bounds; delivered quality; per-slice amounts; and the tight upper bounds
(big-M values) that the model's capacity constraints use. Nothing here knows Pyomo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from symopt.enums import Better, Mixing
from symopt.network.accounting import with_build_costs, with_indicator, with_owner
from symopt.network.activity import activity_bounds
from symopt.network.blending import alternative_margins, empty_alternative_terms, needed_rows
from symopt.network.geography import Geography, haversine_km
from symopt.network.nodes import (
    NodeTables,
    build_node_tables,
    capital_recovery_factor,
    spread_amount,
)
from symopt.network.objective_bound import scenario_weights
from symopt.network.purchases import with_purchase
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
    alternative_terms: pd.DataFrame = field(default_factory=empty_alternative_terms)
    """`demand`, `attribute`, `margin`: u's term in linear-mixing rows (`network.blending`)."""

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


def build_network(
    scenario: Scenario,
    objective_weights: tuple[float, float] | None = None,
    *,
    known_upper: float = math.inf,
    provisional: bool = False,
) -> CandidateNetwork:
    """Candidate links, distances, amounts, quality terms and bounds of a validated scenario.

    `objective_weights` (cost, emissions): the objective the model will minimise, if not
    the scenario's; activity bounds derived from the objective hold only for it.
    `known_upper` and `provisional`: see `symopt.network.activity.activity_bounds` (a
    solve that meets `NoKnownPlanError` finds a plan under provisional bounds first).
    """
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
    link_quality, quality_terms, links, alternative_terms = _apply_quality(
        scenario, links, nodes, demands["resource"]
    )
    links = with_purchase(links, supplies)
    misses = np.zeros(len(demands), dtype=bool)
    misses[alternative_terms.loc[alternative_terms["margin"] < 0, "demand"].to_numpy(int)] = True
    activity_max, supply_max, demand_max = activity_bounds(
        scenario,
        nodes,
        links,
        hours,
        objective_weights or scenario_weights(scenario),
        misses,
        known_upper,
        provisional,
    )
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
        alternative_terms=alternative_terms,
    )


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
        # No mode at all: the same column types as a non-empty table (merges need them).
        kinds = {"mode": object, "resource": object, "built": bool}
        kinds.update(dict.fromkeys(LINK_KEY[:2] + LINK_KEY[3:], int))
        return pd.DataFrame(
            {column: pd.Series(dtype=kinds.get(column, float)) for column in columns}
        )
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
    scenario: Scenario, links: pd.DataFrame, nodes: NodeTables, demand_resource: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Delivered quality per link; drop links that miss a `mixing: none` bound; linear terms
    of links and of alternatives."""
    supply_quality, demand_bounds = nodes.supply_quality, nodes.demand_bounds
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
    # A (demand, attribute) whose links (and alternative) all meet the bound needs no row.
    alternative = alternative_margins(
        nodes.alternative_quality, demand_bounds, demand_resource, specs
    )
    short, alternative_terms = needed_rows(linear, alternative)
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
    return link_quality, quality_terms, links, alternative_terms
