"""Independent reference formulation of the scenario-v1 mathematics.

This module is the project's independent check. It is written directly from
``shared/spec/scenario-v1.md`` and deliberately shares no code with ``symopt``:
it takes the raw scenario dict (as parsed from YAML), builds the MILP as a
sparse matrix by hand and solves it with ``scipy.optimize.milp``.

Variable layout (one flat vector ``z``):

* ``x[l, t]`` amount sent on candidate link ``l`` in slice ``t`` (continuous, >= 0)
* ``y[l]``    link ``l`` is built (binary; only for modes with capex or fixed opex)
* ``u[k, t]`` demand ``k`` covered by its alternative in slice ``t`` (>= 0)
* ``v[s, t]`` supply ``s`` disposed in slice ``t`` (>= 0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

EARTH_RADIUS_KM = 6371.0
QUALITY_TOLERANCE = 1e-9

DEFAULT_SLICES: list[dict[str, Any]] = [{"id": "year", "hours": 8760}]
DEFAULT_DISCOUNT_RATE = 0.05
DEFAULT_LIFETIME_YEARS = 25
DEFAULT_CARBON_PRICE = 0.0


# --------------------------------------------------------------------------- data


@dataclass
class Supply:
    key: str  # "<facility>.supplies[<i>]"
    facility: str
    site: str
    resource: str
    amounts: list[float]  # per slice
    quality: dict[str, float]
    disposal_cost: float
    disposal_emissions: float
    purchase_cost: float = 0.0  # per unit sent (issue 10)
    purchase_emissions: float = 0.0


@dataclass
class Demand:
    key: str  # "<facility>.demands[<j>]"
    facility: str
    site: str
    resource: str
    amounts: list[float]  # per slice
    bounds: dict[str, float]  # attribute -> min (better: higher) or max (better: lower)
    alternative_cost: float
    alternative_emissions: float
    alternative_quality: dict[str, float] = field(default_factory=dict)
    backup: bool = False  # keeps backup capacity B >= any one facility's delivery per hour
    capacity_cost: float = 0.0  # per unit of B per year


@dataclass
class Link:
    supply: int  # index into the supply list
    demand: int  # index into the demand list
    mode: str
    km: float
    factor: float  # delivered / sent = 1 - loss_per_km * km
    quality: dict[str, float]  # delivered quality per attribute
    buildable: bool  # has a y variable
    annual_fixed: float  # km * (capex_per_km * CRF + fixed_opex_per_km)
    cost_per_unit: float  # km * variable_cost
    emissions_per_unit: float  # km * emissions


@dataclass
class Problem:
    """The LP data: objective vectors, sparse rows and bounds, integrality."""

    n_vars: int = 0
    cost: list[float] = field(default_factory=list)
    emissions: list[float] = field(default_factory=list)
    integral: list[int] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    row_lo: list[float] = field(default_factory=list)
    row_hi: list[float] = field(default_factory=list)

    def new_var(self, cost: float, emissions: float, binary: bool = False) -> int:
        self.cost.append(cost)
        self.emissions.append(emissions)
        self.integral.append(1 if binary else 0)
        self.upper.append(1.0 if binary else math.inf)
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


# --------------------------------------------------------------------- helpers


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def capital_recovery_factor(rate: float, years: float) -> float:
    if rate == 0:
        return 1.0 / years
    growth = float((1 + rate) ** years)
    return rate * growth / (growth - 1)


def slice_amounts(amount: Any, slice_ids: list[str], hours: list[float]) -> list[float]:
    """A number is per year, spread by hours; a map is absolute per slice (missing = 0)."""
    if isinstance(amount, dict):
        return [float(amount.get(sid, 0.0)) for sid in slice_ids]
    total_hours = sum(hours)
    return [float(amount) * h / total_hours for h in hours]


def read_supplies_and_demands(
    data: dict[str, Any], slice_ids: list[str], hours: list[float]
) -> tuple[list[Supply], list[Demand]]:
    supplies: list[Supply] = []
    demands: list[Demand] = []
    for fac_id, fac in data["facilities"].items():
        site = fac["site"]
        for i, s in enumerate(fac.get("supplies") or []):
            disposal = s.get("disposal") or {}
            supplies.append(
                Supply(
                    key=f"{fac_id}.supplies[{i}]",
                    facility=fac_id,
                    site=site,
                    resource=s["resource"],
                    amounts=slice_amounts(s["amount"], slice_ids, hours),
                    quality={a: float(q) for a, q in (s.get("quality") or {}).items()},
                    disposal_cost=float(disposal.get("cost", 0.0)),
                    disposal_emissions=float(disposal.get("emissions", 0.0)),
                    purchase_cost=float(s.get("cost", 0.0)),
                    purchase_emissions=float(s.get("emissions", 0.0)),
                )
            )
        for j, k in enumerate(fac.get("demands") or []):
            bounds: dict[str, float] = {}
            for attr, bound in (k.get("quality") or {}).items():
                # {min: x} for better: higher, {max: x} for better: lower
                bounds[attr] = float(bound["min"] if "min" in bound else bound["max"])
            alternative = k["alternative"]
            demands.append(
                Demand(
                    key=f"{fac_id}.demands[{j}]",
                    facility=fac_id,
                    site=site,
                    resource=k["resource"],
                    amounts=slice_amounts(k["amount"], slice_ids, hours),
                    bounds=bounds,
                    alternative_cost=float(alternative.get("cost", 0.0)),
                    alternative_emissions=float(alternative.get("emissions", 0.0)),
                    alternative_quality={
                        a: float(q) for a, q in (alternative.get("quality") or {}).items()
                    },
                    backup=(k.get("security") or data.get("security") or {}).get("backup")
                    == "required",
                    capacity_cost=float(alternative.get("capacity_cost", 0.0)),
                )
            )
    return supplies, demands


class Distances:
    """Site-to-site distances: override (both directions), else haversine * detour."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.sites = data["sites"]
        self.overrides: dict[frozenset[str], float] = {}
        for entry in data.get("distances") or []:
            self.overrides[frozenset((entry["from"], entry["to"]))] = float(entry["km"])

    def km(self, site_a: str, site_b: str, detour_factor: float) -> float:
        if site_a == site_b:
            return 0.0
        key = frozenset((site_a, site_b))
        if key in self.overrides:
            return self.overrides[key]
        a, b = self.sites[site_a], self.sites[site_b]
        return haversine_km(a["lat"], a["lon"], b["lat"], b["lon"]) * detour_factor


