"""Hand-worked cases for `alternative.quality`, purchased supplies and supply security.

Every expected value below is worked out on paper from the mathematics in
docs/scenario-format.md (the comment above each case shows the arithmetic); none is
copied from symopt's output.
"""

from __future__ import annotations

import pytest

import symopt

REL = 1e-9


def _solve(text: str) -> symopt.Result:
    result = symopt.solve(symopt.parse_scenario(text), mip_gap=0)
    assert result.status == symopt.SolveStatus.OPTIMAL
    return result


# ---------------------------------------------------------------------------------------
# Blending with fresh water. A process outlet gives 100 t at 50 ppm; a sink needs 100 t
# at <= 20 ppm; fresh water costs 1 EUR/t. Link 0 km, free.
#   v1 meaning (no alternative.quality: fresh water "meets the bound exactly", 20 ppm):
#     x (20 - 50) + u (20 - 20) >= 0  ->  x = 0, u = 100: cost 100.
#   fresh water at 0 ppm: x (20 - 50) + u (20 - 0) >= 0, x + u = 100
#     -> 20 u >= 30 x -> x <= 40, u = 60: cost 60.
# ---------------------------------------------------------------------------------------
BLEND_YAML = """
symopt: 1
name: blending with fresh water
resources:
  water:
    unit: t
    qualities: {cod: {unit: ppm, better: lower, mixing: linear}}
sites: {plot: {lat: 0, lon: 0}}
facilities:
  outlet:
    site: plot
    supplies: [{resource: water, amount: 100, quality: {cod: 50}}]
  inlet:
    site: plot
    demands:
      - resource: water
        amount: 100
        quality: {cod: {max: 20}}
        alternative: {cost: 1@QUALITY@}
transport:
  pipe: {resources: [water]}
"""


def test_fresh_water_without_quality_meets_the_bound_exactly() -> None:
    result = _solve(BLEND_YAML.replace("@QUALITY@", ""))
    assert result.summary.objective == pytest.approx(100.0, rel=REL)
    assert result.flows.empty


def test_fresh_water_at_zero_ppm_dilutes_the_reused_water() -> None:
    result = _solve(BLEND_YAML.replace("@QUALITY@", ", quality: {cod: 0}"))
    assert result.summary.objective == pytest.approx(60.0, rel=REL)
    assert result.flows["sent"].sum() == pytest.approx(40.0, rel=REL)
    assert result.alternatives["amount"].sum() == pytest.approx(60.0, rel=REL)


# ---------------------------------------------------------------------------------------
# An alternative below a linear bound must itself be diluted. Oxygen at >= 90 % purity;
# the conventional supply is at 85 % (margin -5), the electrolyser's at 99.5 % (margin
# 9.5), 1 km away at 3 EUR/t/km; the alternative costs 1 EUR/t; demand 100 t, supply 100 t.
#   9.5 x - 5 u >= 0, x + u = 100  ->  x >= 5 * 100 / 14.5 = 34.48275862...
#   cost = 3 x + u = 100 + 2 x = 100 + 1000 / 14.5 = 168.9655172...
# ---------------------------------------------------------------------------------------
LOW_ALTERNATIVE_YAML = """
symopt: 1
name: alternative below the bound
resources:
  oxygen:
    unit: t
    qualities: {purity: {unit: "%", better: higher, mixing: linear}}
sites: {a: {lat: 0, lon: 0}, b: {lat: 0, lon: 1}}
facilities:
  electrolyser:
    site: a
    supplies: [{resource: oxygen, amount: 100, quality: {purity: 99.5}}]
  works:
    site: b
    demands:
      - resource: oxygen
        amount: 100
        quality: {purity: {min: 90}}
        alternative: {cost: 1, quality: {purity: 85}}
transport:
  truck: {resources: [oxygen], variable_cost: 3}
distances: [{from: a, to: b, km: 1}]
"""


def test_alternative_below_a_linear_bound_is_blended_up() -> None:
    result = _solve(LOW_ALTERNATIVE_YAML)
    x = 5 * 100 / 14.5
    assert result.summary.objective == pytest.approx(100 + 2 * x, rel=REL)
    assert result.flows["sent"].sum() == pytest.approx(x, rel=REL)


