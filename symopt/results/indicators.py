"""The five effect indicators, per firm and for the park, against the baseline.

A resource with `indicator: water | resources | energy` counts the conventional supply
its demands and process inputs use: in the baseline their whole need (the optimum's
facility decisions, no exchange), in the solution what the alternative still covers
(`u`); the saving is what links deliver instead. A resource with `indicator: waste`
counts its supplies' and outputs' surplus disposed: in the baseline all of it, in the
solution `v`; the saving is what links take away. CO2e is always counted: a firm's
emissions are those of its facilities' alternatives, disposals and processes, plus the
transport emissions of the links into its facilities (the receiver carries them), plus
the upstream emissions of what its supplies sell (`cost`/`emissions` on a supply). All
figures are per year, in the resource's unit (t CO2e for CO2e); the park is the sum
over firms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from symopt.model.solution import FLOW_TOLERANCE, Decisions, driver_values
from symopt.network.candidates import CandidateNetwork

#: `firm` of the park-total rows.
PARK = "(park)"
#: Indicator of the emissions rows, and their unit.
CO2E, CO2E_UNIT = "co2e", "t CO2e"
#: Report order of the indicators.
ORDER = ["water", "resources", "energy", "waste", CO2E]
COLUMNS = ["firm", "indicator", "resource", "unit", "baseline", "actual", "saving"]
#: Indicators counted on the demand side (conventional supply); the rest on supplies.
DEMAND_SIDE = frozenset({"water", "resources", "energy"})


def _node_totals(
    network: CandidateNetwork, decisions: Decisions
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per demand node: need and alternative used; per supply node: amount and disposed."""
    d = decisions
    demands, supplies = network.demands, network.supplies
    need = (network.demand_amount * driver_values(network, demands, d)).sum(axis=1)
    offered = (network.supply_amount * driver_values(network, supplies, d)).sum(axis=1)
    used = np.bincount(d.alternative_demand, weights=d.u, minlength=len(demands))
    disposed = np.bincount(d.disposal_supply, weights=d.v, minlength=len(supplies))
    return need, used, offered, disposed


def indicator_table(network: CandidateNetwork, decisions: Decisions) -> pd.DataFrame:
    """Rows `COLUMNS`: per firm and indicator, then the park totals (`firm` = PARK)."""
    d = decisions
    demands, supplies = network.demands, network.supplies
    owner = network.facilities["owner"].to_numpy(dtype=object)
    need, used, offered, disposed = _node_totals(network, d)
    demand_firm = owner[demands["facility_index"].to_numpy(dtype=int)]
    supply_firm = owner[supplies["facility_index"].to_numpy(dtype=int)]
    physical = pd.concat(
        [
            pd.DataFrame(
                {
                    "firm": demand_firm,
                    "indicator": demands["indicator"].to_numpy(dtype=object),
                    "resource": demands["resource"].to_numpy(dtype=object),
                    "unit": demands["unit"].to_numpy(dtype=object),
                    "baseline": need,
                    "actual": used,
                }
            ).query("indicator in @DEMAND_SIDE", local_dict={"DEMAND_SIDE": list(DEMAND_SIDE)}),
            pd.DataFrame(
                {
                    "firm": supply_firm,
                    "indicator": supplies["indicator"].to_numpy(dtype=object),
                    "resource": supplies["resource"].to_numpy(dtype=object),
                    "unit": supplies["unit"].to_numpy(dtype=object),
                    "baseline": offered,
                    "actual": disposed,
                }
            ).query("indicator == 'waste'"),
        ],
        ignore_index=True,
    )
    frames = [physical, _emissions(network, d, owner, need, used, offered, disposed)]
    firms = pd.concat(frames, ignore_index=True)
    keys = ["firm", "indicator", "resource", "unit"]
    # An undefined (NaN) baseline stays undefined in the totals rather than counting as 0.
    firms = _total(firms, keys)
    park = _total(firms, keys[1:])
    park.insert(0, "firm", PARK)
    table = pd.concat([firms, park], ignore_index=True)
    table["saving"] = table["baseline"] - table["actual"]
    rank = table["indicator"].map({name: i for i, name in enumerate(ORDER)})
    is_park = table["firm"] == PARK
    table = table.assign(_park=is_park, _rank=rank).sort_values(
        ["_park", "_rank", "resource", "firm"], kind="stable"
    )
    return table[COLUMNS].reset_index(drop=True)


def _total(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum `baseline` and `actual` per `keys`; NaN if any part is NaN."""
    columns = ["baseline", "actual"]
    grouped = table.groupby(keys, sort=False)
    sums = grouped[columns].sum()
    undefined = table[columns].isna().groupby([table[key] for key in keys], sort=False).any()
    return sums.mask(undefined.reindex(sums.index).to_numpy(dtype=bool)).reset_index()


def _emissions(
    network: CandidateNetwork,
    d: Decisions,
    owner: np.ndarray,
    need: np.ndarray,
    used: np.ndarray,
    offered: np.ndarray,
    disposed: np.ndarray,
) -> pd.DataFrame:
    """CO2e per firm: alternatives, disposals, processes, and transport into its facilities."""
    demands, supplies, links = network.demands, network.supplies, network.links
    alternative = demands["alternative_emissions"].to_numpy(dtype=float)
    disposal = supplies["disposal_emissions"].to_numpy(dtype=float)
    uncovered = ~demands["has_alternative"].to_numpy(dtype=bool) & (need > FLOW_TOLERANCE)
    demand_facility = demands["facility_index"].to_numpy(dtype=int)
    supply_facility = supplies["facility_index"].to_numpy(dtype=int)
    sent = np.bincount(d.flow_link, weights=d.x, minlength=len(links))
    sink_facility = demand_facility[links["demand"].to_numpy(dtype=int)]
    process = d.activity.sum(axis=1) * network.facilities["activity_emissions"].to_numpy(
        dtype=float
    )
    n = len(owner)
    baseline = (
        np.bincount(demand_facility, weights=need * alternative, minlength=n)
        + np.bincount(supply_facility, weights=offered * disposal, minlength=n)
        + process
    )
    baseline[np.unique(demand_facility[uncovered])] = np.nan
    actual = (
        np.bincount(demand_facility, weights=used * alternative, minlength=n)
        + np.bincount(supply_facility, weights=disposed * disposal, minlength=n)
        + process
        + np.bincount(
            sink_facility, weights=sent * links["unit_emissions"].to_numpy(dtype=float), minlength=n
        )
        # Upstream emissions of what a supply sells belong to the supplier (issue 10).
        + np.bincount(
            supply_facility[links["supply"].to_numpy(dtype=int)],
            weights=sent * links["purchase_emissions"].to_numpy(dtype=float),
            minlength=n,
        )
    )
    return pd.DataFrame(
        {
            "firm": owner,
            "indicator": CO2E,
            "resource": "",
            "unit": CO2E_UNIT,
            "baseline": baseline,
            "actual": actual,
        }
    )
