"""Seeded random generator of small, valid planning scenarios (scenario-v1 + planning).

``random_planning_scenario(seed)`` returns a plain dict as a YAML parser would give
it (``scenario_factory.to_yaml`` writes it out). Each scenario has 4-8 facilities on
3-6 sites within ~20 km and 1-3 time slices, and mixes:

* optional facilities (``build`` with capex, fixed opex, annual cost; sometimes free),
* ``candidate_sites`` with ``site_costs``,
* sized facilities (amounts per unit of size; ``value_per_unit`` that sometimes makes
  growth pay),
* processes: heat pumps (electricity + heat -> heat), electrolysers (electricity ->
  hydrogen + oxygen + heat) and generic converters, with and without ``size``, inputs
  with and without ``alternative``, occasionally ``min_activity``,
* transport modes with capex (build binaries), trucks, losses, quality change and
  ``max_distance``.

Disposal, variable and alternative costs and all emissions are >= 0, except with
``paying_processes=True``: then some processes have a negative or zero variable cost or
emissions (they earn by running, or cost nothing themselves). Numbers are rounded so that they
survive a YAML round trip unchanged.
"""

from __future__ import annotations

import random
from typing import Any

CENTRE = (65.60, 22.10)
LAT_DEG_KM = 111.2
LON_DEG_KM = 46.0  # one degree of longitude at ~65.6 N

# resource -> (unit, quality attribute or None, better, typical quality of a supply)
RESOURCES: dict[str, tuple[str, str | None, str, tuple[float, float]]] = {
    "heat": ("MWh", "temperature", "higher", (30, 95)),
    "electricity": ("MWh", None, "higher", (0, 0)),
    "hydrogen": ("t", "purity", "higher", (95, 99.99)),
    "oxygen": ("t", "purity", "higher", (85, 99.5)),
    "co2": ("t", "impurity", "lower", (0.5, 8)),
}
# typical alternative cost per unit
ALTERNATIVE_COST = {
    "heat": (20, 70),
    "electricity": (30, 90),
    "hydrogen": (2000, 6000),
    "oxygen": (40, 160),
    "co2": (20, 120),
}


def _r(value: float, digits: int = 3) -> float:
    return round(value, digits)


