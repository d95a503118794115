"""`symopt report`: one self-contained HTML page (plotly's JavaScript embedded, no network).

The page is rendered by jinja2 from `templates/report.html` with autoescape on, so every
user-supplied string (ids, names) is shown as text; figures are plotly divs whose data
plotly encodes as JSON with `<` escaped.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from symopt._version import __version__
from symopt.report import figures as result_figures
from symopt.report import study_figures
from symopt.report.load import (
    ParetoData,
    ReportKind,
    ResultData,
    SweepData,
    detect_kind,
    load_pareto,
    load_result,
    load_sweep,
)
from symopt.report.table_view import TableView, format_number, table_view
from symopt.results.files import REPORT_FILE, atomic_write_text
from symopt.text import printable

_PLOT_CONFIG = {"displaylogo": False}


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    html: Markup


@dataclass(frozen=True)
class Headline:
    """One headline number: `key` names the summary.json field it shows."""

    label: str
    key: str
    value: float
    text: str
    baseline: str = ""
    saving: str = ""


@dataclass
class Page:
    kind: str
    title: str
    subtitle: str
    headlines: list[Headline] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    indicators: TableView | None = None
    sections: list[tuple[str, str, list[Figure], list[TableView]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _figure(key: str, title: str, figure: go.Figure) -> Figure:
    height = figure.layout.height or 450
    html = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=key,
        config=_PLOT_CONFIG,
        default_height=f"{height}px",
    )
    return Figure(key, title, Markup(html))  # plotly output; its data is JSON with < escaped


def _number(summary: dict[str, Any], key: str) -> float:
    value = summary.get(key)
    return float(value) if isinstance(value, int | float) else math.nan


def _money(value: float, currency: str) -> str:
    return "-" if not math.isfinite(value) else f"{format_number(value)} {currency}/yr"


def _tonnes(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{format_number(value, 1)} t CO2e/yr"


def _indicators(data: ResultData, currency: str) -> TableView | None:
    records = data.summary.get("indicators")
    if isinstance(records, list) and records:
        frame = pd.DataFrame(records)
    else:
        frame = data.table("indicators")
        if frame.empty:
            return None
        if "firm" in frame.columns:
            frame = frame[frame["firm"].astype(str) == "(park)"].drop(columns="firm")
    if frame.empty:
        return None
    # baseline/actual/saving are in the row's unit
    frame = frame.rename(
        columns={"baseline": "baseline ", "actual": "actual ", "saving": "saving "}
    )
    view = table_view("indicators", "Effect indicators (park)", frame, currency)
    units = frame["unit"].astype(str).tolist() if "unit" in frame.columns else []
    rows = [
        [
            cell
            if not cell.numeric or not units
            else type(cell)(f"{cell.text} {printable(units[i])}".strip(), cell.sort, True)
            for cell in row
        ]
        for i, row in enumerate(view.rows)
    ]
    headers = [h.strip() for h in view.headers]
    return TableView(view.key, view.title, "per year, in each row's unit", headers, rows)


def result_page(data: ResultData) -> Page:
    summary = data.summary
    currency = str(summary.get("currency", ""))
    status = str(summary.get("status", "?"))
    gap = _number(summary, "mip_gap")
    page = Page(
        ReportKind.RESULT.value,
        printable(summary.get("scenario", data.folder.name)),
        f"symopt result in {printable(data.folder)}",
    )
    cost, emissions = _number(summary, "total_cost"), _number(summary, "total_emissions")
    page.headlines = [
        Headline(
            "annual cost",
            "total_cost",
            cost,
            _money(cost, currency),
            _money(_number(summary, "baseline_cost"), currency),
            _money(_number(summary, "cost_saving"), currency),
        ),
        Headline(
            "annual emissions",
            "total_emissions",
            emissions,
            _tonnes(emissions),
            _tonnes(_number(summary, "baseline_emissions")),
            _tonnes(_number(summary, "emission_saving")),
        ),
    ]
    page.facts = [
        ("status", status),
        ("MIP gap", "-" if not math.isfinite(gap) else f"{gap:.2%}"),
        (
            "objective",
            f"{printable(summary.get('objective_kind', ''))}: {format_number(_number(summary, 'objective'), 2)}",
        ),
        ("solve time", f"{_number(summary, 'solve_seconds'):.2f} s"),
    ]
    page.indicators = _indicators(data, currency)
    if math.isfinite(cost) and not math.isfinite(_number(summary, "baseline_cost")):
        page.notes.append(
            "Baseline not defined: an input without alternative cannot be covered without "
            "exchange between facilities."
        )
    diagnosis = summary.get("diagnosis")
    if isinstance(diagnosis, list) and diagnosis:
        page.notes.append(f"Why there is no plan ({status}):")
        page.notes.extend(printable(reason) for reason in diagnosis)
    links, facilities = data.table("links"), data.table("facilities")
    alternatives, disposals, flows = (
        data.table("alternatives"),
        data.table("disposals"),
        data.table("flows"),
    )
    used = result_figures.exchanges(flows, links)
    page.sections.append(
        (
            "map",
            "Map",
            [
                _figure(
                    "map",
                    "Map",
                    result_figures.map_figure(data.table("sites"), facilities, used, currency),
                )
            ],
            [],
        )
    )
    sankeys = result_figures.sankey_figures(used, alternatives, disposals)
    page.sections.append(
        (
            "sankey",
            "Where each resource goes",
            [_figure(f"sankey-{i}", r, f) for i, (r, f) in enumerate(sankeys)],
            [],
        )
    )
    if not sankeys:
        page.notes.append(
            "No amounts to draw: the result has no flows, conventional supply or disposal."
        )
    gains: list[TableView] = []
    firms, transfers = data.table("firms"), data.table("transfers")
    if not firms.empty:
        gains.append(table_view("firms", "Per-firm gains (cost sharing)", firms, currency))
        if not transfers.empty:
            gains.append(table_view("transfers", "Transfers between firms", transfers, currency))
    elif not facilities.empty:
        gains.append(
            table_view(
                "facilities",
                "Per-facility costs and decisions",
                facilities,
                currency,
                "No sharing run in this folder (firms.csv): each facility's own annual cost.",
            )
        )
    if not links.empty:
        gains.append(
            table_view("links", "Per-link economics", links, currency, "Amounts per year.")
        )
    page.sections.append(("gains", "Gains and link economics", [], gains))
    slices = list(
        dict.fromkeys(
            [*flows.get("slice", []), *alternatives.get("slice", []), *disposals.get("slice", [])]
        )
    )
    by_slice = result_figures.slice_table(flows, alternatives, disposals, [str(s) for s in slices])
    units = _units(links, alternatives, disposals, flows)
    slice_view = table_view(
        "slices",
        "Amounts by slice",
        by_slice.assign(unit=by_slice["resource"].map(units)),
        currency,
    )
    page.sections.append(
        (
            "slices",
            "By slice (seasons)",
            [_figure("slices", "By slice", result_figures.slice_figure(by_slice, units))]
            if len(by_slice)
            else [],
            [_with_row_units(slice_view, by_slice, units)],
        )
    )
    return page


def _units(*tables: pd.DataFrame) -> dict[str, str]:
    units: dict[str, str] = {}
    for table in tables:
        resource = "resource" if "resource" in table.columns else "supply_resource"
        if {resource, "unit"} <= set(table.columns):
            for r, u in zip(table[resource].astype(str), table["unit"], strict=True):
                if isinstance(u, str):
                    units.setdefault(r, u)
    return units


def _with_row_units(view: TableView, frame: pd.DataFrame, units: dict[str, str]) -> TableView:
    resources = frame["resource"].astype(str).tolist()
    rows = [
        [
            type(c)(f"{c.text} {printable(units.get(resources[i], ''))}".strip(), c.sort, True)
            if c.numeric
            else c
            for c in row
        ]
        for i, row in enumerate(view.rows)
    ]
    return TableView(
        view.key, view.title, "amount per slice, in the resource's unit", view.headers, rows
    )


def _sweep_currency(folder: Path) -> str:
    for summary in sorted((folder / "details").glob("*/summary.json"))[:1]:
        try:
            return str(json.loads(summary.read_text(encoding="utf-8")).get("currency", ""))
        except (OSError, ValueError):
            return ""
    return ""


def sweep_page(data: SweepData) -> Page:
    currency = _sweep_currency(data.folder)
    frame = data.frame
    page = Page(
        ReportKind.SWEEP.value,
        f"Sweep: {printable(data.folder.name)}",
        f"sweep store in {printable(data.folder)}",
    )
    solved = frame["status"].isin(study_figures.SOLVED).sum() if len(frame) else 0
    page.facts = [
        ("variants", str(len(frame))),
        ("solved", str(int(solved))),
        ("parameters", ", ".join(printable(p) for p in data.parameters) or "-"),
    ]
    if not currency:
        page.notes.append("Costs are in the base scenario's currency (not recorded in the store).")
    figure = study_figures.sweep_figure(frame, data.parameters, currency or "currency")
    shown = frame.assign(link_set=study_figures.link_sets(frame["links"])[0])
    columns = [
        *data.parameters,
        "status",
        "objective",
        "total_emissions",
        "built_links",
        "link_set",
        "links",
        "mip_gap",
    ]
    page.sections.append(
        (
            "sweep",
            "Parameters against objective and emissions",
            [_figure("sweep", "sweep", figure)],
            [
                table_view(
                    "variants",
                    "Variants",
                    shown[[c for c in columns if c in shown.columns]],
                    currency or "currency",
                )
            ],
        )
    )
    return page


def pareto_page(data: ParetoData) -> Page:
    frame, currency = data.frame, data.currency
    name = data.meta.get("scenario") or data.folder.name
    page = Page(
        ReportKind.PARETO.value,
        f"Pareto front: {printable(name)}",
        f"Pareto output in {printable(data.folder)}",
    )
    caps = data.meta.get("caps")
    page.facts = [("distinct efficient points", str(len(frame)))]
    if caps is not None:
        page.facts.append(("emission caps tried", printable(caps)))
    columns = [
        c
        for c in (
            "point",
            "emission_cap",
            "cost",
            "emissions",
            "status",
            "mip_gap",
            "built_links",
            "built_facilities",
            "links",
            "facilities",
        )
        if c in frame.columns
    ]
    page.sections.append(
        (
            "pareto",
            "Cost against emissions",
            [
                _figure(
                    "pareto", "pareto", study_figures.pareto_figure(frame, currency or "currency")
                )
            ],
            [table_view("points", "Efficient points", frame[columns], currency or "currency")],
        )
    )
    return page


def _environment() -> jinja2.Environment:
    loader = jinja2.FileSystemLoader(str(files("symopt.report") / "templates"))
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)


def render_page(page: Page) -> str:
    template = _environment().get_template("report.html")
    return template.render(
        page=page,
        plotly_js=Markup(get_plotlyjs()),  # the plotly bundle, embedded
        version=__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def build_page(folder: Path) -> Page:
    kind = detect_kind(folder)
    if kind is ReportKind.PARETO:
        return pareto_page(load_pareto(folder))
    if kind is ReportKind.SWEEP:
        return sweep_page(load_sweep(folder))
    return result_page(load_result(folder))


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Render the report of a result, sweep or Pareto folder; return the HTML file written."""
    source = Path(folder)
    target = Path(out) if out is not None else source / REPORT_FILE
    atomic_write_text(target, render_page(build_page(source)))
    return target
