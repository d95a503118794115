"""Small scenarios whose optimum was worked out on paper from the spec's mathematics.

Each case is a YAML string plus the optimum computed by hand in the comment above it:
objective, flows (sent and delivered per link and slice), built links with their annual
cost, and what the alternatives and disposals cover. Distances are either `distances`
overrides (exact km) or points on the equator, where 1 degree of longitude is
6371 * pi / 180 = 111.19492664455873 km.

Symbols as in the spec: d = link km, CRF = r(1+r)^n / ((1+r)^n - 1) (1/n when r = 0),
factor = 1 - loss_per_km * d (delivered = factor * sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest

import symopt

REL = 1e-9
EQUATOR_KM_PER_DEGREE = 111.19492664455873

FlowKey = tuple[str, str, str, str]  # source, sink, mode, slice
LinkKey = tuple[str, str, str]  # source, sink, mode
NodeKey = tuple[str, str]  # facility, slice


@dataclass(frozen=True)
class Case:
    """A scenario and its hand-worked optimum."""

    yaml: str
    objective: float
    flows: dict[FlowKey, tuple[float, float]]
    """(source, sink, mode, slice) -> (sent, delivered); every flow with sent > 0."""
    links: dict[LinkKey, float]
    """Built links (y = 1) -> annual cost (capex * CRF + fixed opex) * km."""
    alternatives: dict[NodeKey, float] = field(default_factory=dict)
    disposals: dict[NodeKey, float] | None = None
    """None: not checked."""
    total_cost: float | None = None
    total_emissions: float | None = None
    solve_objective: Any = None
    """Passed to `symopt.solve(objective=...)`; None keeps the scenario's."""


def solve_case(case: Case) -> symopt.Result:
    scenario = symopt.parse_scenario(case.yaml)
    return symopt.solve(scenario, objective=case.solve_objective, mip_gap=0)


def flow_table(result: symopt.Result) -> dict[FlowKey, tuple[float, float]]:
    flows = result.flows
    return {
        (row.source, row.sink, row.mode, row.slice): (row.sent, row.delivered)
        for row in flows.itertuples(index=False)
    }


def link_table(result: symopt.Result) -> dict[LinkKey, float]:
    return {
        (row.source, row.sink, row.mode): row.annual_cost
        for row in result.built_links.itertuples(index=False)
    }


def node_table(table: pd.DataFrame) -> dict[NodeKey, float]:
    return {(row.facility, row.slice): row.amount for row in table.itertuples(index=False)}


def assert_optimum(result: symopt.Result, case: Case) -> None:
    assert result.status == symopt.SolveStatus.OPTIMAL
    assert result.summary.objective == pytest.approx(case.objective, rel=REL)
    if case.total_cost is not None:
        assert result.summary.total_cost == pytest.approx(case.total_cost, rel=REL)
    if case.total_emissions is not None:
        assert result.summary.total_emissions == pytest.approx(
            case.total_emissions, rel=REL, abs=1e-9
        )
    flows = flow_table(result)
    assert set(flows) == set(case.flows)
    for key, (sent, delivered) in case.flows.items():
        assert flows[key][0] == pytest.approx(sent, rel=REL), key
        assert flows[key][1] == pytest.approx(delivered, rel=REL), key
    links = link_table(result)
    assert set(links) == set(case.links)
    for key, annual_cost in case.links.items():
        assert links[key] == pytest.approx(annual_cost, rel=REL, abs=1e-9), key
    alternatives = node_table(result.alternatives)
    assert set(alternatives) == set(case.alternatives)
    for key, amount in case.alternatives.items():
        assert alternatives[key] == pytest.approx(amount, rel=REL), key
    if case.disposals is not None:
        disposals = node_table(result.disposals)
        assert set(disposals) == set(case.disposals)
        for key, amount in case.disposals.items():
            assert disposals[key] == pytest.approx(amount, rel=REL), key


