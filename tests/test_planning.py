"""Hand-worked planning scenarios: build, place, size, convert (planning spec).

Coordinates are on the equator, where 0.1 degree of longitude is exactly
6371 * pi/180 * 0.1 = 11.119492664455873 km (haversine of a pure longitude step).
"""

from __future__ import annotations

import pytest

import symopt

KM_01 = 11.119492664455873  # 0.1 degree of longitude on the equator

HEADER = """
symopt: 1
name: {name}
economics: {{discount_rate: 0, lifetime_years: 10}}
resources:
  oxygen: {{unit: t}}
  heat: {{unit: MWh}}
  electricity: {{unit: MWh}}
sites:
  d: {{lat: 0, lon: 0}}
  p1: {{lat: 0, lon: 0.1}}
  p2: {{lat: 0, lon: 0.2}}
transport:
  truck: {{resources: [oxygen], variable_cost: 1}}
  wire: {{resources: [electricity, heat]}}
"""


def solve(body: str, **kwargs: object) -> symopt.Result:
    scenario = symopt.parse_scenario(HEADER.format(name="test") + body)
    result = symopt.solve(scenario, mip_gap=0, **kwargs)  # type: ignore[arg-type]
    assert result.status is symopt.SolveStatus.OPTIMAL
    return result


def facility(result: symopt.Result, name: str) -> dict[str, object]:
    table = result.facilities.set_index("facility")
    return dict(table.loc[name])


BUILD = """
facilities:
  o2_plant:
    site: d
    build: {{annual_cost: {cost}}}
    supplies: [{{resource: oxygen, amount: 100}}]
  user:
    site: d
    demands: [{{resource: oxygen, amount: 100, alternative: {{cost: 10}}}}]
"""


@pytest.mark.parametrize(
    ("cost", "built", "objective"),
    [
        # 100 t at 10/t by the alternative costs 1000; the plant costs its annual cost and
        # delivers at 0 km for nothing: build it iff that is below 1000.
        (600, True, 600.0),
        (1500, False, 1000.0),
    ],
)
def test_optional_facility_is_built_only_when_it_pays(
    cost: float, built: bool, objective: float
) -> None:
    result = solve(BUILD.format(cost=cost))
    assert result.objective == pytest.approx(objective, rel=1e-9)
    assert bool(facility(result, "o2_plant")["built"]) is built
    # No exchange, same decisions: the user buys 1000 of oxygen, plus the plant if built.
    assert result.summary.baseline_cost == pytest.approx(1000 + (cost if built else 0))


PLACE = """
facilities:
  o2_plant:
    candidate_sites: [p1, p2]
    site_costs: {{p1: {p1_cost}}}
    supplies: [{{resource: oxygen, amount: 100}}]
  user:
    site: d
    demands: [{{resource: oxygen, amount: 100, alternative: {{cost: 30}}}}]
"""


@pytest.mark.parametrize(
    ("p1_cost", "site", "objective"),
    [
        # p1: 300 + 100 t x 11.119 km x 1 = 1411.95; p2: 0 + 100 x 22.239 = 2223.90;
        # the alternative would cost 3000.
        (300, "p1", 300 + 100 * KM_01),
        # p1 now costs 1500 + 1111.95 = 2611.95 > 2223.90 at p2.
        (1500, "p2", 100 * 2 * KM_01),
    ],
)
def test_placement_chooses_the_cheapest_plot(p1_cost: float, site: str, objective: float) -> None:
    result = solve(PLACE.format(p1_cost=p1_cost))
    assert result.objective == pytest.approx(objective, rel=1e-9)
    assert facility(result, "o2_plant")["site"] == site
    assert set(result.flows["distance_km"].round(6)) == {
        round(KM_01 * (1 if site == "p1" else 2), 6)
    }


