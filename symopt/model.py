"""Candidate network -> Pyomo model. The mathematics of the scenario spec, in one place.

Symbols (spec "Meaning"): links l, slices t, supplies s, demands k.
`x[l,t]` sent, `y[l]` built, `u[k,t]` alternative, `v[s,t]` disposed.
Every function adds one family of components; `build_model` reads as the table of
contents. Nothing here reads files or runs the solver.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pyomo.environ as pyo

from symopt.network import CandidateNetwork
from symopt.objective import Objective

Index = tuple[int, int]


def build_model(network: CandidateNetwork, objective: Objective) -> pyo.ConcreteModel:
    """The MILP of the spec for `network`, minimising `objective`."""
    model = pyo.ConcreteModel(name=network.scenario_name)
    add_sets(model, network)
    add_variables(model)
    add_supply_balance(model, network)
    add_demand_balance(model, network)
    add_quality_mixing(model, network)
    add_link_capacity(model, network)
    add_emissions(model, network)
    add_cost(model, network)
    add_objective(model, objective)
    return model


def _pairs(rows: np.ndarray, cols: np.ndarray) -> list[Index]:
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


def add_sets(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    """Index sets over the sparse candidate network (never the dense sources x sinks)."""
    links = network.links
    capacity = network.capacity
    # x[l,t] only where the link can carry anything: M_l[t] > 0.
    flow_links, flow_slices = np.nonzero(capacity > 0)
    model.FLOWS = pyo.Set(initialize=_pairs(flow_links, flow_slices), dimen=2, ordered=True)
    built = np.flatnonzero(links["built"].to_numpy())
    model.BUILD_LINKS = pyo.Set(initialize=built.tolist(), ordered=True)
    model.SUPPLY_SLICES = pyo.Set(
        initialize=_pairs(*np.nonzero(network.supply_amount > 0)), dimen=2, ordered=True
    )
    model.DEMAND_SLICES = pyo.Set(
        initialize=_pairs(*np.nonzero(network.demand_amount > 0)), dimen=2, ordered=True
    )


def add_variables(model: pyo.ConcreteModel) -> None:
    """x >= 0, y in {0,1}, u >= 0, v >= 0."""
    model.x = pyo.Var(model.FLOWS, domain=pyo.NonNegativeReals)
    model.y = pyo.Var(model.BUILD_LINKS, domain=pyo.Binary)
    model.u = pyo.Var(model.DEMAND_SLICES, domain=pyo.NonNegativeReals)
    model.v = pyo.Var(model.SUPPLY_SLICES, domain=pyo.NonNegativeReals)


def _flows_by(
    network: CandidateNetwork, model: pyo.ConcreteModel, end: str
) -> dict[Index, list[int]]:
    """(supply or demand, slice) -> the links carrying flow there."""
    node_of_link = network.links[end].to_numpy()
    grouped: dict[Index, list[int]] = defaultdict(list)
    for link, t in model.FLOWS:
        grouped[(int(node_of_link[link]), t)].append(link)
    return grouped


def add_supply_balance(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""Every unit is either sent or disposed.

    .. math:: \sum_{l \in out(s)} x_{l,t} + v_{s,t} = supply_{s,t} \quad \forall s, t
    """
    outgoing = _flows_by(network, model, "supply")
    amount = network.supply_amount

    def rule(m: Any, s: int, t: int) -> Any:
        sent = pyo.quicksum(m.x[link, t] for link in outgoing.get((s, t), ()))
        return sent + m.v[s, t] == float(amount[s, t])

    model.supply_balance = pyo.Constraint(model.SUPPLY_SLICES, rule=rule)