# ---------------------------------------------------------------------------------------
# (a) A pipeline is built only when its annualised capex beats the alternative.
# 1000 t/yr from `plant` (site a) to `works` (site b), 10 km (override). Alternative
# 100 EUR/t -> 100,000 EUR/yr. CRF with r = 0, n = 10: 1/10 = 0.1.
# Pipe: capex C per km, variable 1 EUR/t/km -> built: 10 * C * 0.1 + 1000 * 10 * 1
#       = C + 10,000 EUR/yr. Break-even at C = 90,000 EUR/km.
#   C = 85,000: 95,000 < 100,000 -> built; objective 95,000; link annual cost 85,000.
#   C = 95,000: 105,000 > 100,000 -> not built; objective 100,000 (all alternative).
# ---------------------------------------------------------------------------------------
PIPELINE_YAML = """
symopt: 1
name: pipeline versus alternative
economics: {discount_rate: 0, lifetime_years: 10}
resources:
  oxygen: {unit: t}
sites:
  a: {lat: 0, lon: 0}
  b: {lat: 0, lon: 1}
facilities:
  plant:
    site: a
    supplies: [{resource: oxygen, amount: 1000}]
  works:
    site: b
    demands: [{resource: oxygen, amount: 1000, alternative: {cost: 100}}]
transport:
  pipe: {resources: [oxygen], capex_per_km: @CAPEX@, variable_cost: 1}
distances: [{from: a, to: b, km: 10}]
"""

PIPELINE_BUILT = Case(
    yaml=PIPELINE_YAML.replace("@CAPEX@", "85000"),
    objective=95_000.0,
    flows={("plant", "works", "pipe", "year"): (1000.0, 1000.0)},
    links={("plant", "works", "pipe"): 85_000.0},
    disposals={},
    total_emissions=0.0,
)
PIPELINE_NOT_BUILT = Case(
    yaml=PIPELINE_YAML.replace("@CAPEX@", "95000"),
    objective=100_000.0,
    flows={},
    links={},
    alternatives={("works", "year"): 1000.0},
    disposals={("plant", "year"): 1000.0},
)

# ---------------------------------------------------------------------------------------
# (b) max_distance prunes a link. Truck: 1 EUR/t/km, max_distance 10 km.
# near: 10 km (= max_distance, allowed: only d > max is pruned) -> 10 EUR/t < 50: 100 t by
# truck, 1,000 EUR. far: 10.5 km > 10 -> no link; it would cost 10.5 < 50 if it existed,
# so its 100 t by the alternative (5,000 EUR) show the pruning. Objective 6,000.
# The source disposes 1000 - 100 = 900 t at cost 0.
# ---------------------------------------------------------------------------------------
MAX_DISTANCE = Case(
    yaml="""
symopt: 1
name: max_distance pruning
resources:
  water: {unit: m3}
sites:
  a: {lat: 0, lon: 0}
  b: {lat: 0, lon: 1}
  c: {lat: 0, lon: 2}
facilities:
  source:
    site: a
    supplies: [{resource: water, amount: 1000}]
  near:
    site: b
    demands: [{resource: water, amount: 100, alternative: {cost: 50}}]
  far:
    site: c
    demands: [{resource: water, amount: 100, alternative: {cost: 50}}]
transport:
  truck: {resources: [water], variable_cost: 1, max_distance: 10}
distances:
  - {from: a, to: b, km: 10}
  - {from: a, to: c, km: 10.5}
""",
    objective=6_000.0,
    flows={("source", "near", "truck", "year"): (100.0, 100.0)},
    links={},
    alternatives={("far", "year"): 100.0},
    disposals={("source", "year"): 900.0},
)

