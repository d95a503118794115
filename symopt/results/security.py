"""Purchases, backup capacity and the supply-security table of a solved plan.

Purchase cost and emissions (a supply's `cost` and `emissions` per unit sent) belong to
the supplying facility; the cost of backup capacity (`alternative.capacity_cost * B[k]`)
to the facility of the demand that keeps it. Both are zero in the baseline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from symopt.model.solution import FLOW_TOLERANCE, Decisions, driver_values
from symopt.network.candidates import CandidateNetwork


def purchase_and_backup(
    network: CandidateNetwork, decisions: Decisions
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per facility: (purchase cost, purchase emissions, backup cost), all per year."""
    links, d = network.links, decisions
    facilities = len(network.facilities)
    supplier = network.supplies["facility_index"].to_numpy(dtype=int)[
        links["supply"].to_numpy(dtype=int)[d.flow_link]
    ]
    purchase_cost = np.bincount(
        supplier,
        weights=d.x * links["purchase_cost"].to_numpy(dtype=float)[d.flow_link],
        minlength=facilities,
    )
    purchase_emissions = np.bincount(
        supplier,
        weights=d.x * links["purchase_emissions"].to_numpy(dtype=float)[d.flow_link],
        minlength=facilities,
    )
    demands = network.demands
    backup = np.nan_to_num(d.backup) if d.backup.size else np.zeros(len(demands))
    backup_cost = np.bincount(
        demands["facility_index"].to_numpy(dtype=int),
        weights=backup * demands["capacity_cost"].to_numpy(dtype=float),
        minlength=facilities,
    )
    return purchase_cost, purchase_emissions, backup_cost


def security_table(network: CandidateNetwork, decisions: Decisions) -> pd.DataFrame:
    """Per demand node: the largest single-supplier share and the backup capacity kept.

    `largest_share` is the largest, over slices and source facilities, of what one source
    facility delivers to the demand divided by the demand's amount in that slice;
    `largest_supplier` is that facility; `largest_delivery_per_hour` the largest
    per-hour delivery of one facility (resource unit per hour, what backup must cover);
    `backup_capacity` is B[k] (resource unit per hour; NaN where no backup is required)
    and `backup_cost` its annual cost.
    """
    demands, links, d = network.demands, network.links, decisions
    n_demands, n_slices = network.demand_amount.shape
    n_facilities = len(network.facilities)
    supplier = network.supplies["facility_index"].to_numpy(dtype=int)[
        links["supply"].to_numpy(dtype=int)[d.flow_link]
    ]
    demand = links["demand"].to_numpy(dtype=int)[d.flow_link]
    delivered = np.zeros((n_demands, n_facilities, n_slices))
    np.add.at(
        delivered,
        (demand, supplier, d.flow_slice),
        d.x * links["factor"].to_numpy(dtype=float)[d.flow_link],
    )
    amount = network.demand_amount * driver_values(network, demands, decisions)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(amount[:, None, :] > FLOW_TOLERANCE, delivered / amount[:, None, :], 0.0)
    per_hour = delivered / network.slices["hours"].to_numpy(dtype=float)[None, None, :]
    flat = share.reshape(n_demands, -1)
    best = flat.argmax(axis=1) if flat.size else np.zeros(n_demands, dtype=int)
    largest = flat.max(axis=1) if flat.size else np.zeros(n_demands)
    best_facility = best // max(n_slices, 1)
    names = network.facilities["facility"].to_numpy(dtype=object)
    backup = d.backup if d.backup.size else np.full(n_demands, np.nan)
    return pd.DataFrame(
        {
            "facility": demands["facility"].to_numpy(dtype=object),
            "demand_id": demands["demand_id"].to_numpy(dtype=object),
            "resource": demands["resource"].to_numpy(dtype=object),
            "backup_required": demands["backup"].to_numpy(dtype=bool)
            & demands["has_alternative"].to_numpy(dtype=bool),
            "largest_supplier": np.where(largest > FLOW_TOLERANCE, names[best_facility], ""),
            "largest_share": largest,
            "largest_delivery_per_hour": per_hour.reshape(n_demands, -1).max(axis=1)
            if per_hour.size
            else np.zeros(n_demands),
            "backup_capacity": backup,
            "backup_cost": np.nan_to_num(backup) * demands["capacity_cost"].to_numpy(dtype=float),
        }
    )
