"""Cross-checks between parts of a scenario that the schema cannot see on its own.

Each check yields `(path, message)` pairs; `symopt.scenario.loading` attaches the file and line.
Messages say what is wrong and what was expected, with a close match where one exists.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from symopt.enums import Better, Mixing
from symopt.errors import Path
from symopt.scenario.schema import Alternative, Amount, Bound, Facility, Scenario, Security

Problem = tuple[Path, str]


def unknown_id_message(kind: str, name: str, known: Iterable[str]) -> str:
    """`unknown site 'wwpt'; expected one of: h2plant, wwtp (did you mean 'wwtp'?)`."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    listing = ", ".join(known) if known else f"none: define one under '{kind}s' first"
    return f"unknown {kind} {name!r}; expected one of: {listing}{hint}"


def check_scenario(scenario: Scenario) -> Iterator[Problem]:
    """Every cross-reference and cross-field rule of the format."""
    yield from _check_time_slices(scenario)
    yield from _check_facilities(scenario)
    yield from _check_transport(scenario)
    yield from _check_distances(scenario)
    yield from _check_owners(scenario)


def _check_time_slices(scenario: Scenario) -> Iterator[Problem]:
    counts = Counter(time_slice.id for time_slice in scenario.time_slices)
    for index, time_slice in enumerate(scenario.time_slices):
        if counts[time_slice.id] > 1:
            yield (
                ("time_slices", index, "id"),
                f"duplicate slice id {time_slice.id!r}; each slice id must be unique",
            )


def _check_amount(amount: Amount, path: Path, slice_ids: set[str]) -> Iterator[Problem]:
    if isinstance(amount, Mapping):
        for slice_id in amount:
            if slice_id not in slice_ids:
                yield (*path, slice_id), unknown_id_message("time slice", slice_id, slice_ids)


def _check_facilities(scenario: Scenario) -> Iterator[Problem]:
    slice_ids = {time_slice.id for time_slice in scenario.time_slices}
    for name, facility in scenario.facilities.items():
        path: Path = ("facilities", name)
        yield from _check_placement(scenario, name, facility)
        process = facility.process
        if not facility.supplies and not facility.demands and process is None:
            yield (
                path,
                "a facility needs at least one supply or demand; "
                "expected 'supplies', 'demands' or 'process'",
            )
        if process is not None:
            if not process.inputs and not process.outputs:
                yield (*path, "process"), "a process needs at least one input or output"
            if process.min_activity is not None:
                yield from _check_amount(
                    process.min_activity, (*path, "process", "min_activity"), slice_ids
                )
            for index, item in enumerate(process.inputs):
                item_path: Path = (*path, "process", "inputs", index)
                yield from _check_bounds(scenario, item.resource, item.quality, item_path)
                yield from _check_alternative(
                    scenario, item.resource, item.quality, item.alternative, item_path
                )
                if item.alternative is None and _requires_backup(item.security):
                    yield (
                        (*item_path, "security", "backup"),
                        "backup is required but this input has no 'alternative' to keep it; "
                        "expected an 'alternative: {cost, emissions, capacity_cost}' or "
                        "'security: {backup: none}'",
                    )
            for index, output in enumerate(process.outputs):
                output_path: Path = (*path, "process", "outputs", index)
                yield from _check_values(scenario, output.resource, output.quality, output_path)
        for index, supply in enumerate(facility.supplies):
            supply_path: Path = (*path, "supplies", index)
            yield from _check_amount(supply.amount, (*supply_path, "amount"), slice_ids)
            yield from _check_values(scenario, supply.resource, supply.quality, supply_path)
        for index, demand in enumerate(facility.demands):
            demand_path: Path = (*path, "demands", index)
            yield from _check_amount(demand.amount, (*demand_path, "amount"), slice_ids)
            yield from _check_bounds(scenario, demand.resource, demand.quality, demand_path)
            yield from _check_alternative(
                scenario, demand.resource, demand.quality, demand.alternative, demand_path
            )


def _requires_backup(security: Security | None) -> bool:
    return security is not None and security.backup == "required"


