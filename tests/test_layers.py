"""The package follows the pipeline: each stage imports only the stages before it, and no
module imports another in a circle. Checked from the source (ast), not by importing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import symopt

PACKAGE = Path(symopt.__file__).parent

#: The stages in dependency order; the foundation modules may be used by every stage.
STAGES = ("scenario", "network", "model", "results", "solver", "studies", "report", "cli")
FOUNDATION = {"symopt._version", "symopt.enums", "symopt.errors", "symopt.text"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The symopt modules a file imports, at any depth of the file (lazy imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("symopt"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("symopt"):
            found.add(node.module)
    return found


MODULES = {
    _module_name(path): _imports(path)
    for path in sorted(PACKAGE.rglob("*.py"))
    if "__pycache__" not in path.parts
}


def _stage(module: str) -> int | None:
    parts = module.split(".")
    if module in FOUNDATION:
        return -1
    if len(parts) >= 2 and parts[1] in STAGES:
        return STAGES.index(parts[1])
    return None  # the package itself, __main__: the public API on top of everything


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_backwards_along_the_pipeline(module: str) -> None:
    stage = _stage(module)
    if stage is None:
        return
    for imported in sorted(MODULES[module]):
        assert imported != "symopt", f"{module} imports the public API package; import the stage"
        target = _stage(imported)
        assert target is not None, f"{module} imports {imported}, which belongs to no stage"
        assert target <= stage, (
            f"{module} (stage {STAGES[stage]}) imports {imported}"
            f" (stage {STAGES[target]}, later in the pipeline)"
        )


def test_no_import_cycles() -> None:
    graph = {module: {i for i in imports if i in MODULES} for module, imports in MODULES.items()}
    # a package's __init__ re-exporting its own module is not a cycle through the stage
    done: set[str] = set()

    def visit(module: str, trail: tuple[str, ...]) -> None:
        if module in trail:
            cycle = " -> ".join((*trail[trail.index(module) :], module))
            pytest.fail(f"import cycle: {cycle}")
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, (*trail, module))
        done.add(module)

    for module in sorted(graph):
        visit(module, ())


def test_every_stage_is_a_package_with_a_docstring() -> None:
    for stage in STAGES:
        init = PACKAGE / stage / "__init__.py"
        assert init.exists(), f"symopt/{stage}/ is not a package"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), init


def test_public_names_do_not_shadow_submodules() -> None:
    import importlib

    for name in symopt.__all__:
        assert not (PACKAGE / f"{name}.py").exists(), name
        assert not (PACKAGE / name).is_dir(), name
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("symopt.sweep")
    for function in (symopt.sweep, symopt.solve, symopt.pareto):
        assert callable(function)


def test_public_api_lists_every_name_it_resolves() -> None:
    assert sorted(symopt.__all__) == sorted(["__version__", *symopt._PUBLIC])
    for name in symopt.__all__:
        assert getattr(symopt, name) is not None


def test_no_module_over_500_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert not long, f"split these by concern: {long}"
