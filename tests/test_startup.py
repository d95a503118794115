"""`symopt validate` imports none of the heavy modules (the time is measured in make bench)."""

from __future__ import annotations

from benchmarks.startup import HEAVY, heavy_modules_imported


def test_validate_imports_no_heavy_module() -> None:
    assert "pandas" in HEAVY
    assert "pyomo" in HEAVY
    assert heavy_modules_imported() == []
