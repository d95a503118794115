"""Seeded synthetic scenarios at scale (scenario format v1 fields only).

A scenario of a given `Size` has `sources` facilities with one supply each, `sinks`
facilities with one demand each, the first `resources` resources of `CATALOGUE`, and
`slices` time slices (4: seasons, 12: months, else equal parts of the year). Facilities
sit in a square box of `box_km` km around Luleå-Boden-Piteå in northern Sweden, most of
them in industrial clusters (some on a shared park site, 0 km apart), the rest spread
over the box, so that each mode's `max_distance` prunes the candidate links the way it
would in a real region: a sink sees a few pipe partners (8-10 km) and up to a few dozen
truck partners (50 km); about 10 links per sink on average (8 small, 9.5 medium, 12 large,
14 huge), up to 40-60.

Every resource has a pipeline (capex, hence build binaries); oxygen and CO2 also have
trucks (no capex, higher variable cost and emissions, longer reach). Quality attributes
cover both mixing kinds and both directions: heat temperature (higher, none, falls along
the pipe), oxygen purity (higher, linear), CO2 purity (higher, linear) and moisture
(lower, none), water salinity (lower, linear) and temperature (lower, none).

Same size and seed give the same scenario (numpy's PCG64). Numbers are rounded so that
they survive a YAML round trip unchanged.

    python -m benchmarks.generate large --seed 1 --out benchmarks/out/large.yaml
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

#: Centre of the box: between Luleå, Boden and Piteå.
CENTRE_LAT, CENTRE_LON = 65.70, 21.85
KM_PER_DEG_LAT = 111.2
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(CENTRE_LAT))


@dataclass(frozen=True)
class Size:
    """How big a synthetic scenario is."""

    name: str
    sources: int
    sinks: int
    resources: int
    slices: int
    box_km: float = 100.0
    """Side of the square region the facilities are spread over."""
    cluster_size: int = 25
    """Facilities per industrial cluster, on average."""
    load_only: bool = False
    """Only for the loader and network stages (too large to solve in a benchmark)."""

    @property
    def facilities(self) -> int:
        return self.sources + self.sinks


SIZES: dict[str, Size] = {
    "small": Size("small", 20, 40, 2, 4, box_km=40.0, cluster_size=10),
    "medium": Size("medium", 100, 200, 3, 12),
    "large": Size("large", 200, 400, 3, 12, box_km=141.0),
    "huge": Size("huge", 4000, 6000, 4, 12, box_km=500.0, load_only=True),
}


# --------------------------------------------------------------------------- catalogue

#: resource -> unit, qualities {attribute: (unit, better, mixing)}.
CATALOGUE: dict[str, dict[str, Any]] = {
    "heat": {"unit": "MWh", "qualities": {"temperature": ("degC", "higher", "none")}},
    "oxygen": {"unit": "t", "qualities": {"purity": ("%", "higher", "linear")}},
    "co2": {
        "unit": "t",
        "qualities": {
            "purity": ("%", "higher", "linear"),
            "moisture": ("ppm", "lower", "none"),
        },
    },
    "water": {
        "unit": "m3",
        "qualities": {
            "salinity": ("g/l", "lower", "linear"),
            "temperature": ("degC", "lower", "none"),
        },
    },
}

#: resource -> the transport modes that carry it.
MODES: dict[str, dict[str, dict[str, Any]]] = {
    "heat": {
        "heat_pipe": {
            "capex_per_km": 800000,
            "fixed_opex_per_km": 4000,
            "variable_cost": 0.02,
            "loss_per_km": 0.004,
            "quality_change_per_km": {"temperature": -0.35},
            "max_distance": 10,
            "detour_factor": 1.3,
        },
    },
    "oxygen": {
        "oxygen_pipe": {
            "capex_per_km": 250000,
            "fixed_opex_per_km": 1500,
            "variable_cost": 0.05,
            "max_distance": 8,
            "detour_factor": 1.2,
        },
        "oxygen_truck": {
            "variable_cost": 1.0,
            "emissions": 0.00008,
            "max_distance": 50,
            "detour_factor": 1.35,
        },
    },
    "co2": {
        "co2_pipe": {
            "capex_per_km": 400000,
            "fixed_opex_per_km": 2000,
            "variable_cost": 0.03,
            "max_distance": 10,
            "detour_factor": 1.25,
        },
        "co2_truck": {
            "variable_cost": 0.8,
            "emissions": 0.0001,
            "max_distance": 50,
            "detour_factor": 1.35,
        },
    },
    "water": {
        "water_pipe": {
            "capex_per_km": 150000,
            "fixed_opex_per_km": 1000,
            "variable_cost": 0.002,
            "loss_per_km": 0.002,
            "quality_change_per_km": {"temperature": 0.05},
            "max_distance": 8,
            "detour_factor": 1.3,
        },
    },
}


def _r(value: float, digits: int) -> float:
    return float(round(float(value), digits))


# --------------------------------------------------------------------------- slices


def time_slices(count: int) -> list[dict[str, Any]]:
    """4: seasons; 12: months; else `count` equal parts of 8760 h."""
    if count == 4:
        days = {"winter": 90, "spring": 92, "summer": 92, "autumn": 91}
        return [{"id": name, "hours": d * 24} for name, d in days.items()]
    if count == 12:
        names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return [{"id": n, "hours": d * 24} for n, d in zip(names, days, strict=True)]
    hours = [round(8760 / count, 3)] * count
    hours[-1] = round(8760 - sum(hours[:-1]), 3)
    return [{"id": f"s{i + 1:02d}", "hours": h} for i, h in enumerate(hours)]


def _winter_weight(slices: list[dict[str, Any]]) -> np.ndarray:
    """Relative heat need per hour in each slice: highest in mid-January."""
    hours = np.array([s["hours"] for s in slices], dtype=float)
    mid = np.cumsum(hours) - hours / 2.0
    if len(slices) == 4:  # seasons start in December
        mid = mid - 31 * 24
    return np.asarray(1.0 + 0.7 * np.cos(2 * np.pi * (mid - 15 * 24) / 8760.0))


def _amount(
    rng: np.random.Generator,
    yearly: float,
    slices: list[dict[str, Any]],
    profile: np.ndarray | None,
    stop_probability: float,
) -> Any:
    """A yearly number, or an absolute per-slice map (with a profile, or a stopped slice)."""
    if profile is None and rng.random() < 0.5:
        return _r(yearly, 1)
    hours = np.array([s["hours"] for s in slices], dtype=float)
    weight = hours * (profile if profile is not None else rng.uniform(0.8, 1.2, len(slices)))
    per_slice = yearly * weight / weight.sum()
    stopped = -1
    if len(slices) > 1 and rng.random() < stop_probability:
        stopped = int(rng.integers(len(slices)))  # maintenance stop / no need this slice
    return {
        s["id"]: _r(a, 1)
        for i, (s, a) in enumerate(zip(slices, per_slice, strict=True))
        if i != stopped
    }


# --------------------------------------------------------------------------- supplies, demands


def _supply(
    rng: np.random.Generator, resource: str, slices: list[dict[str, Any]]
) -> dict[str, Any]:
    if resource == "heat":
        yearly = rng.uniform(20000, 150000)
        quality = {"temperature": _r(rng.uniform(45, 110), 1)}
        disposal = {"cost": _r(rng.uniform(0, 2), 2), "emissions": 0.0}
    elif resource == "oxygen":
        yearly = rng.uniform(3000, 50000)
        quality = {"purity": _r(rng.uniform(90, 99.8), 2)}
        disposal = {"cost": 0.0, "emissions": 0.0}
    elif resource == "co2":
        yearly = rng.uniform(10000, 200000)
        quality = {"purity": _r(rng.uniform(90, 99.9), 2), "moisture": _r(rng.uniform(20, 600), 0)}
        fossil = rng.random() < 0.5
        disposal = {"cost": 0.0, "emissions": 1.0 if fossil else 0.0}
    else:  # water
        yearly = rng.uniform(50000, 1000000)
        quality = {
            "salinity": _r(rng.uniform(0.1, 3.0), 2),
            "temperature": _r(rng.uniform(10, 35), 1),
        }
        disposal = {"cost": _r(rng.uniform(0.1, 0.5), 2), "emissions": 0.0}
    return {
        "resource": resource,
        "amount": _amount(rng, yearly, slices, None, stop_probability=0.2),
        "quality": quality,
        "disposal": disposal,
    }


def _demand(
    rng: np.random.Generator, resource: str, slices: list[dict[str, Any]]
) -> dict[str, Any]:
    quality: dict[str, Any] = {}
    profile = None
    if resource == "heat":
        yearly = rng.uniform(5000, 60000)
        if rng.random() < 0.9:
            quality["temperature"] = {"min": _r(rng.uniform(40, 85), 1)}
        alternative = {
            "cost": _r(rng.uniform(35, 60), 2),
            "emissions": _r(rng.uniform(0.02, 0.25), 3),
        }
        profile = _winter_weight(slices)
    elif resource == "oxygen":
        yearly = rng.uniform(1000, 15000)
        if rng.random() < 0.7:
            quality["purity"] = {"min": _r(rng.uniform(85, 99), 2)}
        alternative = {
            "cost": _r(rng.uniform(90, 150), 2),
            "emissions": _r(rng.uniform(0.25, 0.45), 3),
        }
    elif resource == "co2":
        yearly = rng.uniform(2000, 40000)
        if rng.random() < 0.8:
            quality["purity"] = {"min": _r(rng.uniform(95, 99.5), 2)}
        if rng.random() < 0.6:
            quality["moisture"] = {"max": _r(rng.uniform(100, 800), 0)}
        alternative = {
            "cost": _r(rng.uniform(60, 140), 2),
            "emissions": _r(rng.uniform(0.1, 0.3), 3),
        }
    else:  # water
        yearly = rng.uniform(20000, 400000)
        if rng.random() < 0.8:
            quality["salinity"] = {"max": _r(rng.uniform(0.5, 2.0), 2)}
        if rng.random() < 0.5:
            quality["temperature"] = {"max": _r(rng.uniform(20, 30), 1)}
        alternative = {"cost": _r(rng.uniform(0.8, 2.5), 2), "emissions": 0.0003}
    return {
        "resource": resource,
        "amount": _amount(rng, yearly, slices, profile, stop_probability=0.1),
        "quality": quality,
        "alternative": alternative,
    }


# --------------------------------------------------------------------------- geography


def _coordinates(
    rng: np.random.Generator, size: Size
) -> tuple[dict[str, dict[str, float]], list[str], list[tuple[str, str, float]]]:
    """Sites, the site of each facility, and a few distance overrides between parks."""
    n = size.facilities
    half = size.box_km / 2.0
    clusters = max(2, round(n / size.cluster_size))
    centres = rng.uniform(-0.85 * half, 0.85 * half, (clusters, 2))
    sites: dict[str, dict[str, float]] = {}

    def site_of(x_km: float, y_km: float) -> dict[str, float]:
        x_km = min(max(x_km, -half), half)
        y_km = min(max(y_km, -half), half)
        return {
            "lat": _r(CENTRE_LAT + y_km / KM_PER_DEG_LAT, 5),
            "lon": _r(CENTRE_LON + x_km / KM_PER_DEG_LON, 5),
        }

    for c, (x, y) in enumerate(centres):
        sites[f"park{c:03d}"] = site_of(x, y)
    facility_sites: list[str] = []
    for i in range(n):
        draw = rng.random()
        if draw < 0.2:  # on a cluster's shared park site
            facility_sites.append(f"park{int(rng.integers(clusters)):03d}")
            continue
        if draw < 0.75:  # near a cluster
            x, y = centres[int(rng.integers(clusters))] + rng.normal(0.0, 2.5, 2)
        else:  # anywhere in the box
            x, y = rng.uniform(-half, half, 2)
        name = f"site{i:05d}"
        sites[name] = site_of(float(x), float(y))
        facility_sites.append(name)
    # a few routes around a fjord or river: longer than the great circle says
    overrides: list[tuple[str, str, float]] = []
    for a, b in rng.choice(clusters, size=(min(3, clusters // 2), 2), replace=False):
        pa, pb = sites[f"park{a:03d}"], sites[f"park{b:03d}"]
        dx = (pa["lon"] - pb["lon"]) * KM_PER_DEG_LON
        dy = (pa["lat"] - pb["lat"]) * KM_PER_DEG_LAT
        overrides.append((f"park{a:03d}", f"park{b:03d}", _r(1.8 * math.hypot(dx, dy), 2)))
    return sites, facility_sites, overrides


# --------------------------------------------------------------------------- scenario


def generate(size: str | Size, seed: int = 0) -> dict[str, Any]:
    """A scenario v1 dict (as a YAML parser would return it) of `size`, from `seed`."""
    spec = SIZES[size] if isinstance(size, str) else size
    if not 1 <= spec.resources <= len(CATALOGUE):
        raise ValueError(f"resources must be 1..{len(CATALOGUE)}, got {spec.resources}")
    rng = np.random.default_rng(seed)
    resource_ids = list(CATALOGUE)[: spec.resources]
    slices = time_slices(spec.slices)
    sites, facility_sites, overrides = _coordinates(rng, spec)

    facilities: dict[str, Any] = {}
    # round-robin resources so that each has its share of sources and sinks
    for i in range(spec.sources):
        resource = resource_ids[i % len(resource_ids)]
        facilities[f"src{i:05d}"] = {
            "site": facility_sites[i],
            "supplies": [_supply(rng, resource, slices)],
        }
    for j in range(spec.sinks):
        resource = resource_ids[j % len(resource_ids)]
        facilities[f"snk{j:05d}"] = {
            "site": facility_sites[spec.sources + j],
            "demands": [_demand(rng, resource, slices)],
        }
    used_sites = dict.fromkeys(facility_sites) | {s: None for o in overrides for s in o[:2]}

    resources = {
        rid: {
            "unit": CATALOGUE[rid]["unit"],
            "qualities": {
                attribute: {"unit": unit, "better": better, "mixing": mixing}
                for attribute, (unit, better, mixing) in CATALOGUE[rid]["qualities"].items()
            },
        }
        for rid in resource_ids
    }
    transport = {
        mode_id: {"resources": [rid], **params}
        for rid in resource_ids
        for mode_id, params in MODES[rid].items()
    }
    return {
        "symopt": 1,
        "name": f"synthetic {spec.name} (seed {seed}): {spec.sources} sources, "
        f"{spec.sinks} sinks, {spec.resources} resources, {spec.slices} slices",
        "currency": "EUR",
        "time_slices": slices,
        "economics": {"carbon_price": 80, "discount_rate": 0.05, "lifetime_years": 25},
        "resources": resources,
        "sites": {name: sites[name] for name in used_sites},
        "facilities": facilities,
        "transport": transport,
        "distances": [{"from": a, "to": b, "km": km} for a, b, km in overrides],
        "objective": "cost",
    }


def to_yaml(data: dict[str, Any]) -> str:
    """Scenario text: block style at the top, flow style for the small leaf maps."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None, width=120))


def write_scenario(size: str | Size, path: str | Path, seed: int = 0) -> Path:
    """Generate and write one scenario; returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(to_yaml(generate(size, seed)), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, default=None, help="default: benchmarks/out/<size>.yaml"
    )
    args = parser.parse_args(argv)
    out = args.out or Path("benchmarks/out") / f"{args.size}-seed{args.seed}.yaml"
    print(write_scenario(args.size, out, args.seed))


if __name__ == "__main__":
    main()
