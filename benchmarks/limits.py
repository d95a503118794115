"""Time and peak memory of validating the largest files the input limits allow.

Each file is generated in a temporary folder and validated by `symopt.load_scenario` in
a fresh process (so that its peak resident memory is that of one validation):

- just below the size limit (64 MB), a flow list of 32 million values: refused by the
  node count after reading 1,000,000 of them;
- just below the size limit, one 64 MB text value: read, then refused by the schema;
- just below the node limit, 1,000,000 values in a block map (about 7 MB): composed,
  then refused by the schema (the most work a file within both limits can cost);
- just above the size limit (sparse file): refused by its size without being read.

    python -m benchmarks.limits
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from symopt.scenario.input_file import DEFAULT_MAX_FILE_MB
from symopt.scenario.yaml_source import MAX_NODES

MEGABYTE = 1024 * 1024
LIMIT = int(DEFAULT_MAX_FILE_MB * MEGABYTE)

CHILD = """
import json, resource, sys, time
import symopt
started = time.perf_counter()
try:
    symopt.load_scenario(sys.argv[1])
    outcome = "valid"
except symopt.ScenarioError as error:
    outcome = str(error.issues[0])[len(sys.argv[1]):][:90]
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "outcome": outcome}))
"""


def flow_list(path: Path) -> None:
    head = "symopt: 1\nname: limits\nfacilities: [1"
    count = (LIMIT - len(head) - 2) // 2
    path.write_text(head + ",1" * count + "]\n", encoding="utf-8")


def long_text(path: Path) -> None:
    head = "symopt: 1\nname: "
    path.write_text(head + "x" * (LIMIT - len(head) - 1) + "\n", encoding="utf-8")


def many_nodes(path: Path) -> None:
    # 1 root map + 2 nodes (key, value) per line: just under MAX_NODES
    lines = (MAX_NODES - 1) // 2
    with open(path, "w", encoding="utf-8") as stream:
        stream.write("".join(f"k{i}: {i}\n" for i in range(lines)))


def above_limit(path: Path) -> None:
    with open(path, "wb") as stream:
        stream.truncate(LIMIT + MEGABYTE)


CASES: list[tuple[str, Callable[[Path], None]]] = [
    ("64 MB flow list (32 M values)", flow_list),
    ("64 MB single text value", long_text),
    (f"{MAX_NODES:,} values, block map", many_nodes),
    ("65 MB (above the size limit)", above_limit),
]


def main() -> None:
    print(f"input limits: {DEFAULT_MAX_FILE_MB:g} MB per file, {MAX_NODES:,} values per document")
    print(f"{'file':<34} {'size':>9} {'seconds':>8} {'peak MB':>8}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for name, make in CASES:
            path = Path(folder) / "case.yaml"
            make(path)
            size = path.stat().st_size / MEGABYTE
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", CHILD, str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            wall = time.perf_counter() - started
            print(
                f"{name:<34} {size:>6.1f} MB {figures['seconds']:>8.2f} "
                f"{figures['peak_mb']:>8.0f}  {figures['outcome']} (process {wall:.1f} s)"
            )
            path.unlink()


if __name__ == "__main__":
    main()
