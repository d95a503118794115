"""Solver profiles: YAML files in `solvers/` naming the solver and its limits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from symopt.errors import Issue, ScenarioError
from symopt.scenario.input_file import read_input_text
from symopt.scenario.schema import Frozen
from symopt.scenario.validation import validate_document
from symopt.scenario.yaml_source import YamlSyntaxError, parse_yaml
from symopt.solver.highs import SolverOptions

#: Where profiles named on the command line are looked for, in this order.
PROFILE_DIRS = (Path("solvers"), Path(__file__).resolve().parents[2] / "solvers")
DEFAULT_PROFILE = "default"


class SolverProfile(Frozen):
    """A solver profile file."""

    solver: Literal["highs"] = "highs"
    mip_gap: Annotated[float, Field(ge=0, le=1)] | None = 1e-4
    time_limit: Annotated[float, Field(gt=0)] | None = None
    threads: Annotated[int, Field(ge=1, le=1024)] | None = None
    random_seed: Annotated[int, Field(ge=0)] | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    """Further HiGHS options by their HiGHS names."""
    primal_start: bool = False
    """Before branch and bound, hand HiGHS a plan from the rounded LP relaxation
    (`symopt.solver.start`); never changes the optimum, only how soon a plan exists."""

    def to_options(self) -> SolverOptions:
        return SolverOptions(
            mip_gap=self.mip_gap,
            time_limit=self.time_limit,
            threads=self.threads,
            random_seed=self.random_seed,
            highs_options=dict(self.options),
            primal_start=self.primal_start,
        )


def find_profile(name_or_path: str) -> Path | None:
    """A path as given, else `<dir>/<name>.yaml` in the profile folders."""
    given = Path(name_or_path)
    if given.suffix in (".yaml", ".yml") or given.parent != Path():
        return given if given.is_file() else None
    for folder in PROFILE_DIRS:
        candidate = folder / f"{name_or_path}.yaml"
        if candidate.is_file():
            return candidate
    return None


def load_profile(name_or_path: str | None) -> SolverOptions:
    """Options of a named profile or profile file; the built-in defaults if `default` is absent."""
    name = name_or_path or DEFAULT_PROFILE
    path = find_profile(name)
    if path is None:
        if name_or_path is None:
            return SolverOptions()
        known = sorted(
            {p.stem for folder in PROFILE_DIRS if folder.is_dir() for p in folder.glob("*.yaml")}
        )
        raise ScenarioError(
            [
                Issue(
                    name,
                    None,
                    ("profile",),
                    f"no solver profile {name!r}; expected a file or one of: {', '.join(known)}",
                )
            ]
        )
    try:
        document = parse_yaml(read_input_text(path), str(path))
    except YamlSyntaxError as error:
        raise ScenarioError([error.issue]) from None
    return validate_document(document, SolverProfile).to_options()
