"""`make bench`, hard section: good answers within a time budget, and warm starts.

Instances (see `benchmarks.hard_instances`):
- OR-Library's capa, capb, capc (100 warehouses x 1000 customers; `benchmarks/orlib-large/`,
  with their published optima), translated with `benchmarks.orlib.to_scenario`; where
  those files are missing, hard-a/b/c, generated instances of the same shape;
- the huge generated park (`benchmarks.generate` size `huge`, seed 0).

Each is solved under the same time budget by symopt with the primal start, symopt
without it, and HiGHS alone on a direct model (for the location instances the strong
textbook formulation, for the park `benchmarks.direct_highs`, the same matrix as
symopt's). Reported: the plan's value, the gap to its own proven bound and to the best
bound any run proved, and the time to 5 % and to 1 % gap (sampled in HiGHS's MIP
callbacks; the primal start's LP bound counts from the moment it is known).

Then the medium carbon-price sweep: seconds per variant for a cold solve
(`symopt.solve`), a re-solve without warm start, and a re-solve starting from the
previous variant's plan (`Resolver.warm_start`).

    python -m benchmarks.hard [--budget 50] [--quick] [--no-write]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import numpy as np

import symopt
from benchmarks import direct_highs
from benchmarks.generate import write_scenario
from benchmarks.hard_instances import (
    PUBLISHED_LARGE,
    generate_cap,
    hard_instances,
    orlib_large_instances,
    textbook_highs,
)
from benchmarks.orlib import CapInstance, to_scenario, to_yaml
from benchmarks.report import machine, markdown_table, write_section
from symopt.model.build import build_model
from symopt.model.objective import Objective
from symopt.solver.highs import (
    _LIMIT_STATUSES,
    SolverOptions,
    compile_standard_form,
    new_highs,
    pass_model,
    run_highs,
)
from symopt.solver.session import Resolver
from symopt.solver.start import RELAXATION_SHARE, PrimalStart, run_started

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
RESULTS = HERE / "results.md"
BEGIN, END = "<!-- hard-section: begin -->", "<!-- hard-section: end -->"
SWEEP_PRICES = tuple(float(p) for p in range(0, 200, 40))  # 5 carbon prices, EUR/t
GAPS = (0.05, 0.01)
#: The status column of a run whose budget ended before any plan was found.
NO_PLAN = "no plan in budget"


@dataclass
class Trace:
    """(seconds, best plan, best bound) as HiGHS reports them during one solve."""

    started: float = field(default_factory=time.perf_counter)
    samples: list[tuple[float, float, float]] = field(default_factory=list)
    start: PrimalStart | None = None
    start_at: float = math.nan

    def attach(self, highs: highspy.Highs) -> None:
        highs.cbMipInterrupt += self._sample
        highs.cbMipImprovingSolution += self._sample

    def _sample(self, event: Any) -> None:
        out = event.data_out
        now = time.perf_counter() - self.started
        self.samples.append((now, float(out.mip_primal_bound), float(out.mip_dual_bound)))

    def on_start(self, start: PrimalStart) -> None:
        self.start, self.start_at = start, time.perf_counter() - self.started
        if start.solution is not None:
            self.samples.append((self.start_at, start.objective, start.lp_bound))

    def time_to(self, gap: float) -> float:
        """First moment the proven gap was at most `gap` (NaN: never)."""
        lp_bound = self.start.lp_bound if self.start is not None else math.nan
        best_plan = math.inf
        for seconds, plan, bound in self.samples:
            best_plan = min(best_plan, plan)
            if seconds >= self.start_at and math.isfinite(lp_bound):
                bound = max(bound, lp_bound)
            if _gap(best_plan, bound) <= gap:
                return seconds
        return math.nan


@dataclass(frozen=True)
class Run:
    instance: str
    method: str
    status: str
    objective: float
    bound: float
    seconds: float
    to_gap: tuple[float, ...]
    build_seconds: float
    start: PrimalStart | None = None
    """The primal start of this run (None: not asked for)."""

    @property
    def gap(self) -> float:
        return _gap(self.objective, self.bound)


def _gap(objective: float, bound: float) -> float:
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.nan
    return max(objective - bound, 0.0) / max(abs(objective), 1e-10)


def _traced(
    highs: highspy.Highs, integer: np.ndarray, options: SolverOptions, start: bool
) -> tuple[str, float, float, float, tuple[float, ...], PrimalStart | None]:
    trace = Trace()
    trace.attach(highs)
    trace.started = time.perf_counter()
    if start:
        chosen = dataclasses.replace(options, primal_start=True)
        run, _ = run_started(highs, integer, chosen, on_start=trace.on_start)
    else:
        run, _ = run_highs(highs, bool(integer.any()))
    seconds = time.perf_counter() - trace.started
    times = tuple(trace.time_to(gap) for gap in GAPS)
    status = run.status.value
    if not run.status.has_solution and highs.getModelStatus() in _LIMIT_STATUSES:
        status = NO_PLAN  # the budget ran out before any plan: not a failure
    return status, run.objective, run.best_bound, seconds, times, trace.start


def solve_instance(
    name: str,
    scenario: Any,
    direct: Callable[[SolverOptions], highspy.Highs],
    options: SolverOptions,
) -> list[Run]:
    """symopt with and without the primal start, and HiGHS alone, same budget."""
    clock = time.perf_counter()
    network = symopt.build_network(scenario)
    form = compile_standard_form(build_model(network, Objective.of(scenario.objective)))
    build = time.perf_counter() - clock
    runs = []
    for method, start in (("symopt + primal start", True), ("symopt", False)):
        highs = new_highs(options)
        pass_model(highs, form)
        status, plan, bound, seconds, times, begun = _traced(highs, form.integer, options, start)
        runs.append(Run(name, method, status, plan, bound, seconds, times, build, begun))
        _print_run(runs[-1])
    clock = time.perf_counter()
    highs = direct(options)
    build = time.perf_counter() - clock
    integer = np.asarray(highs.getLp().integrality_, dtype=object)
    flags = np.array([kind == highspy.HighsVarType.kInteger for kind in integer], dtype=bool)
    status, plan, bound, seconds, times, _ = _traced(highs, flags, options, False)
    runs.append(Run(name, "HiGHS alone (direct)", status, plan, bound, seconds, times, build))
    _print_run(runs[-1])
    return runs


def _park_runs(size: str, options: SolverOptions) -> list[Run]:
    scenario = park_scenario(size)
    return solve_instance(size, scenario, park_direct(scenario), options)


def _guarded(name: str, work: Callable[[], list[Run]]) -> list[Run]:
    """The runs, or one row saying what went wrong (the other instances still run)."""
    try:
        return work()
    except Exception as error:  # a benchmark reports failures instead of stopping
        traceback.print_exc()
        message = f"error: {type(error).__name__}: {error}"[:120]
        return [Run(name, "-", message, math.nan, math.nan, math.nan, (math.nan,) * 2, math.nan)]


def _print_start(run: Run) -> None:
    if run.start is not None:
        start = run.start
        print(
            f"  {run.instance:<8} primal start: plan {_number(start.objective)}, LP bound "
            f"{_number(start.lp_bound)}, {start.seconds:.1f} s",
            flush=True,
        )


def _print_run(run: Run) -> None:
    _print_start(run)
    times = "  ".join(f"to {g:.0%}: {_s(t)}" for g, t in zip(GAPS, run.to_gap, strict=True))
    print(
        f"  {run.instance:<8} {run.method:<22} {run.status:<9} {_number(run.objective):>16}"
        f"  bound {_number(run.bound):>16}  gap {_pct(run.gap):>8}  {times}"
        f"  ({run.seconds:.1f} s, build {run.build_seconds:.1f} s)",
        flush=True,
    )


def _s(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.1f} s"


def _number(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:,.2f}"


def _pct(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.2%}"


def cap_scenario(instance: CapInstance) -> Any:
    return symopt.parse_scenario(to_yaml(to_scenario(instance)), source=instance.name)


def park_scenario(size: str) -> Any:
    path = OUT / f"{size}-seed0.yaml"
    if not path.is_file():
        write_scenario(size, path, seed=0)
    return symopt.load_scenario(path)


def park_direct(scenario: Any) -> Callable[[SolverOptions], highspy.Highs]:
    def make(options: SolverOptions) -> highspy.Highs:
        network = symopt.build_network(scenario)
        form = direct_highs.build_matrix(network, Objective.of(scenario.objective))
        highs = new_highs(options)
        direct_highs.pass_model(highs, form)
        return highs

    return make


def sweep_gain(scenario: Any, options: SolverOptions) -> dict[str, Any]:
    """Mean seconds per variant: cold solve, re-solve, re-solve from the previous plan."""
    variants = [
        scenario.model_copy(
            update={"economics": scenario.economics.model_copy(update={"carbon_price": price})}
        )
        for price in SWEEP_PRICES
    ]
    clock = time.perf_counter()
    cold = [symopt.solve(v, options=options).summary.objective for v in variants]
    seconds = {"cold": (time.perf_counter() - clock) / len(variants)}
    objectives = {"cold": cold}
    per_variant: dict[str, list[float]] = {}
    for label, warm in (("resolve", False), ("warm", True)):
        resolver = Resolver(options=options, warm_start=warm)
        values = [resolver.solve(variants[0]).summary.objective]  # builds; not timed
        each = []
        for variant in variants[1:]:
            clock = time.perf_counter()
            values.append(resolver.solve(variant).summary.objective)
            each.append(time.perf_counter() - clock)
        seconds[label] = sum(each) / len(each)
        per_variant[label] = each
        objectives[label] = values
    spread = max(
        abs(a - b) / max(abs(a), 1.0)
        for label in ("resolve", "warm")
        for a, b in zip(cold, objectives[label], strict=True)
    )
    return {
        **seconds,
        "largest_relative_difference": spread,
        "variants": len(variants),
        "per_variant": per_variant,
        "prices": SWEEP_PRICES,
    }


def markdown(runs: list[Run], sweep: dict[str, Any], budget: float, note: str) -> str:
    best = {
        r.instance: max(
            (x.bound for x in runs if x.instance == r.instance and math.isfinite(x.bound)),
            default=math.nan,
        )
        for r in runs
    }
    header = [
        "instance",
        "method",
        "status",
        "best plan",
        "own bound",
        "own gap",
        "gap to best bound",
        "gap to published optimum",
        *[f"to {g:.0%} gap" for g in GAPS],
        "build s",
    ]
    rows = [
        [
            r.instance,
            r.method,
            r.status,
            _number(r.objective),
            _number(r.bound),
            _pct(r.gap),
            _pct(_gap(r.objective, best[r.instance])),
            _pct(_gap(r.objective, PUBLISHED_LARGE.get(r.instance, math.nan))),
            *[_s(t) for t in r.to_gap],
            f"{r.build_seconds:.1f}",
        ]
        for r in runs
    ]
    known = {
        r.instance: min(
            (x.objective for x in runs if x.instance == r.instance and math.isfinite(x.objective)),
            default=math.nan,
        )
        for r in runs
    }
    info = machine()
    lines = [
        BEGIN,
        "## Hard instances",
        "",
        f"Time budget {budget:g} s per run (HiGHS `time_limit`; the primal start counts "
        f"against it), mip_gap 1e-4, threads 1. Measured {info.get('date', '')} on "
        f"{info.get('cpu', '')}; {note}",
        "",
        "Instances: capa-10000, capb-5000, capc-5000 are OR-Library's capa, capb and capc "
        "(100 warehouses x 1000 customers, capacity 10000 / 5000 / 5000, published optima "
        "18,438,046.543 / 13,656,379.578 / 11,646,596.974: `benchmarks/orlib-large/`), "
        "translated with `benchmarks.orlib.to_scenario`; where those files are missing, "
        "hard-a/b/c, generated instances of the same shape (`benchmarks/hard_instances.py`). "
        "huge is the generated park (size huge, seed 0). Gap to best bound: against the best "
        "bound any of the runs proved; gap to published optimum: (plan - optimum) / plan. "
        "Times to 5 % and 1 % gap (to the run's own bound) from HiGHS's MIP callbacks (and "
        "the primal start's LP bound).",
        "",
        markdown_table(header, rows),
        "",
        "The primal start alone (its plan is the first incumbent HiGHS gets; best known: the "
        "best plan of any run above; LP bound: its relaxation, '-' when the relaxation did "
        f"not finish within {RELAXATION_SHARE:.0%} of its time share and the plan is "
        "'everything open', trimmed):",
        "",
        markdown_table(
            ["instance", "start plan", "LP bound", "seconds", "best known", "start vs best"],
            [
                [
                    r.instance,
                    _number(r.start.objective),
                    _number(r.start.lp_bound),
                    f"{r.start.seconds:.1f}",
                    _number(known[r.instance]),
                    _pct(r.start.objective / known[r.instance] - 1.0),
                ]
                for r in runs
                if r.start is not None
            ],
        ),
        "",
        f"Warm starts, medium carbon-price sweep ({int(sweep['variants'])} variants, "
        "seconds per variant; same optima, largest relative difference "
        f"{sweep['largest_relative_difference']:.1e}):",
        "",
        markdown_table(
            [
                "cold solve",
                "re-solve in place",
                "re-solve from previous plan",
                "gain warm vs cold",
                "gain warm vs re-solve",
            ],
            [
                [
                    f"{sweep['cold']:.2f}",
                    f"{sweep['resolve']:.2f}",
                    f"{sweep['warm']:.2f}",
                    f"{sweep['cold'] / sweep['warm']:.2f}x",
                    f"{sweep['resolve'] / sweep['warm']:.2f}x",
                ]
            ],
        ),
        "",
        "Per variant (seconds; the first variant builds the model and is not timed):",
        "",
        markdown_table(
            ["carbon price EUR/t", "re-solve in place", "re-solve from previous plan"],
            [
                [f"{price:g}", f"{a:.2f}", f"{b:.2f}"]
                for price, a, b in zip(
                    sweep["prices"][1:],
                    sweep["per_variant"]["resolve"],
                    sweep["per_variant"]["warm"],
                    strict=True,
                )
            ],
        ),
        "",
        "The sharing game's coalitions start from the union of two smaller coalitions' "
        'plans: their figures are in the section "Fair split" (`python -m benchmarks.share`).',
        END,
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per run")
    parser.add_argument("--quick", action="store_true", help="small instances (development)")
    parser.add_argument("--no-write", action="store_true", help="do not update results.md")
    parser.add_argument("--note", default="", help="load conditions, for results.md")
    args = parser.parse_args(argv)
    options = SolverOptions(mip_gap=1e-4, time_limit=args.budget, threads=1, random_seed=0)
    if args.quick:
        instances = [generate_cap("hard-a", 3.0, 101, 20, 200)]
        park, sweep_size = "small", "small"
    else:
        instances, park, sweep_size = orlib_large_instances() or hard_instances(), "huge", "medium"
    at_start = os.getloadavg()[0]
    runs: list[Run] = []
    for instance in instances:
        runs += _guarded(
            instance.name,
            lambda i=instance: solve_instance(
                i.name, cap_scenario(i), lambda o: textbook_highs(i, o), options
            ),
        )
    runs += _guarded(park, lambda: _park_runs(park, options))
    sweep_options = SolverOptions(mip_gap=1e-4, threads=1, random_seed=0)
    sweep = sweep_gain(park_scenario(sweep_size), sweep_options)
    print(
        f"  sweep ({sweep_size}): cold {sweep['cold']:.2f} s, re-solve {sweep['resolve']:.2f} s, "
        f"warm {sweep['warm']:.2f} s per variant: {sweep['cold'] / sweep['warm']:.2f}x vs cold"
    )
    load = f"load average (1 min) {at_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    note = f"{load}; {args.note}" if args.note else f"{load}."
    text = markdown(runs, sweep, args.budget, note)
    if not args.no_write and not args.quick:
        write_section(text, RESULTS, BEGIN, END)
    print(text)


if __name__ == "__main__":
    main()
