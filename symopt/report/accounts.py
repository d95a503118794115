"""Terminal tables of the effect indicators and the per-link economics (rich)."""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table

from symopt.results.indicators import PARK
from symopt.results.tables import Result
from symopt.text import printable

#: How many links the economics table shows (largest net annual benefit first).
TOP_LINKS = 10


def _number(value: float, unit: str = "", digits: str = ",.1f") -> str:
    if not math.isfinite(value):
        return "-"
    return f"{value:{digits}} {unit}".rstrip()


def indicator_table(result: Result) -> Table | None:
    """The park's effect indicators: baseline, solution and saving, each with its unit."""
    park = result.indicators[result.indicators["firm"] == PARK]
    if park.empty:
        return None
    table = Table(title="effect indicators (park, per year)", title_justify="left")
    for column in ("indicator", "resource", "baseline", "optimum", "saving"):
        table.add_column(column, justify="left" if column in ("indicator", "resource") else "right")
    for row in park.to_dict("records"):
        unit = printable(str(row["unit"]))
        table.add_row(
            str(row["indicator"]),
            printable(str(row["resource"])) or "-",
            _number(float(row["baseline"]), unit),
            _number(float(row["actual"]), unit),
            _number(float(row["saving"]), unit),
        )
    return table


def link_economics_table(result: Result) -> Table | None:
    """The links with the largest net annual benefit: benefit, NPV, payback, abatement cost."""
    links = result.links
    if links.empty or "net_annual_benefit" not in links.columns:
        return None
    currency = printable(result.summary.currency)
    order = links["net_annual_benefit"].fillna(-math.inf).sort_values(ascending=False).index
    top: pd.DataFrame = links.loc[order[:TOP_LINKS]]
    table = Table(title=f"link economics (top {min(TOP_LINKS, len(links))})", title_justify="left")
    columns = ("from", "to", "resource", "net benefit / yr", "NPV", "payback", "abatement")
    for column in columns:
        table.add_column(column, justify="left" if column in columns[:3] else "right")
    for row in top.to_dict("records"):
        table.add_row(
            printable(str(row["source"])),
            printable(str(row["sink"])),
            printable(str(row["resource"])),
            _number(float(row["net_annual_benefit"]), currency, ",.0f"),
            _number(float(row["npv"]), currency, ",.0f"),
            _number(float(row["payback_years"]), "yr"),
            _number(float(row["abatement_cost_per_t"]), f"{currency}/t CO2e", ",.0f"),
        )
    return table
