"""The small linear programme over Q's yearly activities whose maximum bounds each.

Every optimal solution satisfies (`symopt.network.objective_bound`), with
`A_f = sum_t a[f,t]` for the processes f in Q and one `w_j >= 0` per covered node j:

    sum_f r_f A_f + sum_j weight_j w_j <= U - L                   (the objective)
    matrix_j . A - w_j <= reach_j                                  (covered nodes)

whatever the signs of the rates `r_f`, and for each input k of a process f in Q that has
no alternative (`u = 0`: links deliver all of it) and per_activity >= p_min_k > 0 in
every slice:

    p_min_k A_f - sum_{o feeding k by an open link} phi_ko p_max_o A_g(o) <= R_k   (supply)

(what k needs is delivered by links: at most `R_k` a year by its links from nodes
outside Q, and from an output o of a process g in Q at most `phi_ko p_max_o A_g`, phi_ko
the largest delivery factor of o's links to k). So

    a[g,t] <= A_g <= max { A_g : the rows above, A >= 0, w >= 0 },

an LP in |Q| + (covered nodes) variables, solved with HiGHS (scipy), with a relative
margin of `MARGIN` against its tolerances. Where it is unbounded, no bound is derived.
With more than `SEPARATE_LPS` processes in Q one LP bounds their sum instead (a bound on
each).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

#: Up to this many processes in Q, each gets its own LP (a tighter bound).
SEPARATE_LPS = 50
#: Relative margin on the LP's maximum, against the solver's tolerances.
MARGIN = 1e-6


def supply_rows(
    facilities: int,
    demands: pd.DataFrame,
    supplies: pd.DataFrame,
    links: pd.DataFrame,
    inputs: np.ndarray,
    demand_coefficient: np.ndarray,
    supply_coefficient: np.ndarray,
    open_link: np.ndarray,
    reach_in: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The supply rows as (rows, F) coefficients and (rows,) right-hand sides.

    `inputs` (K,): the inputs of Q's processes without alternative; `reach_in` (K,): what
    their links from nodes outside Q deliver at most in a year.
    """
    p_min = demand_coefficient.min(axis=1)
    rows = np.flatnonzero(inputs & (p_min > 0))
    matrix = np.zeros((len(rows), facilities))
    if not len(rows):
        return matrix, np.zeros(0)
    row_of = np.full(len(demands), -1)
    row_of[rows] = np.arange(len(rows))
    matrix[np.arange(len(rows)), demands["facility_index"].to_numpy(dtype=int)[rows]] = p_min[rows]
    feeding = pd.DataFrame(
        {
            "row": row_of[links["demand"].to_numpy(dtype=int)],
            "supply": links["supply"].to_numpy(dtype=int),
            "factor": links["factor"].to_numpy(dtype=float),
        }
    )[open_link]
    best = feeding[feeding["row"] >= 0].groupby(["row", "supply"])["factor"].max()
    row = best.index.get_level_values("row").to_numpy(dtype=int)
    supply = best.index.get_level_values("supply").to_numpy(dtype=int)
    np.add.at(
        matrix,
        (row, supplies["facility_index"].to_numpy(dtype=int)[supply]),
        -best.to_numpy(dtype=float) * supply_coefficient[supply].max(axis=1),
    )
    return matrix, reach_in[rows]


@dataclass(frozen=True)
class ObjectiveRow:
    """`rate . A + weight . w <= budget` with `w >= matrix . A - reach`, `w >= 0`: the
    objective's terms that grow with Q's activities at least, and `budget = U - L`."""

    rate: np.ndarray
    budget: float
    matrix: np.ndarray
    reach: np.ndarray
    weight: np.ndarray


def largest_activities(
    in_q: np.ndarray, objective: ObjectiveRow, rows: np.ndarray, rhs: np.ndarray
) -> np.ndarray | None:
    """(F,) max A_g of the LP for each g in Q (inf elsewhere), or None where unbounded.

    Variables: A for Q's processes, then one `w` per covered node; rows: the objective
    row, `matrix . A - w <= reach` and the supply rows `rows . A <= rhs`.
    """
    q = np.flatnonzero(in_q)
    covered = len(objective.weight)
    matrix = np.vstack(
        [
            np.concatenate([objective.rate[q], objective.weight])[None, :],
            np.hstack([objective.matrix[:, q], -np.eye(covered)]),
            np.hstack([rows[:, q], np.zeros((len(rows), covered))]),
        ]
    )
    bounds = np.concatenate([[max(objective.budget, 0.0)], objective.reach, rhs])
    targets = list(np.eye(len(q))) if len(q) <= SEPARATE_LPS else [np.ones(len(q))]
    largest = np.full(len(in_q), np.inf)
    for target in targets:
        goal = np.concatenate([target, np.zeros(covered)])
        result = linprog(-goal, A_ub=matrix, b_ub=bounds, bounds=(0, None), method="highs")
        if result.status != 0:
            return None  # unbounded (or, against the proof, not solved): no bound
        value = -float(result.fun) * (1 + MARGIN) + MARGIN
        largest[q[target > 0]] = value
    return largest
