"""A direct-HiGHS reference: symopt's MILP as one sparse matrix, built with numpy.

The floor for symopt's model build and a second check of its optimum. The mathematics
is `symopt/model.py`'s (scenario spec v1), built straight from symopt's
`CandidateNetwork` without Pyomo:

- `x[l,t]` only where the link can carry anything (`capacity > 0`);
- `y[l]` for links of modes with a build decision (`links.built`), binary;
- `u[k,t]`, `v[s,t]` only where the demand / supply amount is positive;
- rows: supply balances, demand balances, linear quality mixing (where `quality_terms`
  says, for slices in which at least one of the terms' links carries flow), link capacity
  `x[l,t] - M[l,t] y[l] <= 0` for built links; in that order, each in symopt's order.

Columns are ordered the way Pyomo's standard-form compiler orders symopt's model (whole
variable families, in the order they first appear in the objective, then in the
constraints; columns that appear nowhere are dropped), so HiGHS receives the same matrix
from both paths and takes the same branch-and-bound path: the comparison measures
overheads, not luck. Only scenario v1 (no build/size/process fields) is handled.

    form = build_matrix(symopt.build_network(scenario), Objective.of("cost"))
    run = solve(form, SolverOptions(mip_gap=1e-4))
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from symopt.model.objective import Objective
from symopt.network.candidates import CandidateNetwork
from symopt.solver.highs import SolverOptions, new_highs

INF = highspy.kHighsInf
FLOW_TOLERANCE = 1e-9
FAMILIES = ("x", "y", "u", "v")


@dataclass(frozen=True)
class DirectForm:
    """min c z + offset  s.t.  row_lower <= A z <= row_upper, col bounds, integrality."""

    cost: np.ndarray
    offset: float
    matrix: sp.csc_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray
    """int32 per column: 1 integer, 0 continuous."""
    family_order: tuple[str, ...]
    """Variable families in column order, e.g. ('y', 'x', 'u', 'v')."""
    columns: dict[str, np.ndarray]
    """Family -> column of each of its variables in the final order (-1: dropped)."""
    index: dict[str, tuple[np.ndarray, ...]]
    """Family -> index arrays: x (link, slice), y (link,), u (demand, slice), v (supply, slice)."""

    @property
    def num_cols(self) -> int:
        return len(self.cost)

    @property
    def num_rows(self) -> int:
        return len(self.row_lower)

    @property
    def num_integer(self) -> int:
        return int(self.integrality.sum())


@dataclass
class DirectRun:
    """What came back, and how long each step took (seconds)."""

    status: str
    objective: float
    mip_gap: float
    solution: np.ndarray
    nodes: int
    simplex_iterations: int
    timings: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _check_v1(network: CandidateNetwork) -> None:
    if getattr(network, "is_planning", False):
        raise ValueError(
            "the direct-HiGHS reference covers scenario v1 only (no build, size, process "
            "or candidate_sites fields)"
        )


def _amounts(network: CandidateNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where supply and demand nodes exist ((S, T) and (K, T) masks), and their amounts.

    In v1 every node is fixed: its most (`supply_max`) is its amount (`supply_amount`).
    """
    supply = np.asarray(network.supply_amount, dtype=float)
    demand = np.asarray(network.demand_amount, dtype=float)
    supply_max = np.asarray(getattr(network, "supply_max", supply), dtype=float)
    demand_max = np.asarray(getattr(network, "demand_max", demand), dtype=float)
    return supply_max > 0, demand_max > 0, supply, demand


