"""Supply security: backup capacity kept by a demand's alternative.

For a demand (or process input) `k` with `security: {backup: required}`, the variable
`B[k] >= 0` is the capacity of its alternative kept in reserve, in resource units per
hour, at `capacity_cost_k` per unit per year. It must cover, in every slice, what any
single source facility delivers per hour:

    B[k] * hours_t >= sum_{l from facility f to k} (1 - loss_m d_l) x[l,t]   for all f, t

so that the demand is still covered when that one supplier fails.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pyomo.environ as pyo

from symopt.network.candidates import CandidateNetwork

SecurityLinks = dict[tuple[int, int], list[int]]
"""(demand node, source facility) -> the links from that facility to the demand."""


def security_sets(
    network: CandidateNetwork, flows: list[tuple[int, int]]
) -> tuple[dict[str, list[Any]], SecurityLinks]:
    """SECURED (demands that keep backup), SECURITY_ROWS (k, f, t) and the links per (k, f)."""
    demands = network.demands
    secured = np.flatnonzero(
        demands["backup"].to_numpy(dtype=bool) & demands["has_alternative"].to_numpy(dtype=bool)
    ).tolist()
    secured_set = set(secured)
    if not secured:
        return {"SECURED": [], "SECURITY_ROWS": []}, {}
    links = network.links
    source_facility = network.supplies["facility_index"].to_numpy(dtype=int)[
        links["supply"].to_numpy(dtype=int)
    ]
    demand_of = links["demand"].to_numpy(dtype=int)
    groups: SecurityLinks = defaultdict(list)
    rows: dict[tuple[int, int, int], None] = {}
    for link, t in flows:
        k = int(demand_of[link])
        if k in secured_set:
            f = int(source_facility[link])
            if link not in groups[(k, f)]:
                groups[(k, f)].append(link)
            rows[(k, f, t)] = None
    return {"SECURED": secured, "SECURITY_ROWS": sorted(rows)}, dict(groups)


def add_backup(model: pyo.ConcreteModel, security_links: SecurityLinks) -> None:
    r"""Backup capacity covers the largest single supplier's delivery per hour.

    .. math:: B_k \, hours_t \ge \sum_{l: f \to k} (1 - loss_m d_l) x_{l,t}
    """
    model.backup = pyo.Var(model.SECURED, domain=pyo.NonNegativeReals)

    def rule(m: Any, k: int, f: int, t: int) -> Any:
        delivered = pyo.quicksum(
            m.factor[l] * m.x[l, t] for l in security_links[(k, f)] if (l, t) in m.FLOWS
        )
        return m.hours[t] * m.backup[k] >= delivered

    model.backup_capacity = pyo.Constraint(model.SECURITY_ROWS, rule=rule)
