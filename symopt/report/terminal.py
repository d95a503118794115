"""The short terminal summary of a result (rich)."""

from __future__ import annotations

import math

import pandas as pd
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from symopt.enums import SolveStatus
from symopt.report.accounts import indicator_table, link_economics_table
from symopt.results.tables import Result
from symopt.text import printable

LARGEST_FLOWS = 10


def _money(value: float, currency: str) -> str:
    return "-" if not math.isfinite(value) else f"{value:,.0f} {currency}"


def _tonnes(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:,.1f} t CO2e"


def _text(value: object) -> Text:
    """A cell of user text (an id, a name): escaped, and never read as rich markup."""
    return Text(printable(value))


def summary_tables(result: Result) -> Group:
    """Status and KPIs vs baseline, the built links, the largest flows."""
    summary = result.summary
    kpis = Table(title=_text(f"symopt: {summary.scenario}"), show_header=True, title_justify="left")
    kpis.add_column("")
    kpis.add_column(
        "best plan" if summary.status is SolveStatus.FEASIBLE else "optimum", justify="right"
    )
    kpis.add_column("baseline", justify="right")
    kpis.add_column("saving", justify="right")
    kpis.add_row(
        "annual cost",
        _money(summary.total_cost, summary.currency),
        _money(summary.baseline_cost, summary.currency),
        _money(summary.cost_saving, summary.currency),
    )
    kpis.add_row(
        "annual emissions",
        _tonnes(summary.total_emissions),
        _tonnes(summary.baseline_emissions),
        _tonnes(summary.emission_saving),
    )
    gap = "-" if not math.isfinite(summary.mip_gap) else f"{summary.mip_gap:.2%}"
    status = Text(
        f"status: {summary.status_text}   objective ({summary.objective_kind}): "
        f"{summary.objective:,.2f}   gap: {gap}   solve: {summary.solve_seconds:.2f} s"
    )
    if summary.status is SolveStatus.FEASIBLE and math.isfinite(summary.best_bound):
        status.append(
            f"\nthe solver stopped at a limit: best plan {summary.objective:,.2f}, "
            f"best bound {summary.best_bound:,.2f} (no plan can be better than the bound)"
        )
    if summary.status.has_solution and math.isnan(summary.baseline_cost):
        status.append(
            "\nbaseline: not defined (an input without alternative cannot be covered "
            "without exchange between facilities)"
        )
    parts: list[Table | Text] = [kpis, status]
    decisions = _facility_decisions(result)
    if decisions is not None:
        parts.append(decisions)
    if not result.built_links.empty:
        links = Table(title="built links", title_justify="left")
        for column in ("from", "to", "resource", "mode", "km", "annual cost"):
            links.add_column(column, justify="right" if column in ("km", "annual cost") else "left")
        for link in result.built_links.to_dict("records"):
            links.add_row(
                _text(link["source"]),
                _text(link["sink"]),
                _text(link["resource"]),
                _text(link["mode"]),
                f"{link['distance_km']:.2f}",
                _money(float(link["annual_cost"]), summary.currency),
            )
        parts.append(links)
    if not result.flows.empty:
        totals = (
            result.flows.groupby(["source", "sink", "supply_resource", "mode"], as_index=False)[
                ["sent", "delivered"]
            ]
            .sum()
            .nlargest(LARGEST_FLOWS, "sent")
        )
        flows = Table(title="largest flows (per year)", title_justify="left")
        for column in ("from", "to", "resource", "mode", "sent", "delivered"):
            flows.add_column(column, justify="right" if column in ("sent", "delivered") else "left")
        units = _units(result.flows, "supply_resource")
        for flow in totals.to_dict("records"):
            unit = units.get(str(flow["supply_resource"]), "")
            flows.add_row(
                _text(flow["source"]),
                _text(flow["sink"]),
                _text(flow["supply_resource"]),
                _text(flow["mode"]),
                f"{flow['sent']:,.1f} {unit}".rstrip(),
                f"{flow['delivered']:,.1f} {unit}".rstrip(),
            )
        parts.append(flows)
    parts.extend(
        table for table in (indicator_table(result), link_economics_table(result)) if table
    )
    return Group(*parts)


def _facility_decisions(result: Result) -> Table | None:
    """Facilities with a decision (optional, placed, sized or converting): what was chosen."""
    facilities = result.facilities
    if "built" not in facilities.columns:
        return None
    decided = facilities[
        facilities["optional"] | facilities["size"].notna() | facilities["activity"].notna()
    ]
    if decided.empty:
        return None
    table = Table(title="facility decisions", title_justify="left")
    for column in ("facility", "built", "site", "size", "activity / yr", "annual cost"):
        table.add_column(column, justify="left" if column in ("facility", "site") else "right")
    currency = result.summary.currency
    for row in decided.to_dict("records"):
        size, activity = float(row["size"]), float(row["activity"])
        table.add_row(
            _text(row["facility"]),
            "yes" if row["built"] else "no",
            _text(row["site"]) if row["built"] else "-",
            "-" if math.isnan(size) else _text(f"{size:,.6g} {row.get('size_unit', '')}".rstrip()),
            "-" if math.isnan(activity) else f"{activity:,.1f}",
            _money(float(row["annual_cost"]), currency),
        )
    return table


def _units(table: pd.DataFrame, resource_column: str) -> dict[str, str]:
    """Resource -> unit, from the `unit` column that `symopt.results.units` adds."""
    if "unit" not in table.columns:
        return {}
    pairs = table[[resource_column, "unit"]].drop_duplicates(resource_column)
    return {str(r): str(u) for r, u in zip(pairs[resource_column], pairs["unit"], strict=True)}


def print_summary(result: Result, console: Console | None = None) -> None:
    (console or Console()).print(summary_tables(result))