def _check_alternative(
    scenario: Scenario,
    resource_id: str,
    bounds: Mapping[str, Bound],
    alternative: Alternative | None,
    path: Path,
) -> Iterator[Problem]:
    """The alternative's quality names attributes of the resource and meets `mixing: none` bounds."""
    resource = scenario.resources.get(resource_id)
    if resource is None or alternative is None:
        return
    for attribute, value in alternative.quality.items():
        spec = resource.qualities.get(attribute)
        value_path: Path = (*path, "alternative", "quality", attribute)
        if spec is None:
            yield (
                value_path,
                f"resource {resource_id!r} has no quality attribute {attribute!r}; "
                + unknown_id_message("quality attribute", attribute, resource.qualities),
            )
            continue
        bound = bounds.get(attribute)
        if spec.mixing is not Mixing.NONE or bound is None:
            continue
        if bound.min is not None and value < bound.min:
            yield (
                value_path,
                f"{attribute!r} does not mix (mixing: none), so the alternative must meet the "
                f"bound on its own: {value:g} is below the min {bound.min:g}; expected >= "
                f"{bound.min:g}",
            )
        if bound.max is not None and value > bound.max:
            yield (
                value_path,
                f"{attribute!r} does not mix (mixing: none), so the alternative must meet the "
                f"bound on its own: {value:g} is above the max {bound.max:g}; expected <= "
                f"{bound.max:g}",
            )


def _check_placement(scenario: Scenario, name: str, facility: Facility) -> Iterator[Problem]:
    path: Path = ("facilities", name)
    if facility.site is not None and facility.site not in scenario.sites:
        yield (*path, "site"), unknown_id_message("site", facility.site, scenario.sites)
    for index, site in enumerate(facility.candidate_sites or ()):
        if site not in scenario.sites:
            yield (
                (*path, "candidate_sites", index),
                unknown_id_message("site", site, scenario.sites),
            )
    for site in facility.site_costs:
        if site not in facility.sites:
            yield (
                (*path, "site_costs", site),
                f"{site!r} is not a site this facility may stand on; "
                + unknown_id_message("site", site, facility.sites),
            )


def _check_values(
    scenario: Scenario, resource_id: str, quality: Mapping[str, float], path: Path
) -> Iterator[Problem]:
    """A supply (or process output) gives a value for every attribute of its resource."""
    resource = scenario.resources.get(resource_id)
    if resource is None:
        yield (*path, "resource"), unknown_id_message("resource", resource_id, scenario.resources)
        return
    for attribute in quality:
        if attribute not in resource.qualities:
            yield (
                (*path, "quality", attribute),
                f"resource {resource_id!r} has no quality attribute {attribute!r}; "
                + unknown_id_message("quality attribute", attribute, resource.qualities),
            )
    for attribute, spec in resource.qualities.items():
        if attribute not in quality:
            yield (
                (*path, "quality"),
                f"missing a value for {attribute!r}; every quality attribute of "
                f"{resource_id!r} must be given (in {spec.unit or 'its unit'})",
            )


def _check_bounds(
    scenario: Scenario, resource_id: str, quality: Mapping[str, Bound], path: Path
) -> Iterator[Problem]:
    """A demand's (or process input's) bounds name attributes of its resource, the right way."""
    resource = scenario.resources.get(resource_id)
    if resource is None:
        yield (*path, "resource"), unknown_id_message("resource", resource_id, scenario.resources)
        return
    for attribute, bound in quality.items():
        spec = resource.qualities.get(attribute)
        bound_path: Path = (*path, "quality", attribute)
        if spec is None:
            yield (
                bound_path,
                f"resource {resource_id!r} has no quality attribute {attribute!r}; "
                + unknown_id_message("quality attribute", attribute, resource.qualities),
            )
        elif spec.better is Better.HIGHER and bound.min is None:
            yield (
                bound_path,
                f"{attribute!r} is better higher, so its bound is a minimum; expected {{min: x}}",
            )
        elif spec.better is Better.LOWER and bound.max is None:
            yield (
                bound_path,
                f"{attribute!r} is better lower, so its bound is a maximum; expected {{max: x}}",
            )


def _check_transport(scenario: Scenario) -> Iterator[Problem]:
    for name, mode in scenario.transport.items():
        path: Path = ("transport", name)
        attributes: set[str] = set()
        for index, resource_id in enumerate(mode.resources):
            resource = scenario.resources.get(resource_id)
            if resource is None:
                yield (
                    (*path, "resources", index),
                    unknown_id_message("resource", resource_id, scenario.resources),
                )
            else:
                attributes.update(resource.qualities)
        for attribute in mode.quality_change_per_km:
            if attribute not in attributes:
                yield (
                    (*path, "quality_change_per_km", attribute),
                    "no resource this mode carries has the quality attribute "
                    + repr(attribute)
                    + "; "
                    + unknown_id_message("quality attribute", attribute, attributes),
                )


