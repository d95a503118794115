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


def _in_process(scenario_path: Path, workers: int) -> tuple[float, float, int, int]:
    import symopt
    from symopt.studies.share import run_share

    scenario = symopt.load_scenario(scenario_path)
    symopt.solve(scenario)  # warm up imports and caches
    started = time.perf_counter()
    symopt.solve(scenario)
    solve_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        run = run_share(scenario, out=folder, workers=workers)
        share_seconds = time.perf_counter() - started
    return solve_seconds, share_seconds, len(run.firms), run.solved


def _write_section(lines: list[str]) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    start = text.find(HEADING)
    if start >= 0:
        end = text.find("\n## ", start + len(HEADING))
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
    solve_seconds, share_seconds, firms, solved = _in_process(scenario, arguments.workers)
    ratio = share_wall / solve_wall
    verdict = "met" if ratio < TARGET_RATIO else "missed"
    name = scenario.relative_to(ROOT) if scenario.is_relative_to(ROOT) else scenario
    lines = [
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} cores (shared with other "
        f"work), `python -m benchmarks.share` ({arguments.workers} worker(s)), {name}: "
        f"{firms} firms, {2**firms - 1} coalitions, {solved} of them solved (the others are "
        "made of groups with no candidate link between them and add up exactly).",
        "",
        "| | `symopt solve` | `symopt share` | ratio | target |",
        "|---|---|---|---|---|",
        f"| command, wall time (start-up and imports included) | {solve_wall:.1f} s | "
        f"{share_wall:.1f} s | **{ratio:.1f}x** | < {TARGET_RATIO:g}x: {verdict} |",
        f"| in process (`symopt.solve`, `run_share`) | {solve_seconds:.2f} s | "
        f"{share_seconds:.1f} s | {share_seconds / solve_seconds:.0f}x | - |",
    ]
    print("\n".join(lines))
    if not arguments.no_write:
        _write_section(lines)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