def _row_lookup(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-major (node, slice) pairs where `mask` holds, and a (N, T) -> position table."""
    node, t = np.nonzero(mask)
    position = np.full(mask.shape, -1, dtype=np.int64)
    position[node, t] = np.arange(len(node))
    return node, t, position


def _sum_order(terms: list[tuple[str, int]]) -> list[str]:
    """Families in the order Pyomo's `+` leaves them in `quicksum(..) + quicksum(..) + ..`.

    `terms`: (family, number of terms) per quicksum. A quicksum of one term is a monomial,
    of several a linear expression; `linear + anything` appends, `monomial + monomial`
    keeps the order, but `monomial + linear` puts the monomial *after* the linear terms.
    """
    order: list[str] = []
    linear = False
    for family, count in terms:
        if count == 0:
            continue
        if not order:
            order, linear = [family], count > 1
        elif linear or count == 1:
            order, linear = [*order, family], True
        else:
            order, linear = [family, *order], True
    return order


def _family_order(
    cost_terms: list[tuple[str, int]],
    emission_terms: list[tuple[str, int]],
    supply_rows_first: list[str],
    demand_rows_first: list[str],
) -> tuple[str, ...]:
    """The order in which Pyomo's compiler meets symopt's variable families.

    The compiler numbers a whole variable component when it first meets one of its
    members: in the objective (`cost_weight * cost + emissions_weight * emissions`, the
    cost ending in `carbon_price * emissions`; sub-expressions are walked even with a
    zero weight or price), then in the constraints (supply and demand balances: flows
    first where the first row has any; quality rows; link capacity `x <= M y`).
    """
    seen: list[str] = []
    for family in [
        *_sum_order(cost_terms),
        *_sum_order(emission_terms),
        *supply_rows_first,
        *demand_rows_first,
        "x",
        "y",
        *FAMILIES,
    ]:
        if family not in seen:
            seen.append(family)
    return tuple(seen)


def build_matrix(network: CandidateNetwork, objective: Objective) -> DirectForm:
    """The MILP of `network` minimising `objective`, as a CSC matrix."""
    _check_v1(network)
    links = network.links
    has_supply, has_demand, supply, demand = _amounts(network)
    capacity = np.asarray(network.capacity, dtype=float)
    num_slices = supply.shape[1]
    link_supply = links["supply"].to_numpy(dtype=np.int64)
    link_demand = links["demand"].to_numpy(dtype=np.int64)
    factor = links["factor"].to_numpy(dtype=float)

    # variables, each family in its index order
    flow_link, flow_slice = np.nonzero(capacity > 0)
    built = np.flatnonzero(links["built"].to_numpy(dtype=bool))
    demand_k, demand_t, demand_row = _row_lookup(has_demand)
    supply_s, supply_t, supply_row = _row_lookup(has_supply)
    n = {"x": len(flow_link), "y": len(built), "u": len(demand_k), "v": len(supply_s)}
    y_of_link = np.full(len(links), -1, dtype=np.int64)
    y_of_link[built] = np.arange(len(built))

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []  # (family, index) encoded later
    fams: list[str] = []
    vals: list[np.ndarray] = []

    def add(family: str, row: np.ndarray, col: np.ndarray, value: np.ndarray) -> None:
        rows.append(np.asarray(row, dtype=np.int64))
        cols.append(np.asarray(col, dtype=np.int64))
        fams.append(family)
        vals.append(np.asarray(value, dtype=float))

    x_index = np.arange(n["x"])
    # supply balance: sum_l x[l,t] + v[s,t] = supply[s,t]
    offset_row = 0
    add("x", supply_row[link_supply[flow_link], flow_slice], x_index, np.ones(n["x"]))
    add("v", np.arange(n["v"]), np.arange(n["v"]), np.ones(n["v"]))
    lower = [supply[supply_s, supply_t]]
    upper = [supply[supply_s, supply_t]]
    offset_row += n["v"]
    # demand balance: sum_l factor_l x[l,t] + u[k,t] = demand[k,t]
    add(
        "x", offset_row + demand_row[link_demand[flow_link], flow_slice], x_index, factor[flow_link]
    )
    add("u", offset_row + np.arange(n["u"]), np.arange(n["u"]), np.ones(n["u"]))
    lower.append(demand[demand_k, demand_t])
    upper.append(demand[demand_k, demand_t])
    offset_row += n["u"]
    # quality mixing: sum_l factor_l margin_l x[l,t] >= 0 per (demand, attribute, slice)
    terms = network.quality_terms
    if len(terms):
        group, _ = pd.factorize(
            pd.MultiIndex.from_arrays([terms["demand"].to_numpy(), terms["attribute"].to_numpy()])
        )
        term_link = terms["link"].to_numpy(dtype=np.int64)
        coefficient = factor[term_link] * terms["margin"].to_numpy(dtype=float)
        flow_of = np.full(capacity.shape, -1, dtype=np.int64)
        flow_of[flow_link, flow_slice] = x_index
        term_flow = flow_of[term_link]  # (terms, T)
        term, t = np.nonzero(term_flow >= 0)
        key = group[term].astype(np.int64) * num_slices + t
        present, row_of_entry = np.unique(key, return_inverse=True)
        add("x", offset_row + row_of_entry, term_flow[term, t], coefficient[term])
        lower.append(np.zeros(len(present)))
        upper.append(np.full(len(present), INF))
        offset_row += len(present)
    # link capacity: x[l,t] - M[l,t] y[l] <= 0 for built links
    capped = np.flatnonzero(y_of_link[flow_link] >= 0)
    capacity_rows = offset_row + np.arange(len(capped))
    add("x", capacity_rows, capped, np.ones(len(capped)))
    add(
        "y",
        capacity_rows,
        y_of_link[flow_link[capped]],
        -capacity[flow_link[capped], flow_slice[capped]],
    )
    lower.append(np.full(len(capped), -INF))
    upper.append(np.zeros(len(capped)))
    offset_row += len(capped)

    cost = family_costs(
        network,
        objective,
        {"x": (flow_link,), "y": (built,), "u": (demand_k,), "v": (supply_s,)},
    )
    # column order: families as Pyomo's compiler meets them in symopt's model
    demands, supplies = network.demands, network.supplies

    def nonzero(table: pd.DataFrame, column: str, index: np.ndarray) -> int:
        return int(np.count_nonzero(table[column].to_numpy(dtype=float)[index]))

    first_supply_row = supply_row[link_supply[flow_link], flow_slice] == 0
    first_demand_row = demand_row[link_demand[flow_link], flow_slice] == 0
    order = _family_order(
        [
            ("y", nonzero(links, "build_cost", built)),
            ("x", nonzero(links, "unit_cost", flow_link)),
            ("u", nonzero(demands, "alternative_cost", demand_k)),
            ("v", nonzero(supplies, "disposal_cost", supply_s)),
        ],
        [
            ("x", nonzero(links, "unit_emissions", flow_link)),
            ("u", nonzero(demands, "alternative_emissions", demand_k)),
            ("v", nonzero(supplies, "disposal_emissions", supply_s)),
        ],
        (["x", "v"] if first_supply_row.any() else ["v", "x"]) if n["v"] else [],
        (["x", "u"] if first_demand_row.any() else ["u", "x"]) if n["u"] else [],
    )
    start = {}
    position = 0
    for family in order:
        start[family] = position
        position += n[family]
    total = position

    all_rows = np.concatenate(rows)
    all_cols = np.concatenate([start[family] + col for family, col in zip(fams, cols, strict=True)])
    all_vals = np.concatenate(vals)
    keep = all_vals != 0
    matrix = sp.csc_array(
        (all_vals[keep], (all_rows[keep], all_cols[keep])), shape=(offset_row, total)
    )
    matrix.sum_duplicates()
    full_cost = np.zeros(total)
    for family in FAMILIES:
        full_cost[start[family] : start[family] + n[family]] = cost[family]
    is_y = np.zeros(total, dtype=bool)
    is_y[start["y"] : start["y"] + n["y"]] = True

    # drop columns that appear nowhere (as Pyomo's compiler does)
    used = (np.diff(matrix.indptr) > 0) | (full_cost != 0)
    new_column = np.where(used, np.cumsum(used) - 1, -1)
    if not used.all():
        matrix = matrix[:, used]
    columns = {f: new_column[start[f] : start[f] + n[f]] for f in FAMILIES}
    return DirectForm(
        cost=full_cost[used],
        offset=0.0,
        matrix=sp.csc_array(matrix),
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        col_lower=np.zeros(int(used.sum())),
        col_upper=np.where(is_y[used], 1.0, INF),
        integrality=is_y[used].astype(np.int32),
        family_order=order,
        columns=columns,
        index={
            "x": (flow_link, flow_slice),
            "y": (built,),
            "u": (demand_k, demand_t),
            "v": (supply_s, supply_t),
        },
    )


def family_costs(
    network: CandidateNetwork, objective: Objective, index: dict[str, tuple[np.ndarray, ...]]
) -> dict[str, np.ndarray]:
    """Objective coefficient of every x, y, u, v (in each family's index order).

    a * cost + b * emissions, the cost including `carbon_price * emissions`.
    """
    a, b, price = objective.cost_weight, objective.emissions_weight, network.carbon_price
    links, demands, supplies = network.links, network.demands, network.supplies
    unit_cost = links["unit_cost"].to_numpy(dtype=float)
    unit_emissions = links["unit_emissions"].to_numpy(dtype=float)
    alt_cost = demands["alternative_cost"].to_numpy(dtype=float)
    alt_emissions = demands["alternative_emissions"].to_numpy(dtype=float)
    disp_cost = supplies["disposal_cost"].to_numpy(dtype=float)
    disp_emissions = supplies["disposal_emissions"].to_numpy(dtype=float)
    return {
        "x": (a * (unit_cost + price * unit_emissions) + b * unit_emissions)[index["x"][0]],
        "y": a * links["build_cost"].to_numpy(dtype=float)[index["y"][0]],
        "u": (a * (alt_cost + price * alt_emissions) + b * alt_emissions)[index["u"][0]],
        "v": (a * (disp_cost + price * disp_emissions) + b * disp_emissions)[index["v"][0]],
    }


def objective_vector(
    network: CandidateNetwork, form: DirectForm, objective: Objective
) -> np.ndarray:
    """The cost vector of `form`'s columns for `network` (e.g. with another carbon price)."""
    cost = np.zeros(form.num_cols)
    for family, values in family_costs(network, objective, form.index).items():
        column = form.columns[family]
        kept = column >= 0
        cost[column[kept]] = values[kept]
    return cost


def network_with_carbon_price(network: CandidateNetwork, carbon_price: float) -> CandidateNetwork:
    """The same network with another carbon price (the sweep's parameter)."""
    return dataclasses.replace(network, carbon_price=float(carbon_price))


def pass_model(highs: highspy.Highs, form: DirectForm) -> None:
    """Hand the whole model to HiGHS in one `passModel` call (numpy arrays only)."""
    matrix = form.matrix
    status = highs.passModel(
        form.num_cols,
        form.num_rows,
        int(matrix.nnz),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        form.offset,
        form.cost,
        form.col_lower,
        form.col_upper,
        form.row_lower,
        form.row_upper,
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data,
        form.integrality,
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the direct model")


def values_by_family(form: DirectForm, solution: np.ndarray) -> dict[str, np.ndarray]:
    """Solution values of x, y, u, v in each family's index order (0 for dropped columns)."""
    out = {}
    for family, column in form.columns.items():
        found = column >= 0
        values = np.zeros(len(column))
        if solution.size:
            values[found] = solution[column[found]]
        out[family] = values
    return out


def extract_tables(
    network: CandidateNetwork, form: DirectForm, solution: np.ndarray
) -> dict[str, pd.DataFrame]:
    """The result tables symopt reports (flows, built links, alternatives, disposals)."""
    values = values_by_family(form, solution)
    links, supplies, demands = network.links, network.supplies, network.demands
    slice_ids = network.slices["id"].to_numpy(dtype=object)
    flow_link, flow_slice = form.index["x"]
    keep = values["x"] > FLOW_TOLERANCE
    link, sent = flow_link[keep], values["x"][keep]
    supply = links["supply"].to_numpy()[link]
    demand = links["demand"].to_numpy()[link]
    flows = pd.DataFrame(
        {
            "source": supplies["facility"].to_numpy()[supply],
            "supply_resource": links["resource"].to_numpy()[link],
            "sink": demands["facility"].to_numpy()[demand],
            "mode": links["mode"].to_numpy()[link],
            "slice": slice_ids[flow_slice[keep]],
            "distance_km": links["distance_km"].to_numpy()[link],
            "sent": sent,
            "delivered": sent * links["factor"].to_numpy()[link],
        }
    )
    chosen = form.index["y"][0][values["y"] > 0.5]
    built = pd.DataFrame(
        {
            "supply": links["supply"].to_numpy()[chosen],
            "demand": links["demand"].to_numpy()[chosen],
            "mode": links["mode"].to_numpy()[chosen],
            "annual_cost": links["build_cost"].to_numpy()[chosen],
        }
    )
    tables = {"flows": flows, "links": built}
    for name, family, nodes in (("alternatives", "u", demands), ("disposals", "v", supplies)):
        node, t = form.index[family]
        keep = values[family] > FLOW_TOLERANCE
        tables[name] = pd.DataFrame(
            {
                "facility": nodes["facility"].to_numpy()[node[keep]],
                "slice": slice_ids[t[keep]],
                "amount": values[family][keep],
            }
        )
    return tables


def solve(
    form: DirectForm,
    options: SolverOptions,
    network: CandidateNetwork | None = None,
) -> DirectRun:
    """Pass `form` to a new HiGHS with `options`, solve, and (given `network`) extract tables."""
    clock = time.perf_counter()
    highs = new_highs(options)
    pass_model(highs, form)
    handover = time.perf_counter() - clock
    clock = time.perf_counter()
    highs.run()
    solve_seconds = time.perf_counter() - clock
    clock = time.perf_counter()
    info = highs.getInfo()
    status = highs.modelStatusToString(highs.getModelStatus())
    has_solution = info.primal_solution_status == 2
    solution = (
        np.asarray(highs.getSolution().col_value, dtype=float) if has_solution else np.empty(0)
    )
    tables = extract_tables(network, form, solution) if network is not None else {}
    extract = time.perf_counter() - clock
    return DirectRun(
        status=status,
        objective=float(info.objective_function_value) if has_solution else float("nan"),
        mip_gap=float(info.mip_gap) if form.num_integer else 0.0,
        solution=solution,
        nodes=int(info.mip_node_count) if form.num_integer else 0,
        simplex_iterations=int(info.simplex_iteration_count),
        timings={"handover": handover, "solve": solve_seconds, "results": extract},
        tables=tables,
    )


def solve_network(network: CandidateNetwork, objective: Any, options: SolverOptions) -> DirectRun:
    """Build, hand over, solve and extract: the whole direct path after the network."""
    clock = time.perf_counter()
    form = build_matrix(network, Objective.of(objective))
    build = time.perf_counter() - clock
    run = solve(form, options, network)
    run.timings = {"build": build, **run.timings}
    return run
