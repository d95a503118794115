"""Write a `Result` to a folder, each file atomically (temporary file, then rename)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from symopt.results.folder_swap import is_replaceable, replace_folder
from symopt.results.tables import Result
from symopt.text import printable

SUMMARY_FILE = "summary.json"
#: Written into a result folder from its files (`symopt report`); a new result drops it.
REPORT_FILE = "report.html"
DERIVED_FILES = (REPORT_FILE,)
TABLE_FILES = {
    "flows": "flows.csv",
    "links": "links.csv",
    "alternatives": "alternatives.csv",
    "disposals": "disposals.csv",
    "facilities": "facilities.csv",
    "security": "security.csv",
    "indicators": "indicators.csv",
    "sites": "sites.csv",
}


def _file_mode() -> int:
    """What `open` would give a new file: 0666 less the process's umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, _FILE_MODE)  # mkstemp makes 0600; results are for sharing
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def printable_cells(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with every text cell passed through `printable`: an id holding a newline or
    an escape sequence would otherwise break the CSV's rows or a terminal that shows it."""
    text_columns = [
        name
        for name in table.columns
        if pd.api.types.is_object_dtype(table[name]) or pd.api.types.is_string_dtype(table[name])
    ]
    if not text_columns:
        return table
    escaped = table.copy()
    for name in text_columns:
        escaped[name] = table[name].map(
            lambda cell: printable(cell) if isinstance(cell, str) else cell
        )
    return escaped


def render_result(result: Result) -> dict[str, str]:
    """File name -> content; everything is rendered before anything is written."""
    files = {SUMMARY_FILE: json.dumps(result.summary.to_dict(), indent=2) + "\n"}
    for attribute, name in TABLE_FILES.items():
        table = getattr(result, attribute)
        if attribute == "sites" and table.empty and not len(table.columns):
            continue  # a Result made without its scenario has no geography
        table = printable_cells(table)
        files[name] = table.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    return files


def write_result(result: Result, out_dir: str | Path) -> list[Path]:
    """Write summary.json and the CSV tables to `out_dir`; return the paths written.

    The whole set replaces the previous one at once (see `symopt.results.folder_swap`):
    a run killed while writing leaves the complete previous set or the complete new one.
    A folder that also holds other files is never swapped out: its files are replaced
    one by one."""
    folder = Path(out_dir)
    files = render_result(result)
    if is_replaceable(folder, [*files, *DERIVED_FILES]):
        return replace_folder(folder, files)
    written = []
    for name, text in files.items():
        path = folder / name
        atomic_write_text(path, text)
        written.append(path)
    return written