def quality_allowed(
    delivered: dict[str, float], demand: Demand, attributes: dict[str, Any]
) -> bool:
    """False if an attribute with `mixing: none` misses the demand's bound."""
    for attr, bound in demand.bounds.items():
        spec = attributes[attr]
        if spec["mixing"] != "none":
            continue
        if spec["better"] == "higher" and delivered[attr] < bound - QUALITY_TOLERANCE:
            return False
        if spec["better"] == "lower" and delivered[attr] > bound + QUALITY_TOLERANCE:
            return False
    return True


def make_link(
    data: dict[str, Any],
    distances: Distances,
    crf: float,
    supplies: list[Supply],
    demands: list[Demand],
    s: int,
    k: int,
    mode_id: str,
) -> Link | None:
    """The candidate link (s, k, mode), or None if the spec does not allow it."""
    mode = data["transport"][mode_id]
    supply, demand = supplies[s], demands[k]
    km = distances.km(supply.site, demand.site, float(mode.get("detour_factor", 1.0)))
    max_distance = mode.get("max_distance")
    if max_distance is not None and km > float(max_distance):
        return None
    factor = 1.0 - float(mode.get("loss_per_km", 0.0)) * km
    if factor <= 0:
        return None
    change = mode.get("quality_change_per_km") or {}
    delivered = {a: q + float(change.get(a, 0.0)) * km for a, q in supply.quality.items()}
    attributes = data["resources"][supply.resource].get("qualities") or {}
    if not quality_allowed(delivered, demand, attributes):
        return None
    capex = float(mode.get("capex_per_km", 0.0))
    fixed_opex = float(mode.get("fixed_opex_per_km", 0.0))
    return Link(
        supply=s,
        demand=k,
        mode=mode_id,
        km=km,
        factor=factor,
        quality=delivered,
        buildable=capex > 0 or fixed_opex > 0,
        annual_fixed=km * (capex * crf + fixed_opex),
        cost_per_unit=km * float(mode.get("variable_cost", 0.0)),
        emissions_per_unit=km * float(mode.get("emissions", 0.0)),
    )


def candidate_links(
    data: dict[str, Any], crf: float, supplies: list[Supply], demands: list[Demand]
) -> list[Link]:
    distances = Distances(data)
    links: list[Link] = []
    for s, supply in enumerate(supplies):
        for k, demand in enumerate(demands):
            if demand.facility == supply.facility or demand.resource != supply.resource:
                continue
            for mode_id, mode in data["transport"].items():
                if supply.resource not in mode["resources"]:
                    continue
                link = make_link(data, distances, crf, supplies, demands, s, k, mode_id)
                if link is not None:
                    links.append(link)
    return links