def _check_distances(scenario: Scenario) -> Iterator[Problem]:
    for index, override in enumerate(scenario.distances):
        for field, site in (("from", override.from_site), ("to", override.to_site)):
            if site not in scenario.sites:
                yield ("distances", index, field), unknown_id_message("site", site, scenario.sites)


def _names(data: Any, key: str) -> set[str]:
    value = data.get(key) if isinstance(data, dict) else None
    return {str(name) for name in value} if isinstance(value, dict) else set()


def _items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def check_raw_references(data: Any) -> Iterator[Problem]:
    """References to sites, resources and slices, read from raw data that failed the schema.

    Used only when the schema rejected the file, so that a planner sees the unknown ids
    together with the field errors instead of one round after the other.
    """
    if not isinstance(data, dict):
        return
    sites, resources = _names(data, "sites"), _names(data, "resources")
    slices = {
        str(item.get("id"))
        for _, item in _items(data.get("time_slices"))
        if isinstance(item, dict) and "id" in item
    } or {"year"}
    facilities = data.get("facilities")
    for name, facility in facilities.items() if isinstance(facilities, dict) else ():
        if isinstance(facility, dict):
            yield from _raw_facility(("facilities", name), facility, sites, resources, slices)
    transport = data.get("transport")
    for name, mode in transport.items() if isinstance(transport, dict) else ():
        for index, resource in _items(mode.get("resources") if isinstance(mode, dict) else None):
            if isinstance(resource, str) and resources and resource not in resources:
                yield (
                    ("transport", name, "resources", index),
                    unknown_id_message("resource", resource, resources),
                )
    for index, item in _items(data.get("distances")):
        for end in ("from", "to"):
            site = item.get(end) if isinstance(item, dict) else None
            if isinstance(site, str) and sites and site not in sites:
                yield ("distances", index, end), unknown_id_message("site", site, sites)


def _raw_facility(
    path: Path, facility: dict[str, Any], sites: set[str], resources: set[str], slices: set[str]
) -> Iterator[Problem]:
    site = facility.get("site")
    if isinstance(site, str) and sites and site not in sites:
        yield (*path, "site"), unknown_id_message("site", site, sites)
    for index, candidate in _items(facility.get("candidate_sites")):
        if isinstance(candidate, str) and sites and candidate not in sites:
            yield (*path, "candidate_sites", index), unknown_id_message("site", candidate, sites)
    for group_path, group in item_groups(facility, path):
        for index, item in _items(group):
            if not isinstance(item, dict):
                continue
            resource = item.get("resource")
            if isinstance(resource, str) and resources and resource not in resources:
                yield (
                    (*group_path, index, "resource"),
                    unknown_id_message("resource", resource, resources),
                )
            amount = item.get("amount")
            for slice_id in amount if isinstance(amount, dict) else ():
                if str(slice_id) not in slices:
                    yield (
                        (*group_path, index, "amount", slice_id),
                        unknown_id_message("time slice", str(slice_id), slices),
                    )


def _check_owners(scenario: Scenario) -> Iterator[Problem]:
    """With a `firms` map, every explicit `owner` names one of its firms."""
    if not scenario.firms:
        return
    for name, facility in scenario.facilities.items():
        if facility.owner is not None and facility.owner not in scenario.firms:
            yield (
                ("facilities", name, "owner"),
                unknown_id_message("firm", facility.owner, scenario.firms),
            )


def item_groups(facility: Mapping[str, Any], path: Path) -> list[tuple[Path, Any]]:
    """A raw facility's lists of supplies, demands, process inputs and outputs, each with its
    path (a list may be missing or not a list: the caller checks)."""
    raw_process = facility.get("process")
    process: Mapping[str, Any] = raw_process if isinstance(raw_process, dict) else {}
    return [
        ((*path, "supplies"), facility.get("supplies")),
        ((*path, "demands"), facility.get("demands")),
        ((*path, "process", "inputs"), process.get("inputs")),
        ((*path, "process", "outputs"), process.get("outputs")),
    ]
