"""Hard capacitated-location instances of OR-Library capa/capb/capc shape, generated.

The hard section measures OR-Library's own capa, capb and capc (`orlib_large_instances`,
files in `benchmarks/orlib-large/`). Instances of the same shape (100 warehouses x 1000
customers) are also generated, for the options study and where those files are missing,
with the recipe of Cornuejols, Sridharan and Thizy (1991), the standard generator of the
hard capacitated facility location sets:

- warehouses and customers at uniform random points of the unit square;
- demand d_j uniform in [5, 35]; capacity s_i uniform in [10, 160], then all capacities
  scaled so that total capacity = ratio x total demand;
- fixed cost f_i = U[0, 90] + U[100, 110] * sqrt(s_i) (large warehouses cheaper per unit);
- allocating all of customer j's demand to warehouse i costs 10 * d_j * dist(i, j).

All numbers are rounded to integers (as in OR-Library; capacities rounded up so that the
ratio holds at least), so the translation's prohibitive alternative cost stays finite.
The tighter the capacity ratio, the harder the instance: `hard-a` ratio 3 (tight),
`hard-b` ratio 5, `hard-c` ratio 10 (loose). Seeds are fixed (`SEEDS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np
import scipy.sparse as sp

from benchmarks.orlib import CapInstance, read_cap
from symopt.solver.highs import SolverOptions, new_highs

#: name -> (capacity ratio, seed)
SEEDS = {"hard-a": (3.0, 101), "hard-b": (5.0, 102), "hard-c": (10.0, 103)}
WAREHOUSES = 100
CUSTOMERS = 1000


def generate_cap(
    name: str, ratio: float, seed: int, m: int = WAREHOUSES, n: int = CUSTOMERS
) -> CapInstance:
    """One instance by the recipe above (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    warehouses = rng.uniform(0.0, 1.0, size=(m, 2))
    customers = rng.uniform(0.0, 1.0, size=(n, 2))
    demand = rng.integers(5, 36, size=n).astype(float)
    raw = rng.uniform(10.0, 160.0, size=m)
    capacity = np.ceil(raw * ratio * demand.sum() / raw.sum())
    fixed = np.round(
        rng.uniform(0.0, 90.0, size=m) + rng.uniform(100.0, 110.0, m) * np.sqrt(capacity)
    )
    distance = np.hypot(*(customers[:, None, :] - warehouses[None, :, :]).transpose(2, 0, 1))
    costs = np.round(10.0 * demand[:, None] * distance)  # (n, m): all of j's demand from i
    return CapInstance(
        name=name,
        capacities=tuple(capacity.tolist()),
        fixed_costs=tuple(fixed.tolist()),
        demands=tuple(demand.tolist()),
        costs=tuple(tuple(row) for row in costs.tolist()),
    )


def hard_instances(m: int = WAREHOUSES, n: int = CUSTOMERS) -> list[CapInstance]:
    return [generate_cap(name, ratio, seed, m, n) for name, (ratio, seed) in SEEDS.items()]


#: OR-Library's capa, capb, capc with one capacity each (`benchmarks/orlib-large/README.md`).
ORLIB_LARGE = Path(__file__).resolve().parent / "orlib-large"
#: Their published optima (OR-Library `capopt`).
PUBLISHED_LARGE = {
    "capa-10000": 18438046.543,
    "capb-5000": 13656379.578,
    "capc-5000": 11646596.974,
}


def orlib_large_instances(folder: Path = ORLIB_LARGE) -> list[CapInstance]:
    """capa, capb and capc where their files are present (else none)."""
    files = [folder / f"{name}.txt.gz" for name in PUBLISHED_LARGE]
    return [read_cap(file) for file in files if file.is_file()]


@dataclass(frozen=True)
class TextbookForm:
    """The strong textbook formulation of capacitated facility location, for HiGHS alone.

    min sum_i f_i y_i + sum_ij (c_ij / d_j) x_ij
    s.t. sum_i x_ij = d_j;  sum_j x_ij <= s_i y_i;  x_ij <= d_j y_i;  y binary, x >= 0.
    Columns: y (m), then x (m*n, warehouse-major).
    """

    lp: highspy.HighsLp
    num_integer: int


def textbook_form(instance: CapInstance) -> TextbookForm:
    m, n = instance.m, instance.n
    demand = np.array(instance.demands)
    capacity = np.array(instance.capacities)
    unit = np.array(instance.costs).T / np.maximum(demand, 1e-300)[None, :]  # (m, n)
    x = m + np.arange(m * n).reshape(m, n)
    rows_j, cols_j, vals_j = np.repeat(np.arange(n), m), x.T.ravel(), np.ones(m * n)
    rows_i = n + np.concatenate([np.repeat(np.arange(m), n), np.arange(m)])
    cols_i = np.concatenate([x.ravel(), np.arange(m)])
    vals_i = np.concatenate([np.ones(m * n), -capacity])
    strong = n + m + np.arange(m * n)
    rows_s = np.concatenate([strong, strong])
    cols_s = np.concatenate([x.ravel(), np.repeat(np.arange(m), n)])
    vals_s = np.concatenate([np.ones(m * n), -np.tile(demand, m)])
    matrix = sp.csc_array(
        (
            np.concatenate([vals_j, vals_i, vals_s]),
            (np.concatenate([rows_j, rows_i, rows_s]), np.concatenate([cols_j, cols_i, cols_s])),
        ),
        shape=(n + m + m * n, m + m * n),
    )
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m + m * n, n + m + m * n
    lp.col_cost_ = np.concatenate([np.array(instance.fixed_costs), unit.ravel()])
    lp.col_lower_ = np.zeros(m + m * n)
    lp.col_upper_ = np.concatenate([np.ones(m), np.full(m * n, inf)])
    lp.row_lower_ = np.concatenate([demand, np.full(m + m * n, -inf)])
    lp.row_upper_ = np.concatenate([demand, np.zeros(m + m * n)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(matrix.indptr, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(matrix.indices, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(matrix.data, dtype=float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * (
        m * n
    )
    return TextbookForm(lp, m)


def textbook_highs(instance: CapInstance, options: SolverOptions) -> highspy.Highs:
    """A HiGHS holding the textbook model, with `options` applied (not yet run)."""
    highs = new_highs(options)
    highs.passModel(textbook_form(instance).lp)
    return highs


def total_demand(instance: CapInstance) -> float:
    return float(math.fsum(instance.demands))