# ------------------------------------------------------------------ the model


def objective_weights(data: dict[str, Any], objective: Any) -> tuple[float, float]:
    """(weight on annual cost, weight on annual emissions)."""
    form = objective if objective is not None else data.get("objective", "cost")
    if form == "cost":
        return 1.0, 0.0
    if form == "emissions":
        return 0.0, 1.0
    if isinstance(form, dict):
        return float(form.get("cost", 0.0)), float(form.get("emissions", 0.0))
    raise ValueError(f"unknown objective {form!r}")


def mixing_rows(
    problem: Problem,
    data: dict[str, Any],
    links: list[Link],
    demands: list[Demand],
    x: dict[tuple[int, int], int],
    n_slices: int,
    u: dict[tuple[int, int], int] | None = None,
) -> None:
    """sum_l delivered[l,t] * (q_l[a] - bound) + u[k,t] * (q_alt[a] - bound) >= 0 (higher)
    or <= 0 (lower); an alternative without a quality for `a` is at the bound (term 0)."""
    for k, demand in enumerate(demands):
        attributes = data["resources"][demand.resource].get("qualities") or {}
        incoming = [li for li, link in enumerate(links) if link.demand == k]
        for attr, bound in demand.bounds.items():
            spec = attributes[attr]
            if spec["mixing"] != "linear":
                continue
            for t in range(n_slices):
                terms = [
                    (x[li, t], links[li].factor * (links[li].quality[attr] - bound))
                    for li in incoming
                ]
                if u is not None and attr in demand.alternative_quality:
                    terms.append((u[k, t], demand.alternative_quality[attr] - bound))
                if spec["better"] == "higher":
                    problem.add_row(terms, 0.0, math.inf)
                else:
                    problem.add_row(terms, -math.inf, 0.0)


@dataclass
class Network:
    """Everything the spec derives from the scenario before the MILP is written."""

    slice_ids: list[str]
    hours: list[float]
    crf: float
    carbon_price: float
    supplies: list[Supply]
    demands: list[Demand]
    links: list[Link]


def read_network(data: dict[str, Any]) -> Network:
    slices = data.get("time_slices") or DEFAULT_SLICES
    slice_ids = [str(ts["id"]) for ts in slices]
    hours = [float(ts["hours"]) for ts in slices]
    economics = data.get("economics") or {}
    crf = capital_recovery_factor(
        float(economics.get("discount_rate", DEFAULT_DISCOUNT_RATE)),
        float(economics.get("lifetime_years", DEFAULT_LIFETIME_YEARS)),
    )
    carbon_price = float(economics.get("carbon_price", DEFAULT_CARBON_PRICE))
    supplies, demands = read_supplies_and_demands(data, slice_ids, hours)
    links = candidate_links(data, crf, supplies, demands)
    return Network(slice_ids, hours, crf, carbon_price, supplies, demands, links)


def build_problem(data: dict[str, Any]) -> Problem:
    net = read_network(data)
    n_slices = len(net.slice_ids)
    carbon_price = net.carbon_price
    supplies, demands, links = net.supplies, net.demands, net.links
    problem = Problem()

    # Cost of each variable includes carbon_price * its emissions.
    x: dict[tuple[int, int], int] = {}
    for li, link in enumerate(links):
        for t in range(n_slices):
            bought = supplies[link.supply]
            e = link.emissions_per_unit + bought.purchase_emissions
            x[li, t] = problem.new_var(
                link.cost_per_unit + bought.purchase_cost + carbon_price * e, e
            )
    u = {
        (k, t): problem.new_var(
            d.alternative_cost + carbon_price * d.alternative_emissions, d.alternative_emissions
        )
        for k, d in enumerate(demands)
        for t in range(n_slices)
    }
    v = {
        (s, t): problem.new_var(
            sp.disposal_cost + carbon_price * sp.disposal_emissions, sp.disposal_emissions
        )
        for s, sp in enumerate(supplies)
        for t in range(n_slices)
    }

    # Build binaries: x[l,t] <= y[l] * min(supply_s[t], demand_k[t] / factor).
    for li, link in enumerate(links):
        if not link.buildable:
            continue
        y = problem.new_var(link.annual_fixed, 0.0, binary=True)
        for t in range(n_slices):
            cap = min(
                supplies[link.supply].amounts[t], demands[link.demand].amounts[t] / link.factor
            )
            problem.add_row([(x[li, t], 1.0), (y, -cap)], -math.inf, 0.0)

    for t in range(n_slices):
        # supply: sum_l x[l,t] + v[s,t] = supply_s[t]
        for s, supply in enumerate(supplies):
            terms = [(x[li, t], 1.0) for li, link in enumerate(links) if link.supply == s]
            terms.append((v[s, t], 1.0))
            problem.add_row(terms, supply.amounts[t], supply.amounts[t])
        # demand: sum_l factor_l * x[l,t] + u[k,t] = demand_k[t]
        for k, demand in enumerate(demands):
            terms = [(x[li, t], link.factor) for li, link in enumerate(links) if link.demand == k]
            terms.append((u[k, t], 1.0))
            problem.add_row(terms, demand.amounts[t], demand.amounts[t])

    mixing_rows(problem, data, links, demands, x, n_slices, u)
    backup_rows(problem, net, x)
    return problem


