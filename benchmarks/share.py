"""`make bench`: `symopt share` against one `symopt solve` of the same scenario (issue 8).

    python -m benchmarks.share                      # scenarios/boden.yaml, 1 worker
    python -m benchmarks.share --scenario scenarios/umea.yaml --workers 2

Runs both commands as a user would (a fresh process each, so Python start-up and imports
count for both), `share` into an empty folder so that nothing is resumed, and prints the
wall times and their ratio against the target (< 10x). Also the in-process times
(`symopt.solve` and `symopt.studies.share.run_share`, imports excluded). Writes the
figures into the section "Fair split" of `benchmarks/results.md` (replacing that section
only; `benchmarks.run` rewrites the rest of the file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.md"
HEADING = "## Fair split (`symopt share`, issue 8)"
TARGET_RATIO = 10.0


def _wall(arguments: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "symopt", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 3):  # 3: a coalition has no value (still a full run)
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"symopt {' '.join(arguments)} failed with exit {done.returncode}")
    return seconds


def _in_process(scenario_path: Path, workers: int) -> dict[str, float]:
    """In-process seconds of `symopt.solve` and of `run_share` cold and warm-started, and
    per coalition (the store's `seconds`: restrict, build, solve, evaluate; `solve_seconds`:
    HiGHS alone) for each; the largest relative difference between their coalition values."""
    import symopt
    from symopt.studies.share import run_share
    from symopt.studies.store import Store

    scenario = symopt.load_scenario(scenario_path)
    symopt.solve(scenario)  # warm up imports and caches
    started = time.perf_counter()
    symopt.solve(scenario)
    figures: dict[str, float] = {"solve": time.perf_counter() - started}
    values = {}
    for label, warm in (("cold", False), ("warm", True)):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            run = run_share(scenario, out=folder, workers=workers, warm_start=warm)
            figures[f"share_{label}"] = time.perf_counter() - started
            rows = Store(folder).read()
        figures[f"coalition_{label}"] = float(rows["seconds"].mean())
        figures[f"highs_{label}"] = float(rows["solve_seconds"].mean())
        figures[f"started_{label}"] = float((rows["path"] == "restricted, warm start").sum())
        values[label] = run.coalitions.set_index("coalition")["cost"]
        figures["firms"], figures["solved"] = len(run.firms), run.solved
    cold, warm = values["cold"], values["warm"].loc[values["cold"].index]
    difference = (warm - cold).abs() / cold.abs().clip(lower=1.0)
    figures["difference"] = float(difference.max())
    return figures


def _write_section(lines: list[str]) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    start = text.find(HEADING)
    if start >= 0:
        ends = [text.find(mark, start + len(HEADING)) for mark in ("\n## ", "\n<!-- ")]
        end = min((found for found in ends if found >= 0), default=-1)  # keep the markers
        text = text[:start] + text[end + 1 :] if end >= 0 else text[:start]
    section = "\n".join([HEADING, "", *lines, ""])
    RESULTS.write_text(text.rstrip("\n") + "\n\n" + section, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "boden.yaml")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print only")
    arguments = parser.parse_args()
    scenario = arguments.scenario.resolve()
    with tempfile.TemporaryDirectory() as folder:
        solve_wall = _wall(["solve", str(scenario), "--out", f"{folder}/solve", "--quiet"])
        share_wall = _wall(
            [
                "share",
                str(scenario),
                "--out",
                f"{folder}/share",
                "--workers",
                str(arguments.workers),
            ]
        )
    figures = _in_process(scenario, arguments.workers)
    firms, solved = int(figures["firms"]), int(figures["solved"])
    solve_seconds, share_seconds = figures["solve"], figures["share_warm"]
    ratio = share_wall / solve_wall
    verdict = "met" if ratio < TARGET_RATIO else "missed"
    name = scenario.relative_to(ROOT) if scenario.is_relative_to(ROOT) else scenario
    load = os.getloadavg()[0]
    lines = [
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} cores (shared with other "
        f"work; load average {load:.2f} at the end), `python -m benchmarks.share` "
        f"({arguments.workers} worker(s)), {name}: "
        f"{firms} firms, {2**firms - 1} coalitions, {solved} of them solved (the others are "
        "made of groups with no candidate link between them and add up exactly).",
        "",
        "| | `symopt solve` | `symopt share` | ratio | target |",
        "|---|---|---|---|---|",
        f"| command, wall time (start-up and imports included) | {solve_wall:.1f} s | "
        f"{share_wall:.1f} s | **{ratio:.1f}x** | < {TARGET_RATIO:g}x: {verdict} |",
        f"| in process (`symopt.solve`, `run_share`) | {solve_seconds:.2f} s | "
        f"{share_seconds:.1f} s | {share_seconds / solve_seconds:.0f}x | - |",
        "",
        "Coalition warm starts (each coalition S starts from the union of the plans of "
        "S \\ {i} and {i}, or of its members alone, solved before it in the same worker; "
        "in process, seconds per solved coalition; the same values, largest relative "
        f"difference {figures['difference']:.1e}):",
        "",
        "| | cold | warm start | gain |",
        "|---|---|---|---|",
        f"| `run_share`, whole run | {figures['share_cold']:.1f} s | "
        f"{figures['share_warm']:.1f} s | {figures['share_cold'] / figures['share_warm']:.2f}x |",
        f"| per coalition (restrict, build, solve, evaluate) | {figures['coalition_cold']:.3f} s"
        f" | {figures['coalition_warm']:.3f} s | "
        f"{figures['coalition_cold'] / figures['coalition_warm']:.2f}x |",
        f"| per coalition, HiGHS alone | {figures['highs_cold']:.3f} s | "
        f"{figures['highs_warm']:.3f} s | {figures['highs_cold'] / figures['highs_warm']:.2f}x |",
        f"| coalitions given a start | {figures['started_cold']:.0f} | "
        f"{figures['started_warm']:.0f} of {solved} | - |",
    ]
    print("\n".join(lines))
    if not arguments.no_write:
        _write_section(lines)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