# ---------------------------------------------------------------------------------------
# (c) `mixing: none`: a link whose temperature after quality_change_per_km misses the
# demand's minimum is not allowed. Pipe: 1 EUR/MWh/km, -0.5 K/km. Greenhouse needs
# >= 55 degC, 100 MWh, alternative 50 EUR/MWh.
#   warm (60 degC) at 12 km: 60 - 0.5 * 12 = 54 < 55 -> pruned (it would cost 12/MWh).
#   hot  (70 degC) at 20 km: 70 - 0.5 * 20 = 60 >= 55 -> allowed, 20 EUR/MWh < 50.
#   -> 100 MWh from hot, objective 2,000.
# Variant: warm at 10 km arrives at exactly 55 -> allowed, 10 EUR/MWh is cheapest
#   -> 100 MWh from warm, objective 1,000.
# ---------------------------------------------------------------------------------------
TEMPERATURE_YAML = """
symopt: 1
name: temperature pruning
resources:
  heat:
    unit: MWh
    qualities:
      temperature: {unit: degC, better: higher, mixing: none}
sites:
  a: {lat: 0, lon: 0}
  b: {lat: 0, lon: 1}
  c: {lat: 0, lon: 2}
facilities:
  warm:
    site: a
    supplies: [{resource: heat, amount: 1000, quality: {temperature: 60}}]
  hot:
    site: b
    supplies: [{resource: heat, amount: 1000, quality: {temperature: 70}}]
  greenhouse:
    site: c
    demands:
      - resource: heat
        amount: 100
        quality: {temperature: {min: 55}}
        alternative: {cost: 50}
transport:
  pipe:
    resources: [heat]
    variable_cost: 1
    quality_change_per_km: {temperature: -0.5}
distances:
  - {from: a, to: c, km: @WARM_KM@}
  - {from: b, to: c, km: 20}
"""

TEMPERATURE_PRUNED = Case(
    yaml=TEMPERATURE_YAML.replace("@WARM_KM@", "12"),
    objective=2_000.0,
    flows={("hot", "greenhouse", "pipe", "year"): (100.0, 100.0)},
    links={},
    disposals={("warm", "year"): 1000.0, ("hot", "year"): 900.0},
)
TEMPERATURE_AT_LIMIT = Case(
    yaml=TEMPERATURE_YAML.replace("@WARM_KM@", "10"),
    objective=1_000.0,
    flows={("warm", "greenhouse", "pipe", "year"): (100.0, 100.0)},
    links={},
    disposals={("warm", "year"): 900.0, ("hot", "year"): 1000.0},
)

# ---------------------------------------------------------------------------------------
# (d) Linear blending lets a low-purity source be used. Demand 300 t with purity >= 90 %,
# alternative 100 EUR/t. Sources: `psa` 86 % (1000 t available), `electrolyser` 98 %
# (only 80 t). Truck 0.1 EUR/t/km, both at 10 km -> 1 EUR/t from either.
# Blend: psa * (86 - 90) + electrolyser * (98 - 90) >= 0  ->  psa <= 2 * electrolyser.
# Every t delivered saves 100 - 1 = 99 EUR, so: electrolyser 80 t, psa 160 t (ratio 2,
# blend (160 * 86 + 80 * 98) / 240 = 90 %), alternative 300 - 240 = 60 t.
# Objective = 240 * 1 + 60 * 100 = 6,240. psa alone could deliver nothing.
# ---------------------------------------------------------------------------------------
BLENDING = Case(
    yaml="""
symopt: 1
name: linear blending
resources:
  oxygen:
    unit: t
    qualities:
      purity: {unit: "%", better: higher, mixing: linear}
sites:
  a: {lat: 0, lon: 0}
  b: {lat: 0, lon: 1}
  c: {lat: 0, lon: 2}
facilities:
  psa:
    site: a
    supplies: [{resource: oxygen, amount: 1000, quality: {purity: 86}}]
  electrolyser:
    site: b
    supplies: [{resource: oxygen, amount: 80, quality: {purity: 98}}]
  works:
    site: c
    demands:
      - resource: oxygen
        amount: 300
        quality: {purity: {min: 90}}
        alternative: {cost: 100}
transport:
  truck: {resources: [oxygen], variable_cost: 0.1}
distances:
  - {from: a, to: c, km: 10}
  - {from: b, to: c, km: 10}
""",
    objective=6_240.0,
    flows={
        ("psa", "works", "truck", "year"): (160.0, 160.0),
        ("electrolyser", "works", "truck", "year"): (80.0, 80.0),
    },
    links={},
    alternatives={("works", "year"): 60.0},
    disposals={("psa", "year"): 840.0},
)

