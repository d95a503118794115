"""The cooperative cost game as pure functions of a table of coalition values.

Firms are numbered 0..n-1 and a coalition is a bit mask (bit i set: firm i is in it);
`values[mask]` is v(S), the optimal annual cost of the firms in S on their own (NaN where
undefined), with v(empty) = 0. Nothing here solves anything: `symopt.studies.share` fills
the table, and the tests check these functions on random games.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: Cost differences below this (currency per year, relative to the grand cost) are
#: solver tolerance, not a coalition doing better on its own.
CORE_TOLERANCE = 1e-6


def members(mask: int, n: int) -> list[int]:
    """The firms in a coalition, in order."""
    return [i for i in range(n) if mask >> i & 1]


def mask_of(firms: Iterable[int]) -> int:
    mask = 0
    for i in firms:
        mask |= 1 << i
    return mask


def shapley_exact(values: np.ndarray) -> np.ndarray:
    """phi_i = sum over S not containing i of |S|! (n-|S|-1)! / n! * (v(S u {i}) - v(S)).

    `values` has 2^n entries; NaN anywhere makes every phi NaN (each uses every v(S)).
    """
    size = len(values)
    n = size.bit_length() - 1
    if size != 1 << n:
        raise ValueError(f"expected 2^n coalition values, got {size}")
    masks = np.arange(size)
    counts = np.array([bin(mask).count("1") for mask in range(size)])
    weight = np.array(
        [math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)]
    )
    phi = np.empty(n)
    for i in range(n):
        without = masks[(masks >> i & 1) == 0]
        marginal = values[without | (1 << i)] - values[without]
        phi[i] = float(np.sum(weight[counts[without]] * marginal))
    return phi


def sample_permutations(n: int, samples: int, seed: int) -> np.ndarray:
    """(samples, n): random orders of the firms, reproducible from `seed`."""
    generator = np.random.default_rng(seed)
    return np.array([generator.permutation(n) for _ in range(samples)], dtype=int).reshape(
        samples, n
    )


def prefix_masks(orders: np.ndarray) -> set[int]:
    """Every coalition the permutations need: the firms before and including each position."""
    needed: set[int] = set()
    for order in orders:
        mask = 0
        for i in order:
            mask |= 1 << int(i)
            needed.add(mask)
    return needed


@dataclass(frozen=True)
class SampledShapley:
    value: np.ndarray
    """Mean marginal cost of each firm over the sampled orders."""
    standard_error: np.ndarray
    """Standard deviation of the marginal costs / sqrt(samples)."""


def shapley_sampled(orders: np.ndarray, values: Mapping[int, float]) -> SampledShapley:
    """Permutation sampling: each order adds the firms one by one, each firm's marginal
    cost is v(before and it) - v(before); phi_i is the mean over the orders."""
    samples, n = orders.shape
    marginal = np.empty((samples, n))
    for row, order in enumerate(orders):
        mask, previous = 0, 0.0
        for i in order:
            mask |= 1 << int(i)
            value = values[mask]
            marginal[row, int(i)] = value - previous
            previous = value
    mean = marginal.mean(axis=0)
    spread = marginal.std(axis=0, ddof=1) if samples > 1 else np.full(n, np.nan)
    return SampledShapley(mean, spread / math.sqrt(samples))


@dataclass(frozen=True)
class CoreCheck:
    """Whether an allocation is in the core, checked against the solved coalitions."""

    in_core: bool
    blocking: int
    """The coalition that gains most by leaving (mask, 0 if none)."""
    excess: float
    """What it would save on its own: sum of its allocation minus v(S) (0 if none)."""
    checked: int
    """How many coalitions were checked (2^n - 1 when all were solved)."""


def core_check(allocation: np.ndarray, values: Mapping[int, float], grand_cost: float) -> CoreCheck:
    """The cost-game core: sum_{i in S} x_i <= v(S) for every coalition S with a value.

    The coalition with the largest excess sum_{i in S} x_i - v(S) would do better on its
    own by that much; within `CORE_TOLERANCE` (relative to |v(N)|, at least 1) it does not.
    """
    tolerance = CORE_TOLERANCE * max(1.0, abs(grand_cost))
    best_mask, best_excess, checked = 0, -math.inf, 0
    n = len(allocation)
    for mask, value in values.items():
        if mask == 0 or not math.isfinite(value):
            continue
        checked += 1
        excess = float(sum(allocation[i] for i in members(mask, n))) - value
        if excess > best_excess:
            best_mask, best_excess = mask, excess
    if best_excess > tolerance:
        return CoreCheck(False, best_mask, best_excess, checked)
    return CoreCheck(True, 0, 0.0, checked)


def proportional_split(standalone: np.ndarray, grand_cost: float) -> np.ndarray:
    """The saving sum_i v({i}) - v(N) shared in proportion to |v({i})| (equally if all 0).

    x_i = v({i}) - w_i * saving with w_i = |v({i})| / sum_j |v({j})|; with a non-negative
    saving (a subadditive game) no firm pays more than on its own.
    """
    saving = float(np.sum(standalone)) - grand_cost
    size = np.abs(standalone)
    total = float(size.sum())
    weight = size / total if total > 0 else np.full(len(standalone), 1.0 / len(standalone))
    return np.asarray(standalone - weight * saving, dtype=float)


def components(mask: int, adjacency: Sequence[int]) -> list[int]:
    """The connected parts of a coalition in the graph of candidate links between firms.

    With no candidate link between two parts, the restricted model is two independent
    models: v(S) = sum of v(part).
    """
    remaining = mask
    parts = []
    while remaining:
        start = remaining & -remaining
        part, frontier = start, start
        while frontier:
            i = frontier.bit_length() - 1
            frontier &= ~(1 << i)
            reach = int(adjacency[i]) & mask & ~part
            part |= reach
            frontier |= reach
        parts.append(part)
        remaining &= ~part
    return parts
