"""Units and geography on a `Result`: what every amount is measured in, and where it stands.

The solve itself works on bare numbers; the scenario knows the units. `annotate` adds
them to the result tables so that every CSV row says its unit (`unit`: the resource's
unit of an amount; `size_unit`: what one unit of a facility's size means), and adds the
`sites` table (each facility's candidate sites with coordinates) that the report's map
draws. Money columns are in the summary's currency per year, emissions in t CO2e per
year (docs/results.md).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from symopt.results.tables import Result
from symopt.scenario.schema import Scenario

#: Columns of the `sites` table (sites.csv).
SITE_COLUMNS = ["facility", "site", "lat", "lon", "candidate", "placed"]
#: The unit of every emissions figure.
EMISSIONS_UNIT = "t CO2e"


def resource_units(scenario: Scenario) -> dict[str, str]:
    """Resource id -> its unit as the scenario declares it ("" if none)."""
    return {resource: spec.unit for resource, spec in scenario.resources.items()}


def size_units(scenario: Scenario) -> dict[str, str]:
    """Facility id -> the unit of its size ("" for a facility without size or unit)."""
    return {
        facility: spec.size.unit if spec.size is not None else ""
        for facility, spec in scenario.facilities.items()
    }


def site_table(scenario: Scenario, facilities: pd.DataFrame) -> pd.DataFrame:
    """One row per facility and site it may stand on: coordinates, and whether it stands there.

    `candidate` is True for a facility placed by the optimiser (`candidate_sites`);
    `placed` is True where the solution puts a built facility.
    """
    chosen: dict[str, str] = {}
    if {"built", "site"} <= set(facilities.columns):
        built = facilities[facilities["built"].astype(bool)]
        chosen = dict(zip(built["facility"].astype(str), built["site"].astype(str), strict=True))
    rows = [
        (
            facility,
            site,
            scenario.sites[site].lat,
            scenario.sites[site].lon,
            spec.candidate_sites is not None,
            chosen.get(facility) == site,
        )
        for facility, spec in scenario.facilities.items()
        for site in spec.sites
    ]
    return pd.DataFrame(rows, columns=SITE_COLUMNS)


def _with_unit(table: pd.DataFrame, resource_column: str, units: dict[str, str]) -> pd.DataFrame:
    if resource_column not in table.columns:
        return table
    return table.assign(unit=table[resource_column].map(units).fillna("").astype(object))


def annotate(result: Result, scenario: Scenario) -> Result:
    """`result` with a `unit` column on every amount table, `size_unit` on facilities, and sites."""
    units = resource_units(scenario)
    facilities = result.facilities
    facilities = facilities.assign(
        size_unit=np.asarray(
            facilities["facility"].astype(str).map(size_units(scenario)).fillna(""), dtype=object
        )
    )
    return dataclasses.replace(
        result,
        flows=_with_unit(result.flows, "supply_resource", units),
        links=_with_unit(result.links, "resource", units),
        alternatives=_with_unit(result.alternatives, "resource", units),
        disposals=_with_unit(result.disposals, "resource", units),
        facilities=facilities,
        sites=site_table(scenario, result.facilities),
    )
