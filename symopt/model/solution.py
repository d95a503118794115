"""A solved model: what the solver reported (`SolverRun`) and the values of each variable
family (`Decisions`), read once from the model's variables."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from symopt.enums import Driver, SolveStatus
from symopt.network.candidates import CandidateNetwork

#: Amounts below this are solver noise, not flows.
FLOW_TOLERANCE = 1e-9


ValueReader = Callable[[Any], np.ndarray]
"""Values of an indexed Pyomo Var in the order of its index set (zeros without a solution)."""


def _no_values(component: Any) -> np.ndarray:
    return np.zeros(len(component))


@dataclass(frozen=True)
class SolverRun:
    """What came back from HiGHS."""

    status: SolveStatus
    highs_status: str
    objective: float
    mip_gap: float
    solve_seconds: float
    handover_seconds: float
    read_values: ValueReader = _no_values
    best_bound: float = math.nan
    """The best lower bound on the objective HiGHS proved (NaN: none)."""


@dataclass(frozen=True)
class Decisions:
    """Solution values and index arrays of every variable family."""

    x: np.ndarray
    flow_link: np.ndarray
    flow_slice: np.ndarray
    y: np.ndarray
    build_links: np.ndarray
    u: np.ndarray
    alternative_demand: np.ndarray
    alternative_slice: np.ndarray
    v: np.ndarray
    disposal_supply: np.ndarray
    disposal_slice: np.ndarray
    built: np.ndarray
    """(F,): b[f], 1 for a facility that always stands."""
    size: np.ndarray
    """(F,): z[f], NaN without size."""
    activity: np.ndarray
    """(F, T): a[f,t], 0 without process."""
    placed: np.ndarray
    """(P,): p per placement (b for a plain site)."""
    backup: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """(K,): backup capacity B[k] per demand node (resource unit per hour), NaN where none
    is required."""


def _index_arrays(component_set: Any, width: int) -> tuple[np.ndarray, ...]:
    data = np.array(list(component_set), dtype=np.int64).reshape(-1, width)
    return tuple(data[:, column] for column in range(width))


def _ints(component_set: Any) -> np.ndarray:
    return np.asarray(list(component_set), dtype=np.int64)


def read_decisions(
    network: CandidateNetwork, model: pyo.ConcreteModel, run: SolverRun
) -> Decisions:
    """Read the solution once and split it by variable family (no per-var Pyomo calls)."""
    values = run.read_values

    n_facilities, n_slices = network.min_activity.shape
    built = np.ones(n_facilities)
    built[_ints(model.OPTIONAL)] = np.round(values(model.b))
    size = np.full(n_facilities, np.nan)
    size[_ints(model.SIZED)] = values(model.z)
    activity = np.zeros((n_facilities, n_slices))
    activity_f, activity_t = _index_arrays(model.ACTIVITIES, 2)
    activity[activity_f, activity_t] = values(model.a)
    placement_facility = network.placements["facility_index"].to_numpy(dtype=int)
    placed = built[placement_facility].copy()
    placed[_ints(model.CHOICES)] = np.round(values(model.p))
    flow_link, flow_slice = _index_arrays(model.FLOWS, 2)
    alternative_demand, alternative_slice = _index_arrays(model.ALTERNATIVE_SLICES, 2)
    disposal_supply, disposal_slice = _index_arrays(model.SUPPLY_SLICES, 2)
    backup = np.full(len(network.demands), np.nan)
    backup[_ints(model.SECURED)] = values(model.backup)
    return Decisions(
        backup=backup,
        x=values(model.x),
        flow_link=flow_link,
        flow_slice=flow_slice,
        y=np.round(values(model.y)),
        build_links=_ints(model.BUILD_LINKS),
        u=values(model.u),
        alternative_demand=alternative_demand,
        alternative_slice=alternative_slice,
        v=values(model.v),
        disposal_supply=disposal_supply,
        disposal_slice=disposal_slice,
        built=built,
        size=size,
        activity=activity,
        placed=placed,
    )


def driver_values(
    network: CandidateNetwork, nodes: pd.DataFrame, decisions: Decisions
) -> np.ndarray:
    """(nodes, T): the value of each node's driver (1, b, z or a) at the decisions."""
    facility = nodes["facility_index"].to_numpy(dtype=int)
    driver = nodes["driver"].to_numpy(dtype=object)
    value = np.ones((len(nodes), len(network.slices)))
    is_build = driver == Driver.BUILD.value
    value[is_build] = decisions.built[facility[is_build], None]
    is_size = driver == Driver.SIZE.value
    value[is_size] = np.nan_to_num(decisions.size[facility[is_size]])[:, None]
    is_activity = driver == Driver.ACTIVITY.value
    value[is_activity] = decisions.activity[facility[is_activity]]
    return value