# ---------------------------------------------------------------------------------------
# (e) Losses: what is sent vs what is delivered. Pipe 10 km, loss 0.02/km -> factor
# 1 - 0.2 = 0.8; variable 1 EUR per unit SENT per km (10 per unit sent, 12.5 per unit
# delivered < alternative 20). Capex 100/km, r = 0, n = 1 -> CRF 1 -> 1,000 EUR/yr.
# Capacity: x <= y * min(supply, demand / 0.8) = min(supply, 1000).
#   supply 2000: sent 1000 -> delivered 800 = demand; cost 1000 + 1000 * 10 = 11,000
#                (< 16,000 all by alternative); 1000 disposed.
#   supply  500: sent 500 -> delivered 400; alternative 400 * 20 = 8,000;
#                cost 1000 + 5,000 + 8,000 = 14,000 (< 16,000).
# ---------------------------------------------------------------------------------------
LOSSES_YAML = """
symopt: 1
name: losses
economics: {discount_rate: 0, lifetime_years: 1}
resources:
  heat: {unit: MWh}
sites:
  a: {lat: 0, lon: 0}
  b: {lat: 0, lon: 1}
facilities:
  source:
    site: a
    supplies: [{resource: heat, amount: @SUPPLY@}]
  sink:
    site: b
    demands: [{resource: heat, amount: 800, alternative: {cost: 20}}]
transport:
  pipe: {resources: [heat], capex_per_km: 100, variable_cost: 1, loss_per_km: 0.02}
distances: [{from: a, to: b, km: 10}]
"""

LOSSES_DEMAND_MET = Case(
    yaml=LOSSES_YAML.replace("@SUPPLY@", "2000"),
    objective=11_000.0,
    flows={("source", "sink", "pipe", "year"): (1000.0, 800.0)},
    links={("source", "sink", "pipe"): 1_000.0},
    disposals={("source", "year"): 1000.0},
)
LOSSES_SUPPLY_SHORT = Case(
    yaml=LOSSES_YAML.replace("@SUPPLY@", "500"),
    objective=14_000.0,
    flows={("source", "sink", "pipe", "year"): (500.0, 400.0)},
    links={("source", "sink", "pipe"): 1_000.0},
    alternatives={("sink", "year"): 400.0},
    disposals={},
)

# ---------------------------------------------------------------------------------------
# (f) Time slices and per-slice amount maps. winter 6000 h, summer 2760 h (8760 in all).
# plant: 8760 per year (a number) -> winter 8760 * 6000/8760 = 6000, summer 2760;
#        disposal 2 EUR per unit.
# town:  {winter: 5000, summer: 4000}, alternative 10.  pool: {summer: 500} -> winter 0,
#        alternative 3. Truck 1 EUR/unit/km, 1 km to both.
# winter: 5000 to town (5,000 EUR); 1000 left -> disposed (2,000 EUR); pool needs 0.
# summer: 2760 available; a unit to town saves 10 - 1, to pool 3 - 1 -> all 2760 to town
#         (2,760); town's alternative 1240 * 10 = 12,400; pool's 500 * 3 = 1,500.
# Objective = 5,000 + 2,000 + 2,760 + 12,400 + 1,500 = 23,660.
# ---------------------------------------------------------------------------------------
TIME_SLICES = Case(
    yaml="""
symopt: 1
name: time slices
time_slices:
  - {id: winter, hours: 6000}
  - {id: summer, hours: 2760}
resources:
  water: {unit: m3}
sites:
  a: {lat: 0, lon: 0}
  b: {lat: 0, lon: 1}
facilities:
  plant:
    site: a
    supplies: [{resource: water, amount: 8760, disposal: {cost: 2}}]
  town:
    site: b
    demands:
      - {resource: water, amount: {winter: 5000, summer: 4000}, alternative: {cost: 10}}
  pool:
    site: b
    demands:
      - {resource: water, amount: {summer: 500}, alternative: {cost: 3}}
transport:
  truck: {resources: [water], variable_cost: 1}
distances: [{from: a, to: b, km: 1}]
""",
    objective=23_660.0,
    flows={
        ("plant", "town", "truck", "winter"): (5000.0, 5000.0),
        ("plant", "town", "truck", "summer"): (2760.0, 2760.0),
    },
    links={},
    alternatives={("town", "summer"): 1240.0, ("pool", "summer"): 500.0},
    disposals={("plant", "winter"): 1000.0},
)

