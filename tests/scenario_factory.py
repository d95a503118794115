"""Seeded random generator of small, valid scenario-v1 dicts.

``random_scenario(seed)`` returns a plain dict (as it would come out of a YAML
parser); ``to_yaml(data)`` turns it into scenario text. The scenarios are small
(a handful of facilities) but exercise every part of the spec: quality attributes
of both mixing kinds and both directions, number and per-slice amounts, several
slices, build binaries, losses, quality change per km, max_distance, detour
factors, distance overrides, carbon price, zero discount rate and all objective
forms.

Numbers are rounded to a few decimals (and never below 1e-4 unless zero) so that
they survive a YAML round trip unchanged.
"""

from __future__ import annotations

import random
from typing import Any

import yaml

RESOURCE_NAMES = ["oxygen", "heat", "water", "co2"]
ATTRIBUTE_NAMES = ["purity", "temperature", "pressure", "salinity", "moisture"]
CENTRE = (65.80, 21.70)  # around Luleå; sites are within ~15 km of it
LAT_DEG_KM = 111.2
LON_DEG_KM = 45.6  # one degree of longitude at ~65.8 N


def _r(value: float, digits: int = 3) -> float:
    return round(value, digits)


def _attribute(rng: random.Random, better: str, mixing: str) -> dict[str, Any]:
    unit = rng.choice(["%", "degC", "bar", "ppm"])
    return {"unit": unit, "better": better, "mixing": mixing}


def _resources(rng: random.Random) -> dict[str, Any]:
    """2-4 resources; the first two together carry all four (better, mixing) kinds."""
    names = rng.sample(RESOURCE_NAMES, rng.randint(2, 4))
    kinds = [("higher", "linear"), ("lower", "none"), ("lower", "linear"), ("higher", "none")]
    rng.shuffle(kinds)
    resources: dict[str, Any] = {}
    for i, name in enumerate(names):
        if i < 2:
            chosen = kinds[2 * i : 2 * i + 2]
        else:
            chosen = [
                (rng.choice(["higher", "lower"]), rng.choice(["linear", "none"]))
                for _ in range(rng.randint(0, 2))
            ]
        attrs = rng.sample(ATTRIBUTE_NAMES, len(chosen))
        qualities = {a: _attribute(rng, b, m) for a, (b, m) in zip(attrs, chosen, strict=True)}
        resources[name] = {"unit": rng.choice(["t", "MWh", "m3"]), "qualities": qualities}
    return resources


def _sites(rng: random.Random) -> dict[str, Any]:
    sites: dict[str, Any] = {}
    for i in range(rng.randint(3, 6)):
        dx_km = rng.uniform(-12, 12)
        dy_km = rng.uniform(-12, 12)
        sites[f"site{i}"] = {
            "lat": _r(CENTRE[0] + dy_km / LAT_DEG_KM, 5),
            "lon": _r(CENTRE[1] + dx_km / LON_DEG_KM, 5),
        }
    return sites


def _time_slices(rng: random.Random) -> list[dict[str, Any]] | None:
    """None (use the default `year`) or 1-3 slices."""
    n = rng.randint(1, 3)
    if n == 1 and rng.random() < 0.5:
        return None
    ids = rng.sample(["winter", "summer", "spring", "night", "day"], n)
    return [{"id": sid, "hours": rng.randint(500, 6000)} for sid in ids]


def _amount(rng: random.Random, slice_ids: list[str], scale: float) -> Any:
    if rng.random() < 0.5:
        return _r(rng.uniform(0.3, 1.0) * scale, 1)
    # per-slice absolute amounts; sometimes a slice is left out (= 0)
    kept = [sid for sid in slice_ids if rng.random() < 0.8] or [slice_ids[0]]
    share = scale / len(slice_ids)
    return {sid: _r(rng.uniform(0.2, 1.2) * share, 1) for sid in kept}


def _supply_value(rng: random.Random, better: str) -> float:
    return _r(rng.uniform(60, 100) if better == "higher" else rng.uniform(10, 50), 2)


