"""`symopt report`: the HTML report of a result, sweep or Pareto folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from symopt.enums import ExitCode
from symopt.errors import SymoptError

__all__ = ["register_report_command", "report_command", "write_report_for"]

stdout = Console()
stderr = Console(stderr=True)


def write_report_for(folder: Path, out: Path | None = None) -> Path:
    """Write the report (plotly and jinja2 are imported only here: they take a while)."""
    from symopt.report.html import write_report

    return write_report(folder, out)


def report_command(
    result_dir: Annotated[
        Path,
        typer.Argument(
            help="Output folder of `symopt solve`, of a sweep (its store) or of `symopt pareto`."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="HTML file to write (default RESULT_DIR/report.html)."),
    ] = None,
) -> None:
    """Write one self-contained HTML page (map, Sankey diagrams, gains, tables); works offline."""
    try:
        path = write_report_for(result_dir, out)
    except SymoptError as error:
        stderr.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    stdout.print(f"report written to {path}", highlight=False, markup=False)


def register_report_command(app: typer.Typer) -> None:
    app.command("report")(report_command)