def backup_rows(problem: Problem, net: Network, x: dict[tuple[int, int], int]) -> None:
    """B[k] >= 0 at capacity_cost per year; for every source facility f and slice t:
    sum_{l from f to k} factor_l x[l,t] <= hours_t * B[k]."""
    for k, demand in enumerate(net.demands):
        if not demand.backup:
            continue
        backup = problem.new_var(demand.capacity_cost, 0.0)
        sources = {net.supplies[link.supply].facility for link in net.links if link.demand == k}
        for facility in sorted(sources):
            for t, hours in enumerate(net.hours):
                terms = [
                    (x[li, t], link.factor)
                    for li, link in enumerate(net.links)
                    if link.demand == k and net.supplies[link.supply].facility == facility
                ]
                terms.append((backup, -hours))
                problem.add_row(terms, -math.inf, 0.0)


def reference_optimum(data: dict[str, Any], objective: Any = None) -> float:
    """Optimal objective value of the scenario per the spec.

    ``objective`` overrides the scenario's own: "cost", "emissions" or
    ``{"cost": a, "emissions": b}``.
    """
    a, b = objective_weights(data, objective)
    problem = build_problem(data)
    c = a * np.asarray(problem.cost, dtype=float) + b * np.asarray(problem.emissions, dtype=float)
    constraints = []
    if problem.row_lo:
        matrix = coo_matrix(
            (problem.vals, (problem.rows, problem.cols)),
            shape=(len(problem.row_lo), problem.n_vars),
        ).tocsr()
        constraints.append(LinearConstraint(matrix, problem.row_lo, problem.row_hi))
    result = milp(
        c,
        constraints=constraints,
        integrality=np.asarray(problem.integral),
        bounds=Bounds(np.zeros(problem.n_vars), np.asarray(problem.upper)),
        options={"mip_rel_gap": 0.0, "disp": False},
    )
    if result.status != 0 or result.fun is None:
        raise RuntimeError(f"reference MILP not solved to optimality: {result.message}")
    return float(result.fun)


def reference_baseline(data: dict[str, Any]) -> tuple[float, float]:
    """(baseline cost, baseline emissions): all demand by alternatives, all supply disposed."""
    net = read_network(data)
    money = sum(sum(d.amounts) * d.alternative_cost for d in net.demands)
    money += sum(sum(s.amounts) * s.disposal_cost for s in net.supplies)
    emissions = sum(sum(d.amounts) * d.alternative_emissions for d in net.demands)
    emissions += sum(sum(s.amounts) * s.disposal_emissions for s in net.supplies)
    return money + net.carbon_price * emissions, emissions


# ------------------------------------------------------- checking a reported plan


@dataclass
class PlanCheck:
    """A reported plan re-priced per the spec, with every rule it breaks."""

    cost: float = 0.0
    emissions: float = 0.0
    problems: list[str] = field(default_factory=list)


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def _link_index(net: Network) -> dict[tuple[str, str, str], Link]:
    """Links by (supply key, demand key, mode), the ids symopt reports."""
    return {
        (net.supplies[lk.supply].key, net.demands[lk.demand].key, lk.mode): lk for lk in net.links
    }