# ---------------------------------------------------------------------------------------
# (g) Three objectives, three answers. 100 units, 10 km, carbon price 0.
#   pipe : capex 800/km, r = 0, n = 10 -> 10 * 800 * 0.1 = 800 EUR/yr, 0 per unit, 0 t
#   truck: 0.2 EUR/unit/km -> 2 EUR/unit; 0.08 t/unit/km -> 0.8 t/unit
#   alternative: 5 EUR/unit, 0.2 t/unit
# For all 100 units:       cost    emissions   cost + 10 * emissions
#   pipe                    800        0            800
#   truck                   200       80          1,000
#   alternative             500       20            700
# (mixing truck and alternative is linear, so an extreme is best; the pipe, once paid,
# carries everything at 0 per unit.)
#   cost      -> truck: objective 200 (cost 200, emissions 80)
#   emissions -> pipe: objective 0 (cost 800, emissions 0)
#   {cost: 1, emissions: 10} -> alternative: objective 700 (cost 500, emissions 20)
# ---------------------------------------------------------------------------------------
OBJECTIVES_YAML = """
symopt: 1
name: three objectives
economics: {discount_rate: 0, lifetime_years: 10}
resources:
  heat: {unit: MWh}
sites:
  a: {lat: 0, lon: 0}
  b: {lat: 0, lon: 1}
facilities:
  source:
    site: a
    supplies: [{resource: heat, amount: 100}]
  sink:
    site: b
    demands: [{resource: heat, amount: 100, alternative: {cost: 5, emissions: 0.2}}]
transport:
  pipe: {resources: [heat], capex_per_km: 800}
  truck: {resources: [heat], variable_cost: 0.2, emissions: 0.08}
distances: [{from: a, to: b, km: 10}]
objective: @OBJECTIVE@
"""

OBJECTIVE_COST = Case(
    yaml=OBJECTIVES_YAML.replace("@OBJECTIVE@", "cost"),
    objective=200.0,
    total_cost=200.0,
    total_emissions=80.0,
    flows={("source", "sink", "truck", "year"): (100.0, 100.0)},
    links={},
)
OBJECTIVE_EMISSIONS = Case(
    yaml=OBJECTIVES_YAML.replace("@OBJECTIVE@", "cost"),
    solve_objective="emissions",
    objective=0.0,
    total_cost=800.0,
    total_emissions=0.0,
    flows={("source", "sink", "pipe", "year"): (100.0, 100.0)},
    links={("source", "sink", "pipe"): 800.0},
)
OBJECTIVE_WEIGHTS = Case(
    yaml=OBJECTIVES_YAML.replace("@OBJECTIVE@", "{cost: 1, emissions: 10}"),
    objective=700.0,
    total_cost=500.0,
    total_emissions=20.0,
    flows={},
    links={},
    alternatives={("sink", "year"): 100.0},
)
OBJECTIVE_WEIGHTS_ARGUMENT = Case(
    yaml=OBJECTIVES_YAML.replace("@OBJECTIVE@", "emissions"),
    solve_objective={"cost": 1, "emissions": 10},
    objective=700.0,
    total_cost=500.0,
    total_emissions=20.0,
    flows={},
    links={},
    alternatives={("sink", "year"): 100.0},
)
OBJECTIVE_EMISSIONS_IN_FILE = Case(
    yaml=OBJECTIVES_YAML.replace("@OBJECTIVE@", "emissions"),
    objective=0.0,
    total_cost=800.0,
    total_emissions=0.0,
    flows={("source", "sink", "pipe", "year"): (100.0, 100.0)},
    links={("source", "sink", "pipe"): 800.0},
)

