"""`symopt sweep` and `symopt pareto`: thin commands over `symopt.studies.sweep` and `symopt.studies.pareto`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from symopt.cli.options import MaxFileMb, MipGap, Profile, Threads, TimeLimit
from symopt.enums import ExitCode, SolveStatus
from symopt.errors import ScenarioError
from symopt.scenario.input_file import DEFAULT_MAX_FILE_MB
from symopt.scenario.loading import load_scenario
from symopt.text import printable

if TYPE_CHECKING:  # imported in the commands: pandas, Pyomo and HiGHS take seconds to load
    import pandas as pd

    from symopt.studies.sweep import SweepRun
    from symopt.studies.sweep_spec import SweepPlan

__all__ = ["pareto_command", "register_sweep_commands", "sweep_command"]

#: Rows of the sweep summary shown in the terminal (all of them go to summary.csv).
SHOWN_ROWS = 40

stdout = Console()
stderr = Console(stderr=True)


def _bad_input(error: ScenarioError) -> typer.Exit:
    for issue in error.issues:
        stderr.print(str(issue), markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(ExitCode.BAD_INPUT)


def sweep_command(
    spec: Annotated[Path, typer.Argument(help="Sweep file (YAML): base scenario and parameters.")],
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Local worker processes (default: one per core)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Output folder (default: the file's output, else results/<stem>/)."
        ),
    ] = None,
    details: Annotated[
        bool, typer.Option("--details", help="Also write each variant's result files.")
    ] = False,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary", help="Print a table and plot the objective against each parameter."
        ),
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Solve again the variants stored with an error.")
    ] = False,
    max_file_mb: MaxFileMb = DEFAULT_MAX_FILE_MB,
) -> None:
    """Solve every variant of a sweep; results go to a Parquet store (a rerun resumes)."""
    from symopt.studies.store import write_summary
    from symopt.studies.sweep import run_sweep
    from symopt.studies.sweep_spec import load_sweep

    try:
        plan = load_sweep(spec)
    except ScenarioError as error:
        raise _bad_input(error) from None
    try:
        run = run_sweep(
            plan,
            workers=workers,
            scheduler=scheduler,
            out=out,
            details=details,
            retry_failed=retry_failed,
            progress=stderr,
            notify=_notice,
        )
    except ScenarioError as error:
        raise _bad_input(error) from None
    except KeyboardInterrupt:
        stderr.print("interrupted: the finished variants are stored; rerun to continue")
        raise typer.Exit(130) from None
    _report_run(run)
    if summary:
        _print_summary(run.frame, plan)
        written = write_summary(run.frame, plan.parameter_names, run.out_dir)
        stdout.print(
            printable(f"summary written: {', '.join(str(p) for p in written)}"),
            highlight=False,
            markup=False,
        )
    if run.lost:
        raise typer.Exit(ExitCode.ERROR)


def _notice(message: str) -> None:
    stderr.print(f"note: {printable(message)}", highlight=False, markup=False, soft_wrap=True)


def _report_run(run: SweepRun) -> None:
    stdout.print(
        printable(
            f"{run.variants} variants: {run.solved} solved now ({run.failed} failed), "
            f"{run.skipped} already stored; store: {run.out_dir / 'store'}/"
        ),
        highlight=False,
        markup=False,
    )
    if run.lost:
        stderr.print(
            f"{len(run.lost)} variant(s) lost: their worker process died "
            f"({', '.join(run.lost[:5])}{', ...' if len(run.lost) > 5 else ''}); "
            "rerun the sweep to retry them",
            highlight=False,
        )


def _number(value: Any) -> str:
    if isinstance(value, float):
        return "-" if not math.isfinite(value) else f"{value:,.6g}"
    import pandas as pd

    return "-" if value is None or value is pd.NA else str(value)


def _fixed(value: Any, digits: int) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:,.{digits}f}"
    return _number(value)


def _compact(value: Any) -> str:
    """1234567.8 -> 1.235M: short numbers for a terminal table (summary.csv has them all)."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return _number(value)
    for threshold, size, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / size:.4g}{suffix}"
    return f"{value:.4g}"


def _short_names(names: list[str]) -> list[str]:
    """The last part of each path, or more parts where two would look the same."""
    for parts in range(1, 10):
        short = [".".join(name.split(".")[-parts:]) for name in names]
        if len(set(short)) == len(short):
            return short
    return names


