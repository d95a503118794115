"""Quality of the conventional supply (`alternative.quality`) in the linear-mixing rows.

With `alternative.quality` given, the alternative's amount `u[k,t]` enters the mixing
row of each linear attribute with its own margin:

    sum_l factor_l x[l,t] (q_l[a] - min_k[a]) + u[k,t] (q_alt[a] - min_k[a]) >= 0

(for `better: lower`, margins `max_k[a] - q`). An attribute the alternative leaves out
meets the bound exactly (margin 0, the v1 meaning). A row is needed only when some
term can be negative: a (demand, attribute) whose links and alternative all meet the
bound holds for every plan and is left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from symopt.enums import Better, Mixing

ALTERNATIVE_TERM_COLUMNS = ["demand", "attribute", "margin"]


def empty_alternative_terms() -> pd.DataFrame:
    return pd.DataFrame({"demand": [], "attribute": [], "margin": []}).astype(
        {"demand": int, "attribute": object, "margin": float}
    )


def alternative_margins(
    alternative_quality: pd.DataFrame,
    demand_bounds: pd.DataFrame,
    demand_resource: pd.Series,
    specs: pd.DataFrame,
) -> pd.DataFrame:
    """`demand`, `attribute`, `margin` of each alternative on a bounded linear attribute."""
    if alternative_quality.empty:
        return empty_alternative_terms()
    table = alternative_quality.merge(demand_bounds, on=["demand", "attribute"]).assign(
        resource=lambda frame: demand_resource.to_numpy(dtype=object)[
            frame["demand"].to_numpy(dtype=int)
        ]
    )
    table = table.merge(specs, on=["resource", "attribute"])
    table = table[table["mixing"] == Mixing.LINEAR.value]
    higher = (table["better"] == Better.HIGHER.value).to_numpy()
    value, bound = table["value"].to_numpy(dtype=float), table["bound"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "demand": table["demand"].to_numpy(dtype=int),
            "attribute": table["attribute"].to_numpy(dtype=object),
            "margin": np.where(higher, value - bound, bound - value),
        }
    )


def needed_rows(linear: pd.DataFrame, alternative: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Which link terms and alternative terms stay: those of a (demand, attribute) with
    a negative margin on a link or on its alternative.

    Returns a boolean mask over `linear` and the alternative terms to keep (non-zero).
    """
    keys = ["demand", "attribute"]
    worst_link = linear.groupby(keys)["margin"].min()
    worst_alternative = alternative.groupby(keys)["margin"].min()
    worst = pd.concat([worst_link, worst_alternative], axis=1).min(axis=1)
    short = worst[worst < 0]
    short_keys = set(short.index)
    link_keep = pd.Series(
        [key in short_keys for key in zip(linear["demand"], linear["attribute"], strict=True)],
        index=linear.index,
        dtype=bool,
    )
    in_short = np.array(
        [
            key in short_keys
            for key in zip(alternative["demand"], alternative["attribute"], strict=True)
        ],
        dtype=bool,
    )
    kept = alternative[in_short & (alternative["margin"].to_numpy(dtype=float) != 0)]
    return link_keep, kept.reset_index(drop=True)
