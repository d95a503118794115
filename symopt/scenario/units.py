"""Numbers written with their unit (`"150 kt"`, `"5 MW"`, `"45 EUR/MWh"`), converted with pint.

A pre-pass over the raw scenario data, before the schema: every field below that holds a
string starting with a number is read as a quantity and replaced by the plain number
in the unit the format expects; a plain number keeps today's meaning. Problems are
`(path, message)` pairs, so that the loader names file, line and field.

- an amount (a supply's or demand's `amount`): in the resource's `unit`. A rate (power,
  `Nm3/h`) is multiplied by the hours it runs: the slice's hours for a per-slice amount,
  the total hours of the slices for a yearly one; a unit "per year" (`"40 GWh/yr"`) is
  the yearly amount itself.
- a cost per unit (`cost` of a supply or output, `alternative.cost`, `disposal.cost`):
  currency per resource unit; `alternative.capacity_cost`: currency per (resource unit
  per hour) per year; emissions per unit: t CO2e per resource unit; `economics.
  carbon_price`: currency per t; a facility's `build` costs and `site_costs`: currency.
- Gas volumes at normal conditions (`Nm3`) convert to mass and back through the
  resource's `density` (kg/Nm3), which must then be declared.
- transport: `capex_per_km`, `fixed_opex_per_km` in currency per km, `max_distance` and
  `distances[].km` in km; `variable_cost` and `emissions` per unit per km, when every
  resource the mode carries has the same unit.
- a facility's `size: {min, max}`: in its declared size unit (`size.unit`, read from its
  leading unit: `MW electrical input` is MW), a rate; a yearly quantity is spread over
  the total hours of the slices. A process's activity is then in the size unit times
  hours (MW -> MWh): `process.min_activity` converts like an amount in that unit, and a
  `per_activity` in the resource's unit per unit of activity (`"0.2 t/MWh"`), or in the
  resource's unit alone (per unit of activity implied: `"200 kg"`).
- Currencies are dimensions of their own (EUR, SEK, ... with SI prefixes: `MEUR`); only
  the scenario's `currency` is accepted (no exchange rates).
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from symopt.errors import Path
from symopt.scenario.checks import item_groups

Problem = tuple[Path, str]

CURRENCIES = ("EUR", "SEK", "USD", "DKK", "NOK", "GBP")
#: Unit spellings pint reads otherwise (`kt` is a knot there) or not at all (`m3`).
_SPELLINGS = [
    (re.compile(r"N\s?m(3|³|\*\*3|\^3)"), "normal_cubic_metre"),
    (re.compile(r"\bkt\b"), "kilotonne"),
    (re.compile(r"\b([cdk]?m)(3|³)\b"), r"\1**3"),
    (re.compile(r"\b([cdk]?m)(2|²)\b"), r"\1**2"),
]
#: A quantity: a decimal number, a space, then its unit. Anything else stays text (the
#: schema refuses quoted numbers and YAML 1.1 forms such as 0x1F or 1:30 as text).
STARTS_WITH_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s+[^\s\d]")
#: Powers only of units, by one digit: `9**9**9` would make pint compute for ever.
_BAD_POWER = re.compile(r"(\d\s*(\*\*|\^))|((\*\*|\^)\s*(?![-]?\d(?![\d.])))")
MAX_QUANTITY_LENGTH = 100


@cache
def registry() -> Any:
    """pint's registry plus currencies and normal cubic metres, each its own dimension.

    pint (which imports numpy and scipy) is loaded only when a file holds a quantity.
    """
    import pint

    units: Any = pint.UnitRegistry()
    for currency in CURRENCIES:
        units.define(f"{currency} = [currency_{currency}]")
    units.define("normal_cubic_metre = [normal_volume]")
    return units


def _parse(text: str) -> Any:
    if len(text) > MAX_QUANTITY_LENGTH or _BAD_POWER.search(text):
        raise ValueError("powers are allowed only on units, by one digit (m**3, s^-1)")
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    return registry().Quantity(text)


@dataclass(frozen=True)
class Context:
    """What a conversion needs to know about the field's resource and the scenario."""

    currency: str
    resource_unit: str | None
    density: float | None
    """kg per Nm3 of the resource, if declared."""
    total_hours: float
    slice_hours: dict[str, float]
    activity_unit: str | None = None
    """The facility's size unit, if declared: activity is in it times hours."""


