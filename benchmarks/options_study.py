"""Formulation and HiGHS options for fixed-charge flow models, measured (issue 12).

1. Link capacity rows: symopt's disaggregated `x[l,t] <= M[l,t] y[l]` (one row per link
   and slice) against the aggregated `sum_t x[l,t] <= (sum_t M[l,t]) y[l]` (one row per
   link). Every plan that meets the disaggregated rows meets the aggregated one, so the
   aggregated LP relaxation can only be weaker; measured: both LP bounds and the MIP.
2. HiGHS options on symopt's model: presolve off, symmetry detection off, more (0.3) or
   less (0.0) primal heuristic effort than the default 0.05, and symopt's primal start.

Each MIP runs under the same time budget, one thread, seed 0; reported: status, plan,
gap reached, seconds. Writes the "Formulation and HiGHS options" section of results.md.

    python -m benchmarks.options_study [--budget 30] [--no-write]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

import symopt
from benchmarks.hard import RESULTS, _pct, cap_scenario, park_scenario
from benchmarks.hard_instances import generate_cap
from benchmarks.report import machine, markdown_table, write_section
from symopt.model.build import build_model
from symopt.model.objective import Objective
from symopt.solver.highs import (
    SolverOptions,
    StandardForm,
    compile_standard_form,
    new_highs,
    pass_model,
)
from symopt.solver.start import run_started

BEGIN, END = "<!-- options-section: begin -->", "<!-- options-section: end -->"
SETTINGS: dict[str, dict[str, Any]] = {
    "HiGHS defaults (symopt today)": {},
    "presolve off": {"presolve": "off"},
    "symmetry detection off": {"mip_detect_symmetry": False},
    "heuristic effort 0.3": {"mip_heuristic_effort": 0.3},
    "heuristic effort 0": {"mip_heuristic_effort": 0.0},
    "symopt primal start": {"primal_start": True},
}


def aggregated(model: Any, form: StandardForm) -> StandardForm:
    """`form` with the `link_capacity` rows summed per link (same columns)."""
    info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=pyo.minimize)
    names = [row.constraint.parent_component().local_name for row in info.rows]
    links = [
        row.constraint.index()[0] if n == "link_capacity" else None
        for row, n in zip(info.rows, names, strict=True)
    ]
    keep = [i for i, link in enumerate(links) if link is None]
    groups = sorted({link for link in links if link is not None})
    position = {link: k for k, link in enumerate(groups)}
    capacity_rows = [i for i, link in enumerate(links) if link is not None]
    summing = sp.csr_array(
        (
            np.ones(len(capacity_rows)),
            ([position[links[i]] for i in capacity_rows], capacity_rows),
        ),
        shape=(len(groups), len(links)),
    )
    matrix = sp.vstack([form.matrix.tocsr()[keep], summing @ form.matrix.tocsr()]).tocsc()
    inf = highspy.kHighsInf
    return dataclasses.replace(
        form,
        matrix=matrix,
        row_lower=np.concatenate([form.row_lower[keep], np.full(len(groups), -inf)]),
        row_upper=np.concatenate([form.row_upper[keep], np.zeros(len(groups))]),
    )


def lp_bound(form: StandardForm) -> tuple[float, float]:
    highs = new_highs(SolverOptions(threads=1))
    pass_model(highs, form)
    columns = np.flatnonzero(form.integer).astype(np.int32)
    kinds = np.full(len(columns), highspy.HighsVarType.kContinuous)
    highs.changeColsIntegrality(len(columns), columns, kinds)
    clock = time.perf_counter()
    highs.run()
    return float(highs.getInfo().objective_function_value), time.perf_counter() - clock


def solve(form: StandardForm, options: SolverOptions) -> tuple[str, float, float, float]:
    highs = new_highs(options)
    pass_model(highs, form)
    clock = time.perf_counter()
    run, _ = run_started(highs, form.integer, options)
    return run.status.value, run.objective, run.mip_gap, time.perf_counter() - clock


def _gap_of(row: list[str]) -> float:
    return float(row[4].rstrip("%")) if row[4] != "-" else float("inf")


def study(budget: float) -> str:
    base = SolverOptions(mip_gap=1e-4, time_limit=budget, threads=1, random_seed=0)
    cases = {
        "park medium": park_scenario("medium"),
        "location 40x400 ratio 3": cap_scenario(generate_cap("cfl-40", 3.0, 104, 40, 400)),
    }
    option_rows, formulation_rows = [], []
    for name, scenario in cases.items():
        model = build_model(symopt.build_network(scenario), Objective.of(scenario.objective))
        form = compile_standard_form(model)
        for label, setting in SETTINGS.items():
            options = dataclasses.replace(
                base,
                primal_start=bool(setting.get("primal_start", False)),
                highs_options={k: v for k, v in setting.items() if k != "primal_start"},
            )
            status, objective, gap, seconds = solve(form, options)
            option_rows.append(
                [name, label, status, f"{objective:,.2f}", _pct(gap), f"{seconds:.1f}"]
            )
            print("  ", *option_rows[-1], flush=True)
        if name.startswith("park"):
            weak = aggregated(model, form)
            for label, variant in (("disaggregated (symopt)", form), ("aggregated per link", weak)):
                bound, lp_seconds = lp_bound(variant)
                status, objective, gap, seconds = solve(variant, base)
                formulation_rows.append(
                    [
                        name,
                        label,
                        f"{len(variant.row_lower)}",
                        f"{bound:,.2f}",
                        f"{lp_seconds:.1f}",
                        status,
                        f"{objective:,.2f}",
                        _pct(gap),
                        f"{seconds:.1f}",
                    ]
                )
                print("  ", *formulation_rows[-1], flush=True)
    info = machine()
    return (
        "\n".join(
            [
                BEGIN,
                "## Formulation and HiGHS options",
                "",
                f"`python -m benchmarks.options_study`: budget {budget:g} s per MIP, one thread, "
                f"seed 0, mip_gap 1e-4; measured {info['date']} on {info['cpu']} while other "
                "work shared the machine (single runs: MIP times vary by seed, read the gaps).",
                "",
                markdown_table(
                    [
                        "case",
                        "link capacity rows",
                        "rows",
                        "LP bound",
                        "LP s",
                        "MIP status",
                        "plan",
                        "gap",
                        "MIP s",
                    ],
                    formulation_rows,
                ),
                "",
                markdown_table(["case", "setting", "status", "plan", "gap", "s"], option_rows),
                "",
                "Smallest gap reached per case: "
                + "; ".join(
                    f"{case}: {min((r for r in option_rows if r[0] == case), key=_gap_of)[1]}"
                    for case in cases
                )
                + ". The shipped profiles keep HiGHS's defaults (the primal start stays off: "
                "see the hard instances): "
                "an option is changed only where it wins on every case, by more than the "
                "run-to-run variation.",
                END,
            ]
        )
        + "\n"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    text = study(args.budget)
    print(text)
    if not args.no_write:
        write_section(text, RESULTS, BEGIN, END)


if __name__ == "__main__":
    main()
