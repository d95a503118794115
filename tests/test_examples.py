"""The example scenarios solve to the optimum worked out by hand at the bottom of each file.

The expected numbers are recomputed here from the same hand calculation (haversine
on a 6371 km sphere, detour factors, CRF, the amounts in the files), independently of
symopt's own code, so a change in the files or in symopt that moves the optimum shows.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import symopt

EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios" / "examples"
REL = 1e-9


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def crf(rate: float, years: float) -> float:
    if rate == 0:
        return 1 / years
    growth = (1 + rate) ** years
    return rate * growth / (growth - 1)


def solve_example(name: str) -> symopt.Result:
    result = symopt.solve(symopt.load_scenario(EXAMPLES / name), mip_gap=0)
    assert result.status == symopt.SolveStatus.OPTIMAL
    return result


def flows_of(result: symopt.Result) -> dict[tuple[str, str, str, str], tuple[float, float]]:
    return {
        (row.source, row.sink, row.mode, row.slice): (row.sent, row.delivered)
        for row in result.flows.itertuples(index=False)
    }


def assert_flows(result: symopt.Result, expected: dict[tuple[str, str, str, str], float]) -> None:
    """`expected` maps (source, sink, mode, slice) -> delivered."""
    flows = flows_of(result)
    assert set(flows) == set(expected)
    for key, delivered in expected.items():
        assert flows[key][1] == pytest.approx(delivered, rel=REL), key


def built_links(result: symopt.Result) -> dict[tuple[str, str, str], float]:
    return {
        (row.source, row.sink, row.mode): row.annual_cost
        for row in result.built_links.itertuples(index=False)
    }


@pytest.mark.parametrize(
    "name", ["oxygen_wastewater.yaml", "heat_greenhouse.yaml", "water_reuse.yaml"]
)
def test_example_is_valid(name: str) -> None:
    scenario = symopt.load_scenario(EXAMPLES / name)
    assert scenario.name


def test_oxygen_wastewater() -> None:
    """Truck, not pipeline: 8,759.86 EUR/yr (see the file's last comment block)."""
    straight = haversine_km(63.88, 20.39, 63.8125, 20.2797)
    truck_km = 1.5 * straight
    demand = 166_000 * 0.1 * 365 / 1000  # 6059 t/yr
    winter, summer = demand * 4344 / 8760, demand * 4416 / 8760
    truck_emissions = demand * 0.00006 * truck_km
    cost = demand * 0.10 * truck_km + 70 * truck_emissions
    pipe_annual = 1.3 * straight * (400_000 * crf(0.05, 25) + 12_000)
    assert straight == pytest.approx(9.2499, abs=1e-4)
    assert cost == pytest.approx(8_759.86, abs=0.01)
    assert pipe_annual == pytest.approx(485_576.27, abs=0.01)

    result = solve_example("oxygen_wastewater.yaml")
    summary = result.summary
    assert summary.objective == pytest.approx(cost, rel=REL)
    assert summary.total_emissions == pytest.approx(truck_emissions, rel=REL)
    assert summary.baseline_cost == pytest.approx(demand * (20 + 70 * 0.0295), rel=REL)
    assert summary.baseline_emissions == pytest.approx(demand * 0.0295, rel=REL)
    assert_flows(
        result,
        {
            ("electrolyser", "wastewater_plant", "oxygen_truck", "winter"): winter,
            ("electrolyser", "wastewater_plant", "oxygen_truck", "summer"): summer,
        },
    )
    assert built_links(result) == {}
    assert result.alternatives.empty
    assert result.flows["distance_km"].tolist() == pytest.approx([truck_km] * 2, rel=REL)


def test_heat_greenhouse() -> None:
    """Stegra pipe built for the winter gap; town data centre pruned: 991,488.60 EUR/yr."""
    stegra_km = 1.3 * haversine_km(65.82, 21.78, 65.767, 21.733)
    town_km = 1.3 * haversine_km(65.8256, 21.6906, 65.767, 21.733)
    assert 80 - 0.4 * stegra_km >= 45  # allowed
    assert 45 - 0.4 * town_km < 45  # pruned by temperature
    factor = 1 - 0.01 * stegra_km
    park_winter, park_summer = 3.2 * 4344, 3.2 * 4416
    gap = 36_000 - park_winter
    sent = gap / factor
    pipe_annual = stegra_km * (1_200_000 * crf(0.05, 25) + 36_000)
    cost = pipe_annual + 0.02 * stegra_km * sent
    assert park_summer >= 14_000
    assert cost == pytest.approx(991_488.60, abs=0.01)

    result = solve_example("heat_greenhouse.yaml")
    summary = result.summary
    assert summary.objective == pytest.approx(cost, rel=REL)
    assert summary.total_emissions == pytest.approx(0.0, abs=1e-9)
    assert summary.baseline_cost == pytest.approx(50_000 * (78 + 70 * 0.051), rel=REL)
    assert_flows(
        result,
        {
            ("electrolyser", "greenhouse", "heat_pipe", "winter"): gap,
            ("park_data_centre", "greenhouse", "heat_pipe", "winter"): park_winter,
            ("park_data_centre", "greenhouse", "heat_pipe", "summer"): 14_000,
        },
    )
    sent_by_key = flows_of(result)
    assert sent_by_key[("electrolyser", "greenhouse", "heat_pipe", "winter")][0] == pytest.approx(
        sent, rel=REL
    )
    links = built_links(result)
    assert set(links) == {
        ("electrolyser", "greenhouse", "heat_pipe"),
        ("park_data_centre", "greenhouse", "heat_pipe"),
    }
    assert links[("electrolyser", "greenhouse", "heat_pipe")] == pytest.approx(pipe_annual, rel=REL)
    assert links[("park_data_centre", "greenhouse", "heat_pipe")] == pytest.approx(0.0, abs=1e-9)
    assert result.alternatives.empty
    assert "town_data_centre" not in set(result.flows["source"])


def test_water_reuse() -> None:
    """Condensate and effluent blended 1 : 2, both pipes built: 174,473.60 EUR/yr."""
    effluent_km = 1.3 * haversine_km(63.8125, 20.2797, 63.88, 20.39)
    factor = crf(0.05, 40)
    condensate = 135_000
    effluent = condensate * (35 - 5) / (50 - 35)
    drinking = 500_000 - condensate - effluent
    effluent_pipe = effluent_km * 146_000 * factor
    condensate_pipe = 1.0 * 146_000 * factor
    cost = effluent_pipe + condensate_pipe + drinking * 0.67
    assert effluent == 270_000
    assert cost == pytest.approx(174_473.60, abs=0.01)

    result = solve_example("water_reuse.yaml")
    assert result.summary.objective == pytest.approx(cost, rel=REL)
    assert result.summary.baseline_cost == pytest.approx(500_000 * 0.67, rel=REL)
    assert_flows(
        result,
        {
            ("wastewater_plant", "methanol_plant", "water_pipe", "year"): effluent,
            ("chp_plant", "methanol_plant", "water_pipe", "year"): condensate,
        },
    )
    links = built_links(result)
    assert links == pytest.approx(
        {
            ("wastewater_plant", "methanol_plant", "water_pipe"): effluent_pipe,
            ("chp_plant", "methanol_plant", "water_pipe"): condensate_pipe,
        },
        rel=REL,
    )
    alternatives = {
        (row.facility, row.slice): row.amount for row in result.alternatives.itertuples()
    }
    assert alternatives == pytest.approx({("methanol_plant", "year"): drinking}, rel=REL)
    # The blend sits exactly on the limit: (270,000 * 50 + 135,000 * 5) / 405,000 = 35 mg/L.
    flows = flows_of(result)
    blended = (
        flows[("wastewater_plant", "methanol_plant", "water_pipe", "year")][1] * 50
        + flows[("chp_plant", "methanol_plant", "water_pipe", "year")][1] * 5
    ) / (effluent + condensate)
    assert blended == pytest.approx(35.0, rel=REL)


def test_cli_validates_the_examples() -> None:
    """`symopt validate scenarios/examples/*.yaml` exits 0."""
    files = sorted(str(path) for path in EXAMPLES.glob("*.yaml"))
    assert len(files) >= 3
    run = subprocess.run(
        [sys.executable, "-m", "symopt", "validate", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr


def test_cli_solves_the_default_example(tmp_path: Path) -> None:
    """What `make run` does: solve oxygen_wastewater.yaml, exit 0, write the files."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "symopt",
            "solve",
            str(EXAMPLES / "oxygen_wastewater.yaml"),
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    for name in ("summary.json", "flows.csv", "links.csv", "alternatives.csv", "disposals.csv"):
        assert (tmp_path / name).is_file(), name
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"
    assert summary["total_cost"] == pytest.approx(8_759.86, abs=0.01)