class _Maker:
    """Holds the random source and the scenario's slices and sites while facilities are made."""

    def __init__(
        self, rng: random.Random, slice_ids: list[str], sites: list[str], paying: bool = False
    ) -> None:
        self.rng = rng
        self.slice_ids = slice_ids
        self.sites = sites
        self.paying = paying

    # ------------------------------------------------------------- small parts

    def amount(self, scale: float) -> Any:
        rng = self.rng
        if rng.random() < 0.6:
            return _r(rng.uniform(0.3, 1.0) * scale, 2)
        kept = [sid for sid in self.slice_ids if rng.random() < 0.8] or [self.slice_ids[0]]
        share = scale / len(self.slice_ids)
        return {sid: _r(rng.uniform(0.2, 1.2) * share, 2) for sid in kept}

    def quality_value(self, resource: str) -> dict[str, float]:
        _, attr, _, (lo, hi) = RESOURCES[resource]
        return {} if attr is None else {attr: _r(self.rng.uniform(lo, hi), 2)}

    def quality_bound(self, resource: str) -> dict[str, Any]:
        _, attr, better, (lo, hi) = RESOURCES[resource]
        if attr is None or self.rng.random() < 0.35:
            return {}
        value = _r(self.rng.uniform(lo, lo + 0.8 * (hi - lo)), 2)
        return {attr: {"min": value} if better == "higher" else {"max": value}}

    def unit_cost(self, cost: tuple[float, float], emissions: float) -> dict[str, float]:
        rng = self.rng
        return {
            "cost": _r(rng.uniform(*cost), 2),
            "emissions": _r(rng.choice([0.0, rng.uniform(0, emissions)]), 4),
        }

    def supply(self, resource: str, scale: float) -> dict[str, Any]:
        supply: dict[str, Any] = {
            "resource": resource,
            "amount": self.amount(scale),
            "quality": self.quality_value(resource),
        }
        if self.rng.random() < 0.6:
            supply["disposal"] = self.unit_cost((0, 15), 0.2)
        return supply

    def demand(self, resource: str, scale: float) -> dict[str, Any]:
        return {
            "resource": resource,
            "amount": self.amount(scale),
            "quality": self.quality_bound(resource),
            "alternative": self.unit_cost(ALTERNATIVE_COST[resource], 0.5),
        }

    def process_input(self, resource: str, per_activity: float, alt_p: float) -> dict[str, Any]:
        item: dict[str, Any] = {"resource": resource, "per_activity": per_activity}
        bound = self.quality_bound(resource)
        if bound:
            item["quality"] = bound
        if self.rng.random() < alt_p:
            item["alternative"] = self.unit_cost(ALTERNATIVE_COST[resource], 0.5)
        return item

    def process_output(self, resource: str, per_activity: float) -> dict[str, Any]:
        item: dict[str, Any] = {
            "resource": resource,
            "per_activity": per_activity,
            "quality": self.quality_value(resource),
        }
        if self.rng.random() < 0.5:
            item["disposal"] = self.unit_cost((0, 8), 0.1)
        return item

    # ---------------------------------------------------- planning decorations

    def place(self, fac: dict[str, Any]) -> None:
        rng = self.rng
        if rng.random() < 0.4:
            candidates = rng.sample(self.sites, rng.randint(2, min(3, len(self.sites))))
            fac["candidate_sites"] = candidates
            costs = {s: float(rng.choice([0, 2000, 8000, 20000])) for s in candidates}
            costs = {s: c for s, c in costs.items() if c > 0 or rng.random() < 0.2}
            if costs:
                fac["site_costs"] = costs
        else:
            fac["site"] = rng.choice(self.sites)

    def maybe_build(self, fac: dict[str, Any], p: float) -> None:
        rng = self.rng
        if rng.random() >= p:
            return
        pick = rng.randrange(5)
        if pick == 0:
            fac["build"] = {}  # free: built whenever it helps at all
        elif pick == 1:
            fac["build"] = {"annual_cost": float(rng.choice([-500, 1500, 12000]))}
        else:
            build: dict[str, Any] = {"capex": float(rng.choice([50000, 200000, 800000]))}
            if rng.random() < 0.5:
                build["fixed_opex"] = float(rng.choice([1000, 5000, 20000]))
            fac["build"] = build

    def size(self, top: float, value: float) -> dict[str, Any]:
        rng = self.rng
        size: dict[str, Any] = {"max": _r(top, 3)}
        if rng.random() < 0.3:
            size["min"] = _r(top * rng.uniform(0.1, 0.5), 3)
        if rng.random() < 0.6:
            size["capex_per_unit"] = _r(value * rng.uniform(0.5, 8), 2)
        if rng.random() < 0.3:
            size["fixed_opex_per_unit"] = _r(value * rng.uniform(0.05, 0.5), 2)
        if rng.random() < 0.5:
            size["value_per_unit"] = _r(value * rng.uniform(0.2, 2.0), 2)
        return size

    # ------------------------------------------------------------- facilities

    def source(self) -> dict[str, Any]:
        rng = self.rng
        resources = rng.sample(list(RESOURCES), rng.randint(1, 2))
        fac: dict[str, Any] = {}
        if rng.random() < 0.3:  # e.g. a data centre: heat per unit of size
            fac["size"] = self.size(rng.choice([5, 20, 50]), 100)
            fac["supplies"] = [self.supply(r, rng.choice([30, 100, 300])) for r in resources]
        else:
            scale = {"hydrogen": 100}
            fac["supplies"] = [
                self.supply(r, scale.get(r, rng.choice([500, 2000, 6000]))) for r in resources
            ]
        self.maybe_build(fac, 0.3)
        return fac

    def consumer(self) -> dict[str, Any]:
        rng = self.rng
        resources = rng.sample(list(RESOURCES), rng.randint(1, 2))
        fac: dict[str, Any] = {}
        if rng.random() < 0.35:  # e.g. a fish farm: oxygen and heat per unit of size
            fac["size"] = self.size(rng.choice([10, 40, 100]), 400)
            scale = {"hydrogen": 2}
            fac["demands"] = [
                self.demand(r, scale.get(r, rng.choice([10, 40, 100]))) for r in resources
            ]
        else:
            scale = {"hydrogen": 150}
            fac["demands"] = [
                self.demand(r, scale.get(r, rng.choice([400, 1500, 5000]))) for r in resources
            ]
        self.maybe_build(fac, 0.3)
        return fac

    def process(self, inputs: list[Any], outputs: list[Any], size_top: float) -> dict[str, Any]:
        rng = self.rng
        process: dict[str, Any] = {"inputs": inputs, "outputs": outputs}
        if rng.random() < 0.7:
            process["variable_cost"] = _r(rng.uniform(0, 6), 2)
        if rng.random() < 0.3:
            process["emissions"] = _r(rng.uniform(0, 0.01), 4)
        fac: dict[str, Any] = {"process": process}
        if rng.random() < 0.5:
            fac["size"] = self.size(size_top, 30000)
        self.maybe_build(fac, 0.5)
        if rng.random() < 0.35:
            # must run when built: mostly small, sometimes per slice
            annual = _r(rng.uniform(0.02, 0.3) * size_top * 8760, 1)
            if rng.random() < 0.5:
                process["min_activity"] = annual
            else:
                sid = rng.choice(self.slice_ids)
                process["min_activity"] = {sid: _r(annual / len(self.slice_ids), 1)}
        if rng.random() < 0.2:  # a converter may also have ordinary supplies or demands
            fac["demands"] = [self.demand("electricity", rng.choice([100, 500]))]
        if self.paying and rng.random() < 0.6:
            # earns by running (a sale price or credit per unit) or costs nothing itself
            process["variable_cost"] = _r(
                rng.choice([0.0, -rng.uniform(0, 25), -rng.uniform(25, 120)]), 2
            )
            if rng.random() < 0.4:
                process["emissions"] = _r(
                    rng.choice([0.0, -rng.uniform(0, 0.05), -rng.uniform(0.05, 1)]), 4
                )
        return fac

    def heat_pump(self) -> dict[str, Any]:
        rng = self.rng
        cop = rng.uniform(2.5, 4.5)
        inputs = [
            self.process_input("heat", _r(1 - 1 / cop, 3), 0.5),
            self.process_input("electricity", _r(1 / cop, 3), 0.7),
        ]
        output = self.process_output("heat", 1.0)
        output["quality"] = {"temperature": _r(rng.uniform(65, 95), 1)}
        return self.process(inputs, [output], rng.choice([0.2, 0.5, 1.0]))

    def electrolyser(self) -> dict[str, Any]:
        rng = self.rng
        inputs = [self.process_input("electricity", 1.0, 0.6)]
        outputs = [
            self.process_output("hydrogen", _r(rng.uniform(0.015, 0.02), 4)),
            self.process_output("oxygen", _r(rng.uniform(0.12, 0.16), 3)),
            self.process_output("heat", _r(rng.uniform(0.15, 0.3), 3)),
        ]
        return self.process(inputs, outputs, rng.choice([0.5, 1.0, 2.0]))

    def converter(self) -> dict[str, Any]:
        """A generic converter, e.g. CO2 capture or a scrubber: one resource in, another out."""
        rng = self.rng
        r_in, r_out = rng.sample(list(RESOURCES), 2)
        inputs = [self.process_input(r_in, _r(rng.uniform(0.5, 1.5), 3), 0.6)]
        outputs = [self.process_output(r_out, _r(rng.uniform(0.2, 1.2), 3))]
        if rng.random() < 0.3:
            inputs.append(self.process_input("electricity", _r(rng.uniform(0.05, 0.3), 3), 0.8))
        return self.process(inputs, outputs, rng.choice([0.2, 0.5, 1.0]))