def add_demand_balance(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""What arrives plus the alternative covers the demand.

    .. math:: \sum_{l \in in(k)} (1 - loss_m d_l) x_{l,t} + u_{k,t} = demand_{k,t} \quad \forall k, t
    """
    incoming = _flows_by(network, model, "demand")
    factor = network.links["factor"].to_numpy()
    amount = network.demand_amount

    def rule(m: Any, k: int, t: int) -> Any:
        delivered = pyo.quicksum(
            float(factor[link]) * m.x[link, t] for link in incoming.get((k, t), ())
        )
        return delivered + m.u[k, t] == float(amount[k, t])

    model.demand_balance = pyo.Constraint(model.DEMAND_SLICES, rule=rule)


def add_quality_mixing(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""Linear blending meets each bound (the alternative meets it exactly).

    .. math:: \sum_{l \in in(k)} (1 - loss_m d_l) x_{l,t} (q_{l,a} - min_{k,a}) \ge 0
       \quad (better: higher; with max_{k,a} - q_{l,a} for better: lower)
    """
    terms = network.quality_terms
    factor = network.links["factor"].to_numpy()
    flows = set(model.FLOWS)
    coefficients: dict[tuple[int, str], list[tuple[int, float]]] = defaultdict(list)
    for demand, attribute, link, margin in terms.itertuples(index=False):
        coefficients[(int(demand), str(attribute))].append(
            (int(link), float(factor[link] * margin))
        )
    rows = [
        (demand, attribute, t)
        for (demand, attribute), items in coefficients.items()
        for t in range(network.demand_amount.shape[1])
        if any((link, t) in flows for link, _ in items)
    ]
    model.QUALITY_ROWS = pyo.Set(initialize=rows, dimen=3, ordered=True)

    def rule(m: Any, k: int, attribute: str, t: int) -> Any:
        blend = pyo.quicksum(
            (c * m.x[link, t] for link, c in coefficients[(k, attribute)] if (link, t) in flows),
        )
        return blend >= 0

    model.quality_mixing = pyo.Constraint(model.QUALITY_ROWS, rule=rule)


def add_link_capacity(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""Only a built link carries anything.

    .. math:: x_{l,t} \le y_l \min(supply_{s,t}, demand_{k,t} / (1 - loss_m d_l))
    """
    built = set(model.BUILD_LINKS)
    capacity = network.capacity
    model.BUILT_FLOWS = pyo.Set(
        initialize=[(link, t) for link, t in model.FLOWS if link in built], dimen=2, ordered=True
    )

    def rule(m: Any, link: int, t: int) -> Any:
        return m.x[link, t] <= float(capacity[link, t]) * m.y[link]

    model.link_capacity = pyo.Constraint(model.BUILT_FLOWS, rule=rule)


def add_emissions(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""Annual emissions, t CO2e.

    .. math:: E = \sum_{l,t} x_{l,t} d_l e_m + \sum_{k,t} u_{k,t} e^{alt}_k + \sum_{s,t} v_{s,t} e^{disp}_s
    """
    link_emissions = network.links["unit_emissions"].to_numpy()
    alternative = network.demands["alternative_emissions"].to_numpy()
    disposal = network.supplies["disposal_emissions"].to_numpy()
    model.emissions = pyo.Expression(
        expr=pyo.quicksum(
            [float(link_emissions[l]) * model.x[l, t] for l, t in model.FLOWS if link_emissions[l]]
            + [
                float(alternative[k]) * model.u[k, t]
                for k, t in model.DEMAND_SLICES
                if alternative[k]
            ]
            + [float(disposal[s]) * model.v[s, t] for s, t in model.SUPPLY_SLICES if disposal[s]],
        )
    )


def add_cost(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""Annual cost, including the carbon price on emissions.

    .. math:: C = \sum_l y_l d_l (capex_m CRF + fopex_m) + \sum_{l,t} x_{l,t} d_l c_m
              + \sum_{k,t} u_{k,t} c^{alt}_k + \sum_{s,t} v_{s,t} c^{disp}_s + p_{CO2} E
    """
    links = network.links
    build_cost = links["build_cost"].to_numpy()
    unit_cost = links["unit_cost"].to_numpy()
    alternative = network.demands["alternative_cost"].to_numpy()
    disposal = network.supplies["disposal_cost"].to_numpy()
    model.cost = pyo.Expression(
        expr=pyo.quicksum(
            [float(build_cost[l]) * model.y[l] for l in model.BUILD_LINKS if build_cost[l]]
            + [float(unit_cost[l]) * model.x[l, t] for l, t in model.FLOWS if unit_cost[l]]
            + [
                float(alternative[k]) * model.u[k, t]
                for k, t in model.DEMAND_SLICES
                if alternative[k]
            ]
            + [float(disposal[s]) * model.v[s, t] for s, t in model.SUPPLY_SLICES if disposal[s]],
        )
        + network.carbon_price * model.emissions
    )


def add_objective(model: pyo.ConcreteModel, objective: Objective) -> None:
    r"""min  a C + b E."""
    terms = []
    if objective.cost_weight:
        terms.append(objective.cost_weight * model.cost)
    if objective.emissions_weight:
        terms.append(objective.emissions_weight * model.emissions)
    model.objective = pyo.Objective(expr=sum(terms), sense=pyo.minimize)
