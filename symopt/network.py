"""Scenario -> candidate network: the tables the model is built from.

Everything here follows "Meaning" in the scenario spec: distances (haversine times the
mode's detour factor, or an override), candidate links pruned by `max_distance`, by a
non-positive delivery factor and by `mixing: none` quality bounds, delivered quality,
and per-slice amounts. Nothing here knows about Pyomo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from symopt.enums import Better, Mixing
from symopt.schema import Amount, Scenario

EARTH_RADIUS_KM = 6371.0
#: Slack on `mixing: none` bounds so that a delivered 55.0000000001 meets `min: 55`.
QUALITY_TOLERANCE = 1e-9


def capital_recovery_factor(discount_rate: float, lifetime_years: float) -> float:
    """CRF = r (1+r)^n / ((1+r)^n - 1), and 1/n when r = 0."""
    r, n = discount_rate, lifetime_years
    if r == 0:
        return 1.0 / n
    growth = (1.0 + r) ** n
    return float(r * growth / (growth - 1.0))


def haversine_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance on a sphere of radius 6371.0 km (inputs in degrees)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half_dphi = (phi2 - phi1) / 2.0
    half_dlambda = np.radians(lon2 - lon1) / 2.0
    a = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=float)


@dataclass(frozen=True)
class CandidateNetwork:
    """The data of one scenario, ready for the model.

    Supplies and demands are numbered 0..S-1 and 0..K-1 (their row in `supplies` and
    `demands`); links 0..L-1; slices 0..T-1.
    """

    scenario_name: str
    slices: pd.DataFrame
    """`id`, `hours`."""
    supplies: pd.DataFrame
    """`supply_id`, `facility`, `resource`, `site`, `disposal_cost`, `disposal_emissions`."""
    demands: pd.DataFrame
    """`demand_id`, `facility`, `resource`, `site`, `alternative_cost`, `alternative_emissions`."""
    supply_amount: np.ndarray
    """(S, T): amount available in each slice."""
    demand_amount: np.ndarray
    """(K, T): amount required in each slice."""
    links: pd.DataFrame
    """`supply`, `demand`, `mode`, `distance_km`, `factor` (1 - loss*d), `built` (needs y),
    `build_cost` (annual cost of y = 1), `unit_cost` and `unit_emissions` (per unit sent)."""
    quality_terms: pd.DataFrame
    """Linear-mixing rows: `demand`, `attribute`, `link`, `margin` (q_l - min, or max - q_l);
    constraint: sum over links of factor * margin * x >= 0 per (demand, attribute, slice)."""
    link_quality: pd.DataFrame
    """Delivered quality per surviving link and attribute: `link`, `attribute`, `delivered`."""
    carbon_price: float
    crf: float

    @property
    def capacity(self) -> np.ndarray:
        """(L, T): M_l[t] = min(supply_s[t], demand_k[t] / factor_l), the most a link can carry."""
        supply = self.supply_amount[self.links["supply"].to_numpy()]
        demand = self.demand_amount[self.links["demand"].to_numpy()]
        factor = self.links["factor"].to_numpy()[:, None]
        return np.asarray(np.minimum(supply, demand / factor), dtype=float)


def spread_amount(amount: Amount, slice_ids: list[str], hours: np.ndarray) -> np.ndarray:
    """A yearly number spread over slices by hours; a map is absolute per slice."""
    if isinstance(amount, Mapping):
        return np.array([float(amount.get(slice_id, 0.0)) for slice_id in slice_ids])
    return np.asarray(float(amount) * hours / hours.sum(), dtype=float)


def build_network(scenario: Scenario) -> CandidateNetwork:
    """Candidate links, distances, amounts and quality terms of a validated scenario."""
    slice_ids = [time_slice.id for time_slice in scenario.time_slices]
    hours = np.array([time_slice.hours for time_slice in scenario.time_slices], dtype=float)
    slices = pd.DataFrame({"id": slice_ids, "hours": hours})

    supplies, supply_amount, supply_quality = _supply_table(scenario, slice_ids, hours)
    demands, demand_amount, demand_bounds = _demand_table(scenario, slice_ids, hours)
    crf = capital_recovery_factor(
        scenario.economics.discount_rate, scenario.economics.lifetime_years
    )
    links = _candidate_links(scenario, supplies, demands, crf)
    link_quality, quality_terms, links = _apply_quality(
        scenario, links, supply_quality, demand_bounds
    )
    return CandidateNetwork(
        scenario_name=scenario.name,
        slices=slices,
        supplies=supplies,
        demands=demands,
        supply_amount=supply_amount,
        demand_amount=demand_amount,
        links=links,
        quality_terms=quality_terms,
        link_quality=link_quality,
        carbon_price=scenario.economics.carbon_price,
        crf=crf,
    )


def _supply_table(
    scenario: Scenario, slice_ids: list[str], hours: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    rows: list[tuple[str, str, str, str, float, float]] = []
    amounts: list[np.ndarray] = []
    quality: list[tuple[int, str, float]] = []
    for name, facility in scenario.facilities.items():
        for index, supply in enumerate(facility.supplies):
            position = len(rows)
            rows.append(
                (
                    f"{name}.supplies[{index}]",
                    name,
                    supply.resource,
                    facility.site,
                    supply.disposal.cost,
                    supply.disposal.emissions,
                )
            )
            amounts.append(spread_amount(supply.amount, slice_ids, hours))
            quality.extend(
                (position, attribute, value) for attribute, value in supply.quality.items()
            )
    table = pd.DataFrame(
        rows,
        columns=[
            "supply_id",
            "facility",
            "resource",
            "site",
            "disposal_cost",
            "disposal_emissions",
        ],
    )
    amount = np.array(amounts, dtype=float).reshape(len(rows), len(slice_ids))
    return table, amount, pd.DataFrame(quality, columns=["supply", "attribute", "value"])


def _demand_table(
    scenario: Scenario, slice_ids: list[str], hours: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    rows: list[tuple[str, str, str, str, float, float]] = []
    amounts: list[np.ndarray] = []
    bounds: list[tuple[int, str, float | None]] = []
    for name, facility in scenario.facilities.items():
        for index, demand in enumerate(facility.demands):
            position = len(rows)
            rows.append(
                (
                    f"{name}.demands[{index}]",
                    name,
                    demand.resource,
                    facility.site,
                    demand.alternative.cost,
                    demand.alternative.emissions,
                )
            )
            amounts.append(spread_amount(demand.amount, slice_ids, hours))
            for attribute, bound in demand.quality.items():
                limit = bound.min if bound.min is not None else bound.max
                bounds.append((position, attribute, limit))
    table = pd.DataFrame(
        rows,
        columns=[
            "demand_id",
            "facility",
            "resource",
            "site",
            "alternative_cost",
            "alternative_emissions",
        ],
    )
    amount = np.array(amounts, dtype=float).reshape(len(rows), len(slice_ids))
    return table, amount, pd.DataFrame(bounds, columns=["demand", "attribute", "bound"])


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


def _site_distances(
    scenario: Scenario, site_from: np.ndarray, site_to: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Haversine km between site pairs, and the override km (NaN where none)."""
    names = list(scenario.sites)
    position = {name: index for index, name in enumerate(names)}
    lat = np.array([scenario.sites[name].lat for name in names])
    lon = np.array([scenario.sites[name].lon for name in names])
    i = np.array([position[name] for name in site_from], dtype=int)
    j = np.array([position[name] for name in site_to], dtype=int)
    great_circle = haversine_km(lat[i], lon[i], lat[j], lon[j])
    override = np.full(len(i), np.nan)
    if scenario.distances:
        table = {}
        for item in scenario.distances:  # a later override wins, in both directions
            table[(item.from_site, item.to_site)] = item.km
            table[(item.to_site, item.from_site)] = item.km
        keys = pd.MultiIndex.from_arrays([site_from, site_to])
        lookup = pd.Series(table, dtype=float)
        lookup.index = pd.MultiIndex.from_tuples(lookup.index)
        override = lookup.reindex(keys).to_numpy(dtype=float)
    return great_circle, override


