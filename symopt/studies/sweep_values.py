"""Swept values made canonical: one text per value (70 and 70.0 alike), for hashes and keys."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def _normal_number(value: Any) -> Any:
    """Numbers as floats (70 and 70.0 are the same variant); containers recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _normal_number(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal_number(v) for v in value]
    return str(value)


def canonical(value: Any) -> str:
    return json.dumps(_normal_number(value), sort_keys=True, separators=(",", ":"))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
