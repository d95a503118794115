"""Purchases, backup capacity and alternative quality on the in-place re-solve path.

The numpy cost vector (used when only prices change) must carry the purchase terms on
x and the capacity cost on B exactly as Pyomo's compiled objective does, and price
variants re-solved in place must reach the optima of fresh solves.
"""

from __future__ import annotations

import numpy as np
import pytest
from scenario_factory import random_scenario, to_yaml, with_extensions

import symopt
from symopt.model.build import build_model
from symopt.model.cost_vector import ColumnMap, cost_vector
from symopt.model.objective import Objective
from symopt.solver.highs import SolverOptions, compile_standard_form
from symopt.solver.session import Resolver


@pytest.mark.parametrize("objective", [Objective(1, 0), Objective(0, 1), Objective(2, 30)])
def test_cost_vector_carries_purchases_and_backup(objective: Objective) -> None:
    for seed in range(12):
        data = with_extensions(random_scenario(seed), seed)
        network = symopt.build_network(symopt.parse_scenario(to_yaml(data)))
        form = compile_standard_form(build_model(network, objective))
        cost, offset = cost_vector(network, objective, ColumnMap.of(form.columns))
        np.testing.assert_allclose(cost, form.cost, rtol=1e-12, atol=1e-9)
        assert offset == pytest.approx(form.offset, rel=1e-12, abs=1e-9)


PRICED = """
symopt: 1
name: priced backup
economics: {carbon_price: @CARBON@}
resources:
  oxygen:
    unit: t
    qualities: {purity: {unit: "%", better: higher, mixing: linear}}
security: {backup: required}
sites: {plot: {lat: 0, lon: 0}}
facilities:
  supplier_a:
    site: plot
    supplies: [{resource: oxygen, amount: 8760, quality: {purity: 85}, cost: @PRICE_A@, emissions: 0.01}]
  supplier_b:
    site: plot
    supplies: [{resource: oxygen, amount: 8760, quality: {purity: 95}, cost: 2}]
  works:
    site: plot
    demands:
      - resource: oxygen
        amount: 8760
        quality: {purity: {min: 90}}
        alternative: {cost: 10, quality: {purity: 99.5}, capacity_cost: @CAPACITY@}
transport:
  pipe: {resources: [oxygen]}
"""


def test_price_variants_are_re_solved_in_place() -> None:
    resolver = Resolver(options=SolverOptions(mip_gap=0))
    variants = [
        (carbon, price, capacity)
        for carbon in (0, 200)
        for price in (-1, 1, 6)
        for capacity in (0, 20000, 200000)
    ]
    for carbon, price, capacity in variants:
        text = (
            PRICED.replace("@CARBON@", str(carbon))
            .replace("@PRICE_A@", str(price))
            .replace("@CAPACITY@", str(capacity))
        )
        scenario = symopt.parse_scenario(text)
        reused = resolver.solve(scenario)
        fresh = symopt.solve(scenario, mip_gap=0)
        assert reused.status == fresh.status == symopt.SolveStatus.OPTIMAL
        assert reused.objective == pytest.approx(fresh.objective, rel=1e-9)
        assert reused.summary.total_cost == pytest.approx(fresh.summary.total_cost, rel=1e-9)
    assert (resolver.rebuilds, resolver.resolves) == (1, len(variants) - 1)
