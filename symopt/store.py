"""The results store of a sweep: a Parquet dataset with one row per variant.

Each batch of finished variants is one file `store/part-<time>-<random>.parquet`, written
to a hidden temporary name and renamed into place, so that a reader (or a sweep stopped
by Ctrl-C or a crash) sees whole batches only. A variant is stored under its key (hash of
its values, objective and base scenario); a rerun skips the keys already there.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from symopt.output import atomic_write_text
from symopt.sweep_spec import is_number

__all__ = ["RESULT_COLUMNS", "Store", "parameter_column", "parameter_types"]

STORE_DIR = "store"
DETAILS_DIR = "details"

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

    def files(self) -> list[Path]:
        if not self.dataset.is_dir():
            return []
        return sorted(self.dataset.glob("part-*.parquet"))

    def read(self) -> pd.DataFrame:
        """Every stored row (the last one where a key was stored twice)."""
        frames = [pq.read_table(file).to_pandas() for file in self.files()]
        frames = [frame for frame in frames if len(frame)]
        if not frames:
            return pd.DataFrame({name: pd.Series(dtype=object) for name in RESULT_COLUMNS})
        frame = pd.concat(frames, ignore_index=True)
        return frame.drop_duplicates("variant", keep="last").reset_index(drop=True)

    def keys(self) -> set[str]:
        """Keys of the stored variants (only the key column is read)."""
        keys: set[str] = set()
        for file in self.files():
            keys.update(pq.read_table(file, columns=["variant"]).column(0).to_pylist())
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
        name = f"part-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}.parquet"
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.dataset)
        os.close(handle)
        try:
            pq.write_table(table, temporary)
            with open(temporary, "rb") as stream:
                os.fsync(stream.fileno())
            os.replace(temporary, self.dataset / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return self.dataset / name

    def write_details(self, key: str, files: Mapping[str, str]) -> Path:
        """Per-variant result files (summary.json and CSV tables) in `details/<key>/`."""
        folder = self.folder / DETAILS_DIR / key
        for name, text in files.items():
            atomic_write_text(folder / name, text)
        return folder