def _candidate_links(
    scenario: Scenario, supplies: pd.DataFrame, demands: pd.DataFrame, crf: float
) -> pd.DataFrame:
    modes = _mode_table(scenario, crf)
    pairs = (
        supplies[["facility", "resource", "site"]]
        .reset_index(names="supply")
        .merge(
            demands[["facility", "resource", "site"]].reset_index(names="demand"),
            on="resource",
            suffixes=("_from", "_to"),
        )
    )
    pairs = pairs[pairs["facility_from"] != pairs["facility_to"]]
    links = pairs.merge(modes, on="resource")
    site_from = links["site_from"].to_numpy()
    site_to = links["site_to"].to_numpy()
    great_circle, override = _site_distances(scenario, site_from, site_to)
    distance = np.where(
        np.isnan(override), great_circle * links["detour_factor"].to_numpy(), override
    )
    distance = np.where(site_from == site_to, 0.0, distance)
    links = links.assign(distance_km=distance, factor=1.0 - links["loss_per_km"] * distance)
    links = links[(links["distance_km"] <= links["max_distance"]) & (links["factor"] > 0)]
    links = links.assign(
        build_cost=np.where(
            links["built"], links["annual_cost_per_km"] * links["distance_km"], 0.0
        ),
        unit_cost=links["variable_cost"] * links["distance_km"],
        unit_emissions=links["emissions"] * links["distance_km"],
    )
    columns = [
        "supply",
        "demand",
        "mode",
        "resource",
        "distance_km",
        "factor",
        "built",
        "build_cost",
        "unit_cost",
        "unit_emissions",
    ]
    return (
        links[columns]
        .sort_values(["supply", "demand", "mode"], kind="stable")
        .reset_index(drop=True)
    )


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
        higher,
        bounded["delivered"] - bounded["bound"],
        bounded["bound"] - bounded["delivered"],
    )
    bounded = bounded.assign(margin=margin)
    misses = (bounded["mixing"] == Mixing.NONE.value) & (bounded["margin"] < -QUALITY_TOLERANCE)
    dropped = set(bounded.loc[misses, "link"])
    keep = ~links.index.isin(list(dropped))
    renumber = pd.Series(np.arange(int(keep.sum())), index=links.index[keep])
    links = links[keep].reset_index(drop=True)

    linear = bounded[(bounded["mixing"] == Mixing.LINEAR.value) & ~bounded["link"].isin(dropped)]
    # A (demand, attribute) whose links all meet the bound needs no constraint.
    short = linear.groupby(["demand", "attribute"])["margin"].transform("min") < 0
    linear = linear[short]
    quality_terms = pd.DataFrame(
        {
            "demand": linear["demand"].to_numpy(dtype=int),
            "attribute": linear["attribute"].to_numpy(dtype=object),
            "link": renumber.reindex(linear["link"]).to_numpy(dtype=int),
            "margin": linear["margin"].to_numpy(dtype=float),
        }
    )
    kept_quality = quality[~quality["link"].isin(dropped)]
    link_quality = pd.DataFrame(
        {
            "link": renumber.reindex(kept_quality["link"]).to_numpy(dtype=int),
            "attribute": kept_quality["attribute"].to_numpy(dtype=object),
            "delivered": kept_quality["delivered"].to_numpy(dtype=float),
        }
    )
    return link_quality, quality_terms, links
