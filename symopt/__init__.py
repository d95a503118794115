"""symopt: optimisation engine for industrial symbiosis.

>>> import symopt
>>> scenario = symopt.load_scenario("scenarios/examples/oxygen_wastewater.yaml")
>>> result = symopt.solve(scenario)
>>> result.summary.total_cost

The package follows the pipeline, one subpackage per stage, each importing only the
stages before it: `scenario` (YAML -> `Scenario`), `network` (candidate links), `model`
(Pyomo), `results` (`Result` tables and files), `solver` (HiGHS, re-solves), `studies`
(sweeps, Pareto), `report`, `cli`. The names below are the public API; they are loaded on
first use, so `import symopt` stays fast and no function shadows a submodule.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from symopt._version import __version__

if TYPE_CHECKING:
    from symopt.enums import ExitCode, SolveStatus
    from symopt.errors import Issue, ScenarioError, SolverError, SymoptError, UnboundedError
    from symopt.model.objective import Objective
    from symopt.network.candidates import CandidateNetwork, build_network
    from symopt.report.html import write_report
    from symopt.results.files import write_result
    from symopt.results.tables import Result, Summary
    from symopt.scenario.input_file import file_size_limit
    from symopt.scenario.loading import load_scenario, parse_scenario
    from symopt.scenario.schema import Scenario
    from symopt.solver.highs import SolverOptions
    from symopt.solver.pipeline import solve, solver_options
    from symopt.studies.pareto import pareto
    from symopt.studies.share import share
    from symopt.studies.sweep import sweep

#: Public name -> the module that defines it.
_PUBLIC = {
    "ExitCode": "symopt.enums",
    "SolveStatus": "symopt.enums",
    "Issue": "symopt.errors",
    "ScenarioError": "symopt.errors",
    "SolverError": "symopt.errors",
    "SymoptError": "symopt.errors",
    "UnboundedError": "symopt.errors",
    "Objective": "symopt.model.objective",
    "CandidateNetwork": "symopt.network.candidates",
    "build_network": "symopt.network.candidates",
    "write_report": "symopt.report.html",
    "write_result": "symopt.results.files",
    "Result": "symopt.results.tables",
    "Summary": "symopt.results.tables",
    "file_size_limit": "symopt.scenario.input_file",
    "load_scenario": "symopt.scenario.loading",
    "parse_scenario": "symopt.scenario.loading",
    "Scenario": "symopt.scenario.schema",
    "SolverOptions": "symopt.solver.highs",
    "solve": "symopt.solver.pipeline",
    "solver_options": "symopt.solver.pipeline",
    "pareto": "symopt.studies.pareto",
    "sweep": "symopt.studies.sweep",
    "share": "symopt.studies.share",
}

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
    "UnboundedError",
    "__version__",
    "build_network",
    "file_size_limit",
    "load_scenario",
    "pareto",
    "parse_scenario",
    "share",
    "solve",
    "solver_options",
    "sweep",
    "write_report",
    "write_result",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'symopt' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
