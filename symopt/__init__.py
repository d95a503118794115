"""symopt: optimisation engine for industrial symbiosis.

>>> import symopt
>>> scenario = symopt.load_scenario("scenarios/examples/oxygen_wastewater.yaml")
>>> result = symopt.solve(scenario)
>>> result.summary.total_cost
"""

from symopt._version import __version__
from symopt.enums import ExitCode, SolveStatus
from symopt.errors import Issue, ScenarioError, SolverError, SymoptError
from symopt.loading import load_scenario, parse_scenario
from symopt.network import CandidateNetwork, build_network
from symopt.objective import Objective
from symopt.output import write_result
from symopt.pareto import pareto
from symopt.pipeline import solve, solver_options
from symopt.results import Result, Summary
from symopt.schema import Scenario
from symopt.solver import SolverOptions
from symopt.sweep import sweep

__all__ = [
    "CandidateNetwork",
    "ExitCode",
    "Issue",
    "Objective",
    "Result",
    "Scenario",
    "ScenarioError",
    "SolveStatus",
    "SolverError",
    "SolverOptions",
    "Summary",
    "SymoptError",
    "__version__",
    "build_network",
    "load_scenario",
    "pareto",
    "parse_scenario",
    "solve",
    "solver_options",
    "sweep",
    "write_result",
]
