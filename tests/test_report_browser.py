"""The HTML report opened in a real headless Chromium with the network blocked.

Needs Debian's chromium (`make browser`, which `make test` runs first) and the playwright
Python package. One browser for the module; every report is generated here, from real
solves of Boden and Umeå, a small sweep and a Pareto front.
"""

from __future__ import annotations

import io
import json
import math
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

import symopt
from symopt.report.html import write_report
from symopt.studies.sweep import run_sweep

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make browser` (make test does) to install it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


class Opened:
    """A report loaded in a page, with every error, request and dialog it caused."""

    def __init__(self, browser: Any, html: Path) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        self.page.on("dialog", self._dialog)

        def block(route: Any) -> None:
            self.requests.append(route.request.url)
            route.abort()

        self.page.route("http*://**", block)
        self.page.goto(html.resolve().as_uri())
        self.page.wait_for_function("window.Plotly !== undefined")
        self.page.wait_for_timeout(300)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())

    def screenshot_ink(self) -> float:
        """Share of the full-page screenshot's pixels that are not the white background."""
        png = self.page.screenshot(full_page=True)
        pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
        return float((np.abs(pixels - 255).sum(axis=2) > 30).mean())


def _solve_with_report(scenario: symopt.Scenario, folder: Path) -> Path:
    result = symopt.solve(scenario)
    assert result.status.has_solution
    symopt.write_result(result, folder)
    return write_report(folder)


@pytest.fixture(scope="module")
def boden(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("boden")
    _solve_with_report(symopt.load_scenario(ROOT / "scenarios" / "boden.yaml"), folder)
    return folder


@pytest.fixture(scope="module")
def umea(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("umea")
    _solve_with_report(symopt.load_scenario(ROOT / "scenarios" / "umea.yaml"), folder)
    return folder


def _summary(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return data


def _expected_money(value: float, currency: str) -> str:
    """The headline text, formatted here from summary.json: whole currency units per year."""
    return f"{round(value):,} {currency}/yr".replace("-0 ", "0 ")


def _check_result_page(opened: Opened, folder: Path) -> None:
    summary = _summary(folder)
    assert opened.errors == []
    assert opened.requests == [], "the report must not load anything from the network"
    # headline numbers are summary.json's
    for key in ("total_cost", "total_emissions"):
        shown = opened.page.locator(f".figure[data-key={key}]")
        assert math.isclose(float(shown.get_attribute("data-value")), summary[key], rel_tol=1e-12)
    cost_text = opened.page.locator(".figure[data-key=total_cost]").inner_text()
    assert cost_text == _expected_money(summary["total_cost"], summary["currency"])
    emissions_text = opened.page.locator(".figure[data-key=total_emissions]").inner_text()
    assert emissions_text == f"{summary['total_emissions']:,.1f} t CO2e/yr"
    assert opened.page.locator(".fact[data-key=status]").inner_text() == summary["status"]
    # the map: one marker trace per decision kind present, site labels, a line per link
    links = pd.read_csv(folder / "links.csv")
    sites = pd.read_csv(folder / "sites.csv")
    assert opened.count("#map .main-svg") >= 1
    site_labels = opened.page.evaluate(
        "() => Array.from(document.querySelectorAll('#map .scatterlayer text'), t => t.textContent)"
    )
    for site in set(sites["site"]):
        assert site in site_labels
    map_data = opened.page.evaluate(
        "() => document.getElementById('map')._fullData.map(t => [t.mode, Array.from(t.x).length])"
    )
    # one line per link that carries anything (trucks included: they are never "built")
    flows = pd.read_csv(folder / "flows.csv")
    used = flows.groupby(["source", "sink", "supply_resource", "mode", "supply_id", "demand_id"])
    assert sum(1 for mode, n in map_data if mode == "lines" and n == 2) == used.ngroups
    # one Sankey per resource that has any amount (flow, conventional supply or disposal)
    resources = set(flows["supply_resource"])
    for name in ("alternatives", "disposals"):
        resources |= set(pd.read_csv(folder / f"{name}.csv")["resource"])
    assert opened.count(".sankey") == len(resources)
    # tables: one row per link and per facility
    assert opened.count("#table-links tbody tr") == len(links)
    facilities = pd.read_csv(folder / "facilities.csv")
    assert opened.count("#table-facilities tbody tr") == len(facilities)
    assert opened.screenshot_ink() > 0.05


def test_boden_report_in_the_browser(browser: Any, boden: Path) -> None:
    opened = Opened(browser, boden / "report.html")
    _check_result_page(opened, boden)
    # facilities placed by the optimiser (candidate_sites in boden.yaml) and built are
    # marked "chosen plot", each once; their other candidate plots are marked as such
    scenario = yaml.safe_load((ROOT / "scenarios" / "boden.yaml").read_text(encoding="utf-8"))
    placed_by_optimiser = {
        name: facility["candidate_sites"]
        for name, facility in scenario["facilities"].items()
        if "candidate_sites" in facility
    }
    facilities = pd.read_csv(boden / "facilities.csv")
    built = set(facilities.loc[facilities["built"], "facility"])
    traces = opened.page.evaluate(
        "() => document.getElementById('map')._fullData.map(t => [t.name, Array.from(t.text || [])])"
    )
    markers = {name: sorted(text) for name, text in traces if name}
    chosen = sorted(f for f in placed_by_optimiser if f in built)
    assert chosen  # Boden places the fish farm and the greenhouse
    assert markers["chosen plot among candidates"] == chosen
    expected_other = sorted(
        f for f, sites in placed_by_optimiser.items() for _ in range(len(sites) - (f in built))
    )
    assert markers["candidate plot, not chosen"] == expected_other


def test_umea_report_in_the_browser(browser: Any, umea: Path) -> None:
    _check_result_page(Opened(browser, umea / "report.html"), umea)


def test_report_tables_sort_by_a_column(browser: Any, boden: Path) -> None:
    opened = Opened(browser, boden / "report.html")
    header = opened.page.locator("#table-links th", has_text="sent")
    header.click()
    cells = opened.page.locator("#table-links tbody tr td.num[data-sort]")
    column = [h.strip() for h in opened.page.locator("#table-links th").all_inner_texts()].index(
        "sent"
    )
    rows = opened.page.locator("#table-links tbody tr")
    values = [
        float(rows.nth(i).locator("td").nth(column).get_attribute("data-sort"))
        for i in range(rows.count())
    ]
    assert values == sorted(values)
    header.click()
    values = [
        float(rows.nth(i).locator("td").nth(column).get_attribute("data-sort"))
        for i in range(rows.count())
    ]
    assert values == sorted(values, reverse=True)
    assert cells.count() > 0


def test_hostile_facility_name_is_shown_as_text(browser: Any, tmp_path: Path) -> None:
    source = yaml.safe_load(
        (ROOT / "scenarios" / "examples" / "oxygen_wastewater.yaml").read_text(encoding="utf-8")
    )
    source["facilities"] = {
        (HOSTILE if name == "electrolyser" else name): facility
        for name, facility in source["facilities"].items()
    }
    scenario = symopt.parse_scenario(yaml.safe_dump(source), source="hostile.yaml")
    html = _solve_with_report(scenario, tmp_path)
    assert HOSTILE not in html.read_text(encoding="utf-8")  # escaped everywhere in the file
    opened = Opened(browser, html)
    assert opened.dialogs == []
    assert opened.errors == []
    assert opened.page.locator("#table-facilities td", has_text=HOSTILE).count() == 1
    map_text = opened.page.evaluate("() => document.getElementById('map').textContent")
    assert HOSTILE in map_text  # the map's own label, drawn as text


def test_sharing_and_economics_files_are_shown(browser: Any, boden: Path, tmp_path: Path) -> None:
    """firms.csv, indicators and link economics (issue 8's files) appear when present."""
    folder = tmp_path / "shared"
    folder.mkdir()
    for file in boden.iterdir():
        if file.suffix in (".csv", ".json"):
            (folder / file.name).write_bytes(file.read_bytes())
    firms = pd.DataFrame(
        {
            "firm": ["Stegra", "Boden Energi"],
            "facilities": ["stegra_electrolyser", "district_heating"],
            "standalone_cost": [1000.0, 2000.0],
            "shapley_cost": [700.0, 1500.0],
            "shapley_saving": [300.0, 500.0],
            "proportional_cost": [733.0, 1467.0],
            "in_core": [True, True],
        }
    )
    firms.to_csv(folder / "firms.csv", index=False)
    summary = _summary(folder)
    summary["indicators"] = [
        {
            "indicator": "heat reused",
            "resource": "heat",
            "unit": "MWh",
            "baseline": 0.0,
            "actual": 221151.0,
            "saving": 221151.0,
        }
    ]
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    links = pd.read_csv(folder / "links.csv")
    links["npv"] = np.arange(len(links), dtype=float) * 1000.0 + 12345.0
    links["payback_years"] = 3.5
    links.to_csv(folder / "links.csv", index=False)
    opened = Opened(browser, write_report(folder))
    assert opened.errors == []
    firm_rows = opened.page.locator("#table-firms tbody tr")
    assert firm_rows.count() == 2
    assert "Boden Energi" in firm_rows.nth(1).inner_text()
    headers = opened.page.locator("#table-firms th").all_inner_texts()
    assert "shapley saving (EUR/yr)" in [h.strip() for h in headers]
    indicators = opened.page.locator("#table-indicators tbody tr")
    assert indicators.count() == 1
    assert "221,151 MWh" in indicators.inner_text()
    assert "npv (EUR)" in [
        h.strip() for h in opened.page.locator("#table-links th").all_inner_texts()
    ]
    assert "12,345" in opened.page.locator("#table-links").inner_text()


SWEEP = """
    name: heat pipe capex
    parameters:
      - path: transport.heat_pipe.capex_per_km
        values: [500000, 3000000, 6000000]
    solver: {mip_gap: 0}
    """


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    spec = folder / "sweep.yaml"
    base = ROOT / "scenarios" / "examples" / "heat_greenhouse.yaml"
    spec.write_text(f"base: {base}\n" + textwrap.dedent(SWEEP).lstrip(), encoding="utf-8")
    run_sweep(spec, workers=1, out=folder / "out")
    write_report(folder / "out")
    return folder / "out"


def test_sweep_report_in_the_browser(browser: Any, sweep_folder: Path) -> None:
    opened = Opened(browser, sweep_folder / "report.html")
    assert opened.errors == []
    assert opened.requests == []
    # one panel per (parameter, outcome); every variant is one point in each
    traces = opened.page.evaluate(
        "() => document.getElementById('sweep')._fullData.map(t => [t.xaxis, Array.from(t.x).length])"
    )
    assert sum(n for axis, n in traces if axis == "x") == 3
    assert sum(n for axis, n in traces if axis == "x2") == 3
    assert opened.count("#table-variants tbody tr") == 3
    # the cheap pipe is built at 0.5 M EUR/km and not at 6 M: two built-link sets
    sets = opened.page.locator("#table-variants tbody tr td:nth-child(6)").all_inner_texts()
    assert len(set(sets)) == 2
    assert opened.screenshot_ink() > 0.03


@pytest.fixture(scope="module")
def pareto_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pareto")
    symopt.pareto(ROOT / "scenarios" / "examples" / "oxygen_wastewater.yaml", 4, out=folder)
    write_report(folder)
    return folder


def test_pareto_report_in_the_browser(browser: Any, pareto_folder: Path) -> None:
    opened = Opened(browser, pareto_folder / "report.html")
    assert opened.errors == []
    assert opened.requests == []
    front = pd.read_csv(pareto_folder / "pareto.csv")
    trace = opened.page.evaluate(
        "() => { const t = document.getElementById('pareto')._fullData[0];"
        " return [Array.from(t.x), Array.from(t.y), Array.from(t.hovertext)]; }"
    )
    assert sorted(trace[0]) == pytest.approx(sorted(front["emissions"]))
    assert sorted(trace[1]) == pytest.approx(sorted(front["cost"]))
    # each point's hover names what it builds
    first = front.sort_values("emissions").iloc[0]
    assert first["links"].split("; ")[0].replace(">", "&gt;") in trace[2][0]
    assert opened.count("#table-points tbody tr") == len(front)
    assert opened.screenshot_ink() > 0.03
