"""Candidate network -> Pyomo model. The mathematics of the scenario specs, in one place.

Symbols (specs, "Meaning"): links l, slices t, supply nodes s, demand nodes k,
facilities f. `x[l,t]` sent, `y[l]` link built, `u[k,t]` alternative, `v[s,t]` disposed;
planning: `b[f]` facility built, `p[f,site]` placed, `z[f]` size, `a[f,t]` activity.
A decision that a facility does not have is a constant (b = 1 for a facility without
`build`, p = b for a facility with a plain `site`), not a variable.
Every function adds one family of components; `build_model` reads as the table of
contents. Nothing here reads files or runs the solver.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyomo.environ as pyo

from symopt.enums import Driver
from symopt.network import CandidateNetwork
from symopt.objective import Objective

Index = tuple[int, int]


def build_model(network: CandidateNetwork, objective: Objective) -> pyo.ConcreteModel:
    """The MILP of the specs for `network`, minimising `objective`."""
    model = pyo.ConcreteModel(name=network.scenario_name)
    add_sets(model, network)
    add_variables(model, network)
    add_placement_choice(model, network)
    add_size_limits(model, network)
    add_activity_limits(model, network)
    add_supply_balance(model, network)
    add_demand_balance(model, network)
    add_quality_mixing(model, network)
    add_link_capacity(model, network)
    add_placement_limits(model, network)
    add_emissions(model, network)
    add_cost(model, network)
    add_objective(model, objective)
    return model


def _ints(component_set: Any) -> np.ndarray:
    return np.asarray(list(component_set), dtype=np.int64)


def _pairs(rows: np.ndarray, cols: np.ndarray) -> list[Index]:
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


def _set(model: pyo.ConcreteModel, name: str, items: Iterable[Any], dimen: int = 1) -> None:
    setattr(model, name, pyo.Set(initialize=list(items), dimen=dimen, ordered=True))


def add_sets(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    """Index sets over the sparse candidate network (never the dense sources x sinks)."""
    facilities, placements, links = network.facilities, network.placements, network.links
    _set(model, "OPTIONAL", np.flatnonzero(facilities["optional"].to_numpy(dtype=bool)).tolist())
    _set(model, "SIZED", np.flatnonzero(facilities["sized"].to_numpy(dtype=bool)).tolist())
    _set(model, "CHOICES", np.flatnonzero(placements["choice"].to_numpy(dtype=bool)).tolist())
    _set(model, "ACTIVITIES", _pairs(*np.nonzero(network.activity_max > 0)), dimen=2)
    # x[l,t] only where the link can carry anything: M_l[t] > 0.
    _set(model, "FLOWS", _pairs(*np.nonzero(network.capacity > 0)), dimen=2)
    _set(model, "BUILD_LINKS", np.flatnonzero(links["built"].to_numpy(dtype=bool)).tolist())
    _set(model, "SUPPLY_SLICES", _pairs(*np.nonzero(network.supply_max > 0)), dimen=2)
    _set(model, "DEMAND_SLICES", _pairs(*np.nonzero(network.demand_max > 0)), dimen=2)
    has_alternative = network.demands["has_alternative"].to_numpy(dtype=bool)
    _set(
        model,
        "ALTERNATIVE_SLICES",
        ((k, t) for k, t in model.DEMAND_SLICES if has_alternative[k]),
        dimen=2,
    )


def add_variables(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    """x, u, v, a >= 0; y, b, p in {0,1}; min <= z <= max (times b when optional)."""
    facilities = network.facilities
    size_min = facilities["size_min"].to_numpy(dtype=float)
    size_max = facilities["size_max"].to_numpy(dtype=float)
    optional = facilities["optional"].to_numpy(dtype=bool)
    model.x = pyo.Var(model.FLOWS, domain=pyo.NonNegativeReals)
    model.y = pyo.Var(model.BUILD_LINKS, domain=pyo.Binary)
    model.u = pyo.Var(model.ALTERNATIVE_SLICES, domain=pyo.NonNegativeReals)
    model.v = pyo.Var(model.SUPPLY_SLICES, domain=pyo.NonNegativeReals)
    model.b = pyo.Var(model.OPTIONAL, domain=pyo.Binary)
    model.p = pyo.Var(model.CHOICES, domain=pyo.Binary)
    model.z = pyo.Var(
        model.SIZED,
        domain=pyo.NonNegativeReals,
        bounds=lambda m, f: (0.0 if optional[f] else float(size_min[f]), float(size_max[f])),
    )
    activity_max = network.activity_max
    model.a = pyo.Var(
        model.ACTIVITIES,
        domain=pyo.NonNegativeReals,
        bounds=lambda m, f, t: (0.0, float(activity_max[f, t])),
    )


def built(model: pyo.ConcreteModel, f: int) -> Any:
    """b[f], or 1 for a facility that always stands."""
    return model.b[f] if f in model.OPTIONAL else 1


def placed(model: pyo.ConcreteModel, facility_of: np.ndarray, placement: int) -> Any:
    """p[f,site], or b[f] for a facility with a plain `site` (`facility_of[placement]` = f)."""
    if placement in model.CHOICES:
        return model.p[placement]
    return built(model, int(facility_of[placement]))


def _placement_facility(network: CandidateNetwork) -> np.ndarray:
    return network.placements["facility_index"].to_numpy(dtype=int)


def add_placement_choice(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""A built facility stands on exactly one of its candidate sites.

    .. math:: \sum_{site} p_{f,site} = b_f
    """
    facility_of = _placement_facility(network)
    by_facility: dict[int, list[int]] = defaultdict(list)
    for placement in model.CHOICES:
        by_facility[int(facility_of[placement])].append(placement)
    _set(model, "PLACED", sorted(by_facility))

    def rule(m: Any, f: int) -> Any:
        return pyo.quicksum(m.p[pl] for pl in by_facility[f]) == built(m, f)

    model.placement_choice = pyo.Constraint(model.PLACED, rule=rule)


