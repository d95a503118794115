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
from symopt.network import CandidateNetwork
from symopt.objective import Objective
from symopt.solver import SolverRun, StandardForm

#: Amounts below this are solver noise, not flows.
FLOW_TOLERANCE = 1e-9


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

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
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

    @property
    def objective(self) -> float:
        return self.summary.objective


@dataclass(frozen=True)
class VariableValues:
    """Solution values per variable family, in the order of each family's index set."""

    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray


def read_values(model: pyo.ConcreteModel, form: StandardForm, run: SolverRun) -> VariableValues:
    """Read the solution vector once and split it by variable family (no per-var Pyomo calls)."""
    solution = run.solution
    if solution.size == 0:
        solution = np.zeros(form.num_cols)
    position = {id(var): index for index, var in enumerate(form.columns)}

    def values(component: Any) -> np.ndarray:
        index = np.fromiter(
            (position.get(id(var), -1) for var in component.values()),
            dtype=np.int64,
            count=len(component),
        )
        found = np.where(index >= 0, solution[np.maximum(index, 0)] if solution.size else 0.0, 0.0)
        return np.asarray(found, dtype=float)

    return VariableValues(values(model.x), values(model.y), values(model.u), values(model.v))


def _index_arrays(component_set: Any, width: int) -> tuple[np.ndarray, ...]:
    data = np.array(list(component_set), dtype=np.int64).reshape(-1, width)
    return tuple(data[:, column] for column in range(width))


def baseline(network: CandidateNetwork) -> tuple[float, float]:
    """No symbiosis: every demand by its alternative, every supply disposed."""
    demands, supplies = network.demands, network.supplies
    demand_total = network.demand_amount.sum(axis=1)
    supply_total = network.supply_amount.sum(axis=1)
    emissions = float(
        demand_total @ demands["alternative_emissions"].to_numpy()
        + supply_total @ supplies["disposal_emissions"].to_numpy()
    )
    cost = float(
        demand_total @ demands["alternative_cost"].to_numpy()
        + supply_total @ supplies["disposal_cost"].to_numpy()
        + network.carbon_price * emissions
    )
    return cost, emissions


def extract_result(
    network: CandidateNetwork,
    model: pyo.ConcreteModel,
    form: StandardForm,
    run: SolverRun,
    objective: Objective,
    currency: str,
    timings: dict[str, float],
) -> Result:
    """Tables and summary of a solver run."""
    base_cost, base_emissions = baseline(network)
    values = read_values(model, form, run)
    slice_ids = network.slices["id"].to_numpy(dtype=object)
    links = network.links
    flow_link, flow_slice = _index_arrays(model.FLOWS, 2)
    built_links = np.asarray(list(model.BUILD_LINKS), dtype=np.int64)
    demand_k, demand_t = _index_arrays(model.DEMAND_SLICES, 2)
    supply_s, supply_t = _index_arrays(model.SUPPLY_SLICES, 2)

    flows = _flow_table(network, flow_link, flow_slice, values.x, slice_ids)
    link_table = _link_table(network, built_links, values.y, flow_link, values.x)
    alternatives = _node_table(
        network.demands,
        "demand_id",
        demand_k,
        demand_t,
        values.u,
        slice_ids,
        "alternative_cost",
        "alternative_emissions",
    )
    disposals = _node_table(
        network.supplies,
        "supply_id",
        supply_s,
        supply_t,
        values.v,
        slice_ids,
        "disposal_cost",
        "disposal_emissions",
    )
    if run.status.has_solution:
        emissions = float(
            values.x @ links["unit_emissions"].to_numpy()[flow_link]
            + values.u @ network.demands["alternative_emissions"].to_numpy()[demand_k]
            + values.v @ network.supplies["disposal_emissions"].to_numpy()[supply_s]
        )
        cost = float(
            values.y @ links["build_cost"].to_numpy()[built_links]
            + values.x @ links["unit_cost"].to_numpy()[flow_link]
            + values.u @ network.demands["alternative_cost"].to_numpy()[demand_k]
            + values.v @ network.supplies["disposal_cost"].to_numpy()[supply_s]
            + network.carbon_price * emissions
        )
        value = objective.cost_weight * cost + objective.emissions_weight * emissions
    else:
        cost = emissions = value = math.nan
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
    )
    return Result(run.status, summary, flows, link_table, alternatives, disposals)


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


def _link_table(
    network: CandidateNetwork,
    built_links: np.ndarray,
    y: np.ndarray,
    flow_link: np.ndarray,
    x: np.ndarray,
) -> pd.DataFrame:
    links = network.links
    chosen = built_links[y > 0.5]
    sent = np.bincount(flow_link, weights=x, minlength=len(links))[chosen]
    supply = links["supply"].to_numpy()[chosen]
    demand = links["demand"].to_numpy()[chosen]
    build_cost = links["build_cost"].to_numpy()[chosen]
    transport_cost = sent * links["unit_cost"].to_numpy()[chosen]
    return pd.DataFrame(
        {
            "source": network.supplies["facility"].to_numpy()[supply],
            "sink": network.demands["facility"].to_numpy()[demand],
            "resource": links["resource"].to_numpy()[chosen],
            "mode": links["mode"].to_numpy()[chosen],
            "distance_km": links["distance_km"].to_numpy()[chosen],
            "annual_cost": build_cost,
            "transport_cost": transport_cost,
            "sent": sent,
            "delivered": sent * links["factor"].to_numpy()[chosen],
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
