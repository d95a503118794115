"""Purchase price and upstream emissions of a supply, carried onto its links.

A supply's (or process output's) `cost` and `emissions` are paid on what is sent, the
sum of x over its links, never on what is disposed: per link they add
`x[l,t] * purchase_cost_s` to the annual cost and `x[l,t] * purchase_emissions_s` to the
annual emissions, attributed to the supplying facility.
"""

from __future__ import annotations

import pandas as pd


def with_purchase(links: pd.DataFrame, supplies: pd.DataFrame) -> pd.DataFrame:
    """`links` with `purchase_cost` and `purchase_emissions` per unit sent (from its supply)."""
    supply = links["supply"].to_numpy(dtype=int)
    return links.assign(
        purchase_cost=supplies["purchase_cost"].to_numpy(dtype=float)[supply],
        purchase_emissions=supplies["purchase_emissions"].to_numpy(dtype=float)[supply],
    )