def test_alternative_below_the_bound_with_no_link_is_infeasible() -> None:
    # The truck may go 0.5 km at most: no link, and u = 100 alone misses 90 %.
    text = LOW_ALTERNATIVE_YAML.replace("variable_cost: 3}", "variable_cost: 3, max_distance: 0.5}")
    result = symopt.solve(symopt.parse_scenario(text), mip_gap=0)
    assert result.status == symopt.SolveStatus.INFEASIBLE
    (reason,) = result.summary.diagnosis
    assert "works.demands[0]" in reason
    assert "alternative misses the purity bound (by 5)" in reason


# ---------------------------------------------------------------------------------------
# A bought supply beating the alternative. Grid electricity: 800 MWh available at
# 40 EUR/MWh and 0.02 t/MWh upstream; the demand (1000 MWh) has a diesel alternative at
# 50 EUR/MWh and 0.1 t/MWh; carbon price 100 EUR/t; link 0 km, free.
#   per MWh: grid 40 + 100 * 0.02 = 42 < diesel 50 + 100 * 0.1 = 60 -> x = 800, u = 200.
#   emissions = 800 * 0.02 + 200 * 0.1 = 36 t
#   cost = 800 * 40 + 200 * 50 + 100 * 36 = 45,600 EUR
#   baseline (nothing bought, grid supply disposed at 0): 1000 * 60 = 60,000; 100 t.
# With the grid price at 70 EUR/MWh (72 > 60 per MWh) nothing is bought: 60,000.
# ---------------------------------------------------------------------------------------
BOUGHT_YAML = """
symopt: 1
name: bought grid electricity
economics: {carbon_price: 100}
resources: {electricity: {unit: MWh}}
sites: {plot: {lat: 0, lon: 0}}
facilities:
  grid:
    site: plot
    supplies: [{resource: electricity, amount: 800, cost: @PRICE@, emissions: 0.02}]
  plant:
    site: plot
    demands: [{resource: electricity, amount: 1000, alternative: {cost: 50, emissions: 0.1}}]
transport:
  cable: {resources: [electricity]}
"""


def test_bought_supply_beats_the_alternative() -> None:
    result = _solve(BOUGHT_YAML.replace("@PRICE@", "40"))
    summary = result.summary
    assert summary.total_cost == pytest.approx(45_600.0, rel=REL)
    assert summary.total_emissions == pytest.approx(36.0, rel=REL)
    assert summary.baseline_cost == pytest.approx(60_000.0, rel=REL)
    assert summary.baseline_emissions == pytest.approx(100.0, rel=REL)
    facilities = result.facilities.set_index("facility")
    assert facilities.loc["grid", "purchase_cost"] == pytest.approx(32_000.0, rel=REL)
    assert facilities.loc["grid", "purchase_emissions"] == pytest.approx(16.0, rel=REL)
    assert facilities.loc["grid", "annual_cost"] == pytest.approx(32_000.0, rel=REL)


def test_expensive_bought_supply_is_not_bought() -> None:
    result = _solve(BOUGHT_YAML.replace("@PRICE@", "70"))
    assert result.summary.total_cost == pytest.approx(60_000.0, rel=REL)
    assert result.flows.empty


def test_purchase_is_not_paid_on_what_is_disposed() -> None:
    # Demand 500 only: x = 500 at 40 + 2, the other 300 MWh disposed at no cost.
    # cost = 500 * 40 + 100 * (500 * 0.02) = 21,000.
    text = BOUGHT_YAML.replace("@PRICE@", "40").replace("amount: 1000", "amount: 500")
    result = _solve(text)
    assert result.summary.total_cost == pytest.approx(21_000.0, rel=REL)
    assert result.disposals["amount"].sum() == pytest.approx(300.0, rel=REL)


