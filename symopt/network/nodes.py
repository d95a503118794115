"""Scenario -> facility, placement and node tables (the planning spec's b, p, z, a).

A *supply node* is a facility supply or a process output; a *demand node* a facility
demand or a process input. Each node's amount in slice t is `coefficient[t] * driver`,
the driver being 1, `b[f]`, `z[f]` or `a[f,t]` (see `Driver`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from symopt.enums import Driver
from symopt.scenario.schema import Amount, Facility, Scenario, Security, UnitCost


def spread_amount(amount: Amount, slice_ids: list[str], hours: np.ndarray) -> np.ndarray:
    """A yearly number spread over slices by hours; a map is absolute per slice."""
    if isinstance(amount, Mapping):
        return np.array([float(amount.get(slice_id, 0.0)) for slice_id in slice_ids])
    return np.asarray(float(amount) * hours / hours.sum(), dtype=float)


def capital_recovery_factor(discount_rate: float, lifetime_years: float) -> float:
    """CRF = r (1+r)^n / ((1+r)^n - 1), and 1/n when r = 0."""
    r, n = discount_rate, lifetime_years
    if r == 0:
        return 1.0 / n
    growth = (1.0 + r) ** n
    return float(r * growth / (growth - 1.0))


def _capacity_cost(alternative: UnitCost | None) -> float:
    """`capacity_cost` of an alternative (0 for a plain `UnitCost` built in code)."""
    return float(getattr(alternative, "capacity_cost", 0.0))


def _alternative_quality(alternative: UnitCost | None) -> dict[str, float]:
    """`quality` of an alternative ({} for a plain `UnitCost` built in code)."""
    return dict(getattr(alternative, "quality", {}))


def _backup(security: Security | None, scenario: Scenario) -> bool:
    """Whether a node keeps backup capacity: its own `security`, else the scenario's."""
    return (security or scenario.security).backup == "required"


def _driver(facility: Facility) -> Driver:
    if facility.size is not None:
        return Driver.SIZE
    return Driver.BUILD if facility.build is not None else Driver.FIXED


@dataclass(frozen=True)
class NodeTables:
    """Facilities, their possible placements, and supply and demand nodes."""

    facilities: pd.DataFrame
    """`facility`, `optional`, `sized`, `size_min`, `size_max`, `process`, `build_cost`
    (annual cost of b = 1), `size_cost` (annual cost per unit of z), `activity_cost`,
    `activity_emissions` (per unit of a)."""
    min_activity: np.ndarray
    """(F, T): activity a built process must reach."""
    placements: pd.DataFrame
    """`facility_index` (row in `facilities`), `site`, `site_cost`, `choice` (needs p[f,site])."""
    supplies: pd.DataFrame
    """`supply_id`, `facility_index`, `resource`, `driver`, `disposal_cost`, `disposal_emissions`,
    `purchase_cost`, `purchase_emissions` (per unit sent)."""
    demands: pd.DataFrame
    """`demand_id`, `facility_index`, `resource`, `driver`, `has_alternative`, `alternative_cost`,
    `alternative_emissions`, `backup` (backup capacity required), `capacity_cost` (per unit of
    backup capacity, resource unit per hour, per year)."""
    supply_coefficient: np.ndarray
    """(S, T): the amount per unit of the node's driver."""
    demand_coefficient: np.ndarray
    supply_quality: pd.DataFrame
    """`supply`, `attribute`, `value`."""
    demand_bounds: pd.DataFrame
    """`demand`, `attribute`, `bound`."""
    alternative_quality: pd.DataFrame
    """`demand`, `attribute`, `value`: the quality of a demand's alternative where given."""


