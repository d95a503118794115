"""cProfile of symopt's stages on one generated scenario (the solve itself is not profiled).

    python -m benchmarks.profile large            # top functions per stage
    python -m benchmarks.profile medium --top 25 --stages build,handover

Writes one `benchmarks/out/profile-<size>-<stage>.prof` per stage (open with `snakeviz`
or `python -m pstats`) and prints, per stage, the wall time without the profiler, the
profiled time, and the functions with the most own time and the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import io
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.generate import SIZES, write_scenario
from benchmarks.measure import OUT, preimport

STAGES = ("load", "network", "build", "handover", "results")


def _stages(path: Path) -> list[tuple[str, Callable[[dict[str, Any]], None]]]:
    """Each stage as a function of a shared state dict (inputs from earlier stages)."""
    import symopt
    from symopt.model.build import build_model
    from symopt.model.objective import Objective
    from symopt.results.tables import extract_result
    from symopt.solver.highs import (
        SolverOptions,
        column_reader,
        compile_standard_form,
        new_highs,
        pass_model,
        run_highs,
    )

    def load(state: dict[str, Any]) -> None:
        state["scenario"] = symopt.load_scenario(path)

    def network(state: dict[str, Any]) -> None:
        state["network"] = symopt.build_network(state["scenario"])
        state["goal"] = Objective.of(state["scenario"].objective)

    def build(state: dict[str, Any]) -> None:
        state["model"] = build_model(state["network"], state["goal"])

    def handover(state: dict[str, Any]) -> None:
        state["form"] = compile_standard_form(state["model"])
        state["highs"] = new_highs(SolverOptions())
        pass_model(state["highs"], state["form"])

    def solve(state: dict[str, Any]) -> None:  # not profiled
        run, solution = run_highs(state["highs"], is_mip=bool(state["form"].integer.any()))
        state["run"] = dataclasses.replace(run, read_values=column_reader(state["form"], solution))

    def results(state: dict[str, Any]) -> None:
        extract_result(state["network"], state["model"], state["run"], state["goal"], "EUR", {})

    return [
        ("load", load),
        ("network", network),
        ("build", build),
        ("handover", handover),
        ("solve", solve),
        ("results", results),
    ]


def _report(stats: pstats.Stats, sort: str, top: int) -> str:
    stream = io.StringIO()
    stats.stream = stream  # type: ignore[attr-defined]
    stats.sort_stats(sort).print_stats(top)
    lines = stream.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(lines[start:])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("size", nargs="?", default="large")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated")
    args = parser.parse_args(argv)
    wanted = set(args.stages.split(","))
    preimport()
    path = write_scenario(args.size, OUT / f"{args.size}-seed{args.seed}.yaml", args.seed)
    steps = _stages(path)
    if SIZES[args.size].load_only:  # too large to build and solve in a benchmark
        steps = steps[:2]
    # first pass: wall times without the profiler
    state: dict[str, Any] = {}
    wall = {}
    for name, step in steps:
        started = time.perf_counter()
        step(state)
        wall[name] = time.perf_counter() - started
    # second pass, profiled (the solve only to have its outputs)
    state = {}
    gc.collect()
    for name, step in steps:
        if name not in wanted:
            step(state)
            continue
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.runcall(step, state)
        profiled = time.perf_counter() - started
        profiler.dump_stats(OUT / f"profile-{args.size}-{name}.prof")
        stats = pstats.Stats(profiler)
        print(f"\n=== {args.size} / {name}: {wall[name]:.3f} s ({profiled:.3f} s profiled)")
        print("--- by own time")
        print(_report(stats, "tottime", args.top))
        print("--- by cumulative time")
        print(_report(stats, "cumulative", args.top))
    print("\nwall times without profiler: " + ", ".join(f"{k} {v:.3f} s" for k, v in wall.items()))


if __name__ == "__main__":
    main()
