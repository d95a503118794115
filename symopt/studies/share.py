"""The fair split of the park's gain between firms (`symopt share`).

The cost game: v(S) = the optimal annual cost (objective `cost`) of the scenario
restricted to the facilities owned by the firms in S (the others removed, with their
links). Each coalition is a variant solved by the sweep machinery (a worker's `Resolver`,
local processes or Dask, the resumable Parquet store in `<out>/store/`). A coalition
whose firms split into groups with no candidate link between them is not solved: its
model is the groups' models side by side, so v(S) = sum of v(group) exactly.

Exact Shapley values by enumerating every coalition for up to `EXACT_LIMIT` firms, else
(or with `samples`) permutation sampling with a standard error per firm; the core check
against every coalition solved; the proportional split; and the transfers along the
links that realise the Shapley allocation (`symopt.studies.transfers`). See docs/sharing.md.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from symopt.enums import SolveStatus
from symopt.errors import SymoptError
from symopt.network.candidates import build_network
from symopt.scenario.schema import Scenario
from symopt.solver.diagnose import explain_infeasibility
from symopt.solver.highs import SolverOptions
from symopt.solver.pipeline import solve, solver_options
from symopt.studies.coalition_task import CoalitionTask, solve_coalition
from symopt.studies.coalitions import (
    components,
    core_check,
    members,
    prefix_masks,
    proportional_split,
    sample_permutations,
    shapley_exact,
    shapley_sampled,
)
from symopt.studies.runners import OutcomeSink, run_dask, run_inline, run_pool
from symopt.studies.share_tables import (
    ShareRun,
    coalition_table,
    firm_table,
    label,
    write_share,
)
from symopt.studies.store import Store
from symopt.studies.tasks import VariantTask
from symopt.studies.transfers import (
    TRANSFER_COLUMNS,
    cost_before_transfers,
    transfer_payments,
)

__all__ = ["EXACT_LIMIT", "ShareRun", "run_share", "share"]

#: Up to this many firms, every coalition is solved and Shapley values are exact.
EXACT_LIMIT = 12
#: Permutations drawn when there are more firms and no `samples` is given.
DEFAULT_SAMPLES = 200
_SOLVED = (SolveStatus.OPTIMAL.value, SolveStatus.FEASIBLE.value)
#: Infeasible coalitions whose reason is worked out (each a diagnosis re-solve).
EXPLAINED = 8


def _firms(scenario: Scenario) -> tuple[list[str], dict[str, str]]:
    owner = {name: scenario.owner_of(name) for name in scenario.facilities}
    return list(dict.fromkeys(owner.values())), owner


def restrict(scenario: Scenario, keep: set[str]) -> Scenario:
    """The scenario with only the facilities owned by the firms in `keep`."""
    facilities = {
        name: facility
        for name, facility in scenario.facilities.items()
        if scenario.owner_of(name) in keep
    }
    return scenario.model_copy(update={"facilities": facilities})


def _adjacency(scenario: Scenario, firms: list[str], owner: dict[str, str]) -> list[int]:
    """Per firm, the mask of the firms it has a candidate link with (either direction)."""
    network = build_network(scenario)
    index = {firm: i for i, firm in enumerate(firms)}
    facility_firm = [index[owner[str(name)]] for name in network.facilities["facility"]]
    source = network.supplies["facility_index"].to_numpy(dtype=int)[network.links["supply"]]
    sink = network.demands["facility_index"].to_numpy(dtype=int)[network.links["demand"]]
    adjacency = [0] * len(firms)
    for a, b in {(facility_firm[s], facility_firm[k]) for s, k in zip(source, sink, strict=True)}:
        adjacency[a] |= 1 << b
        adjacency[b] |= 1 << a
    return adjacency


def _key(base: str, mask: int, firms: list[str], options: SolverOptions) -> str:
    text = f"{base}\n{label(mask, firms)}\n{options!r}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _solve_parts(
    scenario: Scenario,
    firms: list[str],
    parts: set[int],
    options: SolverOptions,
    store: Store,
    workers: int | None,
    scheduler: Any,
    progress: Any,
    warm_start: bool = True,
) -> tuple[dict[int, dict[str, Any]], int]:
    """Solve the connected coalitions not yet in the store; every part's stored row.

    Smaller coalitions first, so that a worker has the plans of S \\ {i} and {i} when
    it meets S (`symopt.studies.coalition_task`, warm start)."""
    base = scenario.model_dump_json()
    keys = {mask: _key(base, mask, firms, options) for mask in parts}
    base_hash = hashlib.sha256(base.encode("utf-8")).hexdigest()
    done = store.keys()
    tasks: list[VariantTask] = []
    for mask in sorted(parts, key=lambda mask: (bin(mask).count("1"), mask)):
        if keys[mask] in done:
            continue
        groups = tuple(
            tuple(name for name in scenario.facilities if scenario.owner_of(name) == firms[i])
            for i in members(mask, len(firms))
        )
        tasks.append(
            CoalitionTask(
                keys[mask],
                scenario,
                "cost",
                options,
                base=base_hash,
                facilities=tuple(name for group in groups for name in group),
                groups=groups,
                warm_start=warm_start,
            )
        )
    values = {keys[mask]: {"coalition": label(mask, firms)} for mask in parts}
    sink = OutcomeSink(store, values, {"coalition": pa.string()}, total=len(tasks))
    if progress is not None and tasks:
        sink.progress = progress
        sink.task_id = progress.add_task(
            "coalitions", total=len(tasks), ok=0, failed=0, remaining=len(tasks)
        )
    try:
        if scheduler is not None and tasks:
            run_dask(tasks, solve_coalition, scheduler, sink)
        elif tasks and (workers is None or workers <= 1 or len(tasks) == 1):
            run_inline(tasks, solve_coalition, sink)
        elif tasks:
            run_pool(tasks, solve_coalition, min(workers or os.cpu_count() or 1, len(tasks)), sink)
    finally:
        sink.flush()
    stored = store.read().set_index("variant")
    rows: dict[int, dict[str, Any]] = {}
    for mask, key in keys.items():
        if key not in stored.index:
            rows[mask] = {
                "status": SolveStatus.ERROR.value,
                "error": "its solve was lost (the worker died)",
            }
        else:
            rows[mask] = {str(name): item for name, item in stored.loc[key].items()}
    return rows, len(tasks) - len(sink.lost)


def _reason(row: dict[str, Any]) -> str:
    status = str(row.get("status"))
    error = row.get("error")
    if isinstance(error, str) and error:
        return f"{status}: {error}"
    return status


def _explain(
    scenario: Scenario, firms: list[str], mask: int, options: SolverOptions, row: dict[str, Any]
) -> str:
    """Why a coalition has no value, in a planner's words."""
    if row.get("status") == SolveStatus.INFEASIBLE.value:
        restricted = restrict(scenario, {firms[i] for i in members(mask, len(firms))})
        causes = explain_infeasibility(restricted, build_network(restricted), options)
        return "infeasible: " + "; ".join(causes)
    if row.get("status") == SolveStatus.UNBOUNDED.value:
        return "unbounded: its cost can be lowered without limit"
    return _reason(row)


