"""Plotly figures of one result: the map, a Sankey diagram per resource, the slices.

The map is a plain longitude/latitude frame (no tiles, no map data from the network)
with equal distances on both axes near the park, so it draws offline, anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from symopt.report.labels import label

#: Colours by resource, in order of first appearance (plotly's default qualitative set).
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
CONVENTIONAL = "conventional supply"
DISPOSED = "disposed"
LOST = "lost in transport"
#: Marker of each facility decision: (symbol, colour, legend text).
DECISIONS = {
    "built": ("circle", "#2b8a3e", "built / standing"),
    "chosen": ("star", "#e8590c", "chosen plot among candidates"),
    "candidate": ("circle-open", "#868e96", "candidate plot, not chosen"),
    "not built": ("x", "#868e96", "not built"),
    "unsolved": ("circle-open", "#495057", "facility (no solution to show)"),
}


#: What identifies one link in flows.csv and links.csv.
LINK_KEY = ["source", "sink", "resource", "mode", "supply_id", "demand_id"]


def exchanges(flows: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """One row per link that carries something: annual `sent` and `delivered` from
    flows.csv, with links.csv's economics where the link is built (modes without a build
    decision, such as trucks, never appear in links.csv)."""
    if flows.empty or "supply_resource" not in flows.columns:
        return links
    per_slice = flows.rename(columns={"supply_resource": "resource"})
    key = [column for column in LINK_KEY if column in per_slice.columns]
    first = {c: "first" for c in ("distance_km", "unit") if c in per_slice.columns}
    totals = per_slice.groupby(key, as_index=False, sort=False).agg(
        sent=("sent", "sum"),
        delivered=("delivered", "sum"),
        **{c: (c, f) for c, f in first.items()},
    )
    if links.empty or not set(key) <= set(links.columns):
        return totals
    extra = [c for c in links.columns if c not in totals.columns or c in key]
    return totals.merge(links[extra], on=key, how="left")


def resource_colours(resources: Sequence[str]) -> dict[str, str]:
    return {r: PALETTE[i % len(PALETTE)] for i, r in enumerate(dict.fromkeys(resources))}


def _layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        template="plotly_white",
    )
    return figure


def _num(value: Any) -> float:
    """A table cell as a float (pandas types its cells as any scalar)."""
    return float(value)


def _decision(row: pd.Series, facilities: dict[Any, pd.Series]) -> str:
    facility = facilities.get(str(row["facility"]))
    if facility is None or "built" not in facility.index:
        return "unsolved"
    built = bool(facility["built"])
    if bool(row["candidate"]):
        return "chosen" if bool(row["placed"]) and built else "candidate"
    return "built" if built else "not built"


def facility_positions(sites: pd.DataFrame, span: float) -> pd.DataFrame:
    """`sites` with x, y: facilities on one site spread on a small circle round it."""
    frame = sites.copy()
    frame["x"] = frame["lon"].astype(float)
    frame["y"] = frame["lat"].astype(float)
    frame["side"] = "top center"
    radius = 0.09 * span
    for _, group in frame.groupby("site", sort=False):
        if len(group) < 2:
            continue
        angle = 2 * math.pi * np.arange(len(group)) / len(group)
        cos_lat = max(math.cos(math.radians(float(group["lat"].iloc[0]))), 0.1)
        frame.loc[group.index, "x"] += radius * np.cos(angle) / cos_lat
        frame.loc[group.index, "y"] += radius * np.sin(angle)
        frame.loc[group.index, "side"] = np.where(
            np.cos(angle) < -1e-9, "middle left", "middle right"
        )
    return frame


def map_figure(
    sites: pd.DataFrame, facilities: pd.DataFrame, links: pd.DataFrame, currency: str
) -> go.Figure:
    """Sites with labels, facilities by decision, used links (`exchanges`) by resource."""
    figure = go.Figure()
    if sites.empty:
        figure.add_annotation(
            text="No site coordinates in this result folder (sites.csv is written by symopt "
            "0.1 solves from this version on); solve again to draw the map.",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
        return _layout(figure, "Map", 300)
    lat0 = float(sites["lat"].mean())
    span = max(
        float(np.ptp(sites["lat"])),
        float(np.ptp(sites["lon"])) * math.cos(math.radians(lat0)),
        0.01,
    )
    placed = facility_positions(sites, span)
    by_facility = (
        facilities.set_index(facilities["facility"].astype(str))
        if "facility" in facilities
        else pd.DataFrame()
    )
    decided = dict(by_facility.iterrows())
    placed["decision"] = [_decision(row, decided) for _, row in placed.iterrows()]
    where = {
        str(row.facility): (_num(row.x), _num(row.y))
        for row in placed.itertuples(index=False)
        if row.decision in ("built", "chosen")
    }
    _add_links(figure, links, where, currency)
    for decision, (symbol, colour, legend) in DECISIONS.items():
        shown = placed[placed["decision"] == decision]
        if shown.empty:
            continue
        figure.add_trace(
            go.Scatter(
                x=shown["x"],
                y=shown["y"],
                mode="markers+text",
                cliponaxis=False,
                text=[label(f) for f in shown["facility"]],
                textposition=list(shown["side"]),
                textfont={"size": 11, "color": "#343a40"},
                marker={
                    "symbol": symbol,
                    "size": 13,
                    "color": colour,
                    "line": {"width": 1.5, "color": colour},
                },
                name=legend,
                hovertext=[
                    f"{label(r.facility)}<br>{legend}<br>site: {label(r.site)}"
                    for r in shown.itertuples(index=False)
                ],
                hoverinfo="text",
            )
        )
    site_points = sites.drop_duplicates("site")
    figure.add_trace(
        go.Scatter(
            x=site_points["lon"],
            y=site_points["lat"],
            mode="markers+text",
            text=[f"<b>{label(s)}</b>" for s in site_points["site"]],
            textposition="bottom center",
            marker={"symbol": "square-open", "size": 22, "color": "#343a40"},
            name="site",
            hovertext=[
                f"site {label(r.site)}<br>{_num(r.lat):.4f} °N, {_num(r.lon):.4f} °E"
                for r in site_points.itertuples(index=False)
            ],
            hoverinfo="text",
        )
    )
    cos_lat = max(math.cos(math.radians(lat0)), 0.1)
    pad = 0.3 * span
    figure.update_xaxes(
        title="longitude (°E)",
        range=[placed["x"].min() - 2 * pad / cos_lat, placed["x"].max() + 2 * pad / cos_lat],
        constrain="domain",
    )
    figure.update_yaxes(
        title="latitude (°N)",
        scaleanchor="x",
        scaleratio=1 / cos_lat,
        range=[placed["y"].min() - pad, placed["y"].max() + pad],
        constrain="domain",
    )
    figure.update_layout(legend={"orientation": "h", "y": -0.15})
    return _layout(figure, "Map: sites, facilities and the links used (width: annual flow)", 620)


def _link_hover(link: pd.Series, currency: str) -> str:
    unit = label(link.get("unit", "") if isinstance(link.get("unit", ""), str) else "")
    lines = [
        f"<b>{label(link['source'])} → {label(link['sink'])}</b>",
        f"{label(link['resource'])} by {label(link['mode'])}, {float(link['distance_km']):,.2f} km",
        f"sent {float(link['sent']):,.1f} {unit}/yr, delivered {float(link['delivered']):,.1f} {unit}/yr",
    ]
    build = link.get("annual_cost")
    if isinstance(build, int | float) and math.isfinite(float(build)):
        lines.append(f"annual cost of the link {float(build):,.0f} {currency}/yr")
    else:
        lines.append("nothing to build (a mode without capex)")
    economics = {
        "net_annual_benefit": f"{currency}/yr",
        "npv": currency,
        "payback_years": "years",
        "abatement_cost_per_t": f"{currency}/t CO2e",
    }
    for column, column_unit in economics.items():
        value = link.get(column)
        if value is not None and isinstance(value, int | float) and math.isfinite(float(value)):
            lines.append(f"{column.replace('_', ' ')}: {float(value):,.1f} {column_unit}")
    return "<br>".join(lines)


def _add_links(
    figure: go.Figure, links: pd.DataFrame, where: dict[str, tuple[float, float]], currency: str
) -> None:
    if links.empty:
        return
    colours = resource_colours([str(r) for r in links["resource"]])
    largest = links.groupby("resource")["sent"].transform("max").to_numpy(dtype=float)
    shown: set[str] = set()
    for position, (_, link) in enumerate(links.iterrows()):
        start, end = where.get(str(link["source"])), where.get(str(link["sink"]))
        if start is None or end is None:
            continue
        (x0, y0), (x1, y1) = start, end
        resource = str(link["resource"])
        unit = link.get("unit", "")
        name = (
            f"{label(resource)} ({label(unit)})"
            if isinstance(unit, str) and unit
            else label(resource)
        )
        width = 1.5 + 8 * math.sqrt(max(_num(link["sent"]), 0.0) / max(largest[position], 1e-12))
        figure.add_trace(
            go.Scatter(
                x=[x0, x1],
                y=[y0, y1],
                mode="lines",
                line={"color": colours[resource], "width": width},
                name=name,
                legendgroup=resource,
                showlegend=resource not in shown,
                hoverinfo="skip",
            )
        )
        shown.add(resource)
        figure.add_trace(
            go.Scatter(
                x=[(x0 + x1) / 2],
                y=[(y0 + y1) / 2],
                mode="markers",
                marker={"size": 9, "color": colours[resource], "opacity": 0.6},
                legendgroup=resource,
                showlegend=False,
                hovertext=[_link_hover(link, currency)],
                hoverinfo="text",
            )
        )


def _unit_of(resource: str, *tables: pd.DataFrame) -> str:
    for table in tables:
        if "unit" in table.columns and "resource" in table.columns:
            units = table.loc[table["resource"].astype(str) == resource, "unit"].dropna()
            if len(units):
                return str(units.iloc[0])
    return ""


class _Sankey:
    """Nodes and links of one resource's Sankey diagram."""

    def __init__(self) -> None:
        self.nodes: dict[str, str] = {}
        self.source: list[int] = []
        self.target: list[int] = []
        self.value: list[float] = []
        self.colour: list[str] = []

    def node(self, key: str, text: str) -> int:
        self.nodes.setdefault(key, text)
        return list(self.nodes).index(key)

    def flow(self, a: int, b: int, amount: float, tint: str) -> None:
        if amount > 0:
            self.source.append(a)
            self.target.append(b)
            self.value.append(amount)
            self.colour.append(tint)


