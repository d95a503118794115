"""Result tables as sortable HTML tables: every header or cell says its unit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from symopt.text import printable

#: Column -> unit, with `{currency}` filled in; amounts take the row's `unit` column.
_MONEY_PER_YEAR = {
    "annual_cost",
    "transport_cost",
    "cost",
    "avoided_alternative_cost",
    "avoided_disposal_cost",
    "annualised_capex",
    "fixed_opex",
    "net_annual_benefit",
    "standalone_cost",
    "shapley_cost",
    "shapley_saving",
    "proportional_cost",
    "objective",
    "total_cost",
    "cost_saving",
    "amount_paid",
    "transfer",
}
_EMISSIONS = {
    "emissions",
    "avoided_alternative_emissions",
    "avoided_disposal_emissions",
    "transport_emissions",
    "total_emissions",
    "emission_saving",
    "emission_cap",
}
_FIXED_UNITS = {
    "distance_km": "km",
    "payback_years": "years",
    "lat": "°N",
    "lon": "°E",
    "solve_seconds": "s",
    "seconds": "s",
    "mip_gap": "",
}
#: Amount columns whose unit is the row's `unit` (or `size_unit` for size).
_ROW_UNIT = {"sent": "unit", "delivered": "unit", "amount": "unit", "size": "size_unit"}
#: Columns that only carry units or ids repeated elsewhere.
_HIDDEN = {"unit", "size_unit", "supply_id", "demand_id"}


@dataclass(frozen=True)
class Cell:
    text: str
    sort: float | str
    numeric: bool


@dataclass(frozen=True)
class TableView:
    key: str
    title: str
    note: str
    headers: list[str]
    rows: list[list[Cell]]


def column_unit(column: str, currency: str) -> str:
    """The unit of a column shown in its header ("" if it has none or it varies by row)."""
    if column in _MONEY_PER_YEAR:
        return f"{currency}/yr"
    if column in _EMISSIONS:
        return "t CO2e/yr"
    if column == "npv":
        return currency
    if column == "abatement_cost_per_t":
        return f"{currency}/t CO2e"
    return _FIXED_UNITS.get(column, "")


def format_number(value: float, digits: int = 0) -> str:
    if not math.isfinite(value):
        return "-"
    magnitude = abs(value)
    if magnitude and magnitude < 10 ** (-digits) * 10 and digits < 4:
        return f"{value:,.4g}"
    return f"{value:,.{digits}f}"


def _cell(value: Any, unit: str, digits: int) -> Cell:
    if isinstance(value, bool):
        return Cell("yes" if value else "no", int(value), False)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):
            return Cell("-", -math.inf, True)
        text = format_number(number, digits)
        return Cell(f"{text} {printable(unit)}".strip(), number, True)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return Cell("-", "", False)
    text = printable(value)
    return Cell(text, text.lower(), False)


def _digits(column: str, currency: str) -> int:
    if column_unit(column, currency).startswith(currency) and currency:
        return 0
    return {"distance_km": 2, "payback_years": 1, "mip_gap": 4, "lat": 4, "lon": 4}.get(column, 1)


def _integral(column: pd.Series) -> bool:
    """A numeric column whose every finite value is a whole number (counts, point numbers)."""
    if column.dtype == bool or not pd.api.types.is_numeric_dtype(column):
        return False
    values = column.to_numpy(dtype=float)
    values = values[pd.notna(values) & (abs(values) != float("inf"))]
    return bool(len(values)) and bool((values == values.round()).all())


def table_view(
    key: str, title: str, frame: pd.DataFrame, currency: str, note: str = ""
) -> TableView:
    """`frame` as a TableView: units in headers, per-row units on amount cells."""
    columns = [c for c in frame.columns if c not in _HIDDEN]
    headers = []
    for column in columns:
        unit = column_unit(str(column), currency)
        name = str(column).removesuffix("_km").replace("_", " ")
        headers.append(f"{name} ({unit})" if unit else name)
    whole = {str(c) for c in columns if _integral(frame[c])}
    rows = []
    for record in frame.to_dict("records"):
        row = []
        for column in columns:
            value = record[column]
            row_unit_column = _ROW_UNIT.get(str(column))
            unit = ""
            if row_unit_column is not None and row_unit_column in record:
                raw = record[row_unit_column]
                unit = "" if not isinstance(raw, str) else raw
                if column == "size" and not unit:
                    unit = "units"
            digits = 0 if str(column) in whole else _digits(str(column), currency)
            row.append(_cell(value, unit, digits))
        rows.append(row)
    return TableView(key, title, note, headers, rows)
