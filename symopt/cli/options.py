"""Command-line options shared by several commands: the solver settings, the input limits."""

from __future__ import annotations

from typing import Annotated

import typer

from symopt.scenario.input_file import set_max_file_mb

Profile = Annotated[
    str | None,
    typer.Option("--profile", help="Solver profile name in solvers/ or a YAML file."),
]
MipGap = Annotated[
    float | None,
    typer.Option("--mip-gap", min=0.0, max=1.0, help="Relative MIP gap at which to stop."),
]
TimeLimit = Annotated[
    float | None, typer.Option("--time-limit", min=0.0, help="Seconds before the solver stops.")
]
Threads = Annotated[int | None, typer.Option("--threads", min=1, help="Solver threads.")]


def _set_max_file_mb(megabytes: float) -> float:
    set_max_file_mb(megabytes)  # read by every scenario, sweep, archetype and profile file
    return megabytes


MaxFileMb = Annotated[
    float,
    typer.Option(
        "--max-file-mb",
        min=0.001,
        callback=_set_max_file_mb,
        help="Refuse input files larger than this many MB (see docs/limits-and-guarantees.md).",
    ),
]
