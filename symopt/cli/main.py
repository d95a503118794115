"""The `symopt` command: a thin shell over the Python API."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from symopt._version import __version__
from symopt.cli.options import MaxFileMb, MipGap, Profile, Threads, TimeLimit
from symopt.enums import EXIT_CODE_OF_STATUS, ExitCode, ObjectiveKind, SolveStatus
from symopt.errors import ScenarioError, SymoptError, UnboundedError
from symopt.scenario.input_file import DEFAULT_MAX_FILE_MB
from symopt.scenario.loading import load_scenario
from symopt.text import printable

if TYPE_CHECKING:
    from symopt.results.tables import Summary

# solve, results and report modules import pandas, Pyomo and HiGHS: each command imports
# what it needs, so that `symopt validate` and `--help` start fast (benchmarks/startup.py).

app = typer.Typer(
    name="symopt",
    help="Optimise industrial symbiosis: which exchanges of surplus resources to build.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
#: Wide enough for facility names when the output is a file or a pipe.
_WIDTH = None if sys.stdout.isatty() else 140
stdout = Console(width=_WIDTH)
stderr = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def _report_errors(error: ScenarioError) -> None:
    for issue in error.issues:
        stderr.print(str(issue), markup=False, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        stdout.print(f"symopt {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """symopt: industrial symbiosis optimisation."""


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
    max_file_mb: MaxFileMb = DEFAULT_MAX_FILE_MB,
) -> None:
    """Check scenario files; list every problem with its file, line and field."""
    failed = 0
    for file in files:
        try:
            load_scenario(file)
        except ScenarioError as error:
            _report_errors(error)
            failed += 1
        else:
            stdout.print(printable(f"{file}: valid"), highlight=False, markup=False)
    if failed:
        stderr.print(f"{failed} of {len(files)} file(s) invalid", highlight=False)
        raise typer.Exit(ExitCode.BAD_INPUT)


@app.command("solve")
def solve_command(
    files: Annotated[list[Path], typer.Argument(help="Scenario file(s) to solve.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder (default results/<file stem>/; with several files, a subfolder each).",
        ),
    ] = None,
    objective: Annotated[
        ObjectiveKind | None, typer.Option("--objective", help="Override the scenario's objective.")
    ] = None,
    profile: Profile = None,
    mip_gap: MipGap = None,
    time_limit: TimeLimit = None,
    threads: Threads = None,
    log: Annotated[bool, typer.Option("--log", help="Show the solver's own progress log.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print no summary and no progress line.")
    ] = False,
    report: Annotated[
        bool, typer.Option("--report", help="Also write report.html (see `symopt report`).")
    ] = False,
    max_file_mb: MaxFileMb = DEFAULT_MAX_FILE_MB,
) -> None:
    """Solve scenario files and write summary.json and CSV tables."""
    from symopt.cli.live import solve_live
    from symopt.report.terminal import print_summary
    from symopt.results.files import write_result
    from symopt.solver.pipeline import solver_options

    try:
        options = solver_options(
            profile, mip_gap=mip_gap, time_limit=time_limit, threads=threads, log=log
        )
    except ScenarioError as error:
        _report_errors(error)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    scenarios = []
    invalid = False
    for file in files:  # validate all first: a bad file should not cost a long solve
        try:
            scenarios.append((file, load_scenario(file)))
        except ScenarioError as error:
            _report_errors(error)
            invalid = True
    if invalid:
        raise typer.Exit(ExitCode.BAD_INPUT)
    worst = ExitCode.OK
    for file, scenario in scenarios:
        folder = out if out is not None else Path("results") / file.stem
        if out is not None and len(scenarios) > 1:
            folder = out / file.stem
        result, interrupted = solve_live(
            scenario, file, objective=objective, options=options, console=stderr, quiet=quiet
        )
        if result.status.has_solution:
            write_result(result, folder)
            if not quiet:
                print_summary(result, stdout)
            stdout.print(printable(f"results written to {folder}/"), highlight=False, markup=False)
            if report:
                stdout.print(
                    printable(f"report written to {write_report_for(folder)}"),
                    highlight=False,
                    markup=False,
                )
            if result.status is SolveStatus.FEASIBLE:
                stopped = "interrupted (Ctrl-C)" if interrupted else "stopped by a limit"
                stderr.print(
                    printable(
                        f"{file}: {stopped}; the best solution found is within a gap of "
                        f"{result.summary.mip_gap:.2%} of the optimum"
                    ),
                    highlight=False,
                    markup=False,
                )
        else:
            write_result(result, folder)
            stderr.print(
                printable(_no_solution_message(file, result.status, result.summary)),
                highlight=False,
                markup=False,
            )
            for reason in result.summary.diagnosis:
                stderr.print(
                    f"  - {printable(reason)}", highlight=False, markup=False, soft_wrap=True
                )
            if report:
                stdout.print(
                    printable(f"report written to {write_report_for(folder)}"),
                    highlight=False,
                    markup=False,
                )
        worst = max(worst, EXIT_CODE_OF_STATUS[result.status], key=int)
        if interrupted:
            break  # Ctrl-C: the files after this one are not solved
    if worst is not ExitCode.OK:
        raise typer.Exit(worst)


def _no_solution_message(file: Path, status: SolveStatus, summary: Summary) -> str:
    solver_status = summary.solver_status
    if status is SolveStatus.INFEASIBLE:
        return f"{file}: infeasible: no plan satisfies every constraint (solver: {solver_status})"
    if status is SolveStatus.UNBOUNDED:
        return f"{file}: unbounded: the objective can be lowered without limit (solver: {solver_status})"
    bound = (
        f"; no plan can have an objective below the best bound {summary.best_bound:,.2f}"
        if math.isfinite(summary.best_bound)
        else ""
    )
    return (
        f"{file}: the solver ended without a solution (solver: {solver_status}){bound}; "
        "try a longer --time-limit"
    )


def main() -> None:
    """Console entry point: never a traceback for the user (set SYMOPT_DEBUG=1 to see one)."""
    try:
        app()
    except SymoptError as error:
        for line in str(error).splitlines() or [""]:  # a ScenarioError: one line per issue
            stderr.print(printable(f"error: {line}"), highlight=False, markup=False)
        unbounded = isinstance(error, UnboundedError)  # proven before solving
        sys.exit(ExitCode.UNBOUNDED if unbounded else ExitCode.ERROR)
    except KeyboardInterrupt:
        stderr.print("interrupted", highlight=False)
        sys.exit(130)
    except Exception as error:  # a bug: say so plainly, keep the traceback for developers
        if os.environ.get("SYMOPT_DEBUG"):
            raise
        stderr.print(
            printable(f"internal error: {type(error).__name__}: {error}")
            + "\nThis is a bug in symopt; rerun with SYMOPT_DEBUG=1 for details and report it.",
            highlight=False,
            markup=False,
        )
        sys.exit(ExitCode.ERROR)


from symopt.cli.report import register_report_command, write_report_for  # noqa: E402
from symopt.cli.studies import register_sweep_commands  # noqa: E402  (sweep, pareto)

register_sweep_commands(app)

from symopt.cli.schema import register_schema_command  # noqa: E402

register_schema_command(app)
from symopt.cli.share import register_share_command  # noqa: E402  (share)

register_share_command(app)
register_report_command(app)
