"""The measurements of `make bench`, each run in a fresh interpreter (`run_worker`): symopt
stage by stage, the direct-HiGHS reference, loading the huge park, and the carbon-price
sweep (rebuild, re-solve in place, and the direct reference changed in place)."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
RESULTS = HERE / "results.md"
MARK = "BENCH-RESULT "

GiB = 1024**3
TARGET_RATIO, AIM_RATIO = 1.5, 1.2
TARGET_MEMORY = 4 * GiB
TARGET_HUGE_SECONDS = 10.0
TARGET_RESOLVE_SPEEDUP = 3.0
SWEEP_PRICES = tuple(float(p) for p in range(0, 200, 10))  # 20 carbon prices, EUR/t

STAGES = ("load", "network", "build", "handover", "solve", "results")
STAGE_LABELS = {
    "load": "load+validate",
    "network": "network",
    "build": "model build",
    "handover": "hand-over",
    "solve": "HiGHS solve",
    "results": "results",
}


# --------------------------------------------------------------------------- helpers


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


class Stopwatch:
    """Laps in seconds, by stage name."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = self.laps.get(stage, 0.0) + now - self._clock
        self._clock = now

    def reset(self) -> None:
        self._clock = time.perf_counter()


def fingerprint(
    cost: Any, matrix: Any, row_lower: Any, row_upper: Any, col_upper: Any, integer: Any
) -> str:
    """A hash of a model's numbers: equal fingerprints, identical matrices for HiGHS."""
    digest = hashlib.sha256()
    csc = matrix.tocsc()
    csc.sort_indices()
    for array in (
        np.asarray(cost, dtype=float),
        np.asarray(csc.indptr, dtype=np.int64),
        np.asarray(csc.indices, dtype=np.int64),
        np.asarray(csc.data, dtype=float),
        np.asarray(row_lower, dtype=float),
        np.asarray(row_upper, dtype=float),
        np.asarray(col_upper, dtype=float),
        np.asarray(integer, dtype=np.int8),
    ):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def preimport() -> None:
    """Import every library either path uses, so that neither path's timings include imports.

    (Pyomo's standard-form compiler imports scipy on first use, symopt's loader needs
    modules that Pyomo happens to import: without this, the first path to touch a module
    would pay for it.) Lazy initialisation inside a library still counts.
    """
    import pyomo.environ  # noqa: F401
    import scipy.sparse  # noqa: F401

    import symopt.model.build
    import symopt.results.tables
    import symopt.solver.highs  # noqa: F401


def solver_options(args: argparse.Namespace) -> Any:
    """The same HiGHS settings for every path: symopt's own options object."""
    from symopt.solver.highs import SolverOptions

    return SolverOptions(
        mip_gap=args.mip_gap,
        time_limit=args.time_limit,
        threads=args.threads,
        random_seed=args.highs_seed,
    )


# --------------------------------------------------------------------------- workers


def worker_symopt(args: argparse.Namespace) -> dict[str, Any]:
    """symopt's pipeline stage by stage (as `symopt.solver.pipeline.solve` runs it)."""
    import symopt
    from symopt.model.build import build_model
    from symopt.model.objective import Objective
    from symopt.results.tables import extract_result
    from symopt.solver.highs import (
        column_reader,
        compile_standard_form,
        new_highs,
        pass_model,
        run_highs,
    )

    preimport()
    options = solver_options(args)
    imported_rss = peak_rss_bytes()
    watch = Stopwatch()
    scenario = symopt.load_scenario(args.file)
    watch.lap("load")
    network = symopt.build_network(scenario)
    watch.lap("network")
    goal = Objective.of(scenario.objective)
    model = build_model(network, goal)
    watch.lap("build")
    form = compile_standard_form(model)
    watch.lap("compile")
    highs = new_highs(options)
    pass_model(highs, form)
    watch.lap("pass")
    run, solution = run_highs(highs, is_mip=bool(form.integer.any()))
    watch.lap("solve")
    info = highs.getInfo()
    run = dataclasses.replace(run, read_values=column_reader(form, solution))
    timings = {"network": watch.laps["network"], "build": watch.laps["build"]}
    result = extract_result(network, model, run, goal, scenario.currency, timings)
    watch.lap("results")
    laps = watch.laps
    laps["handover"] = laps["compile"] + laps["pass"]
    return {
        "timings": laps,
        "objective": result.summary.objective,
        "status": str(result.status.value),
        "nodes": int(info.mip_node_count),
        "rows": len(form.row_lower),
        "cols": form.num_cols,
        "integers": int(form.integer.sum()),
        "nnz": int(form.matrix.nnz),
        "links": len(network.links),
        "fingerprint": fingerprint(
            form.cost, form.matrix, form.row_lower, form.row_upper, form.col_upper, form.integer
        ),
        "imported_rss": imported_rss,
        "peak_rss": peak_rss_bytes(),
    }


def worker_direct(args: argparse.Namespace) -> dict[str, Any]:
    """The direct-HiGHS path: same load and network, numpy matrix, one passModel."""
    import symopt
    from benchmarks import direct_highs
    from symopt.model.objective import Objective

    preimport()
    options = solver_options(args)
    imported_rss = peak_rss_bytes()
    watch = Stopwatch()
    scenario = symopt.load_scenario(args.file)
    watch.lap("load")
    network = symopt.build_network(scenario)
    watch.lap("network")
    form = direct_highs.build_matrix(network, Objective.of(scenario.objective))
    watch.lap("build")
    run = direct_highs.solve(form, options, network)
    laps = {**watch.laps, **run.timings}
    return {
        "timings": laps,
        "objective": run.objective,
        "status": run.status,
        "nodes": run.nodes,
        "rows": form.num_rows,
        "cols": form.num_cols,
        "integers": form.num_integer,
        "nnz": int(form.matrix.nnz),
        "fingerprint": fingerprint(
            form.cost, form.matrix, form.row_lower, form.row_upper, form.col_upper, form.integrality
        ),
        "imported_rss": imported_rss,
        "peak_rss": peak_rss_bytes(),
    }


