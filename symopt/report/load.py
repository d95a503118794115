"""What `symopt report` reads: a result folder, a sweep's store or a Pareto output folder."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from symopt.errors import SymoptError
from symopt.results.files import SUMMARY_FILE, TABLE_FILES
from symopt.studies.pareto import PARETO_META, PARETO_TABLE
from symopt.studies.store import RESULT_COLUMNS, STORE_DIR, Store

#: Files of the accounting and sharing work, shown when a result folder has them.
OPTIONAL_FILES = {
    "indicators": "indicators.csv",
    "firms": "firms.csv",
    "transfers": "transfers.csv",
    "sites": "sites.csv",
}


class ReportKind(StrEnum):
    RESULT = "result"
    SWEEP = "sweep"
    PARETO = "pareto"


class ReportInputError(SymoptError):
    """The folder is none of the three kinds, or its files cannot be read."""


@dataclass(frozen=True)
class ResultData:
    """A solve's summary.json and tables (missing tables are empty frames)."""

    folder: Path
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame())


@dataclass(frozen=True)
class SweepData:
    folder: Path
    frame: pd.DataFrame
    parameters: list[str]
    """Store columns of the swept parameters."""


@dataclass(frozen=True)
class ParetoData:
    folder: Path
    frame: pd.DataFrame
    currency: str
    meta: dict[str, Any] = field(default_factory=dict)
    """pareto.json: scenario, currency, caps, distinct_points."""


def detect_kind(folder: Path) -> ReportKind:
    """Pareto output (pareto.csv), sweep (store/ of Parquet parts) or result (summary.json)."""
    if not folder.is_dir():
        raise ReportInputError(
            f"{folder}: no such folder; expected a result, sweep or Pareto folder"
        )
    if (folder / PARETO_TABLE).is_file():
        return ReportKind.PARETO
    if (folder / STORE_DIR).is_dir() or any(folder.glob("part-*.parquet")):
        return ReportKind.SWEEP
    if (folder / SUMMARY_FILE).is_file():
        return ReportKind.RESULT
    raise ReportInputError(
        f"{folder}: found neither {SUMMARY_FILE} (a result), {STORE_DIR}/ (a sweep) nor "
        f"{PARETO_TABLE} (a Pareto front); expected the output folder of symopt solve, "
        "sweep or pareto"
    )


def _csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, keep_default_na=True)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (OSError, ValueError) as error:
        raise ReportInputError(f"{path}: cannot be read as CSV ({error})") from None


def load_result(folder: Path) -> ResultData:
    path = folder / SUMMARY_FILE
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReportInputError(f"{path}: cannot be read as JSON ({error})") from None
    if not isinstance(summary, dict):
        raise ReportInputError(f"{path}: expected a JSON object")
    tables = {}
    for name, file in {**TABLE_FILES, **OPTIONAL_FILES}.items():
        if (folder / file).is_file():
            tables[name] = _csv(folder / file)
    return ResultData(folder, summary, tables)


def load_sweep(folder: Path) -> SweepData:
    root = (
        folder.parent if folder.name == STORE_DIR and not (folder / STORE_DIR).is_dir() else folder
    )
    try:
        frame = Store(root).read()
    except (OSError, ValueError) as error:
        raise ReportInputError(f"{root / STORE_DIR}: cannot be read ({error})") from None
    parameters = [column for column in frame.columns if column not in RESULT_COLUMNS]
    return SweepData(root, frame, parameters)


def load_pareto(folder: Path) -> ParetoData:
    frame = _csv(folder / PARETO_TABLE)
    meta: dict[str, Any] = {}
    if (folder / PARETO_META).is_file():
        try:
            loaded = json.loads((folder / PARETO_META).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ReportInputError(f"{folder / PARETO_META}: cannot be read ({error})") from None
        meta = loaded if isinstance(loaded, dict) else {}
    return ParetoData(folder, frame, str(meta.get("currency", "")), meta)
