"""The objective as a vector over the compiled columns, straight from the network.

For sweeps whose variants differ only in costs, emission factors, the carbon price or
the objective weights, the constraint matrix is unchanged and HiGHS only needs a new
cost vector: computing it with numpy here (from the same cost and emission sums as
`model.add_cost` / `add_emissions`) is far cheaper than updating Pyomo Params. The test
suite checks it against Pyomo's compiled objective.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from symopt.model.objective import Objective
from symopt.network.candidates import CandidateNetwork

#: Variable families, in the order of their codes.
FAMILIES = ("x", "y", "u", "v", "b", "p", "z", "a", "backup")


@dataclass(frozen=True)
class ColumnMap:
    """For each compiled column: its variable family (code into FAMILIES) and first index."""

    family: np.ndarray
    index: np.ndarray

    @classmethod
    def of(cls, columns: list[Any]) -> ColumnMap:
        code = {name: number for number, name in enumerate(FAMILIES)}
        family = np.empty(len(columns), dtype=np.int64)
        index = np.empty(len(columns), dtype=np.int64)
        for position, var in enumerate(columns):
            family[position] = code[var.parent_component().local_name]
            key = var.index()
            index[position] = key[0] if isinstance(key, tuple) else key
        return cls(family, index)


def cost_vector(
    network: CandidateNetwork, objective: Objective, columns: ColumnMap
) -> tuple[np.ndarray, float]:
    """(c, offset) with objective = c x + offset, for `network`'s data and `objective`.

    Per unit of each variable: w_C * cost + (w_C * carbon_price + w_E) * emissions.
    """
    w_cost = objective.cost_weight
    w_emissions = w_cost * network.carbon_price + objective.emissions_weight
    links, facilities, placements = network.links, network.facilities, network.placements

    def col(table: Any, name: str) -> np.ndarray:
        return np.asarray(table[name].to_numpy(dtype=float))

    site_cost = col(placements, "site_cost")
    placement_facility = placements["facility_index"].to_numpy(dtype=int)
    choice = placements["choice"].to_numpy(dtype=bool)
    optional = facilities["optional"].to_numpy(dtype=bool)
    # A plain site of an optional facility has p = b: its site cost goes on b; of a
    # facility that always stands, it is a constant.
    on_b = ~choice & optional[placement_facility]
    constant = ~choice & ~optional[placement_facility]
    b_site = np.bincount(
        placement_facility[on_b], weights=site_cost[on_b], minlength=len(facilities)
    )
    per_family = [
        w_cost * (col(links, "unit_cost") + col(links, "purchase_cost"))
        + w_emissions * (col(links, "unit_emissions") + col(links, "purchase_emissions")),
        w_cost * col(links, "build_cost"),
        w_cost * col(network.demands, "alternative_cost")
        + w_emissions * col(network.demands, "alternative_emissions"),
        w_cost * col(network.supplies, "disposal_cost")
        + w_emissions * col(network.supplies, "disposal_emissions"),
        w_cost * (col(facilities, "build_cost") + b_site),
        w_cost * site_cost,
        w_cost * col(facilities, "size_cost"),
        w_cost * col(facilities, "activity_cost")
        + w_emissions * col(facilities, "activity_emissions"),
        w_cost * col(network.demands, "capacity_cost"),
    ]
    c = np.zeros(len(columns.family))
    for code, coefficients in enumerate(per_family):
        mask = columns.family == code
        c[mask] = coefficients[columns.index[mask]]
    offset = float(w_cost * site_cost[constant].sum())
    return c, offset


def same_constraints(a: CandidateNetwork, b: CandidateNetwork) -> bool:
    """Whether every number outside the objective is the same (structure assumed equal)."""
    arrays = [
        (a.supply_amount, b.supply_amount),
        (a.demand_amount, b.demand_amount),
        (a.supply_max, b.supply_max),
        (a.demand_max, b.demand_max),
        (a.min_activity, b.min_activity),
        (a.activity_max, b.activity_max),
        (a.capacity, b.capacity),
        (a.links["factor"].to_numpy(), b.links["factor"].to_numpy()),
        (a.quality_terms["margin"].to_numpy(), b.quality_terms["margin"].to_numpy()),
        (a.alternative_terms["margin"].to_numpy(), b.alternative_terms["margin"].to_numpy()),
        (a.slices["hours"].to_numpy(), b.slices["hours"].to_numpy()),
        (
            a.facilities[["size_min", "size_max"]].to_numpy(dtype=float),
            b.facilities[["size_min", "size_max"]].to_numpy(dtype=float),
        ),
    ]
    return all(x.shape == y.shape and np.array_equal(x, y) for x, y in arrays)
