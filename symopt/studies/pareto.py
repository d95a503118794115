"""Cost against CO2: the Pareto front by the epsilon-constraint method.

1. Minimise emissions: E_min. Then minimise cost subject to emissions <= E_min, so the
   low-emission end is not dominated (the cheapest of the emission-minimal plans).
2. Minimise cost: the other end, with emissions E_max.
3. For `points` values of e evenly from E_min to E_max (both ends included), minimise
   cost subject to emissions <= e.

One model is built, with a mutable Param `emission_cap` in the constraint
`emission_limit: emissions <= emission_cap`; between points only the cap (and the
objective weights) change, so every point after the first is a re-solve in HiGHS.
"""

from __future__ import annotations

import math
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from symopt.enums import ObjectiveKind, SolveStatus
from symopt.errors import SymoptError
from symopt.results.files import atomic_write_text, printable_cells
from symopt.results.tables import Result
from symopt.scenario.loading import load_scenario
from symopt.scenario.schema import Scenario
from symopt.solver.highs import SolverOptions
from symopt.solver.pipeline import solver_options
from symopt.solver.session import Resolver

__all__ = ["ParetoError", "add_emission_cap", "pareto", "write_pareto"]

PARETO_TABLE = "pareto.csv"
PARETO_PLOT = "pareto.png"
#: Pyomo's persistent HiGHS tracks a Param in a constraint bound only if it starts finite.
_LOOSE_CAP = 1e15
#: Slack on each cap, relative to it, so the solver's tolerances never make a point infeasible.
_CAP_SLACK = 1e-6


class ParetoError(SymoptError):
    """An end point of the front could not be solved."""

    def __init__(self, message: str, status: SolveStatus) -> None:
        super().__init__(message)
        self.status = status


def add_emission_cap(model: pyo.ConcreteModel) -> None:
    """Hook for `Resolver`: `emission_limit: emissions <= emission_cap` (a mutable Param)."""
    model.emission_cap = pyo.Param(initialize=_LOOSE_CAP, mutable=True, within=pyo.Reals)
    model.emission_limit = pyo.Constraint(expr=model.emissions <= model.emission_cap)


class _Front:
    """One Resolver whose model carries the emission cap."""

    def __init__(self, scenario: Scenario, options: SolverOptions) -> None:
        self.scenario = scenario
        self.resolver = Resolver(options=options, hook=add_emission_cap)

    def solve(self, objective: ObjectiveKind, cap: float) -> tuple[Result, str, float]:
        model = self.resolver.model
        if model is not None:
            loose = math.inf if math.isinf(cap) else cap + _CAP_SLACK * max(1.0, abs(cap))
            model.emission_cap.set_value(loose)
        rebuilds = self.resolver.rebuilds
        started = time.perf_counter()
        result = self.resolver.solve(self.scenario, objective=objective)
        path = "rebuild" if self.resolver.rebuilds > rebuilds else "resolve"
        return result, path, time.perf_counter() - started


def _end(result: Result, what: str) -> Result:
    if not result.status.has_solution:
        raise ParetoError(
            f"{result.summary.scenario}: {what} ended {result.status.value} "
            f"(solver: {result.summary.solver_status}); no Pareto front",
            result.status,
        )
    return result


def pareto(
    scenario: Scenario | str | Path,
    points: int = 10,
    *,
    options: SolverOptions | None = None,
    out: str | Path | None = None,
) -> pd.DataFrame:
    """The cost-emissions Pareto front in `points` points, from least emissions to least cost.

    Columns: point, emission_cap, cost, emissions, status, mip_gap, built_links,
    built_facilities, links, facilities, path (rebuild/resolve), seconds. With `out`,
    also writes pareto.csv and pareto.png there.
    """
    if points < 2:
        raise ValueError("points must be at least 2 (the two end points)")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    front = _Front(scenario, options if options is not None else solver_options())
    lowest, _, _ = front.solve(ObjectiveKind.EMISSIONS, math.inf)
    e_min = _end(lowest, "minimising emissions").summary.total_emissions
    rows: list[dict[str, Any]] = []
    first, path, seconds = front.solve(ObjectiveKind.COST, e_min)
    rows.append(_row(0, e_min, _end(first, "minimising cost at least emissions"), path, seconds))
    cheapest, last_path, last_seconds = front.solve(ObjectiveKind.COST, math.inf)
    e_max = _end(cheapest, "minimising cost").summary.total_emissions
    caps = np.linspace(e_min, max(e_max, e_min), points)
    for point, cap in enumerate(caps[1:-1], start=1):
        result, path, seconds = front.solve(ObjectiveKind.COST, float(cap))
        rows.append(_row(point, float(cap), result, path, seconds))
    rows.append(_row(points - 1, float(caps[-1]), cheapest, last_path, last_seconds))
    frame = pd.DataFrame(rows)
    frame.attrs.update(
        scenario=scenario.name,
        currency=scenario.currency,
        rebuilds=front.resolver.rebuilds,
        resolves=front.resolver.resolves,
    )
    if out is not None:
        write_pareto(frame, out)
    return frame


def _row(point: int, cap: float, result: Result, path: str, seconds: float) -> dict[str, Any]:
    summary = result.summary
    solved = result.status.has_solution
    facilities = result.facilities
    chosen = (
        facilities[facilities["built"] & facilities["optional"]] if solved else facilities.iloc[:0]
    )
    return {
        "point": point,
        "emission_cap": cap,
        "cost": summary.total_cost,
        "emissions": summary.total_emissions,
        "status": summary.status.value,
        "mip_gap": summary.mip_gap,
        "built_links": len(result.links) if solved else None,
        "built_facilities": len(chosen) if solved else None,
        "links": "; ".join(
            f"{r.source}->{r.sink} ({r.mode})" for r in result.links.itertuples(index=False)
        ),
        "facilities": "; ".join(chosen["facility"].astype(str)) if solved else "",
        "path": path,
        "seconds": seconds,
    }


def write_pareto(frame: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """pareto.csv and pareto.png in `out_dir`."""
    folder = Path(out_dir)
    table = folder / PARETO_TABLE
    atomic_write_text(
        table, printable_cells(frame).to_csv(index=False, float_format="%.10g", lineterminator="\n")
    )
    plot = folder / PARETO_PLOT
    currency = frame.attrs.get("currency", "")
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    solved = frame[frame["status"].isin([SolveStatus.OPTIMAL.value, SolveStatus.FEASIBLE.value])]
    # Between two computed points the best cost for a cap is the lower-emission point's:
    # the front is a staircase, not a line.
    ordered = solved.sort_values("emissions")
    axes.step(ordered["emissions"], ordered["cost"], where="post", color="tab:blue")
    axes.plot(ordered["emissions"], ordered["cost"], "o", color="tab:blue")
    labels: dict[tuple[float, float], list[str]] = {}
    for point, emissions, cost in zip(
        solved["point"], solved["emissions"], solved["cost"], strict=True
    ):
        labels.setdefault((float(emissions), float(cost)), []).append(str(point))
    for (emissions, cost), names in labels.items():  # equal points share one label
        axes.annotate(
            ",".join(names),
            (emissions, cost),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
        )
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.set_xlabel("annual emissions (t CO2e)")
    axes.set_ylabel(f"annual cost ({currency})" if currency else "annual cost")
    axes.set_title(
        textwrap.fill(f"Pareto front: {frame.attrs.get('scenario', '')}", 70), fontsize=10
    )
    axes.grid(alpha=0.3)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{PARETO_PLOT}.tmp"
    figure.savefig(temporary, format="png", dpi=120)
    temporary.replace(plot)
    return [table, plot]
