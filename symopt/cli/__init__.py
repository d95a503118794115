"""Stage 8, the `symopt` command line (typer): `main` (solve, validate), `studies` (sweep,
pareto), `options` (shared solver options)."""

from symopt.cli.main import main

__all__ = ["main"]