def _supply(rng: random.Random, resource: str, spec: dict[str, Any], slices: list[str]) -> Any:
    supply: dict[str, Any] = {
        "resource": resource,
        "amount": _amount(rng, slices, rng.choice([500, 2000, 6000])),
        "quality": {a: _supply_value(rng, q["better"]) for a, q in spec["qualities"].items()},
    }
    if rng.random() < 0.6:
        supply["disposal"] = {
            "cost": _r(rng.choice([0, rng.uniform(0, 15)]), 2),
            "emissions": _r(rng.choice([0, rng.uniform(0, 0.3)]), 4),
        }
    return supply


def _demand(rng: random.Random, resource: str, spec: dict[str, Any], slices: list[str]) -> Any:
    quality: dict[str, Any] = {}
    for attr, q in spec["qualities"].items():
        if rng.random() < 0.75:
            if q["better"] == "higher":
                quality[attr] = {"min": _r(rng.uniform(50, 88), 2)}
            else:
                quality[attr] = {"max": _r(rng.uniform(22, 60), 2)}
    return {
        "resource": resource,
        "amount": _amount(rng, slices, rng.choice([400, 1500, 5000])),
        "quality": quality,
        "alternative": {
            "cost": _r(rng.uniform(5, 150), 2),
            "emissions": _r(rng.uniform(0, 1.0), 4),
        },
    }


def _facilities(
    rng: random.Random, resources: dict[str, Any], sites: list[str], slices: list[str]
) -> dict[str, Any]:
    names = [f"plant{i}" for i in range(rng.randint(3, 7))]
    facs: dict[str, dict[str, Any]] = {n: {"site": rng.choice(sites)} for n in names}
    # every resource gets at least one supplier and one (other) consumer
    for res, spec in resources.items():
        giver, taker = rng.sample(names, 2)
        facs[giver].setdefault("supplies", []).append(_supply(rng, res, spec, slices))
        facs[taker].setdefault("demands", []).append(_demand(rng, res, spec, slices))
    for name in names:
        fac = facs[name]
        wants_extra = rng.random() < 0.4
        if wants_extra or ("supplies" not in fac and "demands" not in fac):
            res = rng.choice(list(resources))
            if rng.random() < 0.5:
                fac.setdefault("supplies", []).append(_supply(rng, res, resources[res], slices))
            else:
                fac.setdefault("demands", []).append(_demand(rng, res, resources[res], slices))
    return facs


def _mode(rng: random.Random, kind: str, resources: dict[str, Any]) -> dict[str, Any]:
    carried = rng.sample(list(resources), rng.randint(1, min(2, len(resources))))
    mode: dict[str, Any] = {"resources": carried}
    if kind == "pipe":
        mode["capex_per_km"] = rng.choice([20000, 60000, 150000, 300000])
        if rng.random() < 0.5:
            mode["fixed_opex_per_km"] = rng.choice([500, 2000, 5000])
        mode["variable_cost"] = _r(rng.uniform(0, 0.3), 3)
        mode["loss_per_km"] = rng.choice([0.0, 0.001, 0.01, 0.04, 0.08])
    elif kind == "opex_only":
        mode["fixed_opex_per_km"] = rng.choice([3000, 10000, 30000])
        mode["variable_cost"] = _r(rng.uniform(0, 0.2), 3)
    else:  # truck
        mode["variable_cost"] = _r(rng.uniform(0.05, 1.5), 3)
        mode["emissions"] = _r(rng.uniform(0.0001, 0.003), 4)
        mode["detour_factor"] = _r(rng.uniform(1.0, 1.5), 2)
        if rng.random() < 0.3:
            mode["loss_per_km"] = 0.005
    if rng.random() < 0.5:
        mode["max_distance"] = rng.choice([5, 10, 15, 25])
    change: dict[str, float] = {}
    for res in carried:
        for attr in resources[res]["qualities"]:
            if rng.random() < 0.4:
                change[attr] = _r(rng.uniform(-0.4, 0.4), 3)
    if change:
        mode["quality_change_per_km"] = change
    return mode


def _transport(rng: random.Random, resources: dict[str, Any]) -> dict[str, Any]:
    """1-4 modes; the first one always has capex, so build binaries exist."""
    kinds = ["pipe"] + [
        rng.choice(["pipe", "truck", "opex_only"]) for _ in range(rng.randint(0, 3))
    ]
    modes = {f"{kind}{i}": _mode(rng, kind, resources) for i, kind in enumerate(kinds)}
    # every resource is carried by at least one mode
    carried = {res for mode in modes.values() for res in mode["resources"]}
    for res in resources:
        if res not in carried:
            rng.choice(list(modes.values()))["resources"].append(res)
    return modes


