"""Independent reference formulation of the planning spec (build, place, size, convert).

Written from ``shared/spec/scenario-v1.md``, ``shared/spec/scenario-v1-planning.md``
and the ``process.min_activity`` extension in ``docs/scenario-format.md``, without
reading symopt's code. It takes the raw scenario dict, writes the MILP as a sparse
matrix by hand and solves it with ``scipy.optimize.milp``. Only generic helpers
(distances, CRF, amounts per slice, objective weights) come from ``reference_milp``.

Variables (one flat vector):

* ``b[f]``      built; binary with ``build``, else fixed to 1
* ``p[f,s]``    placed on candidate site ``s``; binary, ``sum_s p[f,s] = b[f]``
* ``z[f]``      size (only with ``size``): ``min * b <= z <= max * b``
* ``a[f,t]``    activity (only with ``process``): ``a <= z * hours_t`` with ``size``,
                else ``a <= BIG_M * b``; ``a >= min_activity[t] * b``
* ``x[l,t]``    sent on link ``l = (source, sink, mode, site of source, site of sink)``
* ``y[l]``      link built (binary; modes with capex or fixed opex)
* ``u[k,t]``    alternative of a demand, or of a process input that has one
* ``v[s,t]``    disposal of a supply or a process output

Deliberately, the activity of a process without ``size`` is bounded by a plain large
constant ``BIG_M`` and not by any bound derived from the network: the point is to
check the bound symopt derives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from reference_milp import (
    DEFAULT_CARBON_PRICE,
    DEFAULT_DISCOUNT_RATE,
    DEFAULT_LIFETIME_YEARS,
    DEFAULT_SLICES,
    QUALITY_TOLERANCE,
    Distances,
    capital_recovery_factor,
    objective_weights,
    slice_amounts,
)
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

BIG_M = 1e7  # activity per slice of a process without size; generous for small scenarios

# How an end's amount in slice t is written: A[t] * b[f], A[t] * z[f] or per_activity * a[f,t].
FIXED, SIZED, ACTIVITY = "fixed", "sized", "activity"


# --------------------------------------------------------------------------- data


@dataclass
class Facility:
    id: str
    sites: list[str]
    site_costs: dict[str, float]
    build: dict[str, Any] | None
    size: dict[str, Any] | None
    process: dict[str, Any] | None
    min_activity: list[float]  # per slice (0 without min_activity)


@dataclass
class Source:
    """A supply or a process output: sent on links or disposed."""

    key: str
    facility: str
    resource: str
    kind: str  # FIXED, SIZED or ACTIVITY
    coef: list[float]  # per slice: A[t] (FIXED, SIZED) or per_activity (ACTIVITY)
    quality: dict[str, float]
    disposal_cost: float
    disposal_emissions: float
    purchase_cost: float = 0.0  # per unit sent on links (issue 10)
    purchase_emissions: float = 0.0


@dataclass
class Sink:
    """A demand or a process input: delivered by links or covered by the alternative."""

    key: str
    facility: str
    resource: str
    kind: str
    coef: list[float]
    bounds: dict[str, float]
    alternative: tuple[float, float] | None  # (cost, emissions); None: links only
    alternative_quality: dict[str, float] = field(default_factory=dict)
    backup: bool = False  # B >= any one source facility's delivery per hour
    capacity_cost: float = 0.0


@dataclass
class Link:
    source: int
    sink: int
    mode: str
    site_source: str
    site_sink: str
    km: float
    factor: float
    quality: dict[str, float]
    buildable: bool
    annual_fixed: float
    cost_per_unit: float
    emissions_per_unit: float


@dataclass
class Plan:
    slice_ids: list[str]
    hours: list[float]
    crf: float
    carbon_price: float
    facilities: dict[str, Facility]
    sources: list[Source]
    sinks: list[Sink]
    links: list[Link] = field(default_factory=list)


@dataclass
class Problem:
    n_vars: int = 0
    cost: list[float] = field(default_factory=list)
    emissions: list[float] = field(default_factory=list)
    integral: list[int] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    row_lo: list[float] = field(default_factory=list)
    row_hi: list[float] = field(default_factory=list)

    def new_var(
        self,
        cost: float = 0.0,
        emissions: float = 0.0,
        binary: bool = False,
        lower: float = 0.0,
        upper: float = math.inf,
    ) -> int:
        self.cost.append(cost)
        self.emissions.append(emissions)
        self.integral.append(1 if binary else 0)
        self.lower.append(lower)
        self.upper.append(1.0 if binary and upper == math.inf else upper)
        self.n_vars += 1
        return self.n_vars - 1

    def add_row(self, terms: list[tuple[int, float]], lo: float, hi: float) -> None:
        row = len(self.row_lo)
        for col, val in terms:
            self.rows.append(row)
            self.cols.append(col)
            self.vals.append(val)
        self.row_lo.append(lo)
        self.row_hi.append(hi)


# --------------------------------------------------------------------- reading


def _facility(fac_id: str, fac: dict[str, Any], slice_ids: list[str], hours: list[float]) -> Any:
    sites = (
        list(dict.fromkeys(fac["candidate_sites"])) if "candidate_sites" in fac else [fac["site"]]
    )
    process = fac.get("process")
    minimum = [0.0] * len(slice_ids)
    if process is not None and process.get("min_activity") is not None:
        minimum = slice_amounts(process["min_activity"], slice_ids, hours)
    return Facility(
        id=fac_id,
        sites=sites,
        site_costs={s: float(c) for s, c in (fac.get("site_costs") or {}).items()},
        build=fac.get("build"),
        size=fac.get("size"),
        process=process,
        min_activity=minimum,
    )


def _bounds(quality: dict[str, Any] | None) -> dict[str, float]:
    """{min: x} (better: higher) or {max: x} (better: lower) -> the number."""
    return {a: float(b["min"] if "min" in b else b["max"]) for a, b in (quality or {}).items()}


def _ends(
    fac_id: str,
    fac: dict[str, Any],
    slice_ids: list[str],
    hours: list[float],
    default_security: dict[str, Any] | None = None,
) -> tuple[list[Source], list[Sink]]:
    default_security = default_security or {}
    kind = SIZED if fac.get("size") is not None else FIXED
    sources: list[Source] = []
    sinks: list[Sink] = []
    for i, s in enumerate(fac.get("supplies") or []):
        disposal = s.get("disposal") or {}
        sources.append(
            Source(
                key=f"{fac_id}.supplies[{i}]",
                facility=fac_id,
                resource=s["resource"],
                kind=kind,
                coef=slice_amounts(s["amount"], slice_ids, hours),
                quality={a: float(q) for a, q in (s.get("quality") or {}).items()},
                disposal_cost=float(disposal.get("cost", 0.0)),
                disposal_emissions=float(disposal.get("emissions", 0.0)),
                purchase_cost=float(s.get("cost", 0.0)),
                purchase_emissions=float(s.get("emissions", 0.0)),
            )
        )
    for j, k in enumerate(fac.get("demands") or []):
        alt = k["alternative"]
        sinks.append(
            Sink(
                key=f"{fac_id}.demands[{j}]",
                facility=fac_id,
                resource=k["resource"],
                kind=kind,
                coef=slice_amounts(k["amount"], slice_ids, hours),
                bounds=_bounds(k.get("quality")),
                alternative=(float(alt.get("cost", 0.0)), float(alt.get("emissions", 0.0))),
                **_alternative_extras(k, alt, default_security),
            )
        )
    process = fac.get("process") or {}
    n = len(slice_ids)
    for i, o in enumerate(process.get("outputs") or []):
        disposal = o.get("disposal") or {}
        sources.append(
            Source(
                key=f"{fac_id}.process.outputs[{i}]",
                facility=fac_id,
                resource=o["resource"],
                kind=ACTIVITY,
                coef=[float(o["per_activity"])] * n,
                quality={a: float(q) for a, q in (o.get("quality") or {}).items()},
                disposal_cost=float(disposal.get("cost", 0.0)),
                disposal_emissions=float(disposal.get("emissions", 0.0)),
                purchase_cost=float(o.get("cost", 0.0)),
                purchase_emissions=float(o.get("emissions", 0.0)),
            )
        )
    for j, k in enumerate(process.get("inputs") or []):
        alt = k.get("alternative")
        sinks.append(
            Sink(
                key=f"{fac_id}.process.inputs[{j}]",
                facility=fac_id,
                resource=k["resource"],
                kind=ACTIVITY,
                coef=[float(k["per_activity"])] * n,
                bounds=_bounds(k.get("quality")),
                alternative=None
                if alt is None
                else (float(alt.get("cost", 0.0)), float(alt.get("emissions", 0.0))),
                **_alternative_extras(k, alt, default_security),
            )
        )
    return sources, sinks


def _alternative_extras(
    sink: dict[str, Any], alt: dict[str, Any] | None, default_security: dict[str, Any]
) -> dict[str, Any]:
    """Alternative quality, backup (own security, else the scenario's) and capacity cost."""
    if alt is None:
        return {}
    security = sink.get("security") or default_security
    return {
        "alternative_quality": {a: float(q) for a, q in (alt.get("quality") or {}).items()},
        "backup": security.get("backup") == "required",
        "capacity_cost": float(alt.get("capacity_cost", 0.0)),
    }


def _quality_allowed(
    delivered: dict[str, float], bounds: dict[str, float], attributes: dict[str, Any]
) -> bool:
    """False if an attribute with `mixing: none` misses the sink's bound."""
    for attr, bound in bounds.items():
        spec = attributes[attr]
        if spec["mixing"] != "none":
            continue
        if spec["better"] == "higher" and delivered[attr] < bound - QUALITY_TOLERANCE:
            return False
        if spec["better"] == "lower" and delivered[attr] > bound + QUALITY_TOLERANCE:
            return False
    return True


def _link(
    data: dict[str, Any], plan: Plan, distances: Distances, ends: tuple[int, int, str, str, str]
) -> Link | None:
    """Candidate link (source, sink, mode, site of source, site of sink), or None."""
    s, k, mode_id, site_s, site_k = ends
    mode = data["transport"][mode_id]
    source, sink = plan.sources[s], plan.sinks[k]
    km = distances.km(site_s, site_k, float(mode.get("detour_factor", 1.0)))
    max_distance = mode.get("max_distance")
    if max_distance is not None and km > float(max_distance):
        return None
    factor = 1.0 - float(mode.get("loss_per_km", 0.0)) * km
    if factor <= 0:
        return None
    change = mode.get("quality_change_per_km") or {}
    delivered = {a: q + float(change.get(a, 0.0)) * km for a, q in source.quality.items()}
    attributes = data["resources"][source.resource].get("qualities") or {}
    if not _quality_allowed(delivered, sink.bounds, attributes):
        return None
    capex = float(mode.get("capex_per_km", 0.0))
    fixed_opex = float(mode.get("fixed_opex_per_km", 0.0))
    return Link(
        source=s,
        sink=k,
        mode=mode_id,
        site_source=site_s,
        site_sink=site_k,
        km=km,
        factor=factor,
        quality=delivered,
        buildable=capex > 0 or fixed_opex > 0,
        annual_fixed=km * (capex * plan.crf + fixed_opex),
        cost_per_unit=km * float(mode.get("variable_cost", 0.0)),
        emissions_per_unit=km * float(mode.get("emissions", 0.0)),
    )


def read_plan(data: dict[str, Any]) -> Plan:
    slices = data.get("time_slices") or DEFAULT_SLICES
    slice_ids = [str(ts["id"]) for ts in slices]
    hours = [float(ts["hours"]) for ts in slices]
    economics = data.get("economics") or {}
    crf = capital_recovery_factor(
        float(economics.get("discount_rate", DEFAULT_DISCOUNT_RATE)),
        float(economics.get("lifetime_years", DEFAULT_LIFETIME_YEARS)),
    )
    facilities: dict[str, Facility] = {}
    sources: list[Source] = []
    sinks: list[Sink] = []
    for fac_id, fac in data["facilities"].items():
        facilities[fac_id] = _facility(fac_id, fac, slice_ids, hours)
        more_sources, more_sinks = _ends(fac_id, fac, slice_ids, hours, data.get("security"))
        sources += more_sources
        sinks += more_sinks
    plan = Plan(
        slice_ids=slice_ids,
        hours=hours,
        crf=crf,
        carbon_price=float(economics.get("carbon_price", DEFAULT_CARBON_PRICE)),
        facilities=facilities,
        sources=sources,
        sinks=sinks,
    )
    distances = Distances(data)
    for s, source in enumerate(sources):
        for k, sink in enumerate(sinks):
            if sink.facility == source.facility or sink.resource != source.resource:
                continue
            for mode_id, mode in data["transport"].items():
                if source.resource not in mode["resources"]:
                    continue
                for site_s in facilities[source.facility].sites:
                    for site_k in facilities[sink.facility].sites:
                        link = _link(data, plan, distances, (s, k, mode_id, site_s, site_k))
                        if link is not None:
                            plan.links.append(link)
    return plan


# ------------------------------------------------------------------ the model


@dataclass
class Columns:
    """Column indices of the facility decision variables."""

    b: dict[str, int] = field(default_factory=dict)
    p: dict[tuple[str, str], int] = field(default_factory=dict)
    z: dict[str, int] = field(default_factory=dict)
    a: dict[tuple[str, int], int] = field(default_factory=dict)
    activity_max: dict[tuple[str, int], float] = field(default_factory=dict)


def _fixing(fixed: dict[str, Any] | None, fac: Facility) -> dict[str, Any] | None:
    return None if fixed is None else fixed.get(fac.id)


def _build_var(problem: Problem, plan: Plan, fac: Facility, fix: dict[str, Any] | None) -> int:
    if fac.build is None:
        return problem.new_var(lower=1.0, upper=1.0)
    build = fac.build
    annual = (
        float(build.get("capex", 0.0)) * plan.crf
        + float(build.get("fixed_opex", 0.0))
        + float(build.get("annual_cost", 0.0))
    )
    if fix is None:
        return problem.new_var(annual, binary=True)
    value = 1.0 if fix["built"] else 0.0
    return problem.new_var(annual, binary=True, lower=value, upper=value)


def _facility_columns(
    problem: Problem, plan: Plan, fixed: dict[str, Any] | None, big_m: float
) -> Columns:
    cols = Columns()
    cp = plan.carbon_price
    for fac in plan.facilities.values():
        fix = _fixing(fixed, fac)
        b = cols.b[fac.id] = _build_var(problem, plan, fac, fix)
        # p[f,s]: sum_s p[f,s] = b[f]
        for site in fac.sites:
            hi = 1.0
            if fix is not None and (not fix["built"] or fix.get("site") != site):
                hi = 0.0
            cols.p[fac.id, site] = problem.new_var(
                fac.site_costs.get(site, 0.0), binary=True, upper=hi
            )
        problem.add_row([(cols.p[fac.id, s], 1.0) for s in fac.sites] + [(b, -1.0)], 0.0, 0.0)
        if fac.size is not None:
            size = fac.size
            per_unit = (
                float(size.get("capex_per_unit", 0.0)) * plan.crf
                + float(size.get("fixed_opex_per_unit", 0.0))
                - float(size.get("value_per_unit", 0.0))
            )
            lo, hi = 0.0, math.inf
            if fix is not None and fix.get("size") is not None:
                # the reported size, clipped into [min, max] against rounding
                value = min(
                    max(float(fix["size"]), float(size.get("min", 0.0))), float(size["max"])
                )
                lo = hi = value if fix["built"] else 0.0
            z = cols.z[fac.id] = problem.new_var(per_unit, lower=lo, upper=hi)
            # min * b <= z <= max * b
            problem.add_row([(z, 1.0), (b, -float(size.get("min", 0.0)))], 0.0, math.inf)
            problem.add_row([(z, 1.0), (b, -float(size["max"]))], -math.inf, 0.0)
        if fac.process is not None:
            proc = fac.process
            var_cost = float(proc.get("variable_cost", 0.0))
            var_em = float(proc.get("emissions", 0.0))
            for t, hours in enumerate(plan.hours):
                a = cols.a[fac.id, t] = problem.new_var(var_cost + cp * var_em, var_em)
                if fac.size is not None:
                    # a[f,t] <= z[f] * hours_t
                    problem.add_row([(a, 1.0), (cols.z[fac.id], -hours)], -math.inf, 0.0)
                    cols.activity_max[fac.id, t] = float(fac.size["max"]) * hours
                else:
                    # a[f,t] <= M * b[f]
                    problem.add_row([(a, 1.0), (b, -big_m)], -math.inf, 0.0)
                    cols.activity_max[fac.id, t] = big_m
                # a[f,t] >= min_activity[t] * b[f]
                problem.add_row([(a, 1.0), (b, -fac.min_activity[t])], 0.0, math.inf)
    return cols


def _amount_terms(cols: Columns, end: Source | Sink, t: int) -> list[tuple[int, float]]:
    """The end's amount in slice t as terms: A[t] b, A[t] z or per_activity a."""
    if end.kind == FIXED:
        return [(cols.b[end.facility], end.coef[t])]
    if end.kind == SIZED:
        return [(cols.z[end.facility], end.coef[t])]
    return [(cols.a[end.facility, t], end.coef[t])]


def _amount_max(plan: Plan, cols: Columns, end: Source | Sink, t: int) -> float:
    """An upper bound on the end's amount in slice t."""
    if end.kind == FIXED:
        return end.coef[t]
    if end.kind == SIZED:
        size = plan.facilities[end.facility].size
        assert size is not None
        return end.coef[t] * float(size["max"])
    return end.coef[t] * cols.activity_max[end.facility, t]


def _link_rows(problem: Problem, plan: Plan, cols: Columns, x: dict[tuple[int, int], int]) -> None:
    """x <= M_l[t] p at both ends; y links: x <= M_l[t] y, y <= p at both ends."""
    for li, link in enumerate(plan.links):
        source, sink = plan.sources[link.source], plan.sinks[link.sink]
        p_s = cols.p[source.facility, link.site_source]
        p_k = cols.p[sink.facility, link.site_sink]
        y = None
        if link.buildable:
            y = problem.new_var(link.annual_fixed, 0.0, binary=True)
            problem.add_row([(y, 1.0), (p_s, -1.0)], -math.inf, 0.0)
            problem.add_row([(y, 1.0), (p_k, -1.0)], -math.inf, 0.0)
        for t in range(len(plan.slice_ids)):
            cap = min(
                _amount_max(plan, cols, source, t),
                _amount_max(plan, cols, sink, t) / link.factor,
            )
            for gate in (p_s, p_k) if y is None else (p_s, p_k, y):
                problem.add_row([(x[li, t], 1.0), (gate, -cap)], -math.inf, 0.0)


def _mixing_rows(
    problem: Problem,
    data: dict[str, Any],
    plan: Plan,
    x: dict[tuple[int, int], int],
    u: dict[tuple[int, int], int],
) -> None:
    """sum_l delivered[l,t] (q_l[a] - bound) + u[k,t] (q_alt[a] - bound) >= 0 (higher) or
    <= 0 (lower); an alternative without a quality for `a` is at the bound."""
    for k, sink in enumerate(plan.sinks):
        attributes = data["resources"][sink.resource].get("qualities") or {}
        incoming = [li for li, link in enumerate(plan.links) if link.sink == k]
        for attr, bound in sink.bounds.items():
            spec = attributes[attr]
            if spec["mixing"] != "linear":
                continue
            for t in range(len(plan.slice_ids)):
                terms = [
                    (x[li, t], plan.links[li].factor * (plan.links[li].quality[attr] - bound))
                    for li in incoming
                ]
                if (k, t) in u and attr in sink.alternative_quality:
                    terms.append((u[k, t], sink.alternative_quality[attr] - bound))
                if spec["better"] == "higher":
                    problem.add_row(terms, 0.0, math.inf)
                else:
                    problem.add_row(terms, -math.inf, 0.0)


def _balance_rows(
    problem: Problem, plan: Plan, cols: Columns, x: dict[tuple[int, int], int]
) -> dict[tuple[int, int], int]:
    """Sources: sum x + v = amount. Sinks: sum factor x + u = amount (no u: links only)."""
    cp = plan.carbon_price
    u: dict[tuple[int, int], int] = {}
    for t in range(len(plan.slice_ids)):
        for s, source in enumerate(plan.sources):
            v = problem.new_var(
                source.disposal_cost + cp * source.disposal_emissions, source.disposal_emissions
            )
            terms = [(x[li, t], 1.0) for li, link in enumerate(plan.links) if link.source == s]
            terms.append((v, 1.0))
            terms += [(col, -coef) for col, coef in _amount_terms(cols, source, t)]
            problem.add_row(terms, 0.0, 0.0)
        for k, sink in enumerate(plan.sinks):
            terms = [
                (x[li, t], link.factor) for li, link in enumerate(plan.links) if link.sink == k
            ]
            if sink.alternative is not None:
                cost, em = sink.alternative
                u[k, t] = problem.new_var(cost + cp * em, em)
                terms.append((u[k, t], 1.0))
            terms += [(col, -coef) for col, coef in _amount_terms(cols, sink, t)]
            problem.add_row(terms, 0.0, 0.0)
    return u


def _backup_rows(problem: Problem, plan: Plan, x: dict[tuple[int, int], int]) -> None:
    """B[k] >= 0 at capacity_cost; sum_{l from facility f} factor x[l,t] <= hours_t B[k]."""
    for k, sink in enumerate(plan.sinks):
        if not sink.backup or sink.alternative is None:
            continue
        backup = problem.new_var(sink.capacity_cost, 0.0)
        incoming = [li for li, link in enumerate(plan.links) if link.sink == k]
        sources = sorted({plan.sources[plan.links[li].source].facility for li in incoming})
        for facility in sources:
            for t, hours in enumerate(plan.hours):
                terms = [
                    (x[li, t], plan.links[li].factor)
                    for li in incoming
                    if plan.sources[plan.links[li].source].facility == facility
                ]
                terms.append((backup, -hours))
                problem.add_row(terms, -math.inf, 0.0)


def build_planning_problem(
    data: dict[str, Any], fixed: dict[str, Any] | None = None, big_m: float = BIG_M
) -> tuple[Problem, Plan]:
    plan = read_plan(data)
    problem = Problem()
    cols = _facility_columns(problem, plan, fixed, big_m)
    cp = plan.carbon_price
    x: dict[tuple[int, int], int] = {}
    for li, link in enumerate(plan.links):
        for t in range(len(plan.slice_ids)):
            bought = plan.sources[link.source]
            e = link.emissions_per_unit + bought.purchase_emissions
            x[li, t] = problem.new_var(link.cost_per_unit + bought.purchase_cost + cp * e, e)
    _link_rows(problem, plan, cols, x)
    u = _balance_rows(problem, plan, cols, x)
    _mixing_rows(problem, data, plan, x, u)
    _backup_rows(problem, plan, x)
    return problem, plan


def _run(
    problem: Problem, c: np.ndarray, lower: np.ndarray, upper: np.ndarray, integral: np.ndarray
) -> Any:
    constraints = []
    if problem.row_lo:
        matrix = coo_matrix(
            (problem.vals, (problem.rows, problem.cols)),
            shape=(len(problem.row_lo), problem.n_vars),
        ).tocsr()
        constraints.append(LinearConstraint(matrix, problem.row_lo, problem.row_hi))
    return milp(
        c,
        constraints=constraints,
        integrality=integral,
        bounds=Bounds(lower, upper),
        options={"mip_rel_gap": 0.0, "disp": False},
    )


def reference_planning_optimum(
    data: dict[str, Any],
    objective: Any = None,
    fixed: dict[str, Any] | None = None,
    big_m: float = BIG_M,
) -> float:
    """Optimal objective per the specs; ``math.inf`` when the scenario is infeasible.

    ``objective`` overrides the scenario's ("cost", "emissions" or weights).
    ``fixed`` maps facility id -> ``{"built": bool, "site": str, "size": float | None}``
    and fixes those decisions (to re-price a reported plan); other facilities stay free.
    ``big_m`` bounds the activity per slice of a process without ``size``.

    The MILP is solved, then its binaries are rounded and fixed and the LP re-solved,
    so that the value is exact for the integer decisions found (no big-M leakage).
    """
    weight_cost, weight_emissions = objective_weights(data, objective)
    problem, _ = build_planning_problem(data, fixed, big_m)
    c = weight_cost * np.asarray(problem.cost) + weight_emissions * np.asarray(problem.emissions)
    lower = np.asarray(problem.lower, dtype=float)
    upper = np.asarray(problem.upper, dtype=float)
    integral = np.asarray(problem.integral)
    result = _run(problem, c, lower, upper, integral)
    if result.status == 2:
        return math.inf
    if result.status != 0 or result.x is None:
        raise RuntimeError(f"reference MILP not solved to optimality: {result.message}")
    binary = integral == 1
    rounded = np.round(result.x[binary])
    lower[binary] = rounded
    upper[binary] = rounded
    polished = _run(problem, c, lower, upper, np.zeros_like(integral))
    if polished.status != 0:
        raise RuntimeError(f"reference LP with fixed binaries failed: {polished.message}")
    return float(polished.fun)
