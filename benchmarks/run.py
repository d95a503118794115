"""`make bench`: symopt's stages against a direct-HiGHS reference, on synthetic scenarios.

    python -m benchmarks.run                    # everything (about 6 minutes on 2 cores)
    python -m benchmarks.run --sizes small --no-huge --sweep-variants 0   # a quick look

For each size (scenario written to `benchmarks/out/`, generator seed `--seed`):

- symopt, stage by stage: load+validate (`symopt.load_scenario` on the YAML), candidate
  network (`symopt.build_network`), Pyomo build (`symopt.model.build.build_model`), hand-over
  (`symopt.solver.highs.compile_standard_form` + a new HiGHS + `pass_model`), HiGHS solve
  (`run_highs`), results (`symopt.results.tables.extract_result`);
- the direct-HiGHS path (`benchmarks.direct_highs`): the same load and network, then the
  matrix built with numpy, one `passModel`, the same HiGHS options, the same tables.

Each path runs in its own subprocess, so peak memory (`ru_maxrss`) is per path and per
size. Both paths hand HiGHS the same matrix (checked by a fingerprint), so the solver does
the same work; the two measured solve times differ only by timing noise, and the
end-to-end ratio is also shown with the solve time equalised (their mean for both).

Also: load+validate+network of the 10,000-facility scenario, and a 20-variant carbon-price
sweep on medium: symopt rebuilding per variant (`symopt.solve`) against re-solving
(`symopt.solver.session.Resolver`, through the hook `symopt_resolve_sweep`), with the direct-HiGHS
model changed in place as the reference of what a re-solve can give.

Prints a table with the targets of issue 5 beside the figures and writes
`benchmarks/results.md`.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
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


# --------------------------------------------------------------------------- report


def _seconds(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _gib(value: float | None) -> str:
    return "n/a" if value is None else f"{value / GiB:.2f} GiB"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.2f}x"


def _total(timings: dict[str, float], stages: Sequence[str] = STAGES) -> float:
    return sum(timings.get(stage, 0.0) for stage in stages)


def summarise(sizes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Totals and ratios per size."""
    out = {}
    for size, pair in sizes.items():
        ours, ref = pair.get("symopt", {}), pair.get("direct", {})
        if "timings" not in ours or "timings" not in ref:
            out[size] = {}
            continue
        t_ours, t_ref = ours["timings"], ref["timings"]
        solve = (t_ours["solve"] + t_ref["solve"]) / 2.0
        overhead_ours = _total(t_ours) - t_ours["solve"]
        overhead_ref = _total(t_ref) - t_ref["solve"]
        objective_gap = abs(ours["objective"] - ref["objective"]) / max(1.0, abs(ref["objective"]))
        out[size] = {
            "total": _total(t_ours),
            "direct_total": _total(t_ref),
            "ratio_raw": _total(t_ours) / _total(t_ref),
            "ratio": (overhead_ours + solve) / (overhead_ref + solve),
            "overhead": overhead_ours,
            "direct_overhead": overhead_ref,
            "overhead_ratio": overhead_ours / overhead_ref,
            "model_overhead_ratio": (_total(t_ours, STAGES[2:]) - t_ours["solve"])
            / (_total(t_ref, STAGES[2:]) - t_ref["solve"]),
            "same_model": ours["fingerprint"] == ref["fingerprint"],
            "objective_rel_diff": objective_gap,
        }
    return out