class UnitError(ValueError):
    """A quantity that does not convert; the message says what to write instead."""


def _target(kind: str, context: Context) -> Any:
    units = registry()
    money = units(context.currency)
    if kind == "money":
        return money
    if kind == "carbon":
        return money / units.tonne
    if kind == "km":
        return units.km
    if kind == "money_per_km":
        return money / units.km
    if kind == "size":
        return _declared_size_unit(context.resource_unit, kind)
    if kind == "activity":
        return _declared_size_unit(context.resource_unit, kind) * units.hour
    resource = _resource_unit(context)
    if kind == "per_activity":
        return resource / (_declared_size_unit(context.activity_unit, kind) * units.hour)
    return {
        "amount": resource,
        "per_unit": money / resource,
        "emissions": units.tonne / resource,
        "capacity": money * units.hour / resource,
        "per_unit_km": money / resource / units.km,
        "emissions_km": units.tonne / resource / units.km,
    }[kind]


def _declared_unit(unit: str | None, missing: str, unknown: str) -> Any:
    """The pint unit a scenario declared, or a `UnitError` saying what is missing or wrong."""
    if unit is None:
        raise UnitError(missing)
    try:
        return _parse(unit).units
    except Exception:  # pint's parser raises tokenizer and other errors on bad text
        raise UnitError(unknown) from None


def _resource_unit(context: Context) -> Any:
    return _declared_unit(
        context.resource_unit,
        "the resource (or a unit shared by every resource of this mode) is unknown, so "
        "the unit to convert to is too; write a plain number",
        f"the resource's unit {context.resource_unit!r} is not a unit symopt can convert "
        "to; write a plain number in it, or declare the resource's unit as a known unit "
        "(t, kg, MWh, m3, Nm3, ...)",
    )


def _declared_size_unit(unit: str | None, kind: str) -> Any:
    return _declared_unit(
        unit,
        "a number with a unit here needs the facility's size unit, which is not "
        "declared; declare it (e.g. `size: {unit: MW, ...}`: size in MW, activity in "
        "MWh) or write a plain number"
        if kind != "per_activity"
        else "the facility's unit of activity is not declared",
        f"the facility's size unit {unit!r} does not start with a unit symopt can "
        "convert to; write a plain number, or declare `size.unit` starting with a known "
        "unit (MW, t/h, Nm3/h, ...)",
    )


def _with_density(quantity: Any, target: Any, context: Context) -> Any:
    """Replace Nm3 by kg (or back) with the resource's density where the two differ."""
    volume = "[normal_volume]"
    power = quantity.dimensionality.get(volume, 0) - target.dimensionality.get(volume, 0)
    if power == 0:
        return quantity
    if context.density is None:
        raise UnitError(
            "converting normal cubic metres (Nm3) needs the resource's `density` (kg/Nm3); "
            "declare it on the resource, e.g. `density: 1.429` for oxygen"
        )
    units = registry()
    return quantity * (context.density * units.kg / units.normal_cubic_metre) ** power


