"""Cost against CO2: the Pareto front by the epsilon-constraint method, distinct points only.

1. Minimise emissions: E_min. Then minimise cost subject to emissions <= E_min, so the
   low-emission end is not dominated (the cheapest of the emission-minimal plans).
2. Minimise cost: C_min; then minimise emissions subject to cost <= C_min: the other
   end, with emissions E_max (the least-emission plan among the cheapest).
3. For `points` caps e evenly from E_min to E_max (both ends included), solve
   lexicographically: minimise cost subject to emissions <= e (cost c(e)), then minimise
   emissions subject to emissions <= e and cost <= c(e). Each answer is an efficient
   (non-dominated) point; caps that reach the same point are listed once.

One model is built, with mutable Params `emission_cap` and `cost_cap` in the constraints
`emission_limit: emissions <= emission_cap` and `cost_limit: cost <= cost_cap`; between
solves only the caps (and the objective weights) change, so every solve after the first
is a re-solve in HiGHS.
"""

from __future__ import annotations

import json
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
#: Scenario name, currency and the counts of caps and distinct points, for the report.
PARETO_META = "pareto.json"
#: Two points are the same when cost and emissions agree within this, relative to the
#: largest magnitude on the front (solver tolerances, not a modelling choice).
SAME_POINT = 1e-7
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
    """Hook for `Resolver`: `emission_limit: emissions <= emission_cap` and
    `cost_limit: cost <= cost_cap` (mutable Params, loose until set)."""
    model.emission_cap = pyo.Param(initialize=_LOOSE_CAP, mutable=True, within=pyo.Reals)
    model.emission_limit = pyo.Constraint(expr=model.emissions <= model.emission_cap)
    model.cost_cap = pyo.Param(initialize=_LOOSE_CAP, mutable=True, within=pyo.Reals)
    model.cost_limit = pyo.Constraint(expr=model.cost <= model.cost_cap)


def _loosened(cap: float) -> float:
    return _LOOSE_CAP if math.isinf(cap) else cap + _CAP_SLACK * max(1.0, abs(cap))


class _Front:
    """One Resolver whose model carries the emission cap."""

    def __init__(self, scenario: Scenario, options: SolverOptions) -> None:
        self.scenario = scenario
        self.resolver = Resolver(options=options, hook=add_emission_cap)

    def solve(
        self, objective: ObjectiveKind, cap: float, cost_cap: float = math.inf
    ) -> tuple[Result, str, float]:
        model = self.resolver.model
        if model is not None:
            model.emission_cap.set_value(_loosened(cap))
            model.cost_cap.set_value(_loosened(cost_cap))
        rebuilds = self.resolver.rebuilds
        started = time.perf_counter()
        result = self.resolver.solve(self.scenario, objective=objective)
        capped = math.isfinite(cap) or math.isfinite(cost_cap)
        if model is None and self.resolver.model is not None and capped:
            # the first solve built the model with loose caps: set them and solve again
            return self.solve(objective, cap, cost_cap)
        path = "rebuild" if self.resolver.rebuilds > rebuilds else "resolve"
        return result, path, time.perf_counter() - started

    def efficient(self, cap: float) -> tuple[Result, str, float]:
        """Least cost with emissions <= cap, then least emissions at that cost."""
        cheapest, path, seconds = self.solve(ObjectiveKind.COST, cap)
        if not cheapest.status.has_solution:
            return cheapest, path, seconds
        cleanest, _, more = self.solve(ObjectiveKind.EMISSIONS, cap, cheapest.summary.total_cost)
        return (cleanest if cleanest.status.has_solution else cheapest), path, seconds + more


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
    """The distinct efficient points found with `points` emission caps, least emissions first.

    Columns: point, emission_cap (the lowest cap that reached the point), cost, emissions,
    status, mip_gap, built_links, built_facilities, links, facilities, path
    (rebuild/resolve), seconds. attrs: `caps` (= points) and `distinct` (the rows). With
    `out`, also writes pareto.csv, pareto.json and pareto.png there.
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
    rows.append(_row(e_min, _end(first, "minimising cost at least emissions"), path, seconds))
    cheapest, last_path, last_seconds = front.efficient(math.inf)
    e_max = _end(cheapest, "minimising cost").summary.total_emissions
    caps = np.linspace(e_min, max(e_max, e_min), points)
    for cap in caps[1:-1]:
        result, path, seconds = front.efficient(float(cap))
        rows.append(_row(float(cap), result, path, seconds))
    rows.append(_row(float(caps[-1]), cheapest, last_path, last_seconds))
    frame = distinct_points(pd.DataFrame(rows))
    frame.attrs.update(
        scenario=scenario.name,
        currency=scenario.currency,
        rebuilds=front.resolver.rebuilds,
        resolves=front.resolver.resolves,
        caps=points,
        distinct=len(frame),
    )
    if out is not None:
        write_pareto(frame, out)
    return frame


def distinct_points(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct (cost, emissions), at the lowest cap that reached it; numbered."""
    scale_cost = SAME_POINT * max(1.0, float(frame["cost"].abs().max()))
    scale_emissions = SAME_POINT * max(1.0, float(frame["emissions"].abs().max()))
    keep: list[int] = []
    for index, row in frame.iterrows():
        solved = row["status"] in (SolveStatus.OPTIMAL.value, SolveStatus.FEASIBLE.value)
        repeat = solved and any(
            abs(row["cost"] - frame.at[k, "cost"]) <= scale_cost
            and abs(row["emissions"] - frame.at[k, "emissions"]) <= scale_emissions
            for k in keep
        )
        if not repeat:
            keep.append(int(index))  # type: ignore[call-overload]
    unique = frame.loc[keep].reset_index(drop=True)
    unique.insert(0, "point", range(len(unique)))
    return unique


def _row(cap: float, result: Result, path: str, seconds: float) -> dict[str, Any]:
    summary = result.summary
    solved = result.status.has_solution
    facilities = result.facilities
    chosen = (
        facilities[facilities["built"] & facilities["optional"]] if solved else facilities.iloc[:0]
    )
    return {
        "emission_cap": cap,
        "cost": summary.total_cost,
        "emissions": summary.total_emissions,
        "status": summary.status.value,
        "mip_gap": summary.mip_gap,
        "built_links": len(result.built_links) if solved else None,
        "built_facilities": len(chosen) if solved else None,
        "links": "; ".join(
            f"{r.source}->{r.sink} ({r.mode})" for r in result.built_links.itertuples(index=False)
        ),
        "facilities": "; ".join(chosen["facility"].astype(str)) if solved else "",
        "path": path,
        "seconds": seconds,
    }


def write_pareto(frame: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """pareto.csv, pareto.json and pareto.png in `out_dir`."""
    folder = Path(out_dir)
    table = folder / PARETO_TABLE
    atomic_write_text(
        table, printable_cells(frame).to_csv(index=False, float_format="%.10g", lineterminator="\n")
    )
    meta = {
        "scenario": frame.attrs.get("scenario", ""),
        "currency": frame.attrs.get("currency", ""),
        "caps": frame.attrs.get("caps", len(frame)),
        "distinct_points": len(frame),
    }
    atomic_write_text(folder / PARETO_META, json.dumps(meta, indent=2) + "\n")
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