def _resource_sankey(
    resource: str,
    links: pd.DataFrame,
    alternatives: pd.DataFrame,
    disposals: pd.DataFrame,
    tint: str,
) -> _Sankey:
    """Delivered amounts source -> sink (losses to "lost in transport"), conventional
    supply -> sinks, sources -> disposed; all annual totals."""
    sankey = _Sankey()
    if "resource" in links.columns:
        own = links[links["resource"].astype(str) == resource]
        for link in own.itertuples(index=False):
            out = sankey.node(f"s:{link.source}", label(link.source))
            into = sankey.node(f"d:{link.sink}", label(link.sink))
            sankey.flow(out, into, _num(link.delivered), tint)
            lost = _num(link.sent) - _num(link.delivered)
            if lost > 1e-9 * _num(link.sent):
                sankey.flow(out, sankey.node("lost", LOST), lost, "#adb5bd88")
    if "resource" in alternatives.columns:
        own = alternatives[alternatives["resource"].astype(str) == resource]
        for facility, amount in own.groupby("facility")["amount"].sum().items():
            conventional = sankey.node("conventional", CONVENTIONAL)
            sink = sankey.node(f"d:{facility}", label(facility))
            sankey.flow(conventional, sink, float(amount), "#ced4da88")
    if "resource" in disposals.columns:
        own = disposals[disposals["resource"].astype(str) == resource]
        for facility, amount in own.groupby("facility")["amount"].sum().items():
            source = sankey.node(f"s:{facility}", label(facility))
            sankey.flow(source, sankey.node("disposed", DISPOSED), float(amount), "#ced4da88")
    return sankey


