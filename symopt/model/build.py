"""Candidate network -> Pyomo model. The mathematics of the scenario specs, in one place.

Symbols (specs, "Meaning"): links l, slices t, supply nodes s, demand nodes k,
facilities f. `x[l,t]` sent, `y[l]` link built, `u[k,t]` alternative, `v[s,t]` disposed;
planning: `b[f]` facility built, `p[f,site]` placed, `z[f]` size, `a[f,t]` activity.
A decision that a facility does not have is a constant (b = 1 for a facility without
`build`, p = b for a facility with a plain `site`), not a variable.

Every number comes from a Param named as in the spec. With `mutable=True` (sweeps) the
Params can be changed and the model re-solved; otherwise Pyomo folds them into floats.
Index sets, data and parameters: `symopt.model.data`; here: variables, constraints,
objective, each function one family. Nothing here reads files or runs the solver.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from symopt.enums import Driver
from symopt.model.data import ModelData, add_parameters, add_sets, model_data
from symopt.model.objective import Objective
from symopt.model.security import add_backup
from symopt.network.candidates import CandidateNetwork

__all__ = ["build_model", "built", "placed"]


def build_model(
    network: CandidateNetwork, objective: Objective, *, mutable: bool = False
) -> pyo.ConcreteModel:
    """The MILP of the specs for `network`, minimising `objective`."""
    with PauseGC():  # many small objects, no garbage: halves the build (benchmarks/PROFILE.md)
        return _build(network, objective, mutable)


def _build(network: CandidateNetwork, objective: Objective, mutable: bool) -> pyo.ConcreteModel:
    data = model_data(network)
    model = pyo.ConcreteModel(name=network.scenario_name)
    add_sets(model, data)
    add_parameters(model, data, network, objective, mutable=mutable)
    add_variables(model)
    add_placement_choice(model, data)
    add_size_limits(model)
    add_activity_limits(model)
    add_supply_balance(model, data)
    add_demand_balance(model, data)
    add_quality_mixing(model, data)
    add_backup(model, data.security_links)
    add_link_capacity(model)
    add_placement_limits(model, data)
    add_emissions(model, data)
    add_cost(model, data)
    add_objective(model)
    return model


def add_variables(model: pyo.ConcreteModel) -> None:
    """x, u, v, a >= 0; y, b, p in {0,1}; z within its size range (from 0 when optional)."""
    model.x = pyo.Var(model.FLOWS, domain=pyo.NonNegativeReals)
    model.y = pyo.Var(model.BUILD_LINKS, domain=pyo.Binary)
    model.u = pyo.Var(model.ALTERNATIVE_SLICES, domain=pyo.NonNegativeReals)
    model.v = pyo.Var(model.SUPPLY_SLICES, domain=pyo.NonNegativeReals)
    model.b = pyo.Var(model.OPTIONAL, domain=pyo.Binary)
    model.p = pyo.Var(model.CHOICES, domain=pyo.Binary)
    model.z = pyo.Var(
        model.SIZED,
        domain=pyo.NonNegativeReals,
        bounds=lambda m, f: (0 if f in m.OPTIONAL else m.size_min[f], m.size_max[f]),
    )
    model.a = pyo.Var(
        model.ACTIVITIES,
        domain=pyo.NonNegativeReals,
        bounds=lambda m, f, t: (0, m.activity_max[f, t]),
    )


def built(m: pyo.ConcreteModel, f: int) -> Any:
    """b[f], or 1 for a facility that always stands."""
    return m.b[f] if f in m.OPTIONAL else 1


def placed(m: pyo.ConcreteModel, data: ModelData, placement: int) -> Any:
    """p[f,site], or b[f] for a facility with a plain `site`."""
    if placement in m.CHOICES:
        return m.p[placement]
    return built(m, int(data.placement_facility[placement]))


def add_placement_choice(model: pyo.ConcreteModel, data: ModelData) -> None:
    r"""A built facility stands on exactly one of its candidate sites.

    .. math:: \sum_{site} p_{f,site} = b_f
    """
    model.placement_choice = pyo.Constraint(
        model.PLACED,
        rule=lambda m, f: pyo.quicksum(m.p[pl] for pl in data.choices_of[f]) == built(m, f),
    )


def add_size_limits(model: pyo.ConcreteModel) -> None:
    r"""An optional facility has a size only when built.

    .. math:: min_f \, b_f \le z_f \le max_f \, b_f
    """
    model.size_lower = pyo.Constraint(
        model.OPTIONAL_SIZED, rule=lambda m, f: m.z[f] >= m.size_min[f] * m.b[f]
    )
    model.size_upper = pyo.Constraint(
        model.OPTIONAL_SIZED, rule=lambda m, f: m.z[f] <= m.size_max[f] * m.b[f]
    )


def add_activity_limits(model: pyo.ConcreteModel) -> None:
    r"""Activity per hour is at most the size; without size at most M_{f,t} b_f.

    .. math:: a_{f,t} \le z_f \, hours_t \quad \text{or} \quad a_{f,t} \le M_{f,t} \, b_f;
       \qquad a_{f,t} \ge min\_activity_{f,t} \, b_f
    """

    def upper(m: Any, f: int, t: int) -> Any:
        if f in m.SIZED:
            return m.a[f, t] <= m.hours[t] * m.z[f]
        return m.a[f, t] <= m.activity_max[f, t] * m.b[f]

    model.activity_upper = pyo.Constraint(model.ACTIVITY_LIMITS, rule=upper)
    model.activity_lower = pyo.Constraint(
        model.ACTIVITY_MINIMA,
        rule=lambda m, f, t: m.a[f, t] >= m.min_activity[f, t] * built(m, f),
    )


def _amount(m: pyo.ConcreteModel, driver: str, f: int, t: int, coefficient: Any) -> Any:
    """A node's amount: coefficient times 1, b[f], z[f] or a[f,t] (planning spec, "Amounts")."""
    if driver == Driver.FIXED:
        return coefficient
    if driver == Driver.BUILD:
        return coefficient * m.b[f]
    if driver == Driver.SIZE:
        return coefficient * m.z[f]
    return coefficient * m.a[f, t] if (f, t) in m.ACTIVITIES else 0


