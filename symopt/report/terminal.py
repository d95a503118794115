"""The short terminal summary of a result (rich)."""

from __future__ import annotations

import math

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from symopt.enums import SolveStatus
from symopt.results.tables import Result

LARGEST_FLOWS = 10


def _money(value: float, currency: str) -> str:
    return "-" if not math.isfinite(value) else f"{value:,.0f} {currency}"


def _tonnes(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:,.1f} t CO2e"


def summary_tables(result: Result) -> Group:
    """Status and KPIs vs baseline, the built links, the largest flows."""
    summary = result.summary
    kpis = Table(title=f"symopt: {summary.scenario}", show_header=True, title_justify="left")
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
    if not result.links.empty:
        links = Table(title="built links", title_justify="left")
        for column in ("from", "to", "resource", "mode", "km", "annual cost"):
            links.add_column(column, justify="right" if column in ("km", "annual cost") else "left")
        for link in result.links.to_dict("records"):
            links.add_row(
                str(link["source"]),
                str(link["sink"]),
                str(link["resource"]),
                str(link["mode"]),
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
        for flow in totals.to_dict("records"):
            flows.add_row(
                str(flow["source"]),
                str(flow["sink"]),
                str(flow["supply_resource"]),
                str(flow["mode"]),
                f"{flow['sent']:,.1f}",
                f"{flow['delivered']:,.1f}",
            )
        parts.append(flows)
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
            str(row["facility"]),
            "yes" if row["built"] else "no",
            str(row["site"]) if row["built"] else "-",
            "-" if math.isnan(size) else f"{size:,.4g}",
            "-" if math.isnan(activity) else f"{activity:,.1f}",
            _money(float(row["annual_cost"]), currency),
        )
    return table


def print_summary(result: Result, console: Console | None = None) -> None:
    (console or Console()).print(summary_tables(result))