# ---------------------------------------------------------------------------------------
# (h) Distance override and detour factor. Sites on the equator: a (lon 0), b (lon 1),
# c (lon 2). Truck 1 EUR/unit/km, detour_factor 1.5. 10 units to each sink, alternative
# 1000 (never worth it).
#   east (b):      haversine 111.19492664455873 km * 1.5 = 166.7923899668381 km
#   far_east (c):  override {from: c, to: a, km: 100}: 100 km in both directions, the
#                  detour factor is NOT applied to an override (haversine * 1.5 would be
#                  333.58 km)
#   neighbour (a): same site as the source -> 0 km
# Objective = 10 * 166.7923899668381 + 10 * 100 + 0 = 2,667.923899668381.
# ---------------------------------------------------------------------------------------
DISTANCES = Case(
    yaml="""
symopt: 1
name: distances
resources:
  goods: {unit: t}
sites:
  a: {lat: 0, lon: 0}
  b: {lat: 0, lon: 1}
  c: {lat: 0, lon: 2}
facilities:
  source:
    site: a
    supplies: [{resource: goods, amount: 1000}]
  east:
    site: b
    demands: [{resource: goods, amount: 10, alternative: {cost: 1000}}]
  far_east:
    site: c
    demands: [{resource: goods, amount: 10, alternative: {cost: 1000}}]
  neighbour:
    site: a
    demands: [{resource: goods, amount: 10, alternative: {cost: 1000}}]
transport:
  truck: {resources: [goods], variable_cost: 1, detour_factor: 1.5}
distances: [{from: c, to: a, km: 100}]
""",
    objective=2_667.923899668381,
    flows={
        ("source", "east", "truck", "year"): (10.0, 10.0),
        ("source", "far_east", "truck", "year"): (10.0, 10.0),
        ("source", "neighbour", "truck", "year"): (10.0, 10.0),
    },
    links={},
    disposals={("source", "year"): 970.0},
)
EXPECTED_KM = {
    "east": 1.5 * EQUATOR_KM_PER_DEGREE,
    "far_east": 100.0,
    "neighbour": 0.0,
}

# ---------------------------------------------------------------------------------------
# (i) CRF. Pipe 10 km, capex 100,000 EUR/km, fixed opex 1,000 EUR/km/yr; the alternative
# (10,000 EUR/t for 100 t = 1,000,000 EUR/yr) makes building certain.
# Annual cost = 10 * (100,000 * CRF + 1,000).
#   r = 0,    n = 20: CRF = 1/20 = 0.05                               -> 60,000
#   r = 0.05, n = 20: 1.05^20 = 2.653297705144422,
#             CRF = 0.05 * 2.653297705 / 1.653297705 = 0.08024258719069129
#                                                                    -> 90,242.58719069128
#   r = 0.10, n = 10: 1.1^10 = 2.5937424601,
#             CRF = 0.1 * 2.5937424601 / 1.5937424601 = 0.16274539488251152
#                                                                    -> 172,745.39488251152
# ---------------------------------------------------------------------------------------
CRF_YAML = """
symopt: 1
name: capital recovery factor
economics: {discount_rate: @RATE@, lifetime_years: @YEARS@}
resources:
  heat: {unit: MWh}
sites:
  a: {lat: 0, lon: 0}
  b: {lat: 0, lon: 1}
facilities:
  source:
    site: a
    supplies: [{resource: heat, amount: 100}]
  sink:
    site: b
    demands: [{resource: heat, amount: 100, alternative: {cost: 10000}}]
transport:
  pipe: {resources: [heat], capex_per_km: 100000, fixed_opex_per_km: 1000}
distances: [{from: a, to: b, km: 10}]
"""


