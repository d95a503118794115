"""The report's data, without a browser: folder kinds, units, sites, Sankey balances, errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import symopt
from symopt.cli.main import app
from symopt.report.figures import CONVENTIONAL, DISPOSED, exchanges, sankey_figures
from symopt.report.load import ReportInputError, ReportKind, detect_kind
from symopt.report.table_view import column_unit
from symopt.results.units import size_units

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "scenarios" / "examples"


@pytest.fixture(scope="module")
def oxygen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("oxygen")
    result = symopt.solve(symopt.load_scenario(EXAMPLES / "oxygen_wastewater.yaml"))
    symopt.write_result(result, folder)
    return folder


def test_each_amount_row_carries_its_resource_unit(oxygen: Path) -> None:
    for name in ("flows", "links", "alternatives", "disposals"):
        table = pd.read_csv(oxygen / f"{name}.csv")
        assert set(table["unit"]) <= {"t"}, name  # oxygen is in t in the scenario
    sites = pd.read_csv(oxygen / "sites.csv")
    # the scenario: electrolyser at dava (63.88 N, 20.39 E), the plant on Ön
    assert sites.set_index("facility").loc["electrolyser", ["site", "lat", "lon"]].tolist() == [
        "dava",
        63.88,
        20.39,
    ]
    assert sites["placed"].all()  # fixed sites, both facilities stand
    assert not sites["candidate"].any()


def test_sankey_balances_supply_and_demand_of_the_scenario(oxygen: Path) -> None:
    """Sankey of oxygen: out of the electrolyser its whole supply (150,000 t/yr, sent or
    vented); into the wastewater plant its whole demand (6,059 t/yr, by link or conventional
    aeration); trucks lose nothing, so no "lost in transport" node."""
    used = exchanges(pd.read_csv(oxygen / "flows.csv"), pd.read_csv(oxygen / "links.csv"))
    figures = sankey_figures(
        used,
        pd.read_csv(oxygen / "alternatives.csv"),
        pd.read_csv(oxygen / "disposals.csv"),
    )
    assert [resource for resource, _ in figures] == ["oxygen"]
    sankey = figures[0][1].data[0]
    labels = list(sankey.node.label)
    sources, targets, values = sankey.link.source, sankey.link.target, sankey.link.value
    out_of = {labels[s]: 0.0 for s in sources}
    into = {labels[t]: 0.0 for t in targets}
    for s, t, v in zip(sources, targets, values, strict=True):
        out_of[labels[s]] += v
        into[labels[t]] += v
    assert out_of["electrolyser"] == pytest.approx(150000, rel=1e-9)
    assert into["wastewater_plant"] == pytest.approx(6059, rel=1e-9)
    assert DISPOSED in into
    assert "lost in transport" not in labels
    assert CONVENTIONAL not in out_of or out_of[CONVENTIONAL] < 6059
    assert sankey.valuesuffix == " t/yr"


def test_size_unit_declared_or_from_the_archetype() -> None:
    scenario = yaml.safe_load((ROOT / "scenarios" / "boden.yaml").read_text(encoding="utf-8"))
    units = size_units(symopt.parse_scenario(yaml.safe_dump(scenario)))
    # stegra_electrolyser uses the alkaline_electrolyser archetype: its size_unit
    archetype = yaml.safe_load(
        (ROOT / "models" / "alkaline_electrolyser.yaml").read_text(encoding="utf-8")
    )
    assert scenario["facilities"]["stegra_electrolyser"]["archetype"] == "alkaline_electrolyser"
    assert units["stegra_electrolyser"] == archetype["size_unit"]
    assert units["district_heating"] == ""  # no size
    scenario["facilities"]["stegra_electrolyser"].setdefault("size", {})["unit"] = "MW el"
    declared = size_units(symopt.parse_scenario(yaml.safe_dump(scenario)))
    assert declared["stegra_electrolyser"] == "MW el"


def test_facilities_csv_says_the_size_unit(oxygen: Path) -> None:
    """Neither facility of the oxygen example has a size: the column is there, empty."""
    facilities = pd.read_csv(oxygen / "facilities.csv", keep_default_na=False)
    assert list(facilities["size_unit"]) == ["", ""]


def test_folder_kinds(oxygen: Path, tmp_path: Path) -> None:
    assert detect_kind(oxygen) is ReportKind.RESULT
    (tmp_path / "store").mkdir()
    assert detect_kind(tmp_path) is ReportKind.SWEEP
    pareto = tmp_path / "front"
    pareto.mkdir()
    (pareto / "pareto.csv").write_text("point,cost\n", encoding="utf-8")
    assert detect_kind(pareto) is ReportKind.PARETO
    with pytest.raises(ReportInputError, match=r"neither summary\.json"):
        detect_kind(tmp_path / "store")


def test_report_of_a_folder_that_is_none_of_them_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "found neither summary.json" in result.output
    assert "Traceback" not in result.output


def test_report_of_an_infeasible_result_shows_why(tmp_path: Path) -> None:
    from test_cli import INFEASIBLE

    file = tmp_path / "methanol.yaml"
    file.write_text(INFEASIBLE, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["solve", str(file), "--out", str(out), "--report"])
    assert result.exit_code == 3
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "cannot be served with &#39;co2&#39;" in html
    assert "infeasible" in html


def test_money_and_emission_columns_say_their_units() -> None:
    assert column_unit("annual_cost", "SEK") == "SEK/yr"
    assert column_unit("npv", "SEK") == "SEK"
    assert column_unit("abatement_cost_per_t", "SEK") == "SEK/t CO2e"
    assert column_unit("transport_emissions", "SEK") == "t CO2e/yr"
    assert column_unit("payback_years", "SEK") == "years"
