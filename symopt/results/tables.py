"""Solution vector -> `Result`: pandas tables and the summary (KPIs, baseline, savings)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from symopt._version import __version__
from symopt.enums import SolveStatus
from symopt.model.objective import Objective
from symopt.model.solution import (
    FLOW_TOLERANCE,
    Decisions,
    SolverRun,
    driver_values,
    read_decisions,
)
from symopt.network.candidates import CandidateNetwork
from symopt.results.accounting import link_accounts
from symopt.results.indicators import COLUMNS as INDICATOR_COLUMNS
from symopt.results.indicators import PARK, indicator_table
from symopt.results.security import purchase_and_backup, security_table


@dataclass(frozen=True)
class Summary:
    """The headline figures; `summary.json` is `to_dict()`."""

    status: SolveStatus
    objective: float
    objective_kind: str
    total_cost: float
    total_emissions: float
    baseline_cost: float
    baseline_emissions: float
    cost_saving: float
    emission_saving: float
    mip_gap: float
    solve_seconds: float
    scenario: str
    currency: str
    solver_status: str
    symopt_version: str = __version__
    timings: dict[str, float] = field(default_factory=dict)
    diagnosis: tuple[str, ...] = ()
    """Why the scenario is infeasible, in a planner's terms (empty otherwise)."""
    indicators: tuple[dict[str, Any], ...] = ()
    """The park's effect indicators: `indicator`, `resource`, `unit`, `baseline`, `actual`,
    `saving` (per year; see `symopt.results.indicators`)."""
    best_bound: float = math.nan
    """The best lower bound on the objective the solver proved (NaN: none known)."""

    @property
    def status_text(self) -> str:
        """The status in words: "feasible, within 2.31 % of the optimum" for a stopped solve."""
        if self.status is not SolveStatus.FEASIBLE:
            return self.status.value
        if not math.isfinite(self.mip_gap):
            return "feasible, distance to the optimum unknown (no bound proved yet)"
        return f"feasible, within {self.mip_gap:.2%} of the optimum".replace("%", " %")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["status_text"] = self.status_text
        data["diagnosis"] = list(self.diagnosis)
        data["indicators"] = [
            {key: _json_number(value) for key, value in row.items()} for row in self.indicators
        ]
        return {key: _json_number(value) for key, value in data.items()}


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _json_number(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class Result:
    """Everything a solve produced."""

    status: SolveStatus
    summary: Summary
    flows: pd.DataFrame
    links: pd.DataFrame
    alternatives: pd.DataFrame
    disposals: pd.DataFrame
    facilities: pd.DataFrame
    """One row per facility: built, site, size, annual activity and annual cost."""
    indicators: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=INDICATOR_COLUMNS)
    )
    """The effect indicators per firm and for the park (`symopt.results.indicators`)."""
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Each facility's possible sites with coordinates (`symopt.results.units.annotate`)."""
    security: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per demand node: largest single-supplier share and backup capacity kept."""

    @property
    def objective(self) -> float:
        return self.summary.objective

    @property
    def built_links(self) -> pd.DataFrame:
        """The rows of `links` with a build decision taken (y = 1)."""
        if "built" not in self.links.columns:
            return self.links
        return self.links[self.links["built"].astype(bool)]


@dataclass(frozen=True)
class FacilityCosts:
    """Per facility: annual cost of its own decisions, and its process emissions."""

    cost: np.ndarray
    emissions: np.ndarray


def facility_costs(network: CandidateNetwork, decisions: Decisions) -> FacilityCosts:
    """b (capex CRF + fopex + annual) + p site costs + z unit costs + a variable cost."""
    facilities = network.facilities
    activity = decisions.activity.sum(axis=1)
    site_cost = np.bincount(
        network.placements["facility_index"].to_numpy(dtype=int),
        weights=decisions.placed * network.placements["site_cost"].to_numpy(dtype=float),
        minlength=len(facilities),
    )
    optional = facilities["optional"].to_numpy(dtype=bool)
    cost = (
        np.where(optional, decisions.built, 0.0) * facilities["build_cost"].to_numpy(dtype=float)
        + site_cost
        + np.nan_to_num(decisions.size) * facilities["size_cost"].to_numpy(dtype=float)
        + activity * facilities["activity_cost"].to_numpy(dtype=float)
    )
    emissions = activity * facilities["activity_emissions"].to_numpy(dtype=float)
    return FacilityCosts(cost=cost, emissions=emissions)


def baseline(network: CandidateNetwork, decisions: Decisions) -> tuple[float, float]:
    """No exchange between facilities, with the optimum's build, place, size and activity.

    Every demand and input is covered by its alternative, every supply and output
    disposed. NaN (undefined) where an input without alternative would need covering.
    """
    demands, supplies = network.demands, network.supplies
    demand_total = (network.demand_amount * driver_values(network, demands, decisions)).sum(axis=1)
    supply_total = (network.supply_amount * driver_values(network, supplies, decisions)).sum(axis=1)
    uncovered = ~demands["has_alternative"].to_numpy(dtype=bool) & (demand_total > FLOW_TOLERANCE)
    if uncovered.any():
        return math.nan, math.nan
    own = facility_costs(network, decisions)
    emissions = float(
        demand_total @ demands["alternative_emissions"].to_numpy(dtype=float)
        + supply_total @ supplies["disposal_emissions"].to_numpy(dtype=float)
        + own.emissions.sum()
    )
    cost = float(
        demand_total @ demands["alternative_cost"].to_numpy(dtype=float)
        + supply_total @ supplies["disposal_cost"].to_numpy(dtype=float)
        + own.cost.sum()
        + network.carbon_price * emissions
    )
    return cost, emissions


def totals(network: CandidateNetwork, decisions: Decisions) -> tuple[float, float]:
    """Annual cost and emissions of the decisions (the specs' cost and emission sums)."""
    links, d = network.links, decisions
    own = facility_costs(network, decisions)
    purchase_cost, purchase_emissions, backup_cost = purchase_and_backup(network, decisions)
    demands, supplies = network.demands, network.supplies
    emissions = float(
        purchase_emissions.sum()
        + d.x @ links["unit_emissions"].to_numpy(dtype=float)[d.flow_link]
        + d.u @ demands["alternative_emissions"].to_numpy(dtype=float)[d.alternative_demand]
        + d.v @ supplies["disposal_emissions"].to_numpy(dtype=float)[d.disposal_supply]
        + own.emissions.sum()
    )
    cost = float(
        purchase_cost.sum()
        + backup_cost.sum()
        + d.y @ links["build_cost"].to_numpy(dtype=float)[d.build_links]
        + d.x @ links["unit_cost"].to_numpy(dtype=float)[d.flow_link]
        + d.u @ demands["alternative_cost"].to_numpy(dtype=float)[d.alternative_demand]
        + d.v @ supplies["disposal_cost"].to_numpy(dtype=float)[d.disposal_supply]
        + own.cost.sum()
        + network.carbon_price * emissions
    )
    return cost, emissions


def extract_result(
    network: CandidateNetwork,
    model: pyo.ConcreteModel,
    run: SolverRun,
    objective: Objective,
    currency: str,
    timings: dict[str, float],
) -> Result:
    """Tables and summary of a solver run."""
    d = read_decisions(network, model, run)
    slice_ids = network.slices["id"].to_numpy(dtype=object)
    if run.status.has_solution:
        cost, emissions = totals(network, d)
        value = objective.cost_weight * cost + objective.emissions_weight * emissions
        base_cost, base_emissions = baseline(network, d)
        indicators = indicator_table(network, d)
    else:
        cost = emissions = value = base_cost = base_emissions = math.nan
        indicators = pd.DataFrame(columns=INDICATOR_COLUMNS)
    park = indicators[indicators["firm"] == PARK].drop(columns="firm")
    summary = Summary(
        status=run.status,
        objective=value,
        objective_kind=objective.label,
        total_cost=cost,
        total_emissions=emissions,
        baseline_cost=base_cost,
        baseline_emissions=base_emissions,
        cost_saving=base_cost - cost,
        emission_saving=base_emissions - emissions,
        mip_gap=run.mip_gap,
        solve_seconds=run.solve_seconds,
        scenario=network.scenario_name,
        currency=currency,
        solver_status=run.highs_status,
        timings=timings,
        indicators=tuple(
            {str(key): value for key, value in row.items()} for row in park.to_dict("records")
        ),
        best_bound=run.best_bound,
    )
    return Result(
        status=run.status,
        summary=summary,
        flows=_flow_table(network, d.flow_link, d.flow_slice, d.x, slice_ids),
        links=link_accounts(network, d),
        alternatives=_node_table(
            network.demands,
            "demand_id",
            d.alternative_demand,
            d.alternative_slice,
            d.u,
            slice_ids,
            "alternative_cost",
            "alternative_emissions",
        ),
        disposals=_node_table(
            network.supplies,
            "supply_id",
            d.disposal_supply,
            d.disposal_slice,
            d.v,
            slice_ids,
            "disposal_cost",
            "disposal_emissions",
        ),
        facilities=_facility_table(network, d if run.status.has_solution else None),
        indicators=indicators,
        security=security_table(network, d)
        if run.status.has_solution
        else pd.DataFrame({"demand_id": network.demands["demand_id"]}),
    )


def _facility_table(network: CandidateNetwork, decisions: Decisions | None) -> pd.DataFrame:
    """One row per facility: built, site, size, annual activity, annual cost."""
    facilities = network.facilities
    names = facilities["facility"].to_numpy(dtype=object)
    if decisions is None:
        return pd.DataFrame({"facility": names})
    placements = network.placements
    chosen = placements[decisions.placed > 0.5]
    site = pd.Series(
        chosen["site"].to_numpy(dtype=object), index=chosen["facility_index"].to_numpy()
    )
    has_process = facilities["process"].to_numpy(dtype=bool)
    cost = facility_costs(network, decisions).cost
    purchase_cost, purchase_emissions, backup_cost = purchase_and_backup(network, decisions)
    active = (
        (np.nan_to_num(decisions.size) > FLOW_TOLERANCE)
        | (decisions.activity.sum(axis=1) > FLOW_TOLERANCE)
        | (np.abs(cost) > FLOW_TOLERANCE)
    )
    sized_or_process = facilities["sized"].to_numpy(dtype=bool) | has_process
    optional = facilities["optional"].to_numpy(dtype=bool)
    # b is free when building costs nothing: an optional facility of size 0 that does
    # nothing is reported as not built.
    built = (decisions.built > 0.5) & (active | ~(sized_or_process & optional))
    return pd.DataFrame(
        {
            "facility": names,
            "built": built,
            "site": site.reindex(np.arange(len(facilities))).fillna("").to_numpy(dtype=object),
            "size": decisions.size,
            "activity": np.where(has_process, decisions.activity.sum(axis=1), np.nan),
            "annual_cost": cost + purchase_cost + backup_cost,
            "optional": optional,
            "purchase_cost": purchase_cost,
            "purchase_emissions": purchase_emissions,
            "backup_cost": backup_cost,
        }
    )


def _flow_table(
    network: CandidateNetwork,
    link: np.ndarray,
    t: np.ndarray,
    sent: np.ndarray,
    slice_ids: np.ndarray,
) -> pd.DataFrame:
    keep = sent > FLOW_TOLERANCE
    link, t, sent = link[keep], t[keep], sent[keep]
    links = network.links
    supply = links["supply"].to_numpy()[link]
    demand = links["demand"].to_numpy()[link]
    return pd.DataFrame(
        {
            "source": network.supplies["facility"].to_numpy()[supply],
            "supply_resource": links["resource"].to_numpy()[link],
            "sink": network.demands["facility"].to_numpy()[demand],
            "mode": links["mode"].to_numpy()[link],
            "slice": slice_ids[t],
            "distance_km": links["distance_km"].to_numpy()[link],
            "sent": sent,
            "delivered": sent * links["factor"].to_numpy()[link],
            "supply_id": network.supplies["supply_id"].to_numpy()[supply],
            "demand_id": network.demands["demand_id"].to_numpy()[demand],
        }
    )


def _node_table(
    nodes: pd.DataFrame,
    id_column: str,
    node: np.ndarray,
    t: np.ndarray,
    amount: np.ndarray,
    slice_ids: np.ndarray,
    cost_column: str,
    emissions_column: str,
) -> pd.DataFrame:
    keep = amount > FLOW_TOLERANCE
    node, t, amount = node[keep], t[keep], amount[keep]
    return pd.DataFrame(
        {
            "facility": nodes["facility"].to_numpy()[node],
            id_column: nodes[id_column].to_numpy()[node],
            "resource": nodes["resource"].to_numpy()[node],
            "slice": slice_ids[t],
            "amount": amount,
            "cost": amount * nodes[cost_column].to_numpy()[node],
            "emissions": amount * nodes[emissions_column].to_numpy()[node],
        }
    )
