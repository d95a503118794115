"""Columns the model does not use but the accounting does: firms, indicators, link capex.

Added to the candidate network's tables so that results can say who owns what, which
effect indicator a node counts towards, and how a link's annual build cost splits into
annualised capex and fixed opex.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from symopt.scenario.schema import Scenario


def with_owner(scenario: Scenario, facilities: pd.DataFrame) -> pd.DataFrame:
    """`owner`: the firm of each facility (its `owner`, else its own id)."""
    names = facilities["facility"].to_numpy(dtype=object)
    return facilities.assign(owner=[scenario.owner_of(str(name)) for name in names])


def with_indicator(scenario: Scenario, nodes: pd.DataFrame) -> pd.DataFrame:
    """`unit` and `indicator` ('' for none) of each supply or demand node's resource."""
    resources = scenario.resources
    resource = nodes["resource"]
    return nodes.assign(
        unit=resource.map({key: value.unit for key, value in resources.items()}).astype(object),
        indicator=resource.map(
            {key: value.indicator or "" for key, value in resources.items()}
        ).astype(object),
    )


def with_build_costs(scenario: Scenario, links: pd.DataFrame) -> pd.DataFrame:
    """`capex` (one-off) and `fixed_opex` (per year) of building each link, 0 without y.

    build_cost = capex * CRF + fixed_opex.
    """
    modes = scenario.transport
    built = links["built"].to_numpy(dtype=bool)
    km = links["distance_km"].to_numpy(dtype=float)

    def per_km(values: dict[str, float]) -> np.ndarray:
        rate = links["mode"].map(values).to_numpy(dtype=float)
        return np.asarray(np.where(built, rate * km, 0.0), dtype=float)

    return links.assign(
        capex=per_km({key: mode.capex_per_km for key, mode in modes.items()}),
        fixed_opex=per_km({key: mode.fixed_opex_per_km for key, mode in modes.items()}),
    )
