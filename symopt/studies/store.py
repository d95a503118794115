"""The results store of a sweep: a Parquet dataset with one row per variant.

Each batch of finished variants is one file `store/part-<time>-<random>.parquet`, written
to a hidden temporary name and renamed into place, so that a reader (or a sweep stopped
by Ctrl-C or a crash) sees whole batches only. A variant is stored under its key (hash of
its values, objective and base scenario); a rerun skips the keys already there.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from symopt.enums import SolveStatus
from symopt.results.files import atomic_write_text, printable_cells
from symopt.studies.store_lock import store_lock
from symopt.studies.sweep_values import is_number
from symopt.text import printable

__all__ = ["RESULT_COLUMNS", "Store", "parameter_column", "parameter_types", "write_summary"]

STORE_DIR = "store"
DAMAGED_DIR = "damaged"
DETAILS_DIR = "details"
PLOTS_DIR = "plots"
SUMMARY_TABLE = "summary.csv"

#: Result columns (besides one column per swept parameter), in order, with their types.
RESULT_COLUMNS: dict[str, pa.DataType] = {
    "variant": pa.string(),
    "status": pa.string(),
    "objective": pa.float64(),
    "total_cost": pa.float64(),
    "total_emissions": pa.float64(),
    "cost_saving": pa.float64(),
    "emission_saving": pa.float64(),
    "mip_gap": pa.float64(),
    "solve_seconds": pa.float64(),
    "seconds": pa.float64(),
    "path": pa.string(),
    "built_links": pa.int64(),
    "built_facilities": pa.int64(),
    "links": pa.string(),
    "facilities": pa.string(),
    "error": pa.string(),
    "worker": pa.string(),
    "finished": pa.timestamp("s", tz="UTC"),
}


def parameter_column(name: str) -> str:
    """The store column of a swept parameter: its path, prefixed if a result column has it."""
    return f"param:{name}" if name in RESULT_COLUMNS else name


def parameter_types(values: Mapping[str, Iterable[Any]]) -> dict[str, pa.DataType]:
    """float64 for a parameter whose values are all numbers, else JSON text."""
    return {
        name: pa.float64() if all(is_number(v) for v in column) else pa.string()
        for name, column in values.items()
    }


def encode_parameter(value: Any, kind: pa.DataType) -> Any:
    if kind == pa.float64():
        return float(value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


class Store:
    """The Parquet dataset in `<folder>/store/` and per-variant details in `<folder>/details/`."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.dataset = self.folder / STORE_DIR
        #: Store files that could not be read (path -> why), found by `read`.
        self.damaged: dict[Path, str] = {}

    def files(self) -> list[Path]:
        if not self.dataset.is_dir():
            return []
        return sorted(self.dataset.glob("part-*.parquet"))

    def lock(self, notify: Callable[[str], None] | None = None) -> AbstractContextManager[None]:
        """Hold this store for one run (sweep, sharing run); see `store_lock`."""
        return store_lock(self.folder, notify)

    def _read_file(self, file: Path) -> pd.DataFrame | None:
        try:
            frame: pd.DataFrame = pq.read_table(file).to_pandas()
        except (OSError, pa.ArrowException) as error:  # truncated, overwritten, unreadable
            self.damaged[file] = str(error).splitlines()[0] if str(error) else type(error).__name__
            return None
        return frame

    def set_aside_damaged(self) -> dict[Path, Path]:
        """Move damaged store files to `store/damaged/` (kept for inspection, never read
        again; their variants count as not stored). Only while holding the lock."""
        moved = {}
        for file in list(self.damaged):
            if file.exists():
                target = self.dataset / DAMAGED_DIR / file.name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(file, target)
                moved[file] = target
        for leftover in self.dataset.glob(".part-*.tmp") if self.dataset.is_dir() else []:
            leftover.unlink(missing_ok=True)  # a batch a killed run did not finish writing
        return moved

    def read(self) -> pd.DataFrame:
        """Every stored row (the last one where a key was stored twice); files that cannot
        be read are left out and listed in `damaged`."""
        read = [self._read_file(file) for file in self.files()]
        frames = [part for part in read if part is not None and len(part)]
        if not frames:
            return pd.DataFrame({name: pd.Series(dtype=object) for name in RESULT_COLUMNS})
        frame: pd.DataFrame = pd.concat(frames, ignore_index=True)
        frame = frame.drop_duplicates("variant", keep="last")
        return frame.reset_index(drop=True)

    def keys(self) -> set[str]:
        """Keys of the stored variants (only the key column is read)."""
        keys: set[str] = set()
        for file in self.files():
            try:
                keys.update(pq.read_table(file, columns=["variant"]).column(0).to_pylist())
            except (OSError, pa.ArrowException) as error:
                self.damaged[file] = str(error).splitlines()[0] if str(error) else "unreadable"
        return keys

    def append(
        self,
        rows: list[dict[str, Any]],
        parameters: Mapping[str, pa.DataType],
    ) -> Path | None:
        """Write `rows` as one new file, atomically; None if there is nothing to write."""
        if not rows:
            return None
        fields = [pa.field(name, kind) for name, kind in RESULT_COLUMNS.items()]
        fields[1:1] = [pa.field(parameter_column(n), k) for n, k in parameters.items()]
        schema = pa.schema(fields)
        columns: dict[str, list[Any]] = {field.name: [] for field in fields}
        for row in rows:
            for name, kind in parameters.items():
                columns[parameter_column(name)].append(encode_parameter(row[name], kind))
            for name in RESULT_COLUMNS:
                columns[name].append(row.get(name))
        table = pa.table(columns, schema=schema)
        self.dataset.mkdir(parents=True, exist_ok=True)
        # the name sorts by writing time: a variant stored twice counts as in its newest file
        name = f"part-{time.time_ns():020d}-{secrets.token_hex(4)}.parquet"
        temporary = self.dataset / f".{name}.tmp"  # hidden: readers of the dataset skip it
        try:
            pq.write_table(table, temporary)
            with open(temporary, "rb") as stream:
                os.fsync(stream.fileno())
            os.replace(temporary, self.dataset / name)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return self.dataset / name

    def write_details(self, key: str, files: Mapping[str, str]) -> Path:
        """Per-variant result files (summary.json and CSV tables) in `details/<key>/`."""
        folder = self.folder / DETAILS_DIR / key
        for name, text in files.items():
            atomic_write_text(folder / name, text)
        return folder


