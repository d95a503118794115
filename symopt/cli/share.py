"""`symopt share`: a thin command over `symopt.studies.share` (see docs/sharing.md)."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from symopt.cli.options import MaxFileMb, MipGap, Profile, Threads, TimeLimit
from symopt.enums import ExitCode
from symopt.errors import ScenarioError
from symopt.scenario.input_file import DEFAULT_MAX_FILE_MB
from symopt.scenario.loading import load_scenario
from symopt.text import printable

if TYPE_CHECKING:  # imported in the command: the solver stack takes seconds to load
    from symopt.studies.share import ShareRun

__all__ = ["register_share_command", "share_command"]

#: Wide enough for firm names when the output is a file or a pipe.
stdout = Console(width=None if sys.stdout.isatty() else 140)
stderr = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def share_command(
    scenario_file: Annotated[
        Path, typer.Argument(help="Scenario file (YAML) with facility owners.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default results/<file stem>-share/)."),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            min=2,
            help="Estimate Shapley values from this many random orders of the firms "
            "(default: exact for up to 12 firms, else 200 orders).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, help="Local worker processes (default 1: this process)."),
    ] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampled orders.")] = 0,
    profile: Profile = None,
    mip_gap: MipGap = None,
    time_limit: TimeLimit = None,
    threads: Threads = None,
    max_file_mb: MaxFileMb = DEFAULT_MAX_FILE_MB,
) -> None:
    """Split the park's gain fairly between firms: Shapley, core, proportional, transfers."""
    from symopt.solver.pipeline import solver_options
    from symopt.studies.share import run_share

    try:
        options = solver_options(profile, mip_gap=mip_gap, time_limit=time_limit, threads=threads)
        scenario = load_scenario(scenario_file)
    except ScenarioError as error:
        for issue in error.issues:
            stderr.print(str(issue), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    folder = out if out is not None else Path("results") / f"{scenario_file.stem}-share"
    if scenario.objective != "cost":
        stderr.print(
            "note: the game is about annual cost; every coalition is solved for cost, "
            "not for the scenario's objective",
            highlight=False,
        )
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("done {task.fields[ok]}  failed {task.fields[failed]}"),
        TimeElapsedColumn(),
        console=stderr,
    )
    try:
        with progress:
            run = run_share(
                scenario,
                out=folder,
                samples=samples,
                workers=workers,
                scheduler=scheduler,
                seed=seed,
                options=options,
                progress=progress,
            )
    except KeyboardInterrupt:
        stderr.print("interrupted: the solved coalitions are stored; rerun to continue")
        raise typer.Exit(130) from None
    print_share(run, stdout)
    stdout.print(f"results written to {folder}/", highlight=False)
    if run.messages:
        raise typer.Exit(ExitCode.INFEASIBLE)


def _money(value: float, currency: str) -> str:
    return "-" if not math.isfinite(value) else f"{value:,.0f} {currency}"


def print_share(run: ShareRun, console: Console) -> None:
    """Per firm: standalone cost, Shapley cost and saving, proportional split; transfers."""
    from symopt.studies.coalitions import members

    currency = printable(run.currency)
    sampled = run.method == "sampled"
    how = f"sampled, {run.samples} orders" if sampled else "exact"
    table = Table(
        title=f"fair split of the annual cost ({how}; {currency} per year)", title_justify="left"
    )
    columns = ["firm", "standalone", "Shapley cost", "Shapley saving", "proportional cost"]
    if sampled:
        columns.insert(3, "± s.e.")
    for column in columns:
        table.add_column(column, justify="left" if column == "firm" else "right")
    for row in run.firms.to_dict("records"):
        cells = [
            printable(str(row["name"])),
            _money(float(row["standalone_cost"]), currency),
            _money(float(row["shapley_cost"]), currency),
            _money(float(row["shapley_saving"]), currency),
            _money(float(row["proportional_cost"]), currency),
        ]
        if sampled:
            cells.insert(3, _money(float(row["shapley_cost_se"]), currency))
        table.add_row(*cells)
    console.print(table)
    grand = run.grand.summary.total_cost
    console.print(f"park (all firms together): {_money(grand, currency)} per year", highlight=False)
    core = run.core
    if core is not None:
        if core.in_core:
            console.print(
                f"Shapley allocation in the core: no group of firms would pay less on its own "
                f"({core.checked} coalitions checked)",
                highlight=False,
            )
        else:
            firms = list(run.firms["name"])
            group = ", ".join(printable(str(firms[i])) for i in members(core.blocking, len(firms)))
            console.print(
                f"Shapley allocation NOT in the core: {group} would pay "
                f"{_money(core.excess, currency)} per year less on their own",
                highlight=False,
            )
    for message in run.messages:
        console.print(f"undefined: {printable(message)}", highlight=False, markup=False)
    if not run.transfers.empty:
        transfers = Table(
            title=f"transfers realising the Shapley allocation ({currency} per year)",
            title_justify="left",
        )
        for column in ("payer", "pays", "to", "via link"):
            transfers.add_column(column, justify="right" if column == "pays" else "left")
        for row in run.transfers.to_dict("records"):
            link = (
                f"{row['source']} -> {row['sink']} ({row['resource']}, {row['mode']})"
                if row["source"]
                else "(no link: park pool)"
            )
            transfers.add_row(
                printable(str(row["payer_name"])),
                _money(float(row["amount"]), currency),
                printable(str(row["payee_name"])),
                printable(link),
            )
        console.print(transfers)


def register_share_command(app: typer.Typer) -> None:
    """Add `share` to the `symopt` command."""
    app.command("share")(share_command)
