"""Plotly figures of studies: a sweep's parameters against the outcome, a Pareto front."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from symopt.report.figures import PALETTE
from symopt.report.labels import label

SOLVED = ("optimal", "feasible")


def link_sets(column: pd.Series) -> tuple[pd.Series, dict[str, str]]:
    """Each row's built-link set as a short label (A, B, ...) and label -> the links."""
    letters: dict[str, str] = {}
    names = []
    for value in column.fillna("").astype(str):
        if value not in letters:
            letters[value] = _letter(len(letters))
        names.append(letters[value])
    return pd.Series(names, index=column.index), {name: links for links, name in letters.items()}


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _wrap(text: str, width: int = 90) -> str:
    parts = [label(p) for p in text.split("; ") if p]
    lines, line = [], ""
    for part in parts:
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = ""
        line = f"{line}; {part}" if line else part
    if line:
        lines.append(line)
    return "<br>".join(lines) or "none"


def sweep_figure(frame: pd.DataFrame, parameters: list[str], currency: str) -> go.Figure:
    """Each parameter (rows) against objective and emissions (columns); colour: built-link set."""
    solved = frame[frame["status"].isin(SOLVED)].copy()
    solved["set"], sets = link_sets(solved["links"])
    rows = max(len(parameters), 1)
    titles = []
    for parameter in parameters:
        titles += [
            f"objective against {label(parameter)}",
            f"emissions against {label(parameter)}",
        ]
    figure = make_subplots(
        rows=rows, cols=2, subplot_titles=titles or ["", ""], vertical_spacing=0.3 / rows
    )
    for position, parameter in enumerate(parameters):
        numeric = pd.to_numeric(solved[parameter], errors="coerce")
        x = numeric if numeric.notna().all() else solved[parameter].astype(str)
        for number, (set_name, links) in enumerate(sets.items()):
            own = solved["set"] == set_name
            hover = [
                f"{label(parameter)} = {label(value)}<br>links (set {set_name}): {_wrap(links)}"
                for value in solved.loc[own, parameter]
            ]
            for column, (field, unit) in enumerate(
                (("objective", currency + "/yr"), ("total_emissions", "t CO2e/yr"))
            ):
                figure.add_trace(
                    go.Scatter(
                        x=x[own],
                        y=solved.loc[own, field],
                        mode="markers",
                        marker={"size": 10, "color": PALETTE[number % len(PALETTE)]},
                        name=f"link set {set_name}",
                        legendgroup=set_name,
                        showlegend=position == 0 and column == 0,
                        hovertext=[
                            f"{h}<br>{field.replace('_', ' ')}: {v:,.1f} {unit}"
                            for h, v in zip(hover, solved.loc[own, field], strict=True)
                        ],
                        hoverinfo="text",
                    ),
                    row=position + 1,
                    col=column + 1,
                )
                figure.update_yaxes(
                    title_text=f"{field.replace('_', ' ')} ({unit})",
                    row=position + 1,
                    col=column + 1,
                )
                figure.update_xaxes(title_text=label(parameter), row=position + 1, col=column + 1)
    figure.update_layout(
        title={
            "text": "Sweep: each parameter against objective and emissions (colour: built-link set)",
            "x": 0,
        },
        height=380 * rows + 100,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.08},
    )
    return figure


def pareto_figure(frame: pd.DataFrame, currency: str) -> go.Figure:
    """The front: emissions against cost; hover: what each point builds."""
    solved = frame[frame["status"].isin(SOLVED)] if "status" in frame else frame
    ordered = solved.sort_values("emissions")
    hover = []
    for row in ordered.to_dict("records"):
        facilities = row.get("facilities")
        facilities = facilities if isinstance(facilities, str) else ""
        links = row.get("links") if isinstance(row.get("links"), str) else ""
        cap = row.get("emission_cap")
        cap_text = (
            f"{float(cap):,.3f} t CO2e/yr"
            if isinstance(cap, int | float) and math.isfinite(float(cap))
            else "-"
        )
        hover.append(
            f"<b>point {row['point']}</b><br>cost {float(row['cost']):,.0f} {currency}/yr<br>"
            f"emissions {float(row['emissions']):,.3f} t CO2e/yr<br>cap {cap_text}<br>"
            f"links: {_wrap(str(links))}<br>facilities: {_wrap(facilities)}"
        )
    figure = go.Figure(
        go.Scatter(
            x=ordered["emissions"],
            y=ordered["cost"],
            mode="lines+markers+text",
            line={"shape": "hv", "color": PALETTE[0]},
            marker={"size": 11},
            text=[str(p) for p in ordered["point"]],
            textposition="top right",
            hovertext=hover,
            hoverinfo="text",
            name="efficient points",
        )
    )
    figure.update_xaxes(title="annual emissions (t CO2e/yr)")
    figure.update_yaxes(title=f"annual cost ({currency}/yr)" if currency else "annual cost")
    figure.update_layout(
        title={
            "text": "Pareto front: cost against emissions (hover: each point's decisions)",
            "x": 0,
        },
        height=520,
        template="plotly_white",
    )
    return figure