def write_summary(frame: pd.DataFrame, parameters: list[str], out_dir: str | Path) -> list[Path]:
    """`summary.csv` (the sweep's rows) and `plots/objective_vs_<parameter>.png`, one per
    swept parameter, in `out_dir`."""
    folder = Path(out_dir)
    table = folder / SUMMARY_TABLE
    csv = printable_cells(frame).to_csv(float_format="%.10g", lineterminator="\n")
    atomic_write_text(table, csv)
    written = [table]
    solved = frame[frame["status"].isin([SolveStatus.OPTIMAL.value, SolveStatus.FEASIBLE.value])]
    for name in parameters:
        others = [parameter_column(other) for other in parameters if other != name]
        written.append(_plot_objective(solved, name, others, folder / PLOTS_DIR))
    return written


#: A grid whose other parameters take at most this many combinations gets one line each.
MAX_LINES = 8


def _plot_objective(solved: pd.DataFrame, name: str, others: list[str], folder: Path) -> Path:
    """Objective against one parameter; a line per combination of the others where few."""
    figure = Figure(figsize=(6.5, 4.2), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    x = solved[parameter_column(name)]
    if not pd.api.types.is_numeric_dtype(x):
        labels = sorted(x.astype(str).unique())
        positions = {label: i for i, label in enumerate(labels)}
        x = x.astype(str).map(positions)
        axes.set_xticks(
            range(len(labels)), [printable(label)[:20] for label in labels], rotation=30
        )
    by: str | list[str] = others[0] if len(others) == 1 else others
    groups = solved.groupby(by, sort=True).groups if others else {}
    repeated = len(solved) > len(groups) > 0 and all(len(rows) > 1 for rows in groups.values())
    if repeated and len(groups) <= MAX_LINES:
        for combination, rows in groups.items():
            values = combination if isinstance(combination, tuple) else (combination,)
            label = printable(
                ", ".join(
                    f"{other.split('.')[-1]}={value:g}"
                    if isinstance(value, float)
                    else f"{other.split('.')[-1]}={value}"
                    for other, value in zip(others, values, strict=True)
                )
            )
            order = x.loc[rows].sort_values().index
            axes.plot(x.loc[order], solved.loc[order, "objective"], marker="o", label=label)
        axes.legend(fontsize=8)
    else:
        axes.scatter(x, solved["objective"], s=18, alpha=0.8)
    axes.set_xlabel(name)
    axes.set_ylabel("objective")
    axes.set_title(f"objective vs {name} ({len(solved)} solved variants)")
    axes.grid(alpha=0.3)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"objective_vs_{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    temporary = folder / f".{path.name}.tmp"
    figure.savefig(temporary, format="png", dpi=110)
    temporary.replace(path)
    return path