def targets(
    sizes: dict[str, dict[str, Any]],
    totals: dict[str, dict[str, Any]],
    huge: dict[str, Any] | None,
    sweep: dict[str, Any] | None,
) -> list[tuple[str, str, str, str]]:
    """(target, figure, status, note) rows."""
    rows = []
    large = totals.get("large", {})
    if large:
        ratio = large["ratio"]
        status = "met" if ratio <= TARGET_RATIO else "missed"
        if status == "met":
            status += " (aim met)" if ratio <= AIM_RATIO else " (aim 1.2x missed)"
        rows.append(
            (
                "large: symopt end to end <= 1.5x direct HiGHS (aim 1.2x)",
                _ratio(ratio),
                status,
                f"as measured {_ratio(large['ratio_raw'])}; without the solve "
                f"{_ratio(large['overhead_ratio'])} ({_seconds(large['overhead'])} vs "
                f"{_seconds(large['direct_overhead'])})",
            )
        )
    else:
        rows.append(("large: symopt end to end <= 1.5x direct HiGHS", "n/a", "not run", ""))
    peaks = {
        size: pair["symopt"]["peak_rss"]
        for size, pair in sizes.items()
        if "peak_rss" in pair.get("symopt", {})
    }
    if peaks:
        worst = max(peaks, key=lambda size: peaks[size])
        rows.append(
            (
                "peak memory < 4 GiB",
                _gib(peaks[worst]),
                "met" if peaks[worst] < TARGET_MEMORY else "missed",
                f"largest: {worst}, symopt path (RSS)",
            )
        )
    if huge and "timings" in huge:
        seconds = huge["timings"]["load"] + huge["timings"]["network"]
        rows.append(
            (
                "10,000 facilities: load+validate+network < 10 s",
                _seconds(seconds),
                "met" if seconds < TARGET_HUGE_SECONDS else "missed",
                f"load {_seconds(huge['timings']['load'])}, network "
                f"{_seconds(huge['timings']['network'])}, {huge['links']} links",
            )
        )
    else:
        rows.append(("10,000 facilities: load+validate+network < 10 s", "n/a", "not run", ""))
    if sweep and "rebuild" in sweep:
        rebuild = float(np.mean([v["total"] for v in sweep["rebuild"]]))
        rebuild_out = rebuild - float(np.mean([v["solve"] for v in sweep["rebuild"]]))
        direct = float(np.mean([v["total"] for v in sweep["direct_resolve"]]))
        if sweep.get("resolve"):
            resolve = float(np.mean([v["total"] for v in sweep["resolve"]]))
            resolve_out = resolve - float(np.mean([v["solve"] for v in sweep["resolve"]]))
            rows.append(
                (
                    "medium: re-solve >= 3x faster than rebuild (wall time per variant)",
                    f"{rebuild / resolve:.2f}x",
                    "met" if rebuild / resolve >= TARGET_RESOLVE_SPEEDUP else "missed",
                    f"rebuild {_seconds(rebuild)}, re-solve {_seconds(resolve)} per variant; "
                    f"the floor, direct HiGHS changed in place: {_seconds(direct)} "
                    f"({rebuild / direct:.2f}x): the MIP solve dominates",
                )
            )
            rows.append(
                (
                    "  (the same, outside HiGHS)",
                    f"{rebuild_out / resolve_out:.2f}x",
                    "met" if rebuild_out / resolve_out >= TARGET_RESOLVE_SPEEDUP else "missed",
                    f"rebuild {_seconds(rebuild_out)}, re-solve {_seconds(resolve_out)} "
                    "per variant outside HiGHS",
                )
            )
        else:
            rows.append(
                (
                    "medium: re-solve >= 3x faster than rebuild",
                    "n/a",
                    "missed (no re-solve API)",
                    f"rebuild {_seconds(rebuild)}/variant; direct-HiGHS in-place re-solve "
                    f"{_seconds(direct)}/variant ({rebuild / direct:.2f}x)",
                )
            )
    else:
        rows.append(("medium: re-solve >= 3x faster than rebuild", "n/a", "not run", ""))
    return rows


def stage_rows(
    sizes: dict[str, dict[str, Any]], totals: dict[str, dict[str, Any]]
) -> tuple[list[str], list[list[str]]]:
    header = [
        "size",
        "path",
        *(STAGE_LABELS[s] for s in STAGES),
        "total",
        "peak RSS",
        "rows x cols (int)",
        "nodes",
    ]
    rows = []
    for size, pair in sizes.items():
        for path in ("symopt", "direct"):
            data = pair.get(path, {})
            if "timings" not in data:
                rows.append([size, path, data.get("error", "not run")] + [""] * (len(header) - 3))
                continue
            t = data["timings"]
            rows.append(
                [
                    size,
                    "symopt" if path == "symopt" else "direct HiGHS",
                    *(_seconds(t.get(stage)) for stage in STAGES),
                    _seconds(_total(t)),
                    f"{_gib(data['peak_rss'])} ({_gib(data['imported_rss'])} after imports)",
                    f"{data['rows']} x {data['cols']} ({data['integers']})",
                    str(data["nodes"]),
                ]
            )
        summary = totals.get(size)
        if summary:
            rows.append(
                [
                    size,
                    "ratio",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    f"{_ratio(summary['ratio'])} (raw {_ratio(summary['ratio_raw'])})",
                    f"outside HiGHS {_ratio(summary['overhead_ratio'])}; "
                    f"build+hand-over+results {_ratio(summary['model_overhead_ratio'])}",
                    "same matrix" if summary["same_model"] else "DIFFERENT matrix",
                    f"obj diff {summary['objective_rel_diff']:.1e}",
                ]
            )
    return header, rows