def sankey_figures(
    links: pd.DataFrame, alternatives: pd.DataFrame, disposals: pd.DataFrame
) -> list[tuple[str, go.Figure]]:
    """Per resource: sources -> sinks, conventional supply -> sinks, sources -> disposed."""
    resources: list[str] = []
    for table in (links, alternatives, disposals):
        if "resource" in table.columns:
            resources.extend(str(r) for r in table["resource"])
    colours = resource_colours(resources)
    figures = []
    for resource in dict.fromkeys(resources):
        unit = _unit_of(resource, links, alternatives, disposals)
        sankey = _resource_sankey(
            resource, links, alternatives, disposals, colours[resource] + "88"
        )
        if not sankey.value:
            continue
        figure = go.Figure(
            go.Sankey(
                valueformat=",.1f",
                valuesuffix=f" {label(unit)}/yr" if unit else "/yr",
                node={
                    "label": list(sankey.nodes.values()),
                    "pad": 14,
                    "thickness": 16,
                    "color": colours[resource],
                },
                link={
                    "source": sankey.source,
                    "target": sankey.target,
                    "value": sankey.value,
                    "color": sankey.colour,
                },
            )
        )
        title = (
            f"{label(resource)} ({label(unit)} per year)"
            if unit
            else f"{label(resource)} (per year)"
        )
        figures.append((resource, _layout(figure, title, max(260, 34 * len(sankey.nodes)))))
    return figures