def convert(text: str, kind: str, context: Context, slice_id: str | None = None) -> float:
    """The number `text` stands for in the unit `kind` expects (see the module docstring)."""
    from pint.errors import DimensionalityError  # loaded with the registry, only when needed

    try:
        quantity = _parse(text)
    except Exception as error:  # pint's parser raises tokenizer and other errors on bad text
        raise UnitError(f"cannot read {text!r} as a number with a unit ({error})") from None
    if kind == "per_activity":
        return _per_activity(text, quantity, context)
    target = _target(kind, context)
    if not isinstance(quantity, registry().Quantity):
        raise UnitError(f"cannot read {text!r} as a number with a unit")
    for key in quantity.dimensionality:
        if key.startswith("[currency_") and key != f"[currency_{context.currency}]":
            raise UnitError(
                f"{text!r} is in {key[10:-1]}, but the scenario's currency is "
                f"{context.currency}; convert it to {context.currency} (no exchange rates "
                "are applied)"
            )
    quantity = _with_density(quantity, target, context)
    units = registry()
    per_year = dict(quantity.unit_items()).get("year", 0) < 0
    candidates = [quantity]
    if per_year and kind == "size":  # a yearly quantity over the slices' hours
        candidates.insert(0, quantity * units.year / (context.total_hours * units.hour))
    elif per_year:
        candidates.insert(0, quantity * units.year)
    elif kind in ("amount", "activity"):
        hours = context.total_hours if slice_id is None else context.slice_hours[slice_id]
        candidates.append(quantity * hours * units.hour)
    elif kind in ("money", "capacity", "money_per_km"):
        candidates.append(quantity * units.year)  # a cost per year, e.g. "50 kEUR/yr"
    for candidate in candidates:
        try:
            return float(candidate.to(target).magnitude)
        except DimensionalityError:
            continue
    spelled = f"{target:~}" if kind != "activity" else f"{context.resource_unit}·h"
    raise UnitError(
        f"{text!r} ({_shown(quantity)}) does not convert to {spelled} "
        f"({_what(kind, context)}); write it in {spelled}"
        + (" or as a rate (per hour) of it" if kind in ("amount", "activity") else "")
        + ", or as a plain number in that unit"
    )


def _shown(quantity: Any) -> str:
    return f"{quantity.units:~}" or "no unit"


def _per_activity(text: str, quantity: Any, context: Context) -> float:
    """In the resource's unit per unit of activity, or in the resource's unit alone."""
    from pint.errors import DimensionalityError

    resource = _resource_unit(context)
    targets = [resource]
    written = f"{resource:~}"
    try:
        targets.insert(0, _target("per_activity", context))
        written = f"{resource:~}/({context.activity_unit}·h) or {written}"
    except UnitError:
        pass  # no (convertible) size unit: in the resource's unit alone
    for target in targets:
        try:
            return float(_with_density(quantity, target, context).to(target).magnitude)
        except DimensionalityError:
            continue
    fix = (
        ""
        if len(targets) > 1
        else "; to write it per unit of activity, declare the facility's `size.unit` "
        "starting with a known unit (MW, t/h, ...)"
    )
    raise UnitError(
        f"{text!r} ({_shown(quantity)}) does not convert to {written} (the resource's unit "
        f"{context.resource_unit!r} per unit of activity); write it in {written}, or as "
        f"a plain number in that unit{fix}"
    )


def _what(kind: str, context: Context) -> str:
    return {
        "size": f"the facility's size unit {context.resource_unit!r}",
        "activity": f"the facility's unit of activity: its size unit {context.resource_unit!r} "
        "times hours",
        "amount": f"the resource's unit {context.resource_unit!r}",
        "per_unit": f"{context.currency} per unit of the resource",
        "emissions": "t CO2e per unit of the resource",
        "capacity": f"{context.currency} per year per unit of the resource per hour",
        "money": context.currency,
        "carbon": f"{context.currency} per t CO2e",
        "km": "km",
        "money_per_km": f"{context.currency} per km",
        "per_unit_km": f"{context.currency} per unit of the resource per km",
        "emissions_km": "t CO2e per unit of the resource per km",
    }[kind]


# --------------------------------------------------------------- the pre-pass


def _is_quantity(value: Any) -> bool:
    return isinstance(value, str) and STARTS_WITH_NUMBER.match(value) is not None


