"""The tables and files of `symopt share`: firms.csv, coalitions.parquet, transfers.csv,
share.json (see docs/sharing.md)."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from symopt.enums import SolveStatus
from symopt.results.files import atomic_write_text
from symopt.results.tables import Result
from symopt.scenario.schema import Scenario
from symopt.studies.coalitions import CoreCheck, members

FIRMS_FILE, COALITIONS_FILE, TRANSFERS_FILE = "firms.csv", "coalitions.parquet", "transfers.csv"
SHARE_FILE = "share.json"


@dataclass(frozen=True)
class ShareRun:
    """Everything `symopt share` computed."""

    firms: pd.DataFrame
    coalitions: pd.DataFrame
    transfers: pd.DataFrame
    grand: Result
    core: CoreCheck | None
    method: str
    """`exact` or `sampled`."""
    samples: int
    currency: str
    messages: tuple[str, ...]
    """Why the game or a firm's share is undefined, in a planner's words."""
    solved: int
    """Coalitions solved by this run (the rest came from the store or were composed)."""


def label(mask: int, firms: list[str]) -> str:
    return "+".join(firms[i] for i in members(mask, len(firms)))


def coalition_table(
    firms: list[str],
    masks: set[int],
    split: dict[int, list[int]],
    rows: dict[int, dict[str, Any]],
    value: dict[int, float],
    reasons: dict[int, str],
    currency: str,
) -> pd.DataFrame:
    """Every v(S) used: solved (with its status) or composed of its unlinked parts."""
    records = []
    n = len(firms)
    for mask in sorted(masks, key=lambda m: (bin(m).count("1"), m)):
        parts = split.get(mask, [mask])
        if mask in rows:
            status, how = str(rows[mask].get("status")), "solved"
        else:
            bad = [part for part in parts if math.isnan(value[part])]
            status = str(rows[bad[0]].get("status")) if bad else SolveStatus.OPTIMAL.value
            if bad:
                status = str(rows[bad[0]].get("status"))
            elif any(rows[part].get("status") == SolveStatus.FEASIBLE.value for part in parts):
                status = SolveStatus.FEASIBLE.value
            how = "composed"
        reason = reasons.get(mask, "")
        if how == "composed" and not reason:
            reason = "; ".join(reasons[part] for part in parts if part in reasons)
        records.append(
            {
                "coalition": label(mask, firms),
                "firms": [firms[i] for i in members(mask, n)],
                "size": bin(mask).count("1"),
                "cost": value[mask],
                "currency": currency,
                "status": status,
                "how": how,
                "parts": " | ".join(label(part, firms) for part in parts)
                if how == "composed"
                else "",
                "reason": reason,
            }
        )
    return pd.DataFrame.from_records(records)


def firm_table(
    scenario: Scenario,
    firms: list[str],
    owner: dict[str, str],
    standalone: np.ndarray,
    shapley: np.ndarray,
    error: np.ndarray | None,
    proportional: np.ndarray,
    before: np.ndarray,
    core: CoreCheck | None,
    failed: list[int],
    reasons: dict[int, str],
) -> pd.DataFrame:
    n = len(firms)
    notes = []
    for i in range(n):
        if (1 << i) in reasons:
            notes.append(f"cannot stand alone: {reasons[1 << i]}")
        elif not math.isfinite(float(shapley[i])):
            blockers = [
                f"{label(mask, firms)} ({reasons[mask].split(':')[0]})" for mask in failed[:3]
            ]
            notes.append("undefined: these coalitions have no value: " + ", ".join(blockers))
        else:
            notes.append("")
    frame = pd.DataFrame(
        {
            "firm": firms,
            "name": [scenario.firm_name(firm) for firm in firms],
            "facilities": [
                "; ".join(name for name, of in owner.items() if of == firm) for firm in firms
            ],
            "standalone_cost": standalone,
            "shapley_cost": shapley,
            "shapley_saving": standalone - shapley,
            "proportional_cost": proportional,
            "proportional_saving": standalone - proportional,
            "in_core": [None if core is None else core.in_core] * n,
            "cost_before_transfers": before,
            "net_transfer": shapley - before,
            "currency": scenario.currency,
            "note": notes,
        }
    )
    if error is not None:
        frame.insert(5, "shapley_cost_se", error)
    return frame


def write_share(run: ShareRun, out: str | Path) -> list[Path]:
    """firms.csv, coalitions.parquet, transfers.csv and share.json in `out`, each atomically."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in ((FIRMS_FILE, run.firms), (TRANSFERS_FILE, run.transfers)):
        path = folder / name
        atomic_write_text(
            path, table.to_csv(index=False, float_format="%.10g", lineterminator="\n")
        )
        written.append(path)
    path = folder / COALITIONS_FILE
    temporary = folder / f".{COALITIONS_FILE}.tmp"
    try:
        pq.write_table(pa.Table.from_pandas(run.coalitions, preserve_index=False), temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    written.append(path)
    core = run.core
    summary = {
        "method": run.method,
        "samples": run.samples,
        "firms": len(run.firms),
        "grand_cost": run.grand.summary.total_cost if run.grand.status.has_solution else None,
        "currency": run.currency,
        "in_core": None if core is None else core.in_core,
        "blocking_coalition": None if core is None or core.in_core else _blocking(run, core),
        "blocking_excess": None if core is None or core.in_core else core.excess,
        "coalitions_checked": None if core is None else core.checked,
        "messages": list(run.messages),
    }
    path = folder / SHARE_FILE
    atomic_write_text(path, json.dumps(summary, indent=2) + "\n")
    written.append(path)
    return written


def _blocking(run: ShareRun, core: CoreCheck) -> list[str]:
    firms = list(run.firms["firm"])
    return [firms[i] for i in members(core.blocking, len(firms))]
