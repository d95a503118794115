"""One enum per concept that the scenario format or the results name."""

from __future__ import annotations

from enum import Enum, StrEnum


class Better(StrEnum):
    """Which direction of a quality attribute is better."""

    HIGHER = "higher"
    LOWER = "lower"


class Mixing(StrEnum):
    """How a quality attribute behaves when flows are blended at a sink."""

    LINEAR = "linear"
    NONE = "none"


class ObjectiveKind(StrEnum):
    """The two named objectives; weights are given as a map instead."""

    COST = "cost"
    EMISSIONS = "emissions"


class SolveStatus(StrEnum):
    """What the solver run ended with, in symopt's own words."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a time or gap limit stopped the solver with a solution in hand
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


class ExitCode(int, Enum):
    """Process exit codes of the command-line interface."""

    OK = 0
    ERROR = 1
    BAD_INPUT = 2
    INFEASIBLE = 3
    UNBOUNDED = 4


EXIT_CODE_OF_STATUS: dict[SolveStatus, ExitCode] = {
    SolveStatus.OPTIMAL: ExitCode.OK,
    SolveStatus.FEASIBLE: ExitCode.OK,
    SolveStatus.INFEASIBLE: ExitCode.INFEASIBLE,
    SolveStatus.UNBOUNDED: ExitCode.UNBOUNDED,
    SolveStatus.ERROR: ExitCode.ERROR,
}


class Driver(StrEnum):
    """What a supply or demand amount is multiplied by (planning spec, "Amounts")."""

    FIXED = "fixed"  # a facility that always stands: the amount itself
    BUILD = "build"  # an optional facility without size: amount * b[f]
    SIZE = "size"  # a sized facility: amount per unit of size * z[f]
    ACTIVITY = "activity"  # a process input or output: per_activity * a[f,t]
