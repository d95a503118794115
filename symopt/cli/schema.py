"""`symopt schema`: print the published JSON Schema of the scenario (or sweep) format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def render_schema(sweep: bool) -> str:
    """The schema as indented JSON text, ending with a newline."""
    if sweep:
        from symopt.studies.sweep_format import sweep_schema

        schema = sweep_schema()
    else:
        from symopt.scenario.json_schema import scenario_schema

        schema = scenario_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def schema_command(
    sweep: Annotated[
        bool, typer.Option("--sweep", help="The schema of sweep files instead of scenarios.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
) -> None:
    """Print the JSON Schema of the scenario format, for editors and other tools.

    Point an editor at it for completion and checking while you type: see docs/schema.md.
    """
    text = render_schema(sweep)
    if output is None:
        typer.echo(text, nl=False)
    else:
        from symopt.results.files import atomic_write_text

        atomic_write_text(output, text)


def register_schema_command(app: typer.Typer) -> None:
    """Add `schema` to the `symopt` command."""
    app.command("schema")(schema_command)
