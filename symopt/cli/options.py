"""Command-line options shared by `solve` and `pareto`: the solver settings."""

from __future__ import annotations

from typing import Annotated

import typer

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