def add_size_limits(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""An optional facility has a size only when built.

    .. math:: min_f b_f \le z_f \le max_f b_f
    """
    facilities = network.facilities
    size_min = facilities["size_min"].to_numpy(dtype=float)
    size_max = facilities["size_max"].to_numpy(dtype=float)
    _set(model, "OPTIONAL_SIZED", (f for f in model.SIZED if f in model.OPTIONAL))
    model.size_lower = pyo.Constraint(
        model.OPTIONAL_SIZED, rule=lambda m, f: m.z[f] >= float(size_min[f]) * m.b[f]
    )
    model.size_upper = pyo.Constraint(
        model.OPTIONAL_SIZED, rule=lambda m, f: m.z[f] <= float(size_max[f]) * m.b[f]
    )


def add_activity_limits(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""Activity per hour is at most the size; without size at most M_f[t] b_f.

    .. math:: a_{f,t} \le z_f \, hours_t \quad \text{or} \quad a_{f,t} \le M_{f,t} b_f;
       \qquad a_{f,t} \ge min\_activity_{f,t} \, b_f
    """
    hours = network.slices["hours"].to_numpy(dtype=float)
    sized = set(model.SIZED)
    activity_max, minimum = network.activity_max, network.min_activity
    _set(
        model,
        "ACTIVITY_LIMITS",
        ((f, t) for f, t in model.ACTIVITIES if f in sized or f in model.OPTIONAL),
        dimen=2,
    )

    def upper(m: Any, f: int, t: int) -> Any:
        if f in sized:
            return m.a[f, t] <= float(hours[t]) * m.z[f]
        return m.a[f, t] <= float(activity_max[f, t]) * m.b[f]

    model.activity_upper = pyo.Constraint(model.ACTIVITY_LIMITS, rule=upper)
    _set(
        model,
        "ACTIVITY_MINIMA",
        ((f, t) for f, t in model.ACTIVITIES if minimum[f, t] > 0),
        dimen=2,
    )
    model.activity_lower = pyo.Constraint(
        model.ACTIVITY_MINIMA,
        rule=lambda m, f, t: m.a[f, t] >= float(minimum[f, t]) * built(m, f),
    )


def _amount(model: pyo.ConcreteModel, driver: str, f: int, t: int, coefficient: float) -> Any:
    """A node's amount: coefficient times 1, b[f], z[f] or a[f,t] (planning spec, "Amounts")."""
    if driver == Driver.FIXED:
        return coefficient
    if driver == Driver.BUILD:
        return coefficient * model.b[f]
    if driver == Driver.SIZE:
        return coefficient * model.z[f]
    return coefficient * model.a[f, t] if (f, t) in model.ACTIVITIES else 0.0


def _flows_by(
    model: pyo.ConcreteModel, network: CandidateNetwork, end: str
) -> dict[Index, list[int]]:
    """(supply or demand node, slice) -> the links carrying flow there."""
    node_of_link = network.links[end].to_numpy()
    grouped: dict[Index, list[int]] = defaultdict(list)
    for link, t in model.FLOWS:
        grouped[(int(node_of_link[link]), t)].append(link)
    return grouped


def add_supply_balance(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""Every unit is either sent or disposed.

    .. math:: \sum_{l \in out(s)} x_{l,t} + v_{s,t} = supply_{s,t}
    """
    outgoing = _flows_by(model, network, "supply")
    driver = network.supplies["driver"].to_numpy(dtype=object)
    facility = network.supplies["facility_index"].to_numpy(dtype=int)
    amount = network.supply_amount

    def rule(m: Any, s: int, t: int) -> Any:
        sent = pyo.quicksum(m.x[link, t] for link in outgoing.get((s, t), ()))
        available = _amount(m, driver[s], int(facility[s]), t, float(amount[s, t]))
        return sent + m.v[s, t] == available

    model.supply_balance = pyo.Constraint(model.SUPPLY_SLICES, rule=rule)


def add_demand_balance(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""What arrives plus the alternative covers the demand (an input without alternative: u = 0).

    .. math:: \sum_{l \in in(k)} (1 - loss_m d_l) x_{l,t} + u_{k,t} = demand_{k,t}
    """
    incoming = _flows_by(model, network, "demand")
    factor = network.links["factor"].to_numpy()
    driver = network.demands["driver"].to_numpy(dtype=object)
    facility = network.demands["facility_index"].to_numpy(dtype=int)
    amount = network.demand_amount
    alternatives = set(model.ALTERNATIVE_SLICES)

    def rule(m: Any, k: int, t: int) -> Any:
        delivered = pyo.quicksum(
            float(factor[link]) * m.x[link, t] for link in incoming.get((k, t), ())
        )
        if (k, t) in alternatives:
            delivered = delivered + m.u[k, t]
        return delivered == _amount(m, driver[k], int(facility[k]), t, float(amount[k, t]))

    model.demand_balance = pyo.Constraint(model.DEMAND_SLICES, rule=rule)


def add_quality_mixing(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""Linear blending meets each bound (the alternative meets it exactly).

    .. math:: \sum_{l \in in(k)} (1 - loss_m d_l) x_{l,t} (q_{l,a} - min_{k,a}) \ge 0
       \quad (better: higher; with max_{k,a} - q_{l,a} for better: lower)
    """
    factor = network.links["factor"].to_numpy()
    flows = set(model.FLOWS)
    coefficients: dict[tuple[int, str], list[tuple[int, float]]] = defaultdict(list)
    for demand, attribute, link, margin in network.quality_terms.itertuples(index=False):
        coefficients[(int(demand), str(attribute))].append(
            (int(link), float(factor[link] * margin))
        )
    _set(
        model,
        "QUALITY_ROWS",
        (
            (demand, attribute, t)
            for (demand, attribute), items in coefficients.items()
            for t in range(len(network.slices))
            if any((link, t) in flows for link, _ in items)
        ),
        dimen=3,
    )

    def rule(m: Any, k: int, attribute: str, t: int) -> Any:
        blend = pyo.quicksum(
            c * m.x[link, t] for link, c in coefficients[(k, attribute)] if (link, t) in flows
        )
        return blend >= 0

    model.quality_mixing = pyo.Constraint(model.QUALITY_ROWS, rule=rule)


def add_link_capacity(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""Only a built link carries anything.

    .. math:: x_{l,t} \le y_l \, M_{l,t}, \quad M_{l,t} = \min(supply_{s,t}, demand_{k,t} / (1 - loss_m d_l))
    """
    build_links = set(model.BUILD_LINKS)
    capacity = network.capacity
    _set(model, "BUILT_FLOWS", ((l, t) for l, t in model.FLOWS if l in build_links), dimen=2)
    model.link_capacity = pyo.Constraint(
        model.BUILT_FLOWS, rule=lambda m, l, t: m.x[l, t] <= float(capacity[l, t]) * m.y[l]
    )


def add_placement_limits(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""A link is used, or built, only where both its ends are placed.

    .. math:: x_{l,t} \le M_{l,t} \, p_{f,site_f}, \quad x_{l,t} \le M_{l,t} \, p_{g,site_g},
       \quad y_l \le p_{f,site_f}, \quad y_l \le p_{g,site_g}
    """
    capacity = network.capacity
    facility_of = _placement_facility(network)
    choices, optional = _ints(model.CHOICES), _ints(model.OPTIONAL)
    # A placement is a decision unless the facility always stands on its one site.
    variable = np.isin(np.arange(len(facility_of)), choices) | np.isin(facility_of, optional)
    for end in ("from", "to"):
        placement = network.links[f"placement_{end}"].to_numpy(dtype=int)
        flows = [(l, t) for l, t in model.FLOWS if variable[placement[l]]]
        links = [l for l in model.BUILD_LINKS if variable[placement[l]]]
        _set(model, f"PLACED_FLOWS_{end.upper()}", flows, dimen=2)
        _set(model, f"PLACED_LINKS_{end.upper()}", links)

        def flow_rule(m: Any, l: int, t: int, placement: np.ndarray = placement) -> Any:
            return m.x[l, t] <= float(capacity[l, t]) * placed(m, facility_of, int(placement[l]))

        def link_rule(m: Any, l: int, placement: np.ndarray = placement) -> Any:
            return m.y[l] <= placed(m, facility_of, int(placement[l]))

        flow_set = getattr(model, f"PLACED_FLOWS_{end.upper()}")
        link_set = getattr(model, f"PLACED_LINKS_{end.upper()}")
        setattr(model, f"placement_flow_{end}", pyo.Constraint(flow_set, rule=flow_rule))
        setattr(model, f"placement_link_{end}", pyo.Constraint(link_set, rule=link_rule))


def add_emissions(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""Annual emissions, t CO2e.

    .. math:: E = \sum_{l,t} x_{l,t} d_l e_m + \sum_{k,t} u_{k,t} e^{alt}_k
              + \sum_{s,t} v_{s,t} e^{disp}_s + \sum_{f,t} a_{f,t} e^{proc}_f
    """
    link_emissions = network.links["unit_emissions"].to_numpy()
    alternative = network.demands["alternative_emissions"].to_numpy()
    disposal = network.supplies["disposal_emissions"].to_numpy()
    process = network.facilities["activity_emissions"].to_numpy()
    model.emissions = pyo.Expression(
        expr=pyo.quicksum(
            [float(link_emissions[l]) * model.x[l, t] for l, t in model.FLOWS if link_emissions[l]]
            + [
                float(alternative[k]) * model.u[k, t]
                for k, t in model.ALTERNATIVE_SLICES
                if alternative[k]
            ]
            + [float(disposal[s]) * model.v[s, t] for s, t in model.SUPPLY_SLICES if disposal[s]]
            + [float(process[f]) * model.a[f, t] for f, t in model.ACTIVITIES if process[f]]
        )
    )


def add_cost(model: pyo.ConcreteModel, network: CandidateNetwork) -> None:
    r"""Annual cost, including the carbon price on emissions.

    .. math:: C = \sum_l y_l d_l (capex_m CRF + fopex_m) + \sum_{l,t} x_{l,t} d_l c_m
              + \sum_{k,t} u_{k,t} c^{alt}_k + \sum_{s,t} v_{s,t} c^{disp}_s
              + \sum_f b_f (capex_f CRF + fopex_f + annual_f) + \sum_{f,s} p_{f,s} c^{site}_{f,s}
              + \sum_f z_f (capex^{unit}_f CRF + fopex^{unit}_f - value^{unit}_f)
              + \sum_{f,t} a_{f,t} c^{proc}_f + p_{CO2} E
    """
    links, facilities = network.links, network.facilities
    build_cost = links["build_cost"].to_numpy()
    unit_cost = links["unit_cost"].to_numpy()
    alternative = network.demands["alternative_cost"].to_numpy()
    disposal = network.supplies["disposal_cost"].to_numpy()
    facility_cost = facilities["build_cost"].to_numpy()
    size_cost = facilities["size_cost"].to_numpy()
    activity_cost = facilities["activity_cost"].to_numpy()
    site_cost = network.placements["site_cost"].to_numpy()
    facility_of = _placement_facility(network)
    model.cost = pyo.Expression(
        expr=pyo.quicksum(
            [float(build_cost[l]) * model.y[l] for l in model.BUILD_LINKS if build_cost[l]]
            + [float(unit_cost[l]) * model.x[l, t] for l, t in model.FLOWS if unit_cost[l]]
            + [
                float(alternative[k]) * model.u[k, t]
                for k, t in model.ALTERNATIVE_SLICES
                if alternative[k]
            ]
            + [float(disposal[s]) * model.v[s, t] for s, t in model.SUPPLY_SLICES if disposal[s]]
            + [float(facility_cost[f]) * model.b[f] for f in model.OPTIONAL if facility_cost[f]]
            + [
                float(site_cost[pl]) * placed(model, facility_of, pl)
                for pl in range(len(site_cost))
                if site_cost[pl]
            ]
            + [float(size_cost[f]) * model.z[f] for f in model.SIZED if size_cost[f]]
            + [
                float(activity_cost[f]) * model.a[f, t]
                for f, t in model.ACTIVITIES
                if activity_cost[f]
            ]
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