def _sites(rng: random.Random) -> dict[str, Any]:
    sites: dict[str, Any] = {}
    for i in range(rng.randint(3, 6)):
        dx_km, dy_km = rng.uniform(-8, 8), rng.uniform(-8, 8)
        sites[f"plot{i}"] = {
            "lat": _r(CENTRE[0] + dy_km / LAT_DEG_KM, 5),
            "lon": _r(CENTRE[1] + dx_km / LON_DEG_KM, 5),
        }
    return sites


def _time_slices(rng: random.Random) -> list[dict[str, Any]] | None:
    n = rng.randint(1, 3)
    if n == 1 and rng.random() < 0.5:
        return None
    ids = rng.sample(["winter", "summer", "spring", "night", "day"], n)
    return [{"id": sid, "hours": rng.randint(800, 5000)} for sid in ids]


def _resources(rng: random.Random) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for name, (unit, attr, better, _) in RESOURCES.items():
        qualities = {}
        if attr is not None:
            mixing = rng.choice(["linear", "none"])
            qualities[attr] = {"unit": "-", "better": better, "mixing": mixing}
        resources[name] = {"unit": unit, "qualities": qualities}
    return resources


def _transport(rng: random.Random) -> dict[str, Any]:
    modes: dict[str, Any] = {}
    heat_pipe: dict[str, Any] = {
        "resources": ["heat"],
        "capex_per_km": float(rng.choice([20000, 80000, 250000])),
        "variable_cost": _r(rng.uniform(0, 0.2), 3),
        "loss_per_km": rng.choice([0.0, 0.005, 0.02]),
    }
    if rng.random() < 0.5:
        heat_pipe["quality_change_per_km"] = {"temperature": _r(rng.uniform(-0.8, 0), 3)}
    if rng.random() < 0.5:
        heat_pipe["max_distance"] = float(rng.choice([4, 8, 15]))
    modes["heat_pipe"] = heat_pipe
    wire: dict[str, Any] = {"resources": ["electricity"]}
    if rng.random() < 0.6:
        wire["capex_per_km"] = float(rng.choice([5000, 30000, 100000]))
    else:
        wire["fixed_opex_per_km"] = float(rng.choice([0, 500, 3000]))
    if rng.random() < 0.5:
        wire["loss_per_km"] = 0.002
    modes["wire"] = wire
    gas_pipe: dict[str, Any] = {
        "resources": rng.sample(["hydrogen", "oxygen", "co2"], rng.randint(1, 3)),
        "capex_per_km": float(rng.choice([30000, 150000])),
        "variable_cost": _r(rng.uniform(0, 0.5), 3),
    }
    if rng.random() < 0.5:
        gas_pipe["fixed_opex_per_km"] = float(rng.choice([500, 3000]))
    if rng.random() < 0.4:
        gas_pipe["max_distance"] = float(rng.choice([5, 10]))
    modes["gas_pipe"] = gas_pipe
    truck: dict[str, Any] = {
        "resources": ["hydrogen", "oxygen", "co2"],
        "variable_cost": _r(rng.uniform(0.3, 3), 3),
        "emissions": _r(rng.uniform(0.0001, 0.002), 4),
        "detour_factor": _r(rng.uniform(1.0, 1.4), 2),
    }
    if rng.random() < 0.3:
        truck["loss_per_km"] = 0.004
    if rng.random() < 0.3:
        truck["quality_change_per_km"] = {"purity": -0.05}
    if rng.random() < 0.3:
        truck["max_distance"] = float(rng.choice([6, 12]))
    modes["truck"] = truck
    return modes