def _objective(rng: random.Random) -> Any:
    pick = rng.randrange(4)
    if pick == 0:
        return None  # default: cost
    if pick == 1:
        return "cost"
    if pick == 2:
        return "emissions"
    return {"cost": rng.choice([1, 0.5, 2]), "emissions": rng.choice([10, 50, 200])}


def random_scenario(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    resources = _resources(rng)
    sites = _sites(rng)
    slices = _time_slices(rng)
    slice_ids = [ts["id"] for ts in slices] if slices else ["year"]
    data: dict[str, Any] = {"symopt": 1, "name": f"random scenario {seed}"}
    if slices is not None:
        data["time_slices"] = slices
    if rng.random() < 0.85:
        data["economics"] = {
            "carbon_price": rng.choice([0, 25, 80, 150]),
            "discount_rate": rng.choice([0, 0, 0.03, 0.06]),
            "lifetime_years": rng.choice([10, 20, 25, 30]),
        }
    data["resources"] = resources
    data["sites"] = sites
    data["facilities"] = _facilities(rng, resources, list(sites), slice_ids)
    data["transport"] = _transport(rng, resources)
    site_ids = list(sites)
    overrides: list[dict[str, Any]] = []
    for _ in range(rng.randint(0, 2)):
        a, b = rng.sample(site_ids, 2)
        if {a, b} not in [{o["from"], o["to"]} for o in overrides]:
            overrides.append({"from": a, "to": b, "km": _r(rng.uniform(0.5, 30), 2)})
    if overrides:
        data["distances"] = overrides
    objective = _objective(rng)
    if objective is not None:
        data["objective"] = objective
    return data


def to_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)


# --------------------------------------------------------------- issue 10 extensions


def _alternative_value(rng: random.Random, spec: dict[str, Any], bound: Any) -> float:
    """A conventional supply's quality: mostly meeting the bound, sometimes not (linear)."""
    higher = spec["better"] == "higher"
    if bound is None:
        return _r(rng.uniform(40, 100) if higher else rng.uniform(0, 70), 2)
    limit = float(bound["min"] if higher else bound["max"])
    meets = spec["mixing"] == "none" or rng.random() < 0.75
    step = rng.uniform(0, 15) if meets else -rng.uniform(0.5, 8)
    return _r(limit + step if higher else limit - step, 2)


def _extend_sink(rng: random.Random, sink: dict[str, Any], resources: dict[str, Any]) -> None:
    alternative = sink.get("alternative")
    if alternative is None:
        return
    qualities = resources[sink["resource"]].get("qualities") or {}
    if qualities and rng.random() < 0.5:
        alternative["quality"] = {
            attr: _alternative_value(rng, spec, (sink.get("quality") or {}).get(attr))
            for attr, spec in qualities.items()
            if rng.random() < 0.8
        }
    if rng.random() < 0.5:
        alternative["capacity_cost"] = _r(rng.choice([0, rng.uniform(100, 20000)]), 1)
    if rng.random() < 0.3:
        sink["security"] = {"backup": rng.choice(["required", "required", "none"])}


def with_extensions(data: dict[str, Any], seed: int) -> dict[str, Any]:
    """`data` with issue-10 fields added at random (its own random stream, so the base
    scenario of a seed is unchanged): alternative quality and capacity cost, security
    per node and scenario-wide, purchase cost and emissions on supplies and outputs."""
    rng = random.Random(10_000 + seed)
    resources = data["resources"]
    if rng.random() < 0.3:
        data["security"] = {"backup": "required"}
    for facility in data["facilities"].values():
        process = facility.get("process") or {}
        for sink in [*(facility.get("demands") or []), *(process.get("inputs") or [])]:
            _extend_sink(rng, sink, resources)
        for source in facility.get("supplies") or []:
            if rng.random() < 0.35:
                source["cost"] = _r(rng.uniform(-5, 40), 2)
                source["emissions"] = _r(rng.uniform(0, 0.3), 4)
        # A negative price on a process output would make running pay by itself.
        for source in process.get("outputs") or []:
            if rng.random() < 0.35:
                source["cost"] = _r(rng.uniform(0, 20), 2)
                source["emissions"] = _r(rng.uniform(0, 0.2), 4)
    return data
