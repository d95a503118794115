"""Errors that reach the user: each names where it is and what was expected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from symopt.text import printable

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """`('facilities', 'wwtp', 'demands', 0, 'amount')` -> `facilities.wwtp.demands[0].amount`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


@dataclass(frozen=True)
class Issue:
    """One problem in an input file: where it is and what is wrong."""

    file: str
    line: int | None
    path: Path
    message: str

    def __str__(self) -> str:
        """`file:line: path: message`, one line, control and bidi characters escaped: a key
        from someone else's file must not recolour the terminal or forge a line in a log."""
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return printable(f"{where}: {format_path(self.path)}: {self.message}")


class SymoptError(Exception):
    """Base class of every error symopt reports to a user."""


class ScenarioError(SymoptError):
    """A scenario (or another input file) is not valid; carries every issue found."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class UnboundedError(SymoptError):
    """The scenario is proven unbounded before solving (exit code 4): a process earns by
    running and nothing limits it, where the model would need a bound on its activity."""


class NoKnownPlanError(SymoptError):
    """An activity bound from the objective needs the objective of a feasible plan, and the
    plan without exchanges is not known to be feasible: a solve may first find a plan under
    provisional bounds (`build_network(..., provisional=True)`) and pass its objective as
    `known_upper`."""


class SolverError(SymoptError):
    """The solver could not be run as asked (bad options, missing solver)."""
