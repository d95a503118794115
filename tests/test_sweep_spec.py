"""Sweep files: fields, dotted paths, combinations and variant validation, errors with lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from symopt.cli.main import app
from symopt.errors import ScenarioError
from symopt.studies.sweep_spec import load_sweep, parse_path
from symopt.studies.variants import expand_variants, variant_key

EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios" / "examples"
HEAT = EXAMPLES / "heat_greenhouse.yaml"


def write_sweep(folder: Path, body: str, base: Path = HEAT) -> Path:
    path = folder / "sweep.yaml"
    path.write_text(f"base: {base}\n" + textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def issues_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        expand_variants(load_sweep(path))
    return [str(issue) for issue in caught.value.issues]


def test_parse_path() -> None:
    assert parse_path("facilities.greenhouse.demands[0].amount") == (
        "facilities",
        "greenhouse",
        "demands",
        0,
        "amount",
    )
    assert parse_path("economics.carbon_price") == ("economics", "carbon_price")
    assert parse_path("distances[1][0]") == ("distances", 1, 0)
    for bad in ("economics..carbon_price", "a[x]", "", ".a"):
        with pytest.raises(ValueError, match="not a dotted path"):
            parse_path(bad)


def test_grid_zip_and_range(tmp_path: Path) -> None:
    grid = write_sweep(
        tmp_path,
        """
        parameters:
          - {path: economics.carbon_price, values: [0, 70, 200]}
          - path: transport.heat_pipe.capex_per_km
            range: {start: 0.1, stop: 0.3, steps: 3}
        """,
    )
    variants = expand_variants(load_sweep(grid))
    assert [v.values["economics.carbon_price"] for v in variants] == [
        0,
        0,
        0,
        70,
        70,
        70,
        200,
        200,
        200,
    ]
    assert [v.values["transport.heat_pipe.capex_per_km"] for v in variants[:3]] == [0.1, 0.2, 0.3]
    assert variants[4].scenario.economics.carbon_price == 70
    assert variants[4].scenario.transport["heat_pipe"].capex_per_km == 0.2
    assert variants[4].data["economics"]["carbon_price"] == 70
    assert len({v.key for v in variants}) == 9

    zipped = write_sweep(
        tmp_path,
        """
        parameters:
          - {path: economics.carbon_price, values: [0, 70, 200]}
          - {path: "facilities.greenhouse.demands[0].amount.winter", range: {start: 1000, stop: 3000, steps: 3}}
        combine: zip
        """,
    )
    variants = expand_variants(load_sweep(zipped))
    assert [list(v.values.values()) for v in variants] == [[0, 1000.0], [70, 2000.0], [200, 3000.0]]
    assert variants[2].scenario.facilities["greenhouse"].demands[0].amount == {
        "winter": 3000.0,
        "summer": 14000,
    }


def test_latin_hypercube_sample_is_seeded_and_stratified(tmp_path: Path) -> None:
    body = """
        parameters:
          - path: economics.carbon_price
            distribution: {uniform: {low: 0, high: 100}}
          - path: transport.heat_pipe.capex_per_km
            distribution: {triangular: {low: 500000, mode: 1000000, high: 3000000}}
          - path: economics.discount_rate
            distribution: {normal: {mean: 0.05, sd: 0.02, low: 0.01, high: 0.09}}
          - {path: transport.heat_pipe.loss_per_km, values: [0.0, 0.01]}
        combine: sample
        samples: 20
        seed: 3
        """
    first = expand_variants(load_sweep(write_sweep(tmp_path, body)))
    again = expand_variants(load_sweep(write_sweep(tmp_path, body)))
    assert [v.values for v in first] == [v.values for v in again]
    assert len(first) == 20
    prices = np.array([v.values["economics.carbon_price"] for v in first])
    # Latin hypercube: exactly one sample in each of the 20 equal strata
    assert sorted(np.floor(prices / 5).astype(int)) == list(range(20))
    rates = [v.values["economics.discount_rate"] for v in first]
    assert min(rates) >= 0.01
    assert max(rates) <= 0.09
    capex = [v.values["transport.heat_pipe.capex_per_km"] for v in first]
    assert min(capex) >= 500000
    assert max(capex) <= 3000000
    assert {v.values["transport.heat_pipe.loss_per_km"] for v in first} == {0.0, 0.01}
    other_seed = expand_variants(
        load_sweep(write_sweep(tmp_path, body.replace("seed: 3", "seed: 4")))
    )
    assert [v.values for v in other_seed] != [v.values for v in first]


def test_key_depends_on_values_objective_and_base_data() -> None:
    assert variant_key("b", None, {"p": 70}) == variant_key("b", None, {"p": 70.0})
    assert variant_key("b", None, {"p": 70}) != variant_key("b", None, {"p": 71})
    assert variant_key("b", None, {"p": 70}) != variant_key("c", None, {"p": 70})
    assert variant_key("b", None, {"p": 70}) != variant_key("b", "emissions", {"p": 70})


def test_key_ignores_comments_of_the_base(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(HEAT.read_text(encoding="utf-8"), encoding="utf-8")
    body = "parameters:\n  - {path: economics.carbon_price, values: [1]}\n"
    key = expand_variants(load_sweep(write_sweep(tmp_path, body, base)))[0].key
    base.write_text("# a new comment\n" + HEAT.read_text(encoding="utf-8"), encoding="utf-8")
    assert expand_variants(load_sweep(write_sweep(tmp_path, body, base)))[0].key == key
    base.write_text(
        HEAT.read_text(encoding="utf-8").replace("lifetime_years: 25", "lifetime_years: 30"),
        encoding="utf-8",
    )
    assert expand_variants(load_sweep(write_sweep(tmp_path, body, base)))[0].key != key


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            """
            parameters:
              - {path: economics.carbon_price, valuez: [1]}
            """,
            "sweep.yaml:3: parameters[0].valuez: unknown field 'valuez'",
        ),
        (
            """
            parameters:
              - path: facilities.greenhous.demands[0].amount
                values: [1]
            """,
            "sweep.yaml:3: parameters[0].path: 'facilities.greenhous.demands[0].amount' is not "
            "in the base scenario",
        ),
        (
            """
            parameters:
              - path: facilities.greenhouse.demands[3].amount
                values: [1]
            """,
            "has 1 item(s); index 3 is out of range",
        ),
        (
            """
            parameters:
              - {path: economics.carbon_price, values: [1], range: {start: 0, stop: 1, steps: 2}}
            """,
            "sweep.yaml:3: parameters[0]: give exactly one of 'values', 'range' or 'distribution'",
        ),
        (
            """
            parameters:
              - {path: economics.carbon_price, values: [1, 2]}
              - {path: transport.heat_pipe.capex_per_km, values: [1, 2, 3]}
            combine: zip
            """,
            "sweep.yaml:5: combine: 'combine: zip' needs as many values for every parameter",
        ),
        (
            """
            parameters:
              - {path: economics.carbon_price, values: [1, 2]}
            combine: sample
            """,
            "sweep.yaml:4: combine: 'combine: sample' needs 'samples: N'",
        ),
        (
            """
            parameters:
              - path: economics.carbon_price
                distribution: {uniform: {low: 0, high: 1}}
            """,
            "sweep.yaml:4: parameters[0].distribution: a distribution needs 'combine: sample'",
        ),
        (
            """
            parameters:
              - path: economics.carbon_price
                distribution: {uniform: {low: 2, high: 1}}
            combine: sample
            samples: 3
            """,
            "sweep.yaml:4: parameters[0].distribution.uniform: low (2) must be below high (1)",
        ),
        (
            """
            parameters:
              - {path: economics, values: [{}]}
              - {path: economics.carbon_price, values: [1]}
            """,
            "sweep.yaml:4: parameters[1].path: overlaps parameters[0] (economics)",
        ),
        (
            """
            parameters:
              - {path: transport.heat_pipe.capex_per_km, values: [1]}
            combine: grid
            samples: 4
            """,
            "sweep.yaml:5: samples: 'samples' is only used with 'combine: sample'",
        ),
    ],
)
def test_bad_sweep_files_name_the_line(tmp_path: Path, body: str, expected: str) -> None:
    path = write_sweep(tmp_path, body)
    issues = issues_of(path)
    assert any(expected in issue for issue in issues), issues
    assert all(issue.startswith(str(path)) for issue in issues), issues


def test_invalid_variant_names_the_value_line_and_the_variant(tmp_path: Path) -> None:
    path = write_sweep(
        tmp_path,
        """
        parameters:
          - path: economics.carbon_price
            values:
              - 10
              - -5
          - {path: transport.heat_pipe.loss_per_km, values: [0.0, 0.01]}
        """,
    )
    issues = issues_of(path)
    assert len(issues) == 1
    assert issues[0].startswith(f"{path}:6: parameters[0].values[1]: variant 2 (")
    assert "economics.carbon_price=-5" in issues[0]
    assert "and 1 more variant(s)" in issues[0]
    assert (
        "economics.carbon_price: got -5" in issues[0] or "greater than or equal to 0" in issues[0]
    )


def test_cross_check_failure_of_a_variant(tmp_path: Path) -> None:
    path = write_sweep(
        tmp_path,
        """
        parameters:
          - {path: "facilities.greenhouse.demands[0].resource", values: [heat, steam]}
        """,
    )
    (issue,) = issues_of(path)
    assert issue.startswith(f"{path}:3: parameters[0].values[1]: variant 1 (")
    assert "steam" in issue


def test_missing_base_names_the_base_line(tmp_path: Path) -> None:
    path = write_sweep(
        tmp_path,
        "parameters:\n  - {path: economics.carbon_price, values: [1]}\n",
        base=tmp_path / "nowhere.yaml",
    )
    (issue,) = issues_of(path)
    assert issue.startswith(f"{path}:1: base: no such file")


def test_cli_bad_sweep_file_exits_2_without_traceback(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, "parameters:\n  - {path: economics.carbon_prize, values: [1]}\n")
    result = CliRunner().invoke(app, ["sweep", str(path)])
    assert result.exit_code == 2
    assert f"{path}:3: parameters[0].path:" in result.output
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(app, ["sweep", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2
    assert "no such file" in missing.output
    syntax = tmp_path / "syntax.yaml"
    syntax.write_text("base: [\n", encoding="utf-8")
    broken = CliRunner().invoke(app, ["sweep", str(syntax)])
    assert broken.exit_code == 2
    assert f"{syntax}:1: " in broken.output