def test_links_only_where_both_ends_are_placed() -> None:
    body = PLACE.format(p1_cost=0).replace("truck: {resources: [oxygen], variable_cost: 1}", "")
    body += "  pipe: {resources: [oxygen], capex_per_km: 10, variable_cost: 0}\n"
    scenario = symopt.parse_scenario(
        HEADER.format(name="pipe").replace(
            "truck: {resources: [oxygen], variable_cost: 1}",
            "pipe: {resources: [oxygen], capex_per_km: 10}",
        )
        + PLACE.format(p1_cost=0)
    )
    result = symopt.solve(scenario, mip_gap=0)
    # Pipe annual cost = 10 x CRF(0, 10) = 1 per km: p1 at 11.12 km is cheapest; exactly
    # one link is built, and it starts at the chosen plot.
    assert result.objective == pytest.approx(KM_01, rel=1e-9)
    assert len(result.built_links) == 1
    assert result.built_links["distance_km"].iloc[0] == pytest.approx(KM_01)
    assert facility(result, "o2_plant")["site"] == "p1"


SIZE = """
facilities:
  o2_source:
    site: d
    supplies: [{{resource: oxygen, amount: 60}}]
  fish_farm:
    site: d
    size: {{max: 50, value_per_unit: {value}}}
    demands: [{{resource: oxygen, amount: 2, alternative: {{cost: 30}}}}]
"""


@pytest.mark.parametrize(
    ("value", "size", "objective"),
    [
        # 2 t O2 per unit of size. The 60 t on site cover 30 units for free; beyond that
        # each unit costs 2 x 30 = 60 of alternative oxygen. Value 100 > 60: grow to the
        # max 50: -100 x 50 + (100 - 60) t x 30 = -3800.
        (100, 50.0, -3800.0),
        # Value 50 < 60: stop where the free oxygen ends, at 30 units: -50 x 30 = -1500.
        (50, 30.0, -1500.0),
    ],
)
def test_size_grows_while_a_unit_pays(value: float, size: float, objective: float) -> None:
    result = solve(SIZE.format(value=value))
    assert result.objective == pytest.approx(objective, rel=1e-9)
    assert facility(result, "fish_farm")["size"] == pytest.approx(size)


PROCESS = """
facilities:
  heat_pump:
    site: d
    process:
      variable_cost: 2
      emissions: 0.001
      inputs: [{resource: electricity, per_activity: 0.25, alternative: {cost: 40, emissions: 0.02}}]
      outputs: [{resource: heat, per_activity: 1.0}]
  district_heating:
    site: d
    demands: [{resource: heat, amount: 1000, alternative: {cost: 50, emissions: 0.05}}]
"""


def test_process_converts_inputs_into_outputs() -> None:
    result = solve(PROCESS)
    # One MWh of heat from the pump: 0.25 MWh electricity x 40 + 2 = 12 < 50: a = 1000.
    assert facility(result, "heat_pump")["activity"] == pytest.approx(1000)
    assert result.summary.total_cost == pytest.approx(12_000, rel=1e-9)
    # emissions: 250 MWh x 0.02 + 1000 x 0.001 = 6 t
    assert result.summary.total_emissions == pytest.approx(6.0, rel=1e-9)
    # Baseline, same activity, no exchange: heat 1000 x 50 + electricity 250 x 40 + 2000
    # of variable cost = 62000; emissions 50 + 5 + 1 = 56.
    assert result.summary.baseline_cost == pytest.approx(62_000, rel=1e-9)
    assert result.summary.baseline_emissions == pytest.approx(56.0, rel=1e-9)
    flows = result.flows
    assert set(flows["supply_id"]) == {"heat_pump.process.outputs[0]"}


def test_emissions_objective_on_the_same_process() -> None:
    result = solve(PROCESS, objective="emissions")
    # Per MWh of heat: pump 0.25 x 0.02 + 0.001 = 0.006 t < 0.05 t: run it fully: 6 t.
    assert result.objective == pytest.approx(6.0, rel=1e-9)


