"""A published water-pinch target, reproduced with fresh water as the alternative.

Wang, Y. P. and Smith, R. (1994). Wastewater minimisation. Chemical Engineering Science
49(7), 981-1006: Example 1, four water-using operations, one contaminant. Limiting data
(flow t/h, inlet max ppm -> outlet ppm): 1: 20 t/h, 0 -> 100; 2: 100 t/h, 50 -> 100;
3: 40 t/h, 50 -> 800; 4: 10 t/h, 400 -> 800. Published freshwater target: 90 t/h.

With fixed flow rates each operation is a sink (its inlet: the limiting flow at most
at the inlet concentration) and a source (its outlet: the same flow at the outlet
concentration); inlet and outlet are separate facilities, since an operation may reuse
its own outlet water as in the published targeting. Fresh water (0 ppm, 1 EUR/t) is every sink's alternative, so the
optimum cost is the freshwater flow. By hand: sink 1 needs 0 ppm, so 20 t/h fresh;
sinks 2 and 3 (140 t/h at <= 50 ppm) can take the 100 ppm sources only diluted 1:1
with fresh water, 50 f >= 50 s with f + s = 140, so f >= 70; sink 4 (<= 400 ppm) takes
10 t/h of the 50 t/h of 100 ppm water left. Fresh water: 20 + 70 = 90 t/h.
"""

from __future__ import annotations

import pytest

import symopt

OPERATIONS = {  # id: (flow t/h, inlet max ppm, outlet ppm)
    "operation_1": (20, 0, 100),
    "operation_2": (100, 50, 100),
    "operation_3": (40, 50, 800),
    "operation_4": (10, 400, 800),
}


def _scenario(fresh_water_quality: str) -> str:
    facilities = "\n".join(
        f"""  {name}_outlet:
    site: plant
    supplies: [{{resource: water, amount: {flow}, quality: {{ppm: {outlet}}}}}]
  {name}_inlet:
    site: plant
    demands:
      - resource: water
        amount: {flow}
        quality: {{ppm: {{max: {inlet}}}}}
        alternative: {{cost: 1{fresh_water_quality}}}"""
        for name, (flow, inlet, outlet) in OPERATIONS.items()
    )
    return f"""
symopt: 1
name: Wang and Smith (1994) example 1, fixed flow rates
time_slices: [{{id: hour, hours: 1}}]
resources:
  water:
    unit: t
    qualities: {{ppm: {{unit: ppm, better: lower, mixing: linear}}}}
sites: {{plant: {{lat: 0, lon: 0}}}}
facilities:
{facilities}
transport:
  piping: {{resources: [water]}}
"""


def test_freshwater_target_of_wang_and_smith_1994() -> None:
    result = symopt.solve(symopt.parse_scenario(_scenario(", quality: {ppm: 0}")), mip_gap=0)
    assert result.status == symopt.SolveStatus.OPTIMAL
    assert result.summary.objective == pytest.approx(90.0, rel=1e-9)
    assert result.alternatives["amount"].sum() == pytest.approx(90.0, rel=1e-9)
    # Water balance: 170 t/h of outlets, 80 t/h reused, 90 t/h to waste water.
    assert result.disposals["amount"].sum() == pytest.approx(90.0, rel=1e-9)


def test_without_fresh_water_quality_the_target_is_overstated() -> None:
    # v1 meaning (fresh water exactly at each bound): no 100 ppm water reaches sinks 2
    # and 3, so 20 + 100 + 40 = 160 t/h fresh; sink 4 reuses its 10 t/h.
    result = symopt.solve(symopt.parse_scenario(_scenario("")), mip_gap=0)
    assert result.summary.objective == pytest.approx(160.0, rel=1e-9)
