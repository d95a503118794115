"""A candidate network without some facilities: what a coalition of firms has on its own.

Removing facilities removes their placements, supply and demand nodes and every link
that touches them; what remains is the network `build_network` gives for the scenario
without those facilities, except that the big-M bounds (supply, demand and activity
maxima) stay those of the whole network. They remain valid upper bounds (removing
facilities only removes links, so no process can usefully run more than before), so the
optimum is the same; only the rows are renumbered. This is much cheaper than parsing and
building the smaller scenario again, which `symopt share` does for every coalition.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from symopt.network.candidates import CandidateNetwork


def _renumber(keep: np.ndarray) -> np.ndarray:
    """Old row -> new row (-1 for a removed row)."""
    new = np.full(len(keep), -1, dtype=int)
    new[keep] = np.arange(int(keep.sum()))
    return new


@dataclass(frozen=True)
class Kept:
    """Which rows of the whole network's tables a restriction keeps (boolean masks);
    row i of a restricted table is row `np.flatnonzero(mask)[i]` of the whole one."""

    facilities: np.ndarray
    placements: np.ndarray
    supplies: np.ndarray
    demands: np.ndarray
    links: np.ndarray


def kept_rows(network: CandidateNetwork, facilities: set[str]) -> Kept:
    """The rows that belong to the named facilities (links: both ends among them)."""
    names = network.facilities["facility"].to_numpy(dtype=object)
    keep_f = np.isin(names, list(facilities))
    keep_p = keep_f[network.placements["facility_index"].to_numpy(dtype=int)]
    keep_s = keep_f[network.supplies["facility_index"].to_numpy(dtype=int)]
    keep_k = keep_f[network.demands["facility_index"].to_numpy(dtype=int)]
    links = network.links
    keep_l = (
        keep_s[links["supply"].to_numpy(dtype=int)] & keep_k[links["demand"].to_numpy(dtype=int)]
    )
    return Kept(keep_f, keep_p, keep_s, keep_k, keep_l)


def restrict_network(network: CandidateNetwork, facilities: set[str]) -> CandidateNetwork:
    """The network with only the named facilities (and the links between them)."""
    kept = kept_rows(network, facilities)
    keep_f, keep_p, keep_s, keep_k, keep_l = (
        kept.facilities,
        kept.placements,
        kept.supplies,
        kept.demands,
        kept.links,
    )
    new_f, new_p = _renumber(keep_f), _renumber(keep_p)
    new_s, new_k, new_l = _renumber(keep_s), _renumber(keep_k), _renumber(keep_l)
    placements, supplies, demands, links = (
        network.placements,
        network.supplies,
        network.demands,
        network.links,
    )

    def rows(table: pd.DataFrame, keep: np.ndarray, **remap: np.ndarray) -> pd.DataFrame:
        kept = table[keep].reset_index(drop=True)
        return kept.assign(
            **{
                column: mapping[kept[column].to_numpy(dtype=int)]
                for column, mapping in remap.items()
            }
        )

    terms = network.quality_terms
    keep_terms = (
        keep_k[terms["demand"].to_numpy(dtype=int)] & keep_l[terms["link"].to_numpy(dtype=int)]
    )
    quality = network.link_quality
    return dataclasses.replace(
        network,
        facilities=network.facilities[keep_f].reset_index(drop=True),
        placements=rows(placements, keep_p, facility_index=new_f),
        supplies=rows(supplies, keep_s, facility_index=new_f),
        demands=rows(demands, keep_k, facility_index=new_f),
        supply_amount=network.supply_amount[keep_s],
        demand_amount=network.demand_amount[keep_k],
        supply_max=network.supply_max[keep_s],
        demand_max=network.demand_max[keep_k],
        min_activity=network.min_activity[keep_f],
        activity_max=network.activity_max[keep_f],
        links=rows(
            links,
            keep_l,
            supply=new_s,
            demand=new_k,
            placement_from=new_p,
            placement_to=new_p,
        ),
        quality_terms=rows(terms, keep_terms, demand=new_k, link=new_l),
        link_quality=rows(quality, keep_l[quality["link"].to_numpy(dtype=int)], link=new_l),
    )