SIZED_PROCESS = """
time_slices: [{{id: winter, hours: 4000}}, {{id: summer, hours: 4760}}]
facilities:
  grid:
    site: d
    supplies: [{{resource: electricity, amount: 100000}}]
  electrolyser:
    site: d
    size: {{max: {size_max}, capex_per_unit: 0}}
    process:
      min_activity: 8760
      inputs: [{{resource: electricity, per_activity: 1.0}}]
      outputs: [{{resource: oxygen, per_activity: 0.2}}]
"""


def test_min_activity_within_size_is_feasible() -> None:
    # 8760 per year spread by hours: 4000 and 4760, i.e. 1 per hour: size 1 suffices.
    result = solve(SIZED_PROCESS.format(size_max=2))
    assert facility(result, "electrolyser")["activity"] == pytest.approx(8760)
    # The input has no alternative: the baseline is not defined.
    assert result.summary.to_dict()["baseline_cost"] is None


def test_min_activity_beyond_size_is_explained() -> None:
    scenario = symopt.parse_scenario(
        HEADER.format(name="too small") + SIZED_PROCESS.format(size_max=0.5)
    )
    result = symopt.solve(scenario)
    assert result.status is symopt.SolveStatus.INFEASIBLE
    (reason,) = result.summary.diagnosis
    assert "'electrolyser' must reach an activity of 4,000" in reason
    assert "at most 2,000" in reason


def test_unservable_input_is_explained_by_phase_one() -> None:
    # Two plants that must run compete for 100 MWh: each alone is servable, together not.
    body = """
facilities:
  grid:
    site: d
    supplies: [{resource: electricity, amount: 100}]
  a:
    site: d
    process:
      min_activity: 60
      inputs: [{resource: electricity, per_activity: 1.0}]
      outputs: [{resource: heat, per_activity: 1.0}]
  b:
    site: d
    process:
      min_activity: 60
      inputs: [{resource: electricity, per_activity: 1.0}]
      outputs: [{resource: heat, per_activity: 1.0}]
"""
    result = symopt.solve(symopt.parse_scenario(HEADER.format(name="competing") + body))
    assert result.status is symopt.SolveStatus.INFEASIBLE
    assert len(result.summary.diagnosis) == 1
    assert "short by 20" in result.summary.diagnosis[0]


SELLING = """
facilities:
  methanol_plant:
    site: d
{size}    process:
      inputs: [{{resource: electricity, per_activity: 1.0, alternative: {{cost: 40}}}}]
      outputs: [{{resource: heat, per_activity: 1.0, disposal: {{cost: -50}}}}]
"""


def test_a_process_that_earns_by_running_without_limit_is_unbounded() -> None:
    # Disposing its output earns 50 per unit for 40 of input: without a size the optimum
    # is unbounded, proven before solving (the plan without exchanges plus ever more
    # activity, its input bought, its output disposed of), and refused (exit 4).
    scenario = symopt.parse_scenario(HEADER.format(name="selling") + SELLING.format(size=""))
    with pytest.raises(symopt.UnboundedError, match="methanol_plant"):
        symopt.solve(scenario)


def test_an_optional_process_that_earns_by_running_is_refused_as_unbounded() -> None:
    # The same process with `build`: a <= M b needs a finite M, and neither usefulness
    # nor the objective gives one. Built, each unit of activity earns 50 - 40 = 10 with
    # its input bought and its output disposed of: proven unbounded, refused (exit 4).
    body = SELLING.format(size="    build: {capex: 1000}\n")
    scenario = symopt.parse_scenario(HEADER.format(name="selling") + body)
    with pytest.raises(
        symopt.UnboundedError,
        match=r"unbounded: each unit of activity of process\(es\) .methanol_plant. lowers",
    ):
        symopt.solve(scenario)


def test_a_sized_process_that_earns_runs_at_capacity() -> None:
    # Size max 2 per hour over 8760 h: activity 17520 at a margin of 10: -175200.
    result = solve(SELLING.format(size="    size: {max: 2}\n"))
    assert facility(result, "methanol_plant")["activity"] == pytest.approx(17520)
    assert result.objective == pytest.approx(-175_200, rel=1e-9)
