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
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.measure import HERE, MARK, OUT, RESULTS, WORKERS, run_worker
from benchmarks.report import (
    format_gib,
    format_seconds,
    machine,
    print_report,
    stage_rows,
    summarise,
    sweep_rows,
    targets,
    write_markdown,
)

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
                format_seconds(t.get("load")),
                format_seconds(t.get("network")),
                "-",
                "-",
                "-",
                "-",
                format_seconds(t.get("load", 0) + t.get("network", 0))
                if t
                else huge.get("error", ""),
                f"{format_gib(huge.get('peak_rss'))} ({format_gib(huge.get('imported_rss'))} after imports)",
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