def _print_summary(frame: pd.DataFrame, plan: SweepPlan) -> None:
    from symopt.studies.store import parameter_column

    columns = [parameter_column(name) for name in plan.parameter_names]
    from rich.table import Table

    table = Table(title=Text(printable(plan.spec.name or plan.source)), title_justify="left")
    table.add_column("#", justify="right")
    for header in _short_names(plan.parameter_names):
        table.add_column(Text(printable(header)), justify="right")
    for column in ("status", "objective", "emissions", "links", "model"):
        table.add_column(column, justify="left" if column in ("status", "model") else "right")
    for index, row in frame.head(SHOWN_ROWS).iterrows():
        table.add_row(
            str(index),
            *(Text(printable(_compact(row[c]))) for c in columns),
            str(row["status"]),
            _compact(row["objective"]),
            _compact(row["total_emissions"]),
            _number(row["built_links"]),
            str(row["path"]),
        )
    stdout.print(table)
    if len(frame) > SHOWN_ROWS:
        stdout.print(f"... {len(frame) - SHOWN_ROWS} more rows in summary.csv", highlight=False)
    counts = frame["status"].value_counts()
    paths = frame["path"].value_counts()
    stdout.print(
        "status: "
        + ", ".join(f"{n} {status}" for status, n in counts.items())
        + "; model: "
        + ", ".join(f"{n} {path}" for path, n in paths.items() if path),
        highlight=False,
    )


def pareto_command(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    points: Annotated[
        int, typer.Option("--points", min=2, help="Points on the front, both ends included.")
    ] = 10,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default results/<stem>/pareto/).")
    ] = None,
    profile: Profile = None,
    mip_gap: MipGap = None,
    time_limit: TimeLimit = None,
    threads: Threads = None,
    max_file_mb: MaxFileMb = DEFAULT_MAX_FILE_MB,
) -> None:
    """Cost against CO2: the Pareto front by the epsilon-constraint method."""
    from symopt.solver.pipeline import solver_options
    from symopt.studies.pareto import ParetoError, pareto

    try:
        options = solver_options(profile, mip_gap=mip_gap, time_limit=time_limit, threads=threads)
        scenario = load_scenario(file)
    except ScenarioError as error:
        raise _bad_input(error) from None
    folder = out if out is not None else Path("results") / file.stem / "pareto"
    try:
        with stderr.status(f"tracing the Pareto front of {file} ...", spinner="dots"):
            frame = pareto(scenario, points, options=options, out=folder)
    except ParetoError as error:
        stderr.print(printable(f"{file}: {error}"), highlight=False, markup=False)
        code = ExitCode.INFEASIBLE if error.status is SolveStatus.INFEASIBLE else ExitCode.ERROR
        raise typer.Exit(code) from None
    from rich.table import Table

    table = Table(title=Text(printable(f"Pareto front: {scenario.name}")), title_justify="left")
    for column in ("point", "emission cap (t)", "cost", "emissions (t)", "links", "facilities"):
        table.add_column(column, justify="right")
    for row in frame.itertuples(index=False):
        table.add_row(
            str(row.point),
            _fixed(row.emission_cap, 3),
            _fixed(row.cost, 0),
            _fixed(row.emissions, 3),
            _number(row.built_links),
            _number(row.built_facilities),
        )
    stdout.print(table)
    for line in _decision_changes(frame):
        stdout.print(printable(line), highlight=False, markup=False, soft_wrap=True)
    stdout.print(
        printable(
            f"{frame.attrs['distinct']} distinct efficient point(s) from {frame.attrs['caps']} "
            f"emission caps; {frame.attrs['rebuilds']} model build(s), "
            f"{frame.attrs['resolves']} re-solve(s); "
            f"written to {folder}/ (pareto.csv, pareto.json, pareto.png)"
        ),
        highlight=False,
        markup=False,
    )


def _decision_changes(frame: pd.DataFrame) -> list[str]:
    """What each point builds, as changes from the point before (the first: all of it)."""
    lines: list[str] = []
    before: set[str] = set()
    for row in frame.itertuples(index=False):
        now = {part for part in f"{row.links}; {row.facilities}".split("; ") if part}
        if row.point == 0 or now != before:
            added = [f"+ {item}" for item in sorted(now - before)]
            removed = [f"- {item}" for item in sorted(before - now)]
            lines.append(f"point {row.point}: " + ("; ".join(added + removed) or "builds nothing"))
        before = now
    return lines


def register_sweep_commands(app: typer.Typer) -> None:
    """Add `sweep` and `pareto` to the `symopt` command."""
    app.command("sweep")(sweep_command)
    app.command("pareto")(pareto_command)