def _has_quantity(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_quantity(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_quantity(item) for item in value)
    return _is_quantity(value)


def _fields(item: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path inside a supply/demand/input/output, kind) of its convertible numbers."""
    yield ("cost",), "per_unit"
    yield ("emissions",), "emissions"
    for part in ("disposal", "alternative"):
        yield (part, "cost"), "per_unit"
        yield (part, "emissions"), "emissions"
    yield ("alternative", "capacity_cost"), "capacity"


def convert_units(data: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """`data` with every quantity string replaced by its number; and the problems found.

    Containers holding a quantity are copied (the parsed data is left as it is).
    """
    if not _has_quantity(data):
        return data, []
    data = copy.deepcopy(data)
    problems: list[Problem] = []
    context = _scenario_context(data)
    raw_resources = data.get("resources")
    resources: dict[str, Any] = raw_resources if isinstance(raw_resources, dict) else {}
    economics = data.get("economics")
    if isinstance(economics, dict):
        _convert_at(economics, "carbon_price", "carbon", context, ("economics",), problems)
    facilities = data.get("facilities")
    for name, facility in facilities.items() if isinstance(facilities, dict) else ():
        if not isinstance(facility, dict):
            continue
        path: Path = ("facilities", name)
        build = facility.get("build")
        if isinstance(build, dict):
            for key in ("capex", "fixed_opex", "annual_cost"):
                _convert_at(build, key, "money", context, (*path, "build"), problems)
        site_costs = facility.get("site_costs")
        if isinstance(site_costs, dict):
            for site in list(site_costs):
                _convert_at(site_costs, site, "money", context, (*path, "site_costs"), problems)
        activity = _convert_activity(facility, path, context, problems)
        for group_path, group in item_groups(facility, path):
            for index, item in enumerate(group) if isinstance(group, list) else ():
                if isinstance(item, dict) and _has_quantity(item):
                    own = _resource_context(context, resources, item.get("resource"))
                    own = dataclasses.replace(own, activity_unit=activity)
                    _convert_item(item, (*group_path, index), own, problems)
    _convert_transport(data, resources, context, problems)
    return data, problems


def _size_unit(facility: dict[str, Any]) -> str | None:
    """The facility's declared size unit: its `size.unit`, or the unit it starts with."""
    size = facility.get("size")
    unit = size.get("unit") if isinstance(size, dict) else None
    if not isinstance(unit, str) or not unit.strip():
        return None
    try:
        _parse(unit)
    except Exception:  # pint's parser raises tokenizer and other errors on bad text
        return unit.split()[0]
    return unit


def _convert_activity(
    facility: dict[str, Any], path: Path, context: Context, problems: list[Problem]
) -> str | None:
    """`size.min`, `size.max` and `process.min_activity`; the facility's size unit."""
    unit = _size_unit(facility)
    size, process = facility.get("size"), facility.get("process")
    if isinstance(size, dict) and _has_quantity(size):
        own = dataclasses.replace(context, resource_unit=unit)
        for key in ("min", "max"):
            _convert_at(size, key, "size", own, (*path, "size"), problems)
    if isinstance(process, dict) and _has_quantity(process.get("min_activity")):
        own = dataclasses.replace(context, resource_unit=unit)
        _convert_amount(process, "min_activity", "activity", own, (*path, "process"), problems)
    return unit


def _convert_transport(
    data: dict[str, Any], resources: dict[str, Any], context: Context, problems: list[Problem]
) -> None:
    transport = data.get("transport")
    for name, mode in transport.items() if isinstance(transport, dict) else ():
        if isinstance(mode, dict) and _has_quantity(mode):
            own = _mode_context(context, resources, mode.get("resources"))
            _convert_mode(mode, ("transport", name), own, problems)
    distances = data.get("distances")
    for index, item in enumerate(distances) if isinstance(distances, list) else ():
        if isinstance(item, dict):
            _convert_at(item, "km", "km", context, ("distances", index), problems)


def _mode_context(context: Context, resources: dict[str, Any], carried: Any) -> Context:
    """A mode's context: its resources' unit where they all share one (else none)."""
    units = {
        spec.get("unit")
        for resource in (carried if isinstance(carried, list) else [])
        if isinstance(spec := resources.get(resource) if isinstance(resource, str) else None, dict)
    }
    unit = units.pop() if len(units) == 1 else None
    return Context(
        currency=context.currency,
        resource_unit=unit if isinstance(unit, str) and unit else None,
        density=None,
        total_hours=context.total_hours,
        slice_hours=context.slice_hours,
    )


def _convert_mode(
    mode: dict[str, Any], path: Path, context: Context, problems: list[Problem]
) -> None:
    """Transport: per-km costs in currency, per-unit-km ones in the carried resources' unit."""
    for key, kind in (
        ("capex_per_km", "money_per_km"),
        ("fixed_opex_per_km", "money_per_km"),
        ("variable_cost", "per_unit_km"),
        ("emissions", "emissions_km"),
        ("max_distance", "km"),
    ):
        _convert_at(mode, key, kind, context, path, problems)


def _scenario_context(data: dict[str, Any]) -> Context:
    slices = data.get("time_slices")
    hours: dict[str, float] = {}
    for item in slices if isinstance(slices, list) else []:
        if isinstance(item, dict) and isinstance(item.get("hours"), int | float):
            hours[str(item.get("id"))] = float(item["hours"])
    if not isinstance(slices, list):
        hours = {"year": 8760.0}
    currency = data.get("currency", "EUR")
    return Context(
        currency=currency if isinstance(currency, str) else "EUR",
        resource_unit=None,
        density=None,
        total_hours=sum(hours.values()) or 8760.0,
        slice_hours=hours,
    )


def _resource_context(context: Context, resources: dict[str, Any], resource: Any) -> Context:
    spec = resources.get(resource) if isinstance(resource, str) else None
    if not isinstance(spec, dict):
        return context
    unit, density = spec.get("unit", ""), spec.get("density")
    return Context(
        currency=context.currency,
        resource_unit=unit if isinstance(unit, str) and unit else None,
        density=float(density) if isinstance(density, int | float) and density > 0 else None,
        total_hours=context.total_hours,
        slice_hours=context.slice_hours,
    )


def _convert_amount(
    holder: dict[str, Any],
    key: str,
    kind: str,
    context: Context,
    path: Path,
    problems: list[Problem],
) -> None:
    """An amount per year, or a map slice id -> amount in that slice."""
    amount = holder.get(key)
    if isinstance(amount, dict):
        for slice_id in list(amount):
            if str(slice_id) in context.slice_hours:
                _convert_at(amount, slice_id, kind, context, (*path, key), problems, str(slice_id))
    else:
        _convert_at(holder, key, kind, context, path, problems)


def _convert_item(
    item: dict[str, Any], path: Path, context: Context, problems: list[Problem]
) -> None:
    _convert_amount(item, "amount", "amount", context, path, problems)
    _convert_at(item, "per_activity", "per_activity", context, path, problems)
    for field_path, kind in _fields(item):
        holder: Any = item
        for part in field_path[:-1]:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(holder, dict):
            _convert_at(holder, field_path[-1], kind, context, (*path, *field_path[:-1]), problems)


def _convert_at(
    holder: dict[Any, Any],
    key: Any,
    kind: str,
    context: Context,
    path: Path,
    problems: list[Problem],
    slice_id: str | None = None,
) -> None:
    value = holder.get(key)
    if not isinstance(value, str) or not _is_quantity(value):
        return
    try:
        holder[key] = convert(value, kind, context, slice_id)
    except UnitError as problem:
        problems.append(((*path, key), str(problem)))
