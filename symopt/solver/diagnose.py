"""Why is a scenario infeasible? Answers in a planner's terms.

In this model only a process that must run (`min_activity`) can make a scenario
infeasible: its inputs without `alternative` must then come by links, and its size must
allow the activity. We first look for the cause in the candidate network (no supply of
the resource, every supply too far, of too low quality or too small); if none is found,
a phase-1 re-solve with a slack on every input without alternative shows which inputs
cannot be covered together.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pandas as pd

from symopt.enums import Better, Driver
from symopt.model.build import build_model
from symopt.model.objective import Objective
from symopt.model.solution import FLOW_TOLERANCE, read_decisions
from symopt.network.candidates import CandidateNetwork, all_link_pairs
from symopt.scenario.schema import Scenario
from symopt.solver.highs import SolverOptions, compile_standard_form, solve_standard_form


def explain_infeasibility(
    scenario: Scenario, network: CandidateNetwork, options: SolverOptions
) -> list[str]:
    """Sentences that name the facility, the resource and the reason it cannot be served."""
    causes = list(_static_causes(scenario, network))
    if not causes:
        causes = _shortfalls(network, options)
    return causes or [
        "no single facility or input explains it; check processes with `min_activity`"
    ]


def _forced(network: CandidateNetwork) -> np.ndarray:
    """Facilities that must run: a minimum activity and no choice of not being built."""
    optional = network.facilities["optional"].to_numpy(dtype=bool)
    return np.flatnonzero((network.min_activity > 0).any(axis=1) & ~optional)


def _static_causes(scenario: Scenario, network: CandidateNetwork) -> Iterator[str]:
    facilities, demands = network.facilities, network.demands
    hours = network.slices["hours"].to_numpy(dtype=float)
    slice_ids = network.slices["id"].tolist()
    names = facilities["facility"].to_numpy(dtype=object)
    sized = facilities["sized"].to_numpy(dtype=bool)
    size_max = facilities["size_max"].to_numpy(dtype=float)
    resources = demands["resource"].to_numpy(dtype=object)
    demand_ids = demands["demand_id"].to_numpy(dtype=object)
    for f in _forced(network):
        name = names[f]
        if sized[f]:
            most = size_max[f] * hours
            over = np.flatnonzero(network.min_activity[f] > most + FLOW_TOLERANCE)
            if over.size:
                t = int(over[0])
                yield (
                    f"facility {name!r} must reach an activity of {network.min_activity[f, t]:,.6g} "
                    f"in slice {slice_ids[t]!r}, but its size max allows at most {most[t]:,.6g}"
                )
        inputs = np.flatnonzero(
            (demands["facility_index"].to_numpy() == f)
            & ~demands["has_alternative"].to_numpy(dtype=bool)
            & (demands["driver"].to_numpy(dtype=object) == Driver.ACTIVITY.value)
        )
        for k in inputs:
            required = network.demand_amount[k] * network.min_activity[f]
            if required.max() <= FLOW_TOLERANCE:
                continue
            reason = _input_reason(scenario, network, int(k), required)
            if reason:
                yield (
                    f"facility {name!r} cannot be served with {resources[k]!r} "
                    f"({demand_ids[k]}, no alternative): {reason}"
                )
    yield from _alternative_misses(network)


def _alternative_misses(network: CandidateNetwork) -> Iterator[str]:
    """A demand that must be covered whose alternative misses a linear quality bound,
    with no candidate supply that meets it: no blend can cover it."""
    demands, terms = network.demands, network.quality_terms
    fixed = demands["driver"].to_numpy(dtype=object) == Driver.FIXED.value
    for k, attribute, margin in network.alternative_terms[
        ["demand", "attribute", "margin"]
    ].itertuples(index=False):
        if margin >= 0 or not fixed[k] or network.demand_amount[k].max() <= FLOW_TOLERANCE:
            continue
        margins = terms.loc[(terms["demand"] == k) & (terms["attribute"] == attribute), "margin"]
        if (margins >= 0).any():
            continue
        yield (
            f"{demands['demand_id'].iloc[k]} ({demands['facility'].iloc[k]!r}) cannot be "
            f"covered: its alternative misses the {attribute} bound (by {-margin:.4g}) and "
            "no candidate supply meets it, so no blend can; give a better "
            "`alternative.quality` or a supply that meets the bound"
        )


def _input_reason(
    scenario: Scenario, network: CandidateNetwork, k: int, required: np.ndarray
) -> str | None:
    demands, supplies = network.demands, network.supplies
    resource = str(demands["resource"].to_numpy(dtype=object)[k])
    own = int(demands["facility_index"].to_numpy(dtype=int)[k])
    sources = supplies[(supplies["resource"] == resource) & (supplies["facility_index"] != own)]
    if sources.empty:
        return f"no other facility supplies {resource!r}"
    if not any(resource in mode.resources for mode in scenario.transport.values()):
        return f"no transport mode carries {resource!r}"
    links = network.links[network.links["demand"] == k]
    if links.empty:
        return _why_no_link(scenario, network, k)
    short = _linear_quality_miss(scenario, network, k, links)
    if short:
        return short
    reach = network.supply_max[links["supply"].to_numpy()] * links["factor"].to_numpy()[:, None]
    reachable = reach.sum(axis=0)
    lacking = np.flatnonzero(reachable + FLOW_TOLERANCE < required)
    if lacking.size:
        t = int(lacking[0])
        slice_id = network.slices["id"].tolist()[t]
        return (
            f"every candidate supply together is too small: at most {reachable[t]:,.6g} can "
            f"arrive in slice {slice_id!r}, {required[t]:,.6g} required"
        )
    return None


def _why_no_link(scenario: Scenario, network: CandidateNetwork, k: int) -> str:
    """No candidate link reaches demand node k: too far, too lossy, or quality missed."""
    pairs = all_link_pairs(
        scenario,
        network.supplies,
        network.demands.iloc[[k]],
        network.placements,
        network.crf,
        prune=False,
    )
    names = network.supplies["facility"].to_numpy(dtype=object)
    in_reach = pairs[(pairs["distance_km"] <= pairs["max_distance"]) & (pairs["factor"] > 0)]
    if in_reach.empty:
        nearest = pairs.sort_values("distance_km").to_dict("records")[0]
        limit, km = float(nearest["max_distance"]), float(nearest["distance_km"])
        source, mode = names[int(nearest["supply"])], nearest["mode"]
        if float(nearest["factor"]) <= 0 and km <= limit:
            return (
                f"every candidate supply loses everything on the way (nearest: "
                f"{source!r} at {km:.3g} km by {mode!r})"
            )
        return (
            f"every candidate supply is too far: nearest {source!r} at {km:.3g} km, "
            f"beyond the max_distance of {limit:g} km of mode {mode!r}"
        )
    return _quality_miss_text(scenario, network, k, in_reach, names)


def _quality_miss_text(
    scenario: Scenario, network: CandidateNetwork, k: int, pairs: pd.DataFrame, names: np.ndarray
) -> str:
    demand_id = str(network.demands["demand_id"].to_numpy(dtype=object)[k])
    resource = scenario.resources[str(network.demands["resource"].to_numpy(dtype=object)[k])]
    bounds = _bounds_of(scenario, demand_id)
    for attribute, bound in bounds.items():
        spec = resource.qualities[attribute]
        rows = pairs.to_dict("records")
        delivered = [
            _delivered(
                scenario,
                network,
                int(row["supply"]),
                attribute,
                str(row["mode"]),
                float(row["distance_km"]),
            )
            for row in rows
        ]
        higher = spec.better is Better.HIGHER
        best = int(np.argmax(delivered) if higher else np.argmin(delivered))
        best_value = delivered[best]
        meets = best_value >= bound if higher else best_value <= bound
        if not meets:
            relation = f"below the min {bound:g}" if higher else f"above the max {bound:g}"
            source, mode = names[int(rows[best]["supply"])], rows[best]["mode"]
            return (
                f"every candidate supply in reach is of too low quality: {attribute} "
                f"arrives at best at {best_value:.4g} ({source!r} by {mode!r}), {relation}"
            )
    return "no candidate link reaches it"


def _linear_quality_miss(
    scenario: Scenario, network: CandidateNetwork, k: int, links: pd.DataFrame
) -> str | None:
    """With every linked supply below a linear bound, no blend can meet it."""
    terms = network.quality_terms[network.quality_terms["demand"] == k]
    for attribute, group in terms.groupby("attribute"):
        if len(group) == len(links) and (group["margin"] < 0).all():
            return (
                f"every candidate supply misses the {attribute} bound, so no blend can meet it "
                f"(closest by {-group['margin'].max():.4g})"
            )
    return None


def _bounds_of(scenario: Scenario, demand_id: str) -> dict[str, float]:
    facility_name, _, rest = demand_id.partition(".")
    facility = scenario.facilities[facility_name]
    index = int(rest[rest.index("[") + 1 : -1])
    quality = (
        facility.process.inputs[index].quality
        if rest.startswith("process") and facility.process is not None
        else facility.demands[index].quality
    )
    return {
        attribute: bound.min if bound.min is not None else float(bound.max or 0.0)
        for attribute, bound in quality.items()
    }


def _delivered(
    scenario: Scenario, network: CandidateNetwork, s: int, attribute: str, mode: str, km: float
) -> float:
    value = str(network.supplies["supply_id"].to_numpy(dtype=object)[s])
    facility_name, _, rest = value.partition(".")
    facility = scenario.facilities[facility_name]
    index = int(rest[rest.index("[") + 1 : -1])
    if rest.startswith("process") and facility.process is not None:
        quality = facility.process.outputs[index].quality
    else:
        quality = facility.supplies[index].quality
    change = scenario.transport[mode].quality_change_per_km.get(attribute, 0.0)
    return float(quality[attribute] + change * km)


def _shortfalls(network: CandidateNetwork, options: SolverOptions) -> list[str]:
    """Phase 1: give every input without alternative a slack of cost 1 and nothing else a cost."""
    demands = network.demands
    lacking = ~demands["has_alternative"].to_numpy(dtype=bool)
    if not lacking.any():
        return []
    relaxed = dataclasses.replace(
        network,
        demands=demands.assign(
            has_alternative=True,
            alternative_cost=np.where(lacking, 1.0, 0.0),
            alternative_emissions=0.0,
        ),
        supplies=network.supplies.assign(disposal_cost=0.0, disposal_emissions=0.0),
        links=network.links.assign(build_cost=0.0, unit_cost=0.0, unit_emissions=0.0),
        facilities=network.facilities.assign(
            build_cost=0.0, size_cost=0.0, activity_cost=0.0, activity_emissions=0.0
        ),
        placements=network.placements.assign(site_cost=0.0),
        carbon_price=0.0,
    )
    model = build_model(relaxed, Objective(1.0, 0.0))
    form = compile_standard_form(model)
    run = solve_standard_form(form, dataclasses.replace(options, mip_gap=1e-6))
    if not run.status.has_solution:
        return []
    decisions = read_decisions(relaxed, model, run)
    causes = []
    slice_ids = network.slices["id"].tolist()
    names = demands["facility"].to_numpy(dtype=object)
    resources = demands["resource"].to_numpy(dtype=object)
    demand_ids = demands["demand_id"].to_numpy(dtype=object)
    for value, k, t in zip(
        decisions.u, decisions.alternative_demand, decisions.alternative_slice, strict=True
    ):
        if lacking[k] and value > FLOW_TOLERANCE:
            causes.append(
                f"facility {names[k]!r} cannot get enough "
                f"{resources[k]!r} ({demand_ids[k]}, no alternative) "
                f"in slice {slice_ids[t]!r}: short by {value:,.6g}"
            )
    return causes