def run_share(
    scenario: Scenario,
    *,
    out: str | Path | None = None,
    samples: int | None = None,
    workers: int | None = 1,
    scheduler: Any = None,
    seed: int = 0,
    options: SolverOptions | None = None,
    progress: Any = None,
    warm_start: bool = True,
) -> ShareRun:
    """The game, its Shapley and proportional allocations, core check and transfers.

    `warm_start`: each coalition starts from the union of smaller coalitions' plans
    solved before it in the same worker (never changes a value; off: every coalition
    solved cold, for comparison)."""
    options = options or solver_options()
    firms, owner = _firms(scenario)
    n = len(firms)
    if samples is not None and samples < 2:
        raise SymoptError(f"--samples must be at least 2 (got {samples}) for a standard error")
    method = "exact" if samples is None and n <= EXACT_LIMIT else "sampled"
    if method == "exact":
        needed = set(range(1, 1 << n))
        orders = np.empty((0, n), dtype=int)
    else:
        samples = samples or DEFAULT_SAMPLES
        orders = sample_permutations(n, samples, seed)
        needed = prefix_masks(orders) | {1 << i for i in range(n)}
    grand_mask = (1 << n) - 1
    grand = solve(scenario, objective="cost", options=options)
    adjacency = _adjacency(scenario, firms, owner)
    split = {mask: components(mask, adjacency) for mask in needed}
    parts = {part for pieces in split.values() for part in pieces} - {grand_mask}
    with tempfile.TemporaryDirectory(prefix="symopt-share-") as scratch:
        store = Store(Path(out) if out is not None else Path(scratch))
        with store.lock():  # one run per store; a killed run's lock is taken over
            rows, solved = _solve_parts(
                scenario, firms, parts, options, store, workers, scheduler, progress, warm_start
            )
    rows[grand_mask] = {
        "status": grand.status.value,
        "total_cost": grand.summary.total_cost,
        "error": None,
    }
    value: dict[int, float] = {0: 0.0}
    for mask, row in rows.items():
        ok = row.get("status") in _SOLVED
        value[mask] = float(row["total_cost"]) if ok else math.nan
    messages: list[str] = []
    failed = [
        mask
        for mask in sorted(rows, key=lambda m: (bin(m).count("1"), m))
        if math.isnan(value[mask])
    ]
    reasons = {
        mask: _explain(scenario, firms, mask, options, rows[mask])
        if index < EXPLAINED
        else _reason(rows[mask])
        for index, mask in enumerate(failed)
    }
    for mask in needed:
        if mask not in value:
            value[mask] = float(sum(value[part] for part in split[mask]))
    coalitions = coalition_table(
        firms, needed | {grand_mask}, split, rows, value, reasons, scenario.currency
    )
    standalone = np.array([value[1 << i] for i in range(n)])
    grand_cost = value[grand_mask]
    for mask in failed:
        who = ", ".join(repr(firms[i]) for i in members(mask, n))
        lead = (
            f"firm {who} cannot stand alone"
            if bin(mask).count("1") == 1
            else f"coalition of {who} has no value"
        )
        messages.append(f"{lead}: {reasons[mask]}")
    if method == "exact":
        table = np.array([value[mask] for mask in range(1 << n)])
        shapley, error = shapley_exact(table), None
    else:
        sampled = shapley_sampled(orders, value)
        shapley, error = sampled.value, sampled.standard_error
    core = None
    if np.isfinite(shapley).all() and math.isfinite(grand_cost):
        known = {mask: v for mask, v in value.items() if math.isfinite(v)}
        core = core_check(shapley, known, grand_cost)
    proportional = proportional_split(standalone, grand_cost)
    before = (
        cost_before_transfers(grand, owner, firms, scenario.economics.carbon_price)
        if grand.status.has_solution
        else np.full(n, math.nan)
    )
    names = {firm: scenario.firm_name(firm) for firm in firms}
    frame = firm_table(
        scenario,
        firms,
        owner,
        standalone,
        shapley,
        error,
        proportional,
        before,
        core,
        failed,
        reasons,
    )
    if np.isfinite(shapley).all() and np.isfinite(before).all():
        transfers = transfer_payments(
            grand, owner, firms, shapley - before, names, scenario.currency
        )
    else:
        transfers = pd.DataFrame(columns=TRANSFER_COLUMNS)
    run = ShareRun(
        firms=frame,
        coalitions=coalitions,
        transfers=transfers,
        grand=grand,
        core=core,
        method=method,
        samples=int(samples or 0),
        currency=scenario.currency,
        messages=tuple(messages),
        solved=solved,
    )
    if out is not None:
        write_share(run, out)
    return run


def share(
    scenario: Scenario,
    *,
    out: str | Path | None = None,
    samples: int | None = None,
    workers: int | None = 1,
    scheduler: Any = None,
    seed: int = 0,
    options: SolverOptions | None = None,
) -> pd.DataFrame:
    """The fair split of the park's annual cost between its firms (one row per firm).

    Columns: `firm`, `name`, `facilities`, `standalone_cost` v({i}), `shapley_cost`
    (and `shapley_cost_se` when sampled), `shapley_saving`, `proportional_cost`,
    `proportional_saving`, `in_core`, `cost_before_transfers`, `net_transfer` (what the
    firm pays the others per year; negative: receives), `currency`, `note` (why a value
    is undefined). Exact for up to 12 firms unless `samples` permutations are asked for.
    With `out`, also writes firms.csv, coalitions.parquet, transfers.csv and share.json
    there, and keeps the solved coalitions in `out/store/` so that a rerun resumes.
    See docs/sharing.md.
    """
    return run_share(
        scenario,
        out=out,
        samples=samples,
        workers=workers,
        scheduler=scheduler,
        seed=seed,
        options=options,
    ).firms
