"""The candidate network of a solve, found in two steps where its activity bounds need a plan.

An activity bound from the objective (`symopt.network.objective_bound`) needs U, the
objective of a plan known to be feasible. The plan without exchanges is one unless a
process that must run has an input without alternative; then `build_network` raises
`NoKnownPlanError`. A first solve under provisional activity bounds (a restriction of
the problem, so any plan it finds is feasible for the problem itself) gives U; the
network is then built again with the bound that U allows.
"""

from __future__ import annotations

from symopt.errors import NoKnownPlanError
from symopt.model.build import build_model
from symopt.model.objective import Objective
from symopt.network.candidates import CandidateNetwork, build_network
from symopt.scenario.schema import Scenario
from symopt.solver.highs import SolverOptions, compile_standard_form
from symopt.solver.start import solve_form

__all__ = ["network_for"]

#: Margin on a found plan's objective, relative, for the solver's feasibility tolerance.
PLAN_MARGIN = 1e-6


def network_for(scenario: Scenario, goal: Objective, options: SolverOptions) -> CandidateNetwork:
    """The candidate network for minimising `goal`, bounded from a first plan if need be."""
    weights = (goal.cost_weight, goal.emissions_weight)
    try:
        return build_network(scenario, weights)
    except NoKnownPlanError:
        first = build_network(scenario, weights, provisional=True)
        run = solve_form(compile_standard_form(build_model(first, goal)), options)
        if not run.status.has_solution:
            raise
        upper = run.objective + PLAN_MARGIN * max(1.0, abs(run.objective))
        return build_network(scenario, weights, known_upper=upper)
