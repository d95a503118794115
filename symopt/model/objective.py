"""The objective a scenario (or a caller) asks for, as weights on cost and emissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symopt.enums import ObjectiveKind
from symopt.scenario.schema import ObjectiveWeights


@dataclass(frozen=True)
class Objective:
    """Minimise `cost_weight * annual cost + emissions_weight * annual emissions`."""

    cost_weight: float
    emissions_weight: float

    @property
    def label(self) -> str:
        if self.emissions_weight == 0:
            return ObjectiveKind.COST.value
        if self.cost_weight == 0:
            return ObjectiveKind.EMISSIONS.value
        return f"{self.cost_weight:g} * cost + {self.emissions_weight:g} * emissions"

    @classmethod
    def of(cls, spec: Any) -> Objective:
        """From 'cost', 'emissions', an `ObjectiveKind`, weights, or a weights map."""
        if isinstance(spec, Objective):
            return spec
        if isinstance(spec, ObjectiveWeights):
            return cls(spec.cost, spec.emissions)
        if isinstance(spec, dict):
            weights = ObjectiveWeights.model_validate(spec)
            return cls(weights.cost, weights.emissions)
        kind = ObjectiveKind(spec)
        return cls(1.0, 0.0) if kind is ObjectiveKind.COST else cls(0.0, 1.0)