def add_supply_balance(model: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Every unit is either sent or disposed.

    .. math:: \sum_{l \in out(s)} x_{l,t} + v_{s,t} = supply_{s,t}
    """

    def rule(m: Any, s: int, t: int) -> Any:
        sent = pyo.quicksum(m.x[l, t] for l in data.outgoing.get((s, t), ()))
        f = int(data.supply_facility[s])
        return sent + m.v[s, t] == _amount(m, data.supply_driver[s], f, t, m.supply_amount[s, t])

    model.supply_balance = pyo.Constraint(model.SUPPLY_SLICES, rule=rule)


def add_demand_balance(model: pyo.ConcreteModel, data: ModelData) -> None:
    r"""What arrives plus the alternative covers the demand; an input without one has u = 0.

    .. math:: \sum_{l \in in(k)} (1 - loss_m d_l) x_{l,t} + u_{k,t} = demand_{k,t}
    """

    def rule(m: Any, k: int, t: int) -> Any:
        delivered = pyo.quicksum(m.factor[l] * m.x[l, t] for l in data.incoming.get((k, t), ()))
        if (k, t) in m.ALTERNATIVE_SLICES:
            delivered = delivered + m.u[k, t]
        f = int(data.demand_facility[k])
        return delivered == _amount(m, data.demand_driver[k], f, t, m.demand_amount[k, t])

    model.demand_balance = pyo.Constraint(model.DEMAND_SLICES, rule=rule)


def add_quality_mixing(model: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Linear blending meets each bound; the alternative blends with its own quality
    (or meets the bound exactly where it has none: a zero margin).

    .. math:: \sum_{l \in in(k)} (1 - loss_m d_l) x_{l,t} (q_{l,a} - min_{k,a})
       + u_{k,t} (q^{alt}_{k,a} - min_{k,a}) \ge 0
       \quad (better: higher; with max_{k,a} - q for better: lower)
    """

    def rule(m: Any, k: int, attribute: str, t: int) -> Any:
        blend = pyo.quicksum(
            m.factor[l] * m.margin[k, attribute, l] * m.x[l, t]
            for l in data.quality_links[(k, attribute)]
            if (l, t) in m.FLOWS
        )
        if (k, attribute) in data.alternative_terms and (k, t) in data.alternative_slices:
            blend = blend + m.alternative_margin[k, attribute] * m.u[k, t]
        return blend >= 0

    model.quality_mixing = pyo.Constraint(model.QUALITY_ROWS, rule=rule)


def add_link_capacity(model: pyo.ConcreteModel) -> None:
    r"""Only a built link carries anything.

    .. math:: x_{l,t} \le M_{l,t} \, y_l, \quad
       M_{l,t} = \min(supply_{s,t}, demand_{k,t} / (1 - loss_m d_l))
    """
    model.link_capacity = pyo.Constraint(
        model.BUILT_FLOWS, rule=lambda m, l, t: m.x[l, t] <= m.capacity[l, t] * m.y[l]
    )


def add_placement_limits(model: pyo.ConcreteModel, data: ModelData) -> None:
    r"""A link is used, or built, only where both its ends are placed.

    .. math:: x_{l,t} \le M_{l,t} \, p_{f,site_f}, \quad x_{l,t} \le M_{l,t} \, p_{g,site_g},
       \quad y_l \le p_{f,site_f}, \quad y_l \le p_{g,site_g}
    """
    ends = {"from": data.placement_from, "to": data.placement_to}
    for end, placement in ends.items():
        flows = getattr(model, f"PLACED_FLOWS_{end.upper()}")
        links = getattr(model, f"PLACED_LINKS_{end.upper()}")

        def flow_rule(m: Any, l: int, t: int, placement: Any = placement) -> Any:
            return m.x[l, t] <= m.capacity[l, t] * placed(m, data, int(placement[l]))

        def link_rule(m: Any, l: int, placement: Any = placement) -> Any:
            return m.y[l] <= placed(m, data, int(placement[l]))

        setattr(model, f"placement_flow_{end}", pyo.Constraint(flows, rule=flow_rule))
        setattr(model, f"placement_link_{end}", pyo.Constraint(links, rule=link_rule))


def add_emissions(model: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Annual emissions, t CO2e.

    .. math:: E = \sum_{l,t} x_{l,t} d_l e_m + \sum_{k,t} u_{k,t} e^{alt}_k
              + \sum_{s,t} v_{s,t} e^{disp}_s + \sum_{f,t} a_{f,t} e^{proc}_f
              + \sum_{l,t} x_{l,t} e^{buy}_{s(l)}
    """
    m, supply = model, data.link_supply
    model.emissions = pyo.Expression(
        expr=pyo.quicksum(m.unit_emissions[l] * m.x[l, t] for l, t in m.FLOW_EMISSIONS)
        + pyo.quicksum(m.alternative_emissions[k] * m.u[k, t] for k, t in m.ALTERNATIVE_EMISSIONS)
        + pyo.quicksum(m.disposal_emissions[s] * m.v[s, t] for s, t in m.DISPOSAL_EMISSIONS)
        + pyo.quicksum(m.activity_emissions[f] * m.a[f, t] for f, t in m.ACTIVITY_EMISSIONS)
        + pyo.quicksum(m.purchase_emissions[supply[l]] * m.x[l, t] for l, t in m.PURCHASE_EMISSIONS)
    )


def add_cost(model: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Annual cost, including the carbon price on emissions.

    .. math:: C = \sum_l y_l d_l (capex_m CRF + fopex_m) + \sum_{l,t} x_{l,t} d_l c_m
              + \sum_{k,t} u_{k,t} c^{alt}_k + \sum_{s,t} v_{s,t} c^{disp}_s
              + \sum_f b_f (capex_f CRF + fopex_f + annual_f) + \sum_{f,s} p_{f,s} c^{site}_{f,s}
              + \sum_f z_f (capex^{unit}_f CRF + fopex^{unit}_f - value^{unit}_f)
              + \sum_{f,t} a_{f,t} c^{proc}_f + \sum_{l,t} x_{l,t} c^{buy}_{s(l)}
              + \sum_k B_k c^{cap}_k + p_{CO2} E
    """
    m, supply = model, data.link_supply
    model.cost = pyo.Expression(
        expr=pyo.quicksum(m.build_cost[l] * m.y[l] for l in m.LINK_BUILD_COSTS)
        + pyo.quicksum(m.unit_cost[l] * m.x[l, t] for l, t in m.FLOW_COSTS)
        + pyo.quicksum(m.alternative_cost[k] * m.u[k, t] for k, t in m.ALTERNATIVE_COSTS)
        + pyo.quicksum(m.disposal_cost[s] * m.v[s, t] for s, t in m.DISPOSAL_COSTS)
        + pyo.quicksum(m.facility_cost[f] * m.b[f] for f in m.FACILITY_COSTS)
        + pyo.quicksum(m.site_cost[pl] * placed(m, data, pl) for pl in m.SITE_COSTS)
        + pyo.quicksum(m.size_cost[f] * m.z[f] for f in m.SIZE_COSTS)
        + pyo.quicksum(m.activity_cost[f] * m.a[f, t] for f, t in m.ACTIVITY_COSTS)
        + pyo.quicksum(m.purchase_cost[supply[l]] * m.x[l, t] for l, t in m.PURCHASE_COSTS)
        + pyo.quicksum(m.capacity_cost[k] * m.backup[k] for k in m.BACKUP_COSTS)
        + m.carbon_price * m.emissions
    )


def add_objective(model: pyo.ConcreteModel) -> None:
    r"""min  w_C \, C + w_E \, E."""
    model.objective = pyo.Objective(
        expr=model.cost_weight * model.cost + model.emissions_weight * model.emissions,
        sense=pyo.minimize,
    )
