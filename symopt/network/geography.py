"""Sites on the globe: great-circle distances, distance overrides, pairs within reach.

Distances are computed once per pair of sites (not per link), and for a mode with a
`max_distance` only the site pairs within reach are formed, found with a k-d tree on
unit-sphere coordinates, so that a region of thousands of facilities never builds the
dense product of all sources and sinks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from symopt.scenario.schema import Scenario

EARTH_RADIUS_KM = 6371.0
#: Widen k-d tree searches a little so that rounding never drops a pair at the limit.
_SEARCH_SLACK = 1e-9


def haversine_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance on a sphere of radius 6371.0 km (inputs in degrees)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half_dphi = (phi2 - phi1) / 2.0
    half_dlambda = np.radians(lon2 - lon1) / 2.0
    a = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=float)


@dataclass(frozen=True)
class Geography:
    """The scenario's sites by position (0..n-1) and its distance overrides."""

    names: pd.Index
    lat: np.ndarray
    lon: np.ndarray
    override_km: pd.Series
    """Override km keyed by `from * n + to`, in both directions (a later entry wins)."""

    @classmethod
    def of(cls, scenario: Scenario) -> Geography:
        names = pd.Index(list(scenario.sites))
        lat = np.array([site.lat for site in scenario.sites.values()], dtype=float)
        lon = np.array([site.lon for site in scenario.sites.values()], dtype=float)
        n = len(names)
        keys: dict[int, float] = {}
        position = {name: index for index, name in enumerate(scenario.sites)}
        for item in scenario.distances:
            i, j = position[item.from_site], position[item.to_site]
            keys[i * n + j] = item.km
            keys[j * n + i] = item.km
        override = pd.Series(list(keys.values()), index=list(keys.keys()), dtype=float)
        return cls(names, lat, lon, override)

    def positions(self, names: pd.Series) -> np.ndarray:
        return np.asarray(self.names.get_indexer(pd.Index(names)), dtype=np.int64)

    def distance_km(self, i: np.ndarray, j: np.ndarray, detour: float) -> np.ndarray:
        """The spec's distance: override, else great circle times detour; same site 0 km."""
        great_circle = haversine_km(self.lat[i], self.lon[i], self.lat[j], self.lon[j])
        distance = great_circle * detour
        if len(self.override_km) and len(i):
            override = self.override_km.reindex(i * len(self.names) + j).to_numpy(dtype=float)
            distance = np.where(np.isnan(override), distance, override)
        return np.where(i == j, 0.0, distance)

    def pairs_within(
        self, origins: np.ndarray, targets: np.ndarray, great_circle_km: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Site pairs (origin, target) whose great-circle distance may be within reach,
        plus every pair with an override and every same-site pair."""
        if not len(origins) or not len(targets):
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        if not np.isfinite(great_circle_km):
            return np.repeat(origins, len(targets)), np.tile(targets, len(origins))
        points = self._unit_vectors()
        angle = min(great_circle_km / EARTH_RADIUS_KM, np.pi)
        chord = 2.0 * np.sin(angle / 2.0) * (1.0 + _SEARCH_SLACK) + _SEARCH_SLACK
        hits = cKDTree(points[targets]).query_ball_point(points[origins], chord)
        counts = np.fromiter((len(hit) for hit in hits), dtype=np.int64, count=len(hits))
        i = np.repeat(origins, counts)
        j = (
            targets[np.concatenate(hits).astype(np.int64)]
            if counts.sum()
            else np.empty(0, np.int64)
        )
        n = len(self.names)
        keys = [i * n + j]
        if len(self.override_km):
            override = self.override_km.index.to_numpy(dtype=np.int64)
            keys.append(override[np.isin(override // n, origins) & np.isin(override % n, targets)])
        shared = np.intersect1d(origins, targets)
        keys.append(shared * n + shared)
        unique = np.unique(np.concatenate(keys))
        return unique // n, unique % n

    def _unit_vectors(self) -> np.ndarray:
        phi, lam = np.radians(self.lat), np.radians(self.lon)
        return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))
