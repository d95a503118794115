"""Sweeps give what solving each variant on its own gives; the store resumes; the CLI reports."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
import yaml
from typer.testing import CliRunner

import symopt
from symopt.cli.main import app
from symopt.solver.highs import SolverOptions
from symopt.solver.session import Resolver
from symopt.studies.store import Store
from symopt.studies.sweep import run_sweep
from symopt.studies.sweep_spec import load_sweep
from symopt.studies.variants import expand_variants

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "scenarios" / "examples"
REL = 1e-7


def write_sweep(folder: Path, body: str, base: str = "heat_greenhouse.yaml") -> Path:
    path = folder / "sweep.yaml"
    header = f"base: {EXAMPLES / base}\nsolver: {{mip_gap: 0}}\n"
    path.write_text(header + textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


GRID = """
    parameters:
      - {path: economics.carbon_price, values: [0, 70, 200]}
      - path: transport.heat_pipe.capex_per_km
        range: {start: 1000000, stop: 3000000, steps: 3}
    """
ZIP = """
    parameters:
      - {path: economics.carbon_price, values: [0, 70, 200, 400]}
      - path: "facilities.greenhouse.demands[0].amount.winter"
        values: [10000, 20000, 36000, 50000]
    combine: zip
    """
SAMPLE = """
    parameters:
      - path: economics.carbon_price
        distribution: {triangular: {low: 0, mode: 70, high: 300}}
      - path: transport.heat_pipe.capex_per_km
        distribution: {uniform: {low: 500000, high: 3500000}}
      - path: "facilities.greenhouse.demands[0].amount.winter"
        distribution: {normal: {mean: 36000, sd: 8000, low: 15000, high: 60000}}
    combine: sample
    samples: 6
    seed: 11
    """


def solve_variant_file(folder: Path, data: dict[str, object]) -> symopt.Result:
    """Write the variant as a scenario file and solve that file on its own."""
    path = folder / "variant.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return symopt.solve(symopt.load_scenario(path), mip_gap=0)


@pytest.mark.parametrize(
    ("body", "count"), [(GRID, 9), (ZIP, 4), (SAMPLE, 6)], ids=["grid", "zip", "sample"]
)
def test_sweep_matches_solving_each_variant_file(tmp_path: Path, body: str, count: int) -> None:
    spec = write_sweep(tmp_path, body)
    frame = symopt.sweep(spec, workers=1, out=tmp_path / "out")
    variants = expand_variants(load_sweep(spec))
    assert len(frame) == count == len(variants)
    assert list(frame.index) == list(range(count))
    assert (frame["status"] == "optimal").all()
    for variant in variants:
        row = frame.loc[variant.index]
        assert row["variant"] == variant.key
        for name, value in variant.values.items():
            assert row[name] == pytest.approx(value)
        alone = solve_variant_file(tmp_path, variant.data)
        assert row["objective"] == pytest.approx(alone.objective, rel=REL)
        assert row["total_emissions"] == pytest.approx(
            alone.summary.total_emissions, rel=REL, abs=1e-6
        )
        assert row["built_links"] == len(alone.links)
    # the objective really moves across the variants (the sweep is not trivially constant)
    assert frame["objective"].nunique() > 1


def _compare_with_fresh_solves(resolver: Resolver, variants: list[Any]) -> set[int]:
    built = set()
    for variant in variants:
        reused = resolver.solve(variant.scenario)
        fresh = symopt.solve(variant.scenario, mip_gap=0)
        assert reused.status == fresh.status == symopt.SolveStatus.OPTIMAL
        assert reused.objective == pytest.approx(fresh.objective, rel=1e-9)
        assert reused.summary.total_cost == pytest.approx(fresh.summary.total_cost, rel=1e-9)
        built.add(len(fresh.links))
    return built


def test_cost_only_variants_are_re_solved_in_place(tmp_path: Path) -> None:
    # Prices and costs only: the HiGHS model gets a new cost vector, nothing is rebuilt.
    spec = write_sweep(
        tmp_path,
        """
        parameters:
          - {path: economics.carbon_price, values: [0, 50, 100, 150, 300]}
          - {path: transport.heat_pipe.capex_per_km, values: [800000, 1600000, 2400000, 3200000]}
        """,
    )
    variants = expand_variants(load_sweep(spec))
    assert len(variants) == 20
    resolver = Resolver(options=SolverOptions(mip_gap=0))
    built = _compare_with_fresh_solves(resolver, variants)
    assert (resolver.rebuilds, resolver.resolves) == (1, 19)
    assert built == {1, 2}  # the pipe is built in some variants and not in others


def test_persistent_path_gives_the_same_optima_as_rebuilding(tmp_path: Path) -> None:
    # Amounts change too: with a hook the Resolver updates mutable Params in place.
    spec = write_sweep(
        tmp_path,
        """
        parameters:
          - {path: economics.carbon_price, values: [0, 150]}
          - {path: transport.heat_pipe.capex_per_km, values: [800000, 1600000, 2400000, 3200000]}
          - path: "facilities.greenhouse.demands[0].amount.winter"
            values: [20000, 36000, 60000]
        """,
    )
    variants = expand_variants(load_sweep(spec))
    assert len(variants) == 24
    resolver = Resolver(options=SolverOptions(mip_gap=0), hook=lambda model: None)
    built = _compare_with_fresh_solves(resolver, variants)
    assert (resolver.rebuilds, resolver.resolves) == (1, 23)
    assert built == {1, 2}
    # Without a hook, a changed amount means a rebuild (faster than updating Params).
    plain = Resolver(options=SolverOptions(mip_gap=0))
    _compare_with_fresh_solves(plain, variants[:3])
    assert plain.rebuilds == 3


def test_rerun_skips_stored_variants_and_adds_new_ones(tmp_path: Path) -> None:
    spec = write_sweep(tmp_path, GRID)
    out = tmp_path / "out"
    first = run_sweep(spec, workers=1, out=out)
    assert (first.solved, first.skipped) == (9, 0)
    files = Store(out).files()
    again = run_sweep(spec, workers=1, out=out)
    assert (again.solved, again.skipped) == (0, 9)
    assert Store(out).files() == files
    pd.testing.assert_frame_equal(first.frame, again.frame)
    spec.write_text(spec.read_text().replace("[0, 70, 200]", "[0, 70, 200, 500]"))
    more = run_sweep(spec, workers=1, out=out)
    assert (more.solved, more.skipped, more.variants) == (3, 9, 12)
    assert len(Store(out).read()) == 12
    assert not list((out / "store").glob(".*"))  # no temporary files left


def test_store_columns(tmp_path: Path) -> None:
    spec = write_sweep(tmp_path, GRID)
    frame = symopt.sweep(spec, workers=1, out=tmp_path / "out")
    stored = pd.read_parquet(tmp_path / "out" / "store")
    assert len(stored) == 9
    for column in (
        "variant",
        "economics.carbon_price",
        "transport.heat_pipe.capex_per_km",
        "status",
        "objective",
        "total_cost",
        "total_emissions",
        "cost_saving",
        "emission_saving",
        "mip_gap",
        "solve_seconds",
        "seconds",
        "path",
        "built_links",
        "built_facilities",
        "links",
        "error",
    ):
        assert column in stored.columns, column
    assert "resolve" in set(frame["path"])  # one Resolver per worker: the model is reused
    built = frame[frame["built_links"] == 2]
    assert built["links"].str.contains("electrolyser->greenhouse (heat_pipe)", regex=False).all()


def test_a_variant_without_solution_is_stored_with_its_error(tmp_path: Path) -> None:
    spec = write_sweep(
        tmp_path,
        """
        parameters:
          - {path: economics.carbon_price, values: [0, 70]}
        solver: {mip_gap: 0, time_limit: 0.000001}
        """,
    )
    spec.write_text(spec.read_text().replace("solver: {mip_gap: 0}\n", "", 1))
    frame = symopt.sweep(spec, workers=1, out=tmp_path / "out")
    assert len(frame) == 2
    # HiGHS checks the clock after its trivial heuristics: a re-solve sometimes has a plan
    # by then (status feasible, "Time limit reached"); a fresh one had none in 30 of 30 trials.
    failed = frame[frame["status"] == "error"]
    assert frame["status"].isin(["error", "feasible"]).all()
    assert len(failed) >= 1
    assert failed["error"].str.startswith("no solution: the solver ended with").all()
    assert failed["error"].str.contains("Time limit").all()


def test_cli_sweep_summary_and_details(tmp_path: Path) -> None:
    spec = write_sweep(tmp_path, GRID)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["sweep", str(spec), "--workers", "1", "--out", str(out), "--summary", "--details"]
    )
    assert result.exit_code == 0, result.output
    assert "9 variants: 9 solved now (0 failed), 0 already stored" in result.output
    assert "status: 9 optimal" in result.output
    assert (out / "summary.csv").is_file()
    assert (out / "plots" / "objective_vs_economics.carbon_price.png").stat().st_size > 1000
    assert (out / "plots" / "objective_vs_transport.heat_pipe.capex_per_km.png").is_file()
    details = list((out / "details").iterdir())
    assert len(details) == 9
    assert (details[0] / "summary.json").is_file()
    assert (details[0] / "flows.csv").is_file()
    rerun = CliRunner().invoke(app, ["sweep", str(spec), "--workers", "1", "--out", str(out)])
    assert rerun.exit_code == 0
    assert "0 solved now (0 failed), 9 already stored" in rerun.output


EXAMPLE_SWEEP_SIZES = {
    "boden_carbon_heat_pipe.yaml": 16,  # 4 carbon prices x 4 pipe costs
    "heat_carbon_pipe.yaml": 18,  # 3 x 6
    "oxygen_carbon_pipe.yaml": 24,  # 24 Latin-hypercube samples
}


def test_example_sweeps_are_valid() -> None:
    paths = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
    assert {path.name for path in paths} == set(EXAMPLE_SWEEP_SIZES)
    for path in paths:
        variants = expand_variants(load_sweep(path))
        assert len(variants) == EXAMPLE_SWEEP_SIZES[path.name], path


def test_store_keeps_the_newest_row_of_a_variant(tmp_path: Path) -> None:
    store = Store(tmp_path)
    kinds = {"economics.carbon_price": pa.float64()}
    for status in ("error", "optimal", "infeasible"):  # three batches within one second
        store.append([{"variant": "k", "status": status, "economics.carbon_price": 1}], kinds)
    assert list(store.read()["status"]) == ["infeasible"]
    assert store.keys() == {"k"}