def crf_case(rate: str, years: str, annual_cost: float) -> Case:
    return Case(
        yaml=CRF_YAML.replace("@RATE@", rate).replace("@YEARS@", years),
        objective=annual_cost,
        flows={("source", "sink", "pipe", "year"): (100.0, 100.0)},
        links={("source", "sink", "pipe"): annual_cost},
        disposals={},
    )


CASES = [
    pytest.param(PIPELINE_BUILT, id="a-pipeline-built"),
    pytest.param(PIPELINE_NOT_BUILT, id="a-pipeline-not-built"),
    pytest.param(MAX_DISTANCE, id="b-max-distance"),
    pytest.param(TEMPERATURE_PRUNED, id="c-temperature-pruned"),
    pytest.param(TEMPERATURE_AT_LIMIT, id="c-temperature-at-limit"),
    pytest.param(BLENDING, id="d-linear-blending"),
    pytest.param(LOSSES_DEMAND_MET, id="e-losses-demand-met"),
    pytest.param(LOSSES_SUPPLY_SHORT, id="e-losses-supply-short"),
    pytest.param(TIME_SLICES, id="f-time-slices"),
    pytest.param(OBJECTIVE_COST, id="g-objective-cost"),
    pytest.param(OBJECTIVE_EMISSIONS, id="g-objective-emissions"),
    pytest.param(OBJECTIVE_WEIGHTS, id="g-objective-weights"),
    pytest.param(OBJECTIVE_WEIGHTS_ARGUMENT, id="g-objective-weights-argument"),
    pytest.param(OBJECTIVE_EMISSIONS_IN_FILE, id="g-objective-emissions-in-file"),
    pytest.param(DISTANCES, id="h-distances"),
    pytest.param(crf_case("0", "20", 60_000.0), id="i-crf-rate-0"),
    pytest.param(crf_case("0.05", "20", 90_242.58719069128), id="i-crf-rate-5pc"),
    pytest.param(crf_case("0.10", "10", 172_745.39488251152), id="i-crf-rate-10pc"),
]


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


@pytest.fixture
def solved(case: Case) -> tuple[Case, symopt.Result]:
    return case, solve_case(case)


def test_hand_worked_optimum(solved: tuple[Case, symopt.Result]) -> None:
    case, result = solved
    assert_optimum(result, case)


def test_blend_ratio_is_two_to_one() -> None:
    """(d) The low-purity stream is exactly twice the high-purity one: 90 % blended."""
    result = solve_case(BLENDING)
    got = {row.source: row.delivered for row in result.flows.itertuples(index=False)}
    assert got["psa"] / got["electrolyser"] == pytest.approx(2.0, rel=REL)
    blend = (got["psa"] * 86 + got["electrolyser"] * 98) / (got["psa"] + got["electrolyser"])
    assert blend == pytest.approx(90.0, rel=REL)


def test_low_purity_alone_is_not_used() -> None:
    """(d) Without the high-purity source, the 86 % stream may not be delivered at all."""
    text = BLENDING.yaml.replace(
        "amount: 80, quality: {purity: 98}", "amount: 0, quality: {purity: 98}"
    )
    assert text != BLENDING.yaml
    result = symopt.solve(symopt.parse_scenario(text), mip_gap=0)
    assert result.status == symopt.SolveStatus.OPTIMAL
    assert result.flows.empty
    assert result.summary.objective == pytest.approx(300 * 100.0, rel=REL)


