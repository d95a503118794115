"""Index sets, lookup tables and Params of the model, derived from the candidate network.

Sets are sparse (built from the network's tables, never a dense product). Params carry
every number of the spec under its name; `mutable=True` keeps them changeable for
re-solves, and then every cost term exists whatever its value, so that a variant with
the same index sets has the same model structure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo

from symopt.model.objective import Objective
from symopt.model.security import SecurityLinks, security_sets
from symopt.network.candidates import CandidateNetwork

Index = tuple[int, int]


@dataclass(frozen=True)
class ModelData:
    """Network data in the shape the constraint rules read it."""

    placement_facility: np.ndarray
    placement_from: np.ndarray
    placement_to: np.ndarray
    supply_facility: np.ndarray
    supply_driver: np.ndarray
    demand_facility: np.ndarray
    demand_driver: np.ndarray
    outgoing: dict[Index, list[int]] = field(repr=False)
    """(supply node, slice) -> links with flow there."""
    incoming: dict[Index, list[int]] = field(repr=False)
    """(demand node, slice) -> links with flow there."""
    choices_of: dict[int, list[int]] = field(repr=False)
    """facility -> its placements that are decisions."""
    quality_links: dict[tuple[int, str], list[int]] = field(repr=False)
    """(demand node, attribute) -> links in its linear-mixing row."""
    sets: dict[str, list[Any]] = field(repr=False)
    """Index set name -> members."""
    link_supply: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int), repr=False)
    """(L,): the supply node of each link."""
    alternative_terms: frozenset[tuple[int, str]] = frozenset()
    """(demand node, attribute) pairs whose alternative enters the mixing row."""
    alternative_slices: frozenset[Index] = frozenset()
    """(demand node, slice) pairs with a u variable."""
    security_links: SecurityLinks = field(default_factory=dict, repr=False)
    """(secured demand node, source facility) -> its links (`symopt.model.security`)."""


def _pairs(rows: np.ndarray, cols: np.ndarray) -> list[Index]:
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


def _flows_by(flows: list[Index], node_of_link: np.ndarray) -> dict[Index, list[int]]:
    grouped: dict[Index, list[int]] = defaultdict(list)
    for link, t in flows:
        grouped[(int(node_of_link[link]), t)].append(link)
    return dict(grouped)


def model_data(network: CandidateNetwork) -> ModelData:
    """Sets and lookups of `network` (independent of the Params' values where it can be)."""
    facilities, placements, links = network.facilities, network.placements, network.links
    capacity = network.capacity
    flows = _pairs(*np.nonzero(capacity > 0))  # x[l,t] only where a link can carry anything
    optional = np.flatnonzero(facilities["optional"].to_numpy(dtype=bool)).tolist()
    sized = np.flatnonzero(facilities["sized"].to_numpy(dtype=bool)).tolist()
    choices = np.flatnonzero(placements["choice"].to_numpy(dtype=bool)).tolist()
    activities = _pairs(*np.nonzero(network.activity_max > 0))
    build_links = np.flatnonzero(links["built"].to_numpy(dtype=bool)).tolist()
    supply_slices = _pairs(*np.nonzero(network.supply_max > 0))
    demand_slices = _pairs(*np.nonzero(network.demand_max > 0))
    has_alternative = network.demands["has_alternative"].to_numpy(dtype=bool)
    placement_facility = placements["facility_index"].to_numpy(dtype=int)
    placement_from = links["placement_from"].to_numpy(dtype=int)
    placement_to = links["placement_to"].to_numpy(dtype=int)

    choices_of: dict[int, list[int]] = defaultdict(list)
    for placement in choices:
        choices_of[int(placement_facility[placement])].append(placement)
    quality_links: dict[tuple[int, str], list[int]] = defaultdict(list)
    for demand, attribute, link in network.quality_terms[
        ["demand", "attribute", "link"]
    ].itertuples(index=False):
        quality_links[(int(demand), str(attribute))].append(int(link))
    flow_set = set(flows)
    slices = range(len(network.slices))
    alternative_terms = [
        (int(k), str(a))
        for k, a in network.alternative_terms[["demand", "attribute"]].itertuples(index=False)
    ]
    negative_alternative = {
        key
        for key, margin in zip(
            alternative_terms, network.alternative_terms["margin"].to_numpy(), strict=True
        )
        if margin < 0
    }
    alternative_slices = (
        {(k, t) for k, t in demand_slices if has_alternative[k]} if negative_alternative else set()
    )
    for key in alternative_terms:
        quality_links.setdefault(key, [])
    # A row exists where a link flows, or where an alternative below the bound can be used.
    quality_rows = [
        (demand, attribute, t)
        for (demand, attribute), members in quality_links.items()
        for t in slices
        if any((link, t) in flow_set for link in members)
        or ((demand, attribute) in negative_alternative and (demand, t) in alternative_slices)
    ]
    secured_sets, security_links = security_sets(network, flows)
    # A placement is a decision unless the facility always stands on its one site.
    variable = np.isin(np.arange(len(placement_facility)), choices) | np.isin(
        placement_facility, optional
    )
    build_set, sized_set, optional_set = set(build_links), set(sized), set(optional)
    sets: dict[str, list[Any]] = {
        "SLICES": list(slices),
        "LINKS": list(range(len(links))),
        "SUPPLIES": list(range(len(network.supplies))),
        "DEMANDS": list(range(len(network.demands))),
        "FACILITIES": list(range(len(facilities))),
        "PLACEMENTS": list(range(len(placements))),
        "OPTIONAL": optional,
        "SIZED": sized,
        "OPTIONAL_SIZED": [f for f in sized if f in optional_set],
        "PROCESSES": np.flatnonzero(facilities["process"].to_numpy(dtype=bool)).tolist(),
        "CHOICES": choices,
        "PLACED": sorted(choices_of),
        "ACTIVITIES": activities,
        "ACTIVITY_LIMITS": [(f, t) for f, t in activities if f in sized_set or f in optional_set],
        "ACTIVITY_MINIMA": [(f, t) for f, t in activities if network.min_activity[f, t] > 0],
        "FLOWS": flows,
        "BUILD_LINKS": build_links,
        "BUILT_FLOWS": [(l, t) for l, t in flows if l in build_set],
        "SUPPLY_SLICES": supply_slices,
        "DEMAND_SLICES": demand_slices,
        "ALTERNATIVE_SLICES": [(k, t) for k, t in demand_slices if has_alternative[k]],
        "QUALITY_TERMS": [
            (int(k), str(a), int(l))
            for k, a, l in network.quality_terms[["demand", "attribute", "link"]].itertuples(
                index=False
            )
        ],
        "QUALITY_ROWS": quality_rows,
        "PLACED_FLOWS_FROM": [(l, t) for l, t in flows if variable[placement_from[l]]],
        "PLACED_FLOWS_TO": [(l, t) for l, t in flows if variable[placement_to[l]]],
        "PLACED_LINKS_FROM": [l for l in build_links if variable[placement_from[l]]],
        "PLACED_LINKS_TO": [l for l in build_links if variable[placement_to[l]]],
        "ALTERNATIVE_TERMS": alternative_terms,
        **secured_sets,
    }
    return ModelData(
        placement_facility=placement_facility,
        placement_from=placement_from,
        placement_to=placement_to,
        supply_facility=network.supplies["facility_index"].to_numpy(dtype=int),
        supply_driver=network.supplies["driver"].to_numpy(dtype=object),
        demand_facility=network.demands["facility_index"].to_numpy(dtype=int),
        demand_driver=network.demands["driver"].to_numpy(dtype=object),
        outgoing=_flows_by(flows, links["supply"].to_numpy()),
        incoming=_flows_by(flows, links["demand"].to_numpy()),
        choices_of=dict(choices_of),
        quality_links=dict(quality_links),
        sets=sets,
        security_links=security_links,
        link_supply=links["supply"].to_numpy(dtype=int),
        alternative_terms=frozenset(alternative_terms),
        alternative_slices=frozenset(sets["ALTERNATIVE_SLICES"]),
    )


def add_sets(model: pyo.ConcreteModel, data: ModelData) -> None:
    for name, members in data.sets.items():
        dimen = len(members[0]) if members and isinstance(members[0], tuple) else 1
        setattr(model, name, pyo.Set(initialize=members, dimen=dimen, ordered=True))


def _values(index: Iterable[Any], lookup: Any) -> dict[Any, float]:
    return {key: float(lookup(key)) for key in index}


def parameter_values(
    network: CandidateNetwork, data: ModelData, objective: Objective
) -> dict[str, dict[Any, float] | float]:
    """Every Param of the model: name -> {index: value} (or a number for scalars)."""
    s = data.sets
    links, facilities = network.links, network.facilities
    supplies, demands = network.supplies, network.demands

    def column(table: Any, name: str) -> np.ndarray:
        return np.asarray(table[name].to_numpy(dtype=float))

    factor = column(links, "factor")
    margin = {
        (int(k), str(a), int(l)): float(value)
        for k, a, l, value in network.quality_terms[
            ["demand", "attribute", "link", "margin"]
        ].itertuples(index=False)
    }
    capacity = network.capacity
    return {
        "hours": _values(s["SLICES"], lambda t: network.slices["hours"].to_numpy()[t]),
        "supply_amount": _values(s["SUPPLY_SLICES"], lambda key: network.supply_amount[key]),
        "demand_amount": _values(s["DEMAND_SLICES"], lambda key: network.demand_amount[key]),
        "factor": dict(enumerate(factor.tolist())),
        "capacity": _values(s["FLOWS"], lambda key: capacity[key]),
        "margin": margin,
        "build_cost": dict(enumerate(column(links, "build_cost").tolist())),
        "unit_cost": dict(enumerate(column(links, "unit_cost").tolist())),
        "unit_emissions": dict(enumerate(column(links, "unit_emissions").tolist())),
        "alternative_cost": dict(enumerate(column(demands, "alternative_cost").tolist())),
        "alternative_emissions": dict(enumerate(column(demands, "alternative_emissions").tolist())),
        "disposal_cost": dict(enumerate(column(supplies, "disposal_cost").tolist())),
        "disposal_emissions": dict(enumerate(column(supplies, "disposal_emissions").tolist())),
        "facility_cost": dict(enumerate(column(facilities, "build_cost").tolist())),
        "size_min": dict(enumerate(column(facilities, "size_min").tolist())),
        "size_max": dict(enumerate(column(facilities, "size_max").tolist())),
        "size_cost": dict(enumerate(column(facilities, "size_cost").tolist())),
        "activity_cost": dict(enumerate(column(facilities, "activity_cost").tolist())),
        "activity_emissions": dict(enumerate(column(facilities, "activity_emissions").tolist())),
        "activity_max": _values(s["ACTIVITIES"], lambda key: network.activity_max[key]),
        "min_activity": _values(s["ACTIVITIES"], lambda key: network.min_activity[key]),
        "site_cost": dict(enumerate(column(network.placements, "site_cost").tolist())),
        "purchase_cost": dict(enumerate(column(supplies, "purchase_cost").tolist())),
        "purchase_emissions": dict(enumerate(column(supplies, "purchase_emissions").tolist())),
        "capacity_cost": dict(enumerate(column(demands, "capacity_cost").tolist())),
        "alternative_margin": {
            (int(k), str(a)): float(value)
            for k, a, value in network.alternative_terms[
                ["demand", "attribute", "margin"]
            ].itertuples(index=False)
        },
        "carbon_price": float(network.carbon_price),
        "cost_weight": float(objective.cost_weight),
        "emissions_weight": float(objective.emissions_weight),
    }


#: Param name -> the index set it is declared over (None: a scalar).
PARAM_INDEX: dict[str, str | None] = {
    "hours": "SLICES",
    "supply_amount": "SUPPLY_SLICES",
    "demand_amount": "DEMAND_SLICES",
    "factor": "LINKS",
    "capacity": "FLOWS",
    "margin": "QUALITY_TERMS",
    "build_cost": "LINKS",
    "unit_cost": "LINKS",
    "unit_emissions": "LINKS",
    "alternative_cost": "DEMANDS",
    "alternative_emissions": "DEMANDS",
    "disposal_cost": "SUPPLIES",
    "disposal_emissions": "SUPPLIES",
    "facility_cost": "FACILITIES",
    "size_min": "FACILITIES",
    "size_max": "FACILITIES",
    "size_cost": "FACILITIES",
    "activity_cost": "FACILITIES",
    "activity_emissions": "FACILITIES",
    "activity_max": "ACTIVITIES",
    "min_activity": "ACTIVITIES",
    "site_cost": "PLACEMENTS",
    "purchase_cost": "SUPPLIES",
    "purchase_emissions": "SUPPLIES",
    "capacity_cost": "DEMANDS",
    "alternative_margin": "ALTERNATIVE_TERMS",
    "carbon_price": None,
    "cost_weight": None,
    "emissions_weight": None,
}

#: Cost and emission term sets: (set name, base index set, Param whose zeros may be skipped).
TERM_SETS = (
    ("FLOW_EMISSIONS", "FLOWS", "unit_emissions"),
    ("ALTERNATIVE_EMISSIONS", "ALTERNATIVE_SLICES", "alternative_emissions"),
    ("DISPOSAL_EMISSIONS", "SUPPLY_SLICES", "disposal_emissions"),
    ("ACTIVITY_EMISSIONS", "ACTIVITIES", "activity_emissions"),
    ("LINK_BUILD_COSTS", "BUILD_LINKS", "build_cost"),
    ("FLOW_COSTS", "FLOWS", "unit_cost"),
    ("ALTERNATIVE_COSTS", "ALTERNATIVE_SLICES", "alternative_cost"),
    ("DISPOSAL_COSTS", "SUPPLY_SLICES", "disposal_cost"),
    ("FACILITY_COSTS", "OPTIONAL", "facility_cost"),
    ("SITE_COSTS", "PLACEMENTS", "site_cost"),
    ("SIZE_COSTS", "SIZED", "size_cost"),
    ("ACTIVITY_COSTS", "ACTIVITIES", "activity_cost"),
    ("PURCHASE_COSTS", "FLOWS", "purchase_cost"),
    ("PURCHASE_EMISSIONS", "FLOWS", "purchase_emissions"),
    ("BACKUP_COSTS", "SECURED", "capacity_cost"),
)


def add_parameters(
    model: pyo.ConcreteModel,
    data: ModelData,
    network: CandidateNetwork,
    objective: Objective,
    *,
    mutable: bool,
) -> None:
    """Declare every Param; then the cost-term sets (all terms when mutable, else non-zero)."""
    values = parameter_values(network, data, objective)
    for name, index in PARAM_INDEX.items():
        value = values[name]
        if index is None:
            setattr(model, name, pyo.Param(initialize=value, mutable=mutable, within=pyo.Reals))
        else:
            setattr(
                model,
                name,
                pyo.Param(
                    getattr(model, index),
                    initialize=value,
                    mutable=mutable,
                    within=pyo.Reals,
                    default=0.0,
                ),
            )
    for name, base, param in TERM_SETS:
        coefficient = values[param]
        assert isinstance(coefficient, dict)
        # Purchase prices belong to a link's supply node.
        owner = data.link_supply if param.startswith("purchase") else None
        members = [
            key
            for key in data.sets[base]
            if mutable
            or coefficient[
                int(owner[key[0]])
                if owner is not None
                else (key[0] if isinstance(key, tuple) else key)
            ]
            != 0.0
        ]
        dimen = len(members[0]) if members and isinstance(members[0], tuple) else 1
        setattr(model, name, pyo.Set(initialize=members, dimen=dimen, ordered=True))


def update_parameters(
    model: pyo.ConcreteModel, network: CandidateNetwork, objective: Objective
) -> None:
    """Set every mutable Param of `model` to the values of `network` (same structure)."""
    data = model_data(network)
    for name, value in parameter_values(network, data, objective).items():
        param = getattr(model, name)
        if isinstance(value, dict):
            param.store_values(value)
        else:
            param.set_value(value)
