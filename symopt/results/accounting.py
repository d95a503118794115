"""Per-link accounting: what each built or used link avoids, costs and is worth.

Against the [baseline](docs/scenario-format.md#baseline) (the optimum's facility decisions,
no exchange), the saving splits exactly over the links, with no remainder:

    baseline_cost - total_cost = sum over links of net_annual_benefit

because every unit a link delivers replaces a unit of its sink's alternative and every
unit it sends is a unit its source no longer disposes (the balances are equalities), and
the facilities' own costs are the same in both. A link's figures (per year):

    avoided_alternative_cost   = delivered * alternative_cost of its demand node
    avoided_disposal_cost      = sent * disposal_cost of its supply node
    transport_cost             = sent * d * variable_cost
    purchase_cost              = sent * cost of its supply node (issue 10; emissions alike)
    backup_cost                = capacity_cost * B[k] of its demand node, split over the
                                 links into k in proportion to what they deliver
    annualised_capex           = y * d * capex_per_km * CRF
    fixed_opex                 = y * d * fixed_opex_per_km
    (the same with emissions for the three *_emissions columns)
    net_annual_benefit         = avoided costs - transport - capex - opex - purchase - backup
                                 + carbon_price * (avoided emissions - transport emissions
                                                   - purchase emissions)
    npv                        = net_annual_benefit / CRF   (over lifetime at discount rate)
    payback_years              = capex / (net_annual_benefit + annualised_capex)
    abatement_cost_per_t       = -(net_annual_benefit - carbon_price * abated) / abated

with abated = avoided emissions - transport emissions - purchase emissions; payback is undefined (NaN) when
the operating benefit is not positive, the abatement cost when `abated` <= 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from symopt.model.solution import FLOW_TOLERANCE, Decisions
from symopt.network.candidates import CandidateNetwork

#: The accounting columns of `Result.links` / links.csv (costs: currency per year;
#: emissions: t CO2e per year; npv: currency; payback: years; abatement: currency per t).
ACCOUNT_COLUMNS = [
    "avoided_alternative_cost",
    "avoided_alternative_emissions",
    "avoided_disposal_cost",
    "avoided_disposal_emissions",
    "transport_cost",
    "transport_emissions",
    "annualised_capex",
    "fixed_opex",
    "purchase_cost",
    "purchase_emissions",
    "backup_cost",
    "net_annual_benefit",
    "npv",
    "payback_years",
    "abatement_cost_per_t",
]


#: The identity and amount columns of `Result.links` before the accounting columns.
LINK_COLUMNS = [
    "source",
    "sink",
    "resource",
    "mode",
    "distance_km",
    "annual_cost",
    "sent",
    "delivered",
    "supply_id",
    "demand_id",
    "built",
]


def accounted_links(network: CandidateNetwork, decisions: Decisions) -> np.ndarray:
    """Indices of the links that are built (y = 1, and carrying or costing something) or
    carry something, in link order."""
    links, d = network.links, decisions
    sent = np.bincount(d.flow_link, weights=d.x, minlength=len(links))
    build_cost = links["build_cost"].to_numpy(dtype=float)
    # y is free on a 0 km link; one that carries nothing and costs nothing is not "built".
    built = np.zeros(len(links), dtype=bool)
    chosen = d.build_links[(d.y > 0.5)]
    built[chosen] = (sent[chosen] > FLOW_TOLERANCE) | (build_cost[chosen] > 0)
    return np.flatnonzero(built | (sent > FLOW_TOLERANCE))


def link_accounts(network: CandidateNetwork, decisions: Decisions) -> pd.DataFrame:
    """One row per accounted link: identity, amounts, and the `ACCOUNT_COLUMNS`."""
    links, d = network.links, decisions
    chosen = accounted_links(network, d)
    all_sent = np.bincount(d.flow_link, weights=d.x, minlength=len(links))
    is_built = np.zeros(len(links), dtype=bool)
    is_built[d.build_links[d.y > 0.5]] = True
    built = is_built[chosen]
    sent = all_sent[chosen]
    delivered = sent * links["factor"].to_numpy(dtype=float)[chosen]
    supply = links["supply"].to_numpy(dtype=int)[chosen]
    demand = links["demand"].to_numpy(dtype=int)[chosen]
    supplies, demands = network.supplies, network.demands

    def link_value(column: str) -> np.ndarray:
        return np.asarray(links[column].to_numpy(dtype=float)[chosen], dtype=float)

    has_alternative = demands["has_alternative"].to_numpy(dtype=bool)[demand]
    # An input without alternative has no conventional supply to avoid: undefined.
    alternative_cost = np.where(
        has_alternative, demands["alternative_cost"].to_numpy(dtype=float)[demand], np.nan
    )
    alternative_emissions = np.where(
        has_alternative, demands["alternative_emissions"].to_numpy(dtype=float)[demand], np.nan
    )
    table = pd.DataFrame(
        {
            "source": supplies["facility"].to_numpy()[supply],
            "sink": demands["facility"].to_numpy()[demand],
            "resource": links["resource"].to_numpy()[chosen],
            "mode": links["mode"].to_numpy()[chosen],
            "distance_km": link_value("distance_km"),
            "annual_cost": np.where(built, link_value("build_cost"), 0.0),
            "transport_cost": sent * link_value("unit_cost"),
            "sent": sent,
            "delivered": delivered,
            "supply_id": supplies["supply_id"].to_numpy()[supply],
            "demand_id": demands["demand_id"].to_numpy()[demand],
            "built": built,
            "avoided_alternative_cost": delivered * alternative_cost,
            "avoided_alternative_emissions": delivered * alternative_emissions,
            "avoided_disposal_cost": sent * supplies["disposal_cost"].to_numpy(dtype=float)[supply],
            "avoided_disposal_emissions": sent
            * supplies["disposal_emissions"].to_numpy(dtype=float)[supply],
            "transport_emissions": sent * link_value("unit_emissions"),
            "annualised_capex": np.where(built, link_value("capex") * network.crf, 0.0),
            "fixed_opex": np.where(built, link_value("fixed_opex"), 0.0),
            "purchase_cost": sent * link_value("purchase_cost"),
            "purchase_emissions": sent * link_value("purchase_emissions"),
            "backup_cost": _backup_shares(network, d, demand, delivered),
        }
    )
    return _economics(table, network.carbon_price, network.crf)[[*LINK_COLUMNS, *ACCOUNT_COLUMNS]]


def _backup_shares(
    network: CandidateNetwork, decisions: Decisions, demand: np.ndarray, delivered: np.ndarray
) -> np.ndarray:
    """Each demand's backup capacity cost (`capacity_cost * B[k]`), split over the links
    into it in proportion to what they deliver (the links are why it is kept)."""
    demands = network.demands
    backup = np.nan_to_num(decisions.backup) if decisions.backup.size else np.zeros(len(demands))
    cost = backup * demands["capacity_cost"].to_numpy(dtype=float)
    into = np.bincount(demand, weights=delivered, minlength=len(demands))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(into[demand] > 0, delivered / into[demand], 0.0)
    return np.asarray(cost[demand] * share)


def _economics(table: pd.DataFrame, carbon_price: float, crf: float) -> pd.DataFrame:
    """Net annual benefit, NPV, simple payback and abatement cost of each link."""
    abated = (
        table["avoided_alternative_emissions"]
        + table["avoided_disposal_emissions"]
        - table["transport_emissions"]
        - table["purchase_emissions"]
    ).to_numpy(dtype=float)
    gross = (
        table["avoided_alternative_cost"]
        + table["avoided_disposal_cost"]
        - table["transport_cost"]
        - table["annualised_capex"]
        - table["fixed_opex"]
        - table["purchase_cost"]
        - table["backup_cost"]
    ).to_numpy(dtype=float)
    net = gross + carbon_price * abated
    capex = table["annualised_capex"].to_numpy(dtype=float) / crf
    operating = net + table["annualised_capex"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        payback = np.where(operating > FLOW_TOLERANCE, capex / operating, np.nan)
        abatement = np.where(abated > FLOW_TOLERANCE, -gross / abated, np.nan)
    return table.assign(
        net_annual_benefit=net,
        npv=net / crf,
        payback_years=payback,
        abatement_cost_per_t=abatement,
    )
