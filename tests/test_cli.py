"""`symopt solve` / `validate` end to end: exit codes, output files, their columns."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from reference_milp import reference_optimum
from typer.testing import CliRunner

from symopt.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios" / "examples"
runner = CliRunner()

INFEASIBLE = """
symopt: 1
name: methanol plant without a CO2 supply in reach
resources:
  co2: {unit: t}
  methanol: {unit: t}
sites:
  chp: {lat: 0, lon: 0}
  plant: {lat: 0, lon: 0.2}
facilities:
  chp:
    site: chp
    supplies: [{resource: co2, amount: 150000}]
  methanol_plant:
    site: plant
    process:
      min_activity: 100000
      inputs: [{resource: co2, per_activity: 1.5}]
      outputs: [{resource: methanol, per_activity: 1.0}]
transport:
  co2_pipe: {resources: [co2], capex_per_km: 1000, max_distance: 5}
"""


def _solve(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["solve", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", ["oxygen_wastewater", "heat_greenhouse", "water_reuse"])
def test_solve_writes_every_file_with_the_true_optimum(tmp_path: Path, name: str) -> None:
    file = EXAMPLES / f"{name}.yaml"
    code, stdout, _ = _solve(str(file), "--mip-gap", "0", "--out", str(tmp_path))
    assert code == 0
    assert "annual cost" in stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    expected = reference_optimum(yaml.safe_load(file.read_text()))
    assert summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(expected, rel=1e-6)
    for key in (
        "total_cost",
        "total_emissions",
        "baseline_cost",
        "baseline_emissions",
        "cost_saving",
        "emission_saving",
        "mip_gap",
        "solve_seconds",
        "scenario",
        "symopt_version",
    ):
        assert key in summary
    assert summary["cost_saving"] == pytest.approx(summary["baseline_cost"] - summary["total_cost"])
    flows = pd.read_csv(tmp_path / "flows.csv")
    assert list(flows.columns[:8]) == [
        "source",
        "supply_resource",
        "sink",
        "mode",
        "slice",
        "distance_km",
        "sent",
        "delivered",
    ]
    for table in ("links", "alternatives", "disposals", "facilities"):
        assert (tmp_path / f"{table}.csv").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_objective_option_and_profiles(tmp_path: Path) -> None:
    file = str(EXAMPLES / "heat_greenhouse.yaml")
    code, _, _ = _solve(
        file, "--objective", "emissions", "--profile", "exact", "--out", str(tmp_path)
    )
    assert code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["objective_kind"] == "emissions"
    assert summary["objective"] == pytest.approx(summary["total_emissions"])
    data = yaml.safe_load(Path(file).read_text())
    assert summary["objective"] == pytest.approx(
        reference_optimum(data, objective="emissions"), rel=1e-6, abs=1e-9
    )


def test_unknown_profile_is_bad_input(tmp_path: Path) -> None:
    code, _, stderr = _solve(str(EXAMPLES / "water_reuse.yaml"), "--profile", "nonesuch")
    assert code == 2
    assert "no solver profile 'nonesuch'" in stderr
    assert "exact" in stderr


def test_infeasible_scenario_exits_3_with_the_reason(tmp_path: Path) -> None:
    file = tmp_path / "methanol.yaml"
    file.write_text(INFEASIBLE)
    out = tmp_path / "out"
    code, _, stderr = _solve(str(file), "--out", str(out))
    assert code == 3
    assert "infeasible" in stderr
    assert "'methanol_plant' cannot be served with 'co2'" in stderr
    assert "too far" in stderr
    assert "max_distance of 5 km" in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible"
    assert summary["objective"] is None
    assert summary["diagnosis"]


def test_several_files_get_a_folder_each(tmp_path: Path) -> None:
    files = [str(EXAMPLES / "oxygen_wastewater.yaml"), str(EXAMPLES / "water_reuse.yaml")]
    code, _, _ = _solve(*files, "--out", str(tmp_path), "--quiet")
    assert code == 0
    assert (tmp_path / "oxygen_wastewater" / "summary.json").is_file()
    assert (tmp_path / "water_reuse" / "summary.json").is_file()


def test_version_and_real_process_exit_code(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert "symopt" in result.stdout
    file = tmp_path / "methanol.yaml"
    file.write_text(INFEASIBLE)
    process = subprocess.run(
        [sys.executable, "-m", "symopt", "solve", str(file), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 3
    assert "Traceback" not in process.stderr