def sweep_rows(sweep: dict[str, Any] | None) -> tuple[list[str], list[list[str]]]:
    header = [
        "per variant (mean of N)",
        "total",
        "of which HiGHS",
        "outside HiGHS",
        "objectives vs rebuild",
    ]
    rows: list[list[str]] = []
    if not sweep or "rebuild" not in sweep:
        return header, rows
    reference = np.array([v["objective"] for v in sweep["rebuild"]])
    for label, key in (
        ("symopt rebuild: `symopt.solve` per variant", "rebuild"),
        ("symopt re-solve: `session.Resolver` (cost vector in place)", "resolve"),
        ("direct HiGHS re-solve in place (reference)", "direct_resolve"),
    ):
        values = sweep.get(key)
        if not values:
            rows.append([label, "n/a", "n/a", "n/a", "no re-solve API (hook symopt_resolve_sweep)"])
            continue
        total = float(np.mean([v["total"] for v in values]))
        solve = float(np.mean([v["solve"] for v in values]))
        objectives = np.array([v["objective"] for v in values])
        diff = float(np.max(np.abs(objectives - reference) / np.maximum(1.0, np.abs(reference))))
        note = f"max rel diff {diff:.1e}"
        if key == "resolve":
            resolved = int(sum(v.get("resolved", 0) for v in values))
            note += f"; {resolved}/{len(values)} re-solved in place"
        rows.append([label, _seconds(total), _seconds(solve), _seconds(total - solve), note])
    return header, rows


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    for package in ("symopt", "pyomo", "highspy", "pandas", "numpy", "scipy", "pydantic"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "?"
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": f"{cpu}, {os.cpu_count()} logical CPUs",
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }


def print_report(
    header: list[str],
    rows: list[list[str]],
    sweep: tuple[list[str], list[list[str]]],
    goals: list[tuple[str, str, str, str]],
) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(160, Console().width))
    table = Table(title="symopt stages vs direct HiGHS (wall time; peak RSS per subprocess)")
    for column in header:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if sweep[1]:
        sweep_table = Table(title="carbon-price sweep on medium")
        for column in sweep[0]:
            sweep_table.add_column(column, overflow="fold")
        for row in sweep[1]:
            sweep_table.add_row(*row)
        console.print(sweep_table)
    goal_table = Table(title="targets (issue 5)")
    for column in ("target", "figure", "status", "note"):
        goal_table.add_column(column, overflow="fold")
    for target, figure, status, note in goals:
        style = "green" if status.startswith("met") else "red" if "missed" in status else ""
        goal_table.add_row(target, figure, f"[{style}]{status}[/]" if style else status, note)
    console.print(goal_table)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_markdown(
    path: Path,
    args: argparse.Namespace,
    info: dict[str, str],
    scenarios: dict[str, str],
    stage_table: tuple[list[str], list[list[str]]],
    sweep: tuple[list[str], list[list[str]]],
    goals: list[tuple[str, str, str, str]],
    wall: float,
) -> None:
    settings = (
        f"mip_gap {args.mip_gap:g}, time_limit {args.time_limit:g} s, threads "
        f"{args.threads or 'HiGHS default'}, HiGHS random_seed {args.highs_seed}"
    )
    parts = [
        "# symopt benchmark results",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); do not edit by hand.",
        "",
        f"- date: {info['date']}",
        f"- CPU: {info['cpu']}",
        f"- versions: {info['versions']}",
        f"- generator seed {args.seed}; HiGHS settings (both paths): {settings}",
        f"- whole run: {wall:.0f} s",
        "",
        "Scenarios (`benchmarks/generate.py`):",
        "",
        *(f"- {size}: {text}" for size, text in scenarios.items()),
        "",
        "## Targets",
        "",
        markdown_table(["target", "figure", "status", "note"], goals),
        "",
        "## Stages",
        "",
        "symopt: load+validate `load_scenario`; network `build_network`; model build "
        "`model.build_model` (Pyomo); hand-over `compile_standard_form` + `new_highs` + "
        "`pass_model`; solve `run_highs`; results `extract_result`. Direct HiGHS: the same "
        "load and network, `benchmarks.direct_highs.build_matrix` (numpy/scipy), one "
        "`passModel`, the same HiGHS options, the same result tables. Ratio: symopt total "
        "over direct total with the solve time equalised (both paths hand HiGHS the same "
        "matrix, so the solver does the same work; raw: as measured); overhead: everything "
        "but the solve. Analysis and proposals: `benchmarks/PROFILE.md`.",
        "",
        markdown_table(*stage_table),
        "",
    ]
    if sweep[1]:
        parts += [
            "## Sweep",
            "",
            f"{args.sweep_variants} carbon prices (0, 10, ... EUR/t) on medium; rebuild: "
            "`symopt.solve` on a changed `Scenario` (no file reading); re-solve: "
            "`symopt.solver.session.Resolver` (first solve not counted); reference: the direct-HiGHS "
            "model changed in place with `changeColsCost` and run again.",
            "",
            markdown_table(*sweep),
            "",
        ]
    path.write_text("\n".join(parts), encoding="utf-8")


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--sizes", default="small,medium,large", help="comma-separated")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    parser.add_argument("--mip-gap", type=float, default=1e-4)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--highs-seed", type=int, default=0, help="HiGHS random_seed")
    parser.add_argument("--sweep-variants", type=int, default=20, help="0: no sweep")
    parser.add_argument("--no-huge", action="store_true", help="skip the 10,000-facility case")
    parser.add_argument("--results", type=Path, default=RESULTS, help="markdown output")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        print(MARK + json.dumps(WORKERS[args.worker](args)), flush=True)
        return

    from benchmarks.generate import SIZES, write_scenario

    started = time.perf_counter()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    files: dict[str, Path] = {}
    scenarios: dict[str, str] = {}
    wanted = [*sizes, *([] if args.no_huge else ["huge"])]
    if args.sweep_variants and "medium" not in wanted:
        wanted.append("medium")
    for size in wanted:
        spec = SIZES[size]
        files[size] = write_scenario(size, OUT / f"{size}-seed{args.seed}.yaml", args.seed)
        scenarios[size] = (
            f"{spec.sources} sources x {spec.sinks} sinks x {spec.resources} resources x "
            f"{spec.slices} slices in a {spec.box_km:g} km box "
            f"(`{files[size].relative_to(HERE.parent)}`)"
        )

    results: dict[str, dict[str, Any]] = {}
    for size in sizes:
        results[size] = {}
        for path in ("symopt", "direct"):
            print(f"{size}: {path} ...", file=sys.stderr, flush=True)
            results[size][path] = run_worker(path, files[size], args)
    huge = None
    if not args.no_huge:
        print("huge: load+network ...", file=sys.stderr, flush=True)
        huge = run_worker("load", files["huge"], args)
    sweep = None
    if args.sweep_variants:
        print(f"medium: {args.sweep_variants}-variant sweep ...", file=sys.stderr, flush=True)
        sweep = run_worker("sweep", files["medium"], args)

    totals = summarise(results)
    stage_table = stage_rows(results, totals)
    if huge is not None:
        t = huge.get("timings", {})
        stage_table[1].append(
            [
                "huge (10,000 facilities)",
                "symopt",
                _seconds(t.get("load")),
                _seconds(t.get("network")),
                "-",
                "-",
                "-",
                "-",
                _seconds(t.get("load", 0) + t.get("network", 0)) if t else huge.get("error", ""),
                f"{_gib(huge.get('peak_rss'))} ({_gib(huge.get('imported_rss'))} after imports)",
                f"{huge.get('links', '?')} links, {huge.get('flows', '?')} x[l,t]",
                "-",
            ]
        )
    sweep_table = sweep_rows(sweep)
    goals = targets(results, totals, huge, sweep)
    print_report(*stage_table, sweep_table, goals)
    wall = time.perf_counter() - started
    write_markdown(args.results, args, machine(), scenarios, stage_table, sweep_table, goals, wall)
    print(f"wrote {args.results} ({wall:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