def test_distances_override_and_detour() -> None:
    """(h) distance_km per sink: detour on great-circle km, none on an override, 0 on a site."""
    result = solve_case(DISTANCES)
    km = {row.sink: row.distance_km for row in result.flows.itertuples(index=False)}
    assert set(km) == set(EXPECTED_KM)
    for sink, expected in EXPECTED_KM.items():
        assert km[sink] == pytest.approx(expected, rel=REL, abs=1e-12), sink


def test_losses_columns() -> None:
    """(e) delivered = (1 - 0.02 * 10) * sent in the flows table."""
    result = solve_case(LOSSES_DEMAND_MET)
    row = result.flows.iloc[0]
    assert row["delivered"] == pytest.approx(0.8 * row["sent"], rel=REL)
    assert row["distance_km"] == pytest.approx(10.0, rel=REL)


def test_objectives_differ() -> None:
    """(g) cost, emissions and weights pick three different answers on one scenario."""
    scenario = symopt.parse_scenario(OBJECTIVE_COST.yaml)
    answers = {}
    for objective in ("cost", "emissions", {"cost": 1, "emissions": 10}):
        result = symopt.solve(scenario, objective=objective, mip_gap=0)
        used = {row.mode for row in result.flows.itertuples(index=False)}
        answers[str(objective)] = (
            frozenset(used),
            round(result.summary.total_cost, 6),
            round(result.summary.total_emissions, 6),
        )
    assert answers == {
        "cost": (frozenset({"truck"}), 200.0, 80.0),
        "emissions": (frozenset({"pipe"}), 800.0, 0.0),
        "{'cost': 1, 'emissions': 10}": (frozenset(), 500.0, 20.0),
    }


# ---------------------------------------------------------------------------------------
# Carbon price and baseline. The truck case of (g) with carbon_price 10 EUR/t:
#   truck: 2 + 10 * 0.8 = 10 EUR/unit; alternative: 5 + 10 * 0.2 = 7 EUR/unit;
#   pipe: 800 EUR/yr (< 700? no: 800 > 700).
#   -> alternative for all 100: cost 700 (= 500 + 10 * 20), emissions 20.
# Baseline: every demand by the alternative (100 * 5 = 500, 20 t), every supply disposed
#   (0): baseline cost 500 + 10 * 20 = 700, emissions 20; savings 0 and 0.
# ---------------------------------------------------------------------------------------
def test_carbon_price_and_baseline() -> None:
    text = OBJECTIVE_COST.yaml.replace(
        "economics: {discount_rate: 0, lifetime_years: 10}",
        "economics: {discount_rate: 0, lifetime_years: 10, carbon_price: 10}",
    )
    assert text != OBJECTIVE_COST.yaml
    result = symopt.solve(symopt.parse_scenario(text), mip_gap=0)
    summary = result.summary
    assert result.status == symopt.SolveStatus.OPTIMAL
    assert summary.objective == pytest.approx(700.0, rel=REL)
    assert summary.total_cost == pytest.approx(700.0, rel=REL)
    assert summary.total_emissions == pytest.approx(20.0, rel=REL)
    assert summary.baseline_cost == pytest.approx(700.0, rel=REL)
    assert summary.baseline_emissions == pytest.approx(20.0, rel=REL)
    assert summary.cost_saving == pytest.approx(0.0, abs=1e-9)
    assert summary.emission_saving == pytest.approx(0.0, abs=1e-9)
    assert result.flows.empty


def test_baseline_of_pipeline_case() -> None:
    """(a) Baseline 1000 t * 100 = 100,000; the built pipe saves 5,000."""
    result = solve_case(PIPELINE_BUILT)
    assert result.summary.baseline_cost == pytest.approx(100_000.0, rel=REL)
    assert result.summary.cost_saving == pytest.approx(5_000.0, rel=REL)
