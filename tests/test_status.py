"""Every HiGHS status maps to our enum and exit code as documented."""

from __future__ import annotations

import highspy
import pytest
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

from symopt.enums import EXIT_CODE_OF_STATUS, ExitCode, SolveStatus
from symopt.solver.highs import map_highs_status
from symopt.solver.session import map_persistent_status

S = highspy.HighsModelStatus

LIMITS = [
    S.kTimeLimit,
    S.kIterationLimit,
    S.kSolutionLimit,
    S.kInterrupt,
    S.kObjectiveBound,
    S.kObjectiveTarget,
    S.kMemoryLimit,
]
FAILURES = [
    S.kNotset,
    S.kLoadError,
    S.kModelError,
    S.kPresolveError,
    S.kSolveError,
    S.kPostsolveError,
    S.kModelEmpty,
    S.kUnknown,
]


@pytest.mark.parametrize("has_solution", [True, False])
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (S.kOptimal, SolveStatus.OPTIMAL),
        (S.kInfeasible, SolveStatus.INFEASIBLE),
        (S.kUnbounded, SolveStatus.UNBOUNDED),
        (S.kUnboundedOrInfeasible, SolveStatus.INFEASIBLE),
    ],
)
def test_definite_statuses(
    status: highspy.HighsModelStatus, expected: SolveStatus, has_solution: bool
) -> None:
    assert map_highs_status(status, has_solution) is expected


@pytest.mark.parametrize("status", LIMITS)
def test_a_limit_with_a_solution_is_feasible(status: highspy.HighsModelStatus) -> None:
    assert map_highs_status(status, True) is SolveStatus.FEASIBLE
    assert map_highs_status(status, False) is SolveStatus.ERROR


@pytest.mark.parametrize("status", FAILURES)
def test_failures_are_errors(status: highspy.HighsModelStatus) -> None:
    assert map_highs_status(status, False) is SolveStatus.ERROR


def test_every_highs_status_is_covered() -> None:
    named = {
        getattr(S, name) for name in dir(S) if name.startswith("k") and name != "kHighsInterrupt"
    }
    covered = (
        set(LIMITS)
        | set(FAILURES)
        | {
            S.kOptimal,
            S.kInfeasible,
            S.kUnbounded,
            S.kUnboundedOrInfeasible,
        }
    )
    assert named <= covered


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (SolveStatus.OPTIMAL, ExitCode.OK),
        (SolveStatus.FEASIBLE, ExitCode.OK),
        (SolveStatus.INFEASIBLE, ExitCode.INFEASIBLE),
        (SolveStatus.UNBOUNDED, ExitCode.UNBOUNDED),
        (SolveStatus.ERROR, ExitCode.ERROR),
    ],
)
def test_exit_codes(status: SolveStatus, code: ExitCode) -> None:
    assert EXIT_CODE_OF_STATUS[status] is code
    assert int(ExitCode.INFEASIBLE) == 3
    assert int(ExitCode.BAD_INPUT) == 2


@pytest.mark.parametrize(
    ("termination", "solution", "expected"),
    [
        (
            TerminationCondition.convergenceCriteriaSatisfied,
            SolutionStatus.optimal,
            SolveStatus.OPTIMAL,
        ),
        (TerminationCondition.provenInfeasible, SolutionStatus.noSolution, SolveStatus.INFEASIBLE),
        (
            TerminationCondition.infeasibleOrUnbounded,
            SolutionStatus.noSolution,
            SolveStatus.INFEASIBLE,
        ),
        (TerminationCondition.unbounded, SolutionStatus.noSolution, SolveStatus.UNBOUNDED),
        (TerminationCondition.maxTimeLimit, SolutionStatus.feasible, SolveStatus.FEASIBLE),
        (TerminationCondition.maxTimeLimit, SolutionStatus.noSolution, SolveStatus.ERROR),
        (TerminationCondition.iterationLimit, SolutionStatus.feasible, SolveStatus.FEASIBLE),
        (TerminationCondition.error, SolutionStatus.noSolution, SolveStatus.ERROR),
        (TerminationCondition.unknown, SolutionStatus.noSolution, SolveStatus.ERROR),
    ],
)
def test_persistent_interface_statuses(
    termination: TerminationCondition, solution: SolutionStatus, expected: SolveStatus
) -> None:
    assert map_persistent_status(termination, solution) is expected


def test_changing_threads_within_one_process_still_solves() -> None:
    # HiGHS fixes its thread pool at the first run; symopt resets it when asked for another.
    import symopt
    from symopt.solver.session import Resolver

    scenario = symopt.parse_scenario(
        "symopt: 1\nname: t\nresources: {r: {unit: t}}\nsites: {a: {lat: 0, lon: 0}}\n"
        "facilities:\n  s: {site: a, supplies: [{resource: r, amount: 5}]}\n"
        "  d: {site: a, demands: [{resource: r, amount: 3, alternative: {cost: 2}}]}\n"
        "transport: {m: {resources: [r]}}\n"
    )
    statuses = [
        symopt.solve(scenario).status,
        symopt.solve(scenario, threads=1).status,
        symopt.solve(scenario, threads=2).status,
        Resolver(options=symopt.SolverOptions(threads=1)).solve(scenario).status,
    ]
    assert statuses == [SolveStatus.OPTIMAL] * 4