# ---------------------------------------------------------------------------------------
# Backup capacity changing the plan. One slice of 8760 h; the works needs 8760 t (1 t/h).
# Two suppliers can each give all of it: A at 1 EUR/t, B at 2 EUR/t (purchase prices);
# the alternative costs 10 EUR/t and C EUR per (t/h) of backup capacity per year.
#   no backup: x_A = 8760, cost 8760.
#   backup required: B >= x_A / 8760, B >= x_B / 8760. With x_A = x_B = 8760 b,
#     u = 8760 (1 - 2b): cost = 87,600 - 8760 b (10 + 10 - 1 - 2) + C b
#     C = 20,000: 87,600 - 128,920 b -> b = 1/2: both suppliers at 4380 t, u = 0,
#       cost 23,140 (> 8760 + C = 28,760 for A alone with B = 1? no: 23,140 < 28,760).
#     C = 200,000: 87,600 + 51,080 b -> b = 0: all from the alternative, cost 87,600.
# ---------------------------------------------------------------------------------------
BACKUP_YAML = """
symopt: 1
name: backup capacity
@SECURITY@
resources: {oxygen: {unit: t}}
sites: {plot: {lat: 0, lon: 0}}
facilities:
  supplier_a:
    site: plot
    supplies: [{resource: oxygen, amount: 8760, cost: 1}]
  supplier_b:
    site: plot
    supplies: [{resource: oxygen, amount: 8760, cost: 2}]
  works:
    site: plot
    demands:
      - resource: oxygen
        amount: 8760
        alternative: {cost: 10, capacity_cost: @CAPACITY@}
transport:
  pipe: {resources: [oxygen]}
"""


def test_without_backup_the_cheapest_supplier_gives_all() -> None:
    result = _solve(BACKUP_YAML.replace("@SECURITY@", "").replace("@CAPACITY@", "20000"))
    assert result.summary.total_cost == pytest.approx(8760.0, rel=REL)
    security = result.security.set_index("demand_id").loc["works.demands[0]"]
    assert not security["backup_required"]
    assert security["largest_share"] == pytest.approx(1.0, rel=REL)
    assert security["largest_supplier"] == "supplier_a"


def test_backup_splits_the_supply_between_two_suppliers() -> None:
    text = BACKUP_YAML.replace("@SECURITY@", "security: {backup: required}")
    result = _solve(text.replace("@CAPACITY@", "20000"))
    assert result.summary.total_cost == pytest.approx(23_140.0, rel=REL)
    sent = result.flows.groupby("source")["sent"].sum()
    assert sent["supplier_a"] == pytest.approx(4380.0, rel=REL)
    assert sent["supplier_b"] == pytest.approx(4380.0, rel=REL)
    security = result.security.set_index("demand_id").loc["works.demands[0]"]
    assert security["backup_required"]
    assert security["largest_share"] == pytest.approx(0.5, rel=REL)
    assert security["backup_capacity"] == pytest.approx(0.5, rel=REL)
    assert security["backup_cost"] == pytest.approx(10_000.0, rel=REL)
    facilities = result.facilities.set_index("facility")
    assert facilities.loc["works", "backup_cost"] == pytest.approx(10_000.0, rel=REL)
    # The baseline keeps no backup: nothing is delivered.
    assert result.summary.baseline_cost == pytest.approx(87_600.0, rel=REL)


def test_costly_backup_makes_the_alternative_win() -> None:
    text = BACKUP_YAML.replace("@SECURITY@", "").replace("@CAPACITY@", "200000")
    text = text.replace(
        "capacity_cost: 200000}", "capacity_cost: 200000}\n        security: {backup: required}"
    )
    result = _solve(text)
    assert result.summary.total_cost == pytest.approx(87_600.0, rel=REL)
    assert result.flows.empty


def test_demand_can_opt_out_of_the_scenario_default() -> None:
    text = BACKUP_YAML.replace("@SECURITY@", "security: {backup: required}")
    text = text.replace(
        "capacity_cost: @CAPACITY@}", "capacity_cost: 20000}\n        security: {backup: none}"
    )
    result = _solve(text)
    assert result.summary.total_cost == pytest.approx(8760.0, rel=REL)


def test_scenario_without_any_transport_mode_solves() -> None:
    # No mode: no link. The demand of 100 t is covered by its alternative at 1 EUR/t: 100.
    # (A scenario with quality attributes and no `transport` used to crash on empty links.)
    text = LOW_ALTERNATIVE_YAML.split("transport:")[0].replace(", quality: {purity: 85}", "")
    assert _solve(text).summary.objective == pytest.approx(100.0, rel=REL)