def worker_load(args: argparse.Namespace) -> dict[str, Any]:
    """Load+validate and candidate network only (the 10,000-facility case)."""
    import symopt

    preimport()
    imported_rss = peak_rss_bytes()
    watch = Stopwatch()
    scenario = symopt.load_scenario(args.file)
    watch.lap("load")
    network = symopt.build_network(scenario)
    watch.lap("network")
    return {
        "timings": watch.laps,
        "facilities": len(scenario.facilities),
        "links": len(network.links),
        "flows": int((network.capacity > 0).sum()),
        "imported_rss": imported_rss,
        "peak_rss": peak_rss_bytes(),
    }


def symopt_resolve_sweep(
    scenario: Any, prices: Sequence[float], options: Any
) -> list[dict[str, float]] | None:
    """HOOK: re-solve each variant through symopt's re-solve API.

    Uses `symopt.solver.session.Resolver` (build once; a variant that changes only prices gets a
    new cost vector in its HiGHS model, in place). Returns one
    `{"total", "solve", "objective", "resolved"}` per variant, or None when symopt has no
    re-solve API (the table then says n/a). Adapt here if that API changes.
    """
    try:
        from symopt.solver.session import Resolver
    except ImportError:
        return None
    resolver = Resolver(options=options)
    resolver.solve(scenario)  # the first solve builds the model; not part of a re-solve
    out = []
    for price in prices:
        variant = with_carbon_price(scenario, price)
        resolves = resolver.resolves
        started = time.perf_counter()
        result = resolver.solve(variant)
        out.append(
            {
                "total": time.perf_counter() - started,
                "solve": float(result.summary.timings.get("solve", result.summary.solve_seconds)),
                "objective": float(result.summary.objective),
                "resolved": float(resolver.resolves > resolves),
            }
        )
    return out


def with_carbon_price(scenario: Any, price: float) -> Any:
    """The scenario with another carbon price (the sweep's parameter)."""
    economics = scenario.economics.model_copy(update={"carbon_price": price})
    return scenario.model_copy(update={"economics": economics})


def _direct_resolve_sweep(
    scenario: Any, prices: Sequence[float], options: Any
) -> list[dict[str, float]]:
    """Reference: one HiGHS model, objective changed in place (changeColsCost) per variant."""
    import symopt
    from benchmarks import direct_highs
    from symopt.model.objective import Objective
    from symopt.solver.highs import new_highs

    network = symopt.build_network(scenario)
    goal = Objective.of(scenario.objective)
    form = direct_highs.build_matrix(network, goal)
    highs = new_highs(options)
    direct_highs.pass_model(highs, form)
    highs.run()  # the first solve; not part of a re-solve
    out = []
    for price in prices:
        started = time.perf_counter()
        varied = direct_highs.network_with_carbon_price(network, price)
        cost = direct_highs.objective_vector(varied, form, goal)
        columns = np.arange(form.num_cols, dtype=np.int32)
        highs.changeColsCost(form.num_cols, columns, cost)
        clock = time.perf_counter()
        highs.run()
        solve = time.perf_counter() - clock
        solution = np.asarray(highs.getSolution().col_value, dtype=float)
        direct_highs.extract_tables(varied, form, solution)
        out.append(
            {
                "total": time.perf_counter() - started,
                "solve": solve,
                "objective": float(highs.getInfo().objective_function_value),
            }
        )
    return out


def worker_sweep(args: argparse.Namespace) -> dict[str, Any]:
    """Carbon-price sweep on one scenario: rebuild per variant vs re-solve in place."""
    import symopt

    options = solver_options(args)
    scenario = symopt.load_scenario(args.file)
    prices = SWEEP_PRICES[: args.sweep_variants]
    rebuild = []
    for price in prices:
        variant = with_carbon_price(scenario, price)
        started = time.perf_counter()
        result = symopt.solve(variant, options=options)
        total = time.perf_counter() - started
        rebuild.append(
            {
                "total": total,
                "solve": float(result.summary.timings.get("solve", result.summary.solve_seconds)),
                "objective": float(result.summary.objective),
            }
        )
    resolve = symopt_resolve_sweep(scenario, prices, options)
    direct = _direct_resolve_sweep(scenario, prices, options)
    return {
        "prices": list(prices),
        "rebuild": rebuild,
        "resolve": resolve,
        "direct_resolve": direct,
        "peak_rss": peak_rss_bytes(),
    }


WORKERS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "symopt": worker_symopt,
    "direct": worker_direct,
    "load": worker_load,
    "sweep": worker_sweep,
}


def run_worker(kind: str, file: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Run one worker in a fresh interpreter; its JSON result, or {'error': ...}."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--worker",
        kind,
        "--file",
        str(file),
        "--mip-gap",
        repr(args.mip_gap),
        "--time-limit",
        repr(args.time_limit),
        "--highs-seed",
        str(args.highs_seed),
        "--sweep-variants",
        str(args.sweep_variants),
    ]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    started = time.perf_counter()
    process = subprocess.run(command, capture_output=True, text=True, check=False, cwd=HERE.parent)
    wall = time.perf_counter() - started
    for line in process.stdout.splitlines():
        if line.startswith(MARK):
            data: dict[str, Any] = json.loads(line.removeprefix(MARK))
            data["wall"] = wall
            return data
    tail = (process.stderr or process.stdout).strip().splitlines()[-3:]
    return {"error": " | ".join(tail) or f"exit code {process.returncode}", "wall": wall}