def slice_table(
    flows: pd.DataFrame, alternatives: pd.DataFrame, disposals: pd.DataFrame, slices: Sequence[str]
) -> pd.DataFrame:
    """Per slice and resource: delivered by links, conventional supply, disposed."""
    parts = []
    if {"supply_resource", "delivered"} <= set(flows.columns):
        parts.append(
            flows.assign(resource=flows["supply_resource"], exchanged=flows["delivered"])[
                ["slice", "resource", "exchanged"]
            ]
        )
    for table, column in ((alternatives, CONVENTIONAL), (disposals, DISPOSED)):
        if {"resource", "amount"} <= set(table.columns):
            parts.append(table.assign(**{column: table["amount"]})[["slice", "resource", column]])
    if not parts:
        return pd.DataFrame(columns=["slice", "resource", "exchanged", CONVENTIONAL, DISPOSED])
    frame = pd.concat(parts, ignore_index=True)
    for column in ("exchanged", CONVENTIONAL, DISPOSED):
        if column not in frame.columns:
            frame[column] = 0.0
    frame["slice"] = frame["slice"].astype(str)
    table = frame.groupby(["resource", "slice"], as_index=False, sort=False)[
        ["exchanged", CONVENTIONAL, DISPOSED]
    ].sum()
    order = {s: i for i, s in enumerate(slices)}
    table["_order"] = table["slice"].map(order).fillna(len(order))
    return table.sort_values(["resource", "_order"]).drop(columns="_order").reset_index(drop=True)


def slice_figure(table: pd.DataFrame, units: dict[str, str]) -> go.Figure:
    """One panel per resource: what each slice exchanged, bought conventionally and disposed."""
    resources = list(dict.fromkeys(table["resource"].astype(str)))
    from plotly.subplots import make_subplots

    columns = min(3, max(len(resources), 1))
    rows = max(math.ceil(len(resources) / columns), 1)
    titles = [
        f"{label(r)} ({label(units.get(r, ''))})" if units.get(r) else label(r) for r in resources
    ]
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=titles or [""])
    kinds = (("exchanged", "#2b8a3e"), (CONVENTIONAL, "#868e96"), (DISPOSED, "#e8590c"))
    for position, resource in enumerate(resources):
        own = table[table["resource"].astype(str) == resource]
        for kind, colour in kinds:
            figure.add_trace(
                go.Bar(
                    x=own["slice"],
                    y=own[kind],
                    name=kind,
                    marker_color=colour,
                    legendgroup=kind,
                    showlegend=position == 0,
                    hovertemplate=f"%{{x}}: %{{y:,.1f}} {label(units.get(resource, ''))}<extra>{kind}</extra>",
                ),
                row=position // columns + 1,
                col=position % columns + 1,
            )
    figure.update_layout(barmode="group", legend={"orientation": "h", "y": -0.12})
    return _layout(
        figure,
        "By slice: exchanged, conventional supply and disposed (amount per slice)",
        300 * rows + 80,
    )