def build_node_tables(scenario: Scenario, crf: float) -> NodeTables:
    slice_ids = [time_slice.id for time_slice in scenario.time_slices]
    hours = np.array([time_slice.hours for time_slice in scenario.time_slices], dtype=float)
    facility_rows: list[tuple[Any, ...]] = []
    placement_rows: list[tuple[int, str, float, bool]] = []
    min_activity: list[np.ndarray] = []
    supply_rows: list[tuple[Any, ...]] = []
    supply_amounts: list[np.ndarray] = []
    supply_quality: list[tuple[int, str, float]] = []
    demand_rows: list[tuple[Any, ...]] = []
    demand_amounts: list[np.ndarray] = []
    demand_bounds: list[tuple[int, str, float | None]] = []
    alternative_quality: list[tuple[int, str, float]] = []
    for position, (name, facility) in enumerate(scenario.facilities.items()):
        build, size, process = facility.build, facility.size, facility.process
        facility_rows.append(
            (
                name,
                build is not None,
                size is not None,
                size.min if size else 1.0,
                size.max if size else 1.0,
                process is not None,
                (build.capex * crf + build.fixed_opex + build.annual_cost) if build else 0.0,
                (size.capex_per_unit * crf + size.fixed_opex_per_unit - size.value_per_unit)
                if size
                else 0.0,
                process.variable_cost if process else 0.0,
                process.emissions if process else 0.0,
            )
        )
        minimum = process.min_activity if process is not None else None
        min_activity.append(
            spread_amount(minimum, slice_ids, hours)
            if minimum is not None
            else np.zeros(len(hours))
        )
        sites = facility.sites
        placement_rows.extend(
            (
                position,
                site,
                float(facility.site_costs.get(site, 0.0)),
                facility.candidate_sites is not None,
            )
            for site in sites
        )
        driver = _driver(facility)
        for index, supply in enumerate(facility.supplies):
            node = len(supply_rows)
            supply_rows.append(
                (
                    f"{name}.supplies[{index}]",
                    position,
                    supply.resource,
                    driver.value,
                    supply.disposal.cost,
                    supply.disposal.emissions,
                    supply.cost,
                    supply.emissions,
                )
            )
            supply_amounts.append(spread_amount(supply.amount, slice_ids, hours))
            supply_quality.extend(
                (node, attribute, value) for attribute, value in supply.quality.items()
            )
        for index, demand in enumerate(facility.demands):
            node = len(demand_rows)
            demand_rows.append(
                (
                    f"{name}.demands[{index}]",
                    position,
                    demand.resource,
                    driver.value,
                    True,
                    demand.alternative.cost,
                    demand.alternative.emissions,
                    _backup(demand.security, scenario),
                    demand.alternative.capacity_cost,
                )
            )
            alternative_quality.extend(
                (node, attribute, value) for attribute, value in demand.alternative.quality.items()
            )
            demand_amounts.append(spread_amount(demand.amount, slice_ids, hours))
            demand_bounds.extend(
                (node, attribute, bound.min if bound.min is not None else bound.max)
                for attribute, bound in demand.quality.items()
            )
        if process is None:
            continue
        for index, output in enumerate(process.outputs):
            node = len(supply_rows)
            supply_rows.append(
                (
                    f"{name}.process.outputs[{index}]",
                    position,
                    output.resource,
                    Driver.ACTIVITY.value,
                    output.disposal.cost,
                    output.disposal.emissions,
                    output.cost,
                    output.emissions,
                )
            )
            supply_amounts.append(np.full(len(hours), float(output.per_activity)))
            supply_quality.extend(
                (node, attribute, value) for attribute, value in output.quality.items()
            )
        for index, item in enumerate(process.inputs):
            node = len(demand_rows)
            alternative = item.alternative
            demand_rows.append(
                (
                    f"{name}.process.inputs[{index}]",
                    position,
                    item.resource,
                    Driver.ACTIVITY.value,
                    alternative is not None,
                    alternative.cost if alternative else 0.0,
                    alternative.emissions if alternative else 0.0,
                    alternative is not None and _backup(item.security, scenario),
                    _capacity_cost(alternative),
                )
            )
            alternative_quality.extend(
                (node, attribute, value)
                for attribute, value in _alternative_quality(alternative).items()
            )
            demand_amounts.append(np.full(len(hours), float(item.per_activity)))
            demand_bounds.extend(
                (node, attribute, bound.min if bound.min is not None else bound.max)
                for attribute, bound in item.quality.items()
            )
    slices = len(hours)
    return NodeTables(
        facilities=pd.DataFrame(
            facility_rows,
            columns=[
                "facility",
                "optional",
                "sized",
                "size_min",
                "size_max",
                "process",
                "build_cost",
                "size_cost",
                "activity_cost",
                "activity_emissions",
            ],
        ),
        min_activity=np.array(min_activity, dtype=float).reshape(len(facility_rows), slices),
        placements=pd.DataFrame(
            placement_rows, columns=["facility_index", "site", "site_cost", "choice"]
        ),
        supplies=pd.DataFrame(
            supply_rows,
            columns=[
                "supply_id",
                "facility_index",
                "resource",
                "driver",
                "disposal_cost",
                "disposal_emissions",
                "purchase_cost",
                "purchase_emissions",
            ],
        ),
        demands=pd.DataFrame(
            demand_rows,
            columns=[
                "demand_id",
                "facility_index",
                "resource",
                "driver",
                "has_alternative",
                "alternative_cost",
                "alternative_emissions",
                "backup",
                "capacity_cost",
            ],
        ),
        supply_coefficient=np.array(supply_amounts, dtype=float).reshape(len(supply_rows), slices),
        demand_coefficient=np.array(demand_amounts, dtype=float).reshape(len(demand_rows), slices),
        supply_quality=pd.DataFrame(supply_quality, columns=["supply", "attribute", "value"]),
        demand_bounds=pd.DataFrame(demand_bounds, columns=["demand", "attribute", "bound"]),
        alternative_quality=pd.DataFrame(
            alternative_quality, columns=["demand", "attribute", "value"]
        ),
    )