def _check_flows(
    net: Network, flows: list[dict[str, Any]], built: set[tuple[str, str, str]], tol: float
) -> tuple[PlanCheck, dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """Price the flows; return the check, sent per (supply, slice), delivered per (demand, slice)."""
    check = PlanCheck()
    by_key = _link_index(net)
    sent: dict[tuple[str, str], float] = {}
    delivered: dict[tuple[str, str], float] = {}
    for f in flows:
        key = (f["supply_id"], f["demand_id"], f["mode"])
        link = by_key.get(key)
        if link is None:
            check.problems.append(f"flow on a link the spec does not allow: {key}")
            continue
        if not _close(f["distance_km"], link.km, tol):
            check.problems.append(f"{key}: distance {f['distance_km']} != {link.km}")
        if not _close(f["delivered"], f["sent"] * link.factor, tol):
            check.problems.append(f"{key}: delivered {f['delivered']} != sent * {link.factor}")
        if link.buildable and key not in built:
            check.problems.append(f"{key}: flow on a link that is not built")
        check.cost += f["sent"] * link.cost_per_unit
        check.emissions += f["sent"] * link.emissions_per_unit
        s_t = (f["supply_id"], f["slice"])
        k_t = (f["demand_id"], f["slice"])
        sent[s_t] = sent.get(s_t, 0.0) + f["sent"]
        delivered[k_t] = delivered.get(k_t, 0.0) + f["sent"] * link.factor
    return check, sent, delivered


def _check_mixing(
    data: dict[str, Any], net: Network, flows: list[dict[str, Any]], check: PlanCheck, tol: float
) -> None:
    """sum delivered * (q - bound) >= 0 (higher) / <= 0 (lower) per demand, slice, attribute."""
    by_key = _link_index(net)
    for demand in net.demands:
        attributes = data["resources"][demand.resource].get("qualities") or {}
        for attr, bound in demand.bounds.items():
            if attributes[attr]["mixing"] != "linear":
                continue
            sign = 1.0 if attributes[attr]["better"] == "higher" else -1.0
            for t in net.slice_ids:
                terms = []
                for f in flows:
                    if f["demand_id"] == demand.key and f["slice"] == t:
                        link = by_key[f["supply_id"], f["demand_id"], f["mode"]]
                        terms.append(f["sent"] * link.factor * (link.quality[attr] - bound))
                scale = sum(abs(term) for term in terms)
                if sign * sum(terms) < -tol * max(1.0, scale):
                    check.problems.append(f"{demand.key} {t} {attr}: quality mix misses {bound}")


def evaluate_plan(
    data: dict[str, Any],
    flows: list[dict[str, Any]],
    built: list[dict[str, Any]],
    alternatives: list[dict[str, Any]],
    disposals: list[dict[str, Any]],
    tol: float = 1e-6,
) -> PlanCheck:
    """Check a reported plan against the spec and price it (cost includes carbon).

    Records are plain dicts: flows have supply_id, demand_id, mode, slice,
    distance_km, sent, delivered; built links supply_id, demand_id, mode;
    alternatives demand_id, slice, amount; disposals supply_id, slice, amount.
    """
    net = read_network(data)
    built_keys = {(b["supply_id"], b["demand_id"], b["mode"]) for b in built}
    check, sent, delivered = _check_flows(net, flows, built_keys, tol)
    if check.problems:
        return check
    _check_mixing(data, net, flows, check, tol)
    by_key = _link_index(net)
    for key in sorted(built_keys - set(by_key)):
        check.problems.append(f"built link the spec does not allow: {key}")
    money = check.cost + sum(by_key[key].annual_fixed for key in built_keys if key in by_key)
    u = {(a["demand_id"], a["slice"]): float(a["amount"]) for a in alternatives}
    v = {(d["supply_id"], d["slice"]): float(d["amount"]) for d in disposals}
    for t_index, t in enumerate(net.slice_ids):
        for sp in net.supplies:
            total = sent.get((sp.key, t), 0.0) + v.get((sp.key, t), 0.0)
            if not _close(total, sp.amounts[t_index], tol):
                check.problems.append(f"{sp.key} {t}: sent + disposed {total} != supply")
            money += v.get((sp.key, t), 0.0) * sp.disposal_cost
            check.emissions += v.get((sp.key, t), 0.0) * sp.disposal_emissions
        for dm in net.demands:
            total = delivered.get((dm.key, t), 0.0) + u.get((dm.key, t), 0.0)
            if not _close(total, dm.amounts[t_index], tol):
                check.problems.append(f"{dm.key} {t}: delivered + alternative {total} != demand")
            money += u.get((dm.key, t), 0.0) * dm.alternative_cost
            check.emissions += u.get((dm.key, t), 0.0) * dm.alternative_emissions
    check.cost = money + net.carbon_price * check.emissions
    return check