def _facilities(maker: _Maker) -> dict[str, Any]:
    rng = maker.rng
    kinds = ["source", "source", "consumer", "consumer"]
    kinds.append(rng.choice(["heat_pump", "electrolyser", "converter"]))
    for _ in range(rng.randint(0, 3)):
        kinds.append(rng.choice(["source", "consumer", "heat_pump", "electrolyser", "converter"]))
    kinds = kinds[:8]
    make = {
        "source": maker.source,
        "consumer": maker.consumer,
        "heat_pump": maker.heat_pump,
        "electrolyser": maker.electrolyser,
        "converter": maker.converter,
    }
    facilities: dict[str, Any] = {}
    for i, kind in enumerate(kinds):
        fac = make[kind]()
        maker.place(fac)
        facilities[f"{kind}{i}"] = fac
    return facilities


def _objective(rng: random.Random) -> Any:
    pick = rng.random()
    if pick < 0.6:
        return None
    if pick < 0.75:
        return "cost"
    if pick < 0.88:
        return "emissions"
    return {"cost": rng.choice([1, 0.5]), "emissions": rng.choice([20, 200])}


def random_planning_scenario(seed: int, paying_processes: bool = False) -> dict[str, Any]:
    """A random planning scenario; with `paying_processes` some processes earn by running
    (negative variable cost or emissions) or cost nothing themselves (zero), so that only
    their inputs and outputs, or nothing, bound their activity."""
    rng = random.Random(seed)
    sites = _sites(rng)
    slices = _time_slices(rng)
    slice_ids = [ts["id"] for ts in slices] if slices else ["year"]
    data: dict[str, Any] = {"symopt": 1, "name": f"random planning scenario {seed}"}
    if slices is not None:
        data["time_slices"] = slices
    if rng.random() < 0.85:
        data["economics"] = {
            "carbon_price": rng.choice([0, 25, 80]),
            "discount_rate": rng.choice([0, 0.04, 0.07]),
            "lifetime_years": rng.choice([10, 20, 25]),
        }
    data["resources"] = _resources(rng)
    data["sites"] = sites
    data["facilities"] = _facilities(_Maker(rng, slice_ids, list(sites), paying_processes))
    data["transport"] = _transport(rng)
    if rng.random() < 0.3:
        a, b = rng.sample(list(sites), 2)
        data["distances"] = [{"from": a, "to": b, "km": _r(rng.uniform(0.5, 12), 2)}]
    objective = _objective(rng)
    if objective is not None:
        data["objective"] = objective
    return data
