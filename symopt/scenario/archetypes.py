"""Archetypes: facility templates in `models/<name>.yaml`, every number with its source.

A scenario facility with `archetype: <name>` starts from the archetype's `facility` map;
whatever the scenario writes for that facility wins (maps merge key by key, at any depth;
lists and numbers are replaced whole). `apply_archetypes` does this on the raw YAML data,
before the scenario is validated, and drops the `archetype` key.

An archetype file (format version 1)::

    archetype: 1                      # format version
    name: pem_electrolyser            # must equal the file stem
    description: ...                  # one paragraph
    size_unit: MW electrical input    # what one unit of `size` means (iff `facility.size`)
    facility:                         # any facility fields except site / candidate_sites
      ...
    coefficients:                     # the provenance of every number under `facility`
      - path: process.outputs[0].per_activity
        value: 0.264                  # must equal the number at that path
        unit: MWh heat per MWh electricity
        range: [0.14, 0.35]           # optional [low, high]; must contain `value`
        source: "..."

`check_provenance` demands exactly one coefficient entry per number under `facility`.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from symopt.errors import Issue, Path, ScenarioError, SymoptError, format_path
from symopt.scenario.checks import unknown_id_message
from symopt.scenario.input_file import read_input_text
from symopt.scenario.schema import Frozen, Number
from symopt.scenario.validation import schema_issues
from symopt.scenario.yaml_source import YamlDocument, YamlSyntaxError, parse_yaml

#: The key on a scenario facility that names its archetype.
ARCHETYPE_KEY = "archetype"

#: The library shipped with symopt: `<repository>/models`.
REPO_MODELS_DIR = FilePath(__file__).resolve().parents[2] / "models"

#: Archetype names are file stems: letters, digits, `_` and `-` (no path separators).
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

#: Facility fields an archetype must leave to the scenario.
PLACEMENT_KEYS = ("site", "candidate_sites", ARCHETYPE_KEY)

#: Slice ids that archetypes with seasonal (per-slice) amounts use.
SEASONS = ("winter", "spring", "summer", "autumn")

#: The resources every archetype speaks of, as a scenario declares them under `resources`.
#: Archetypes use only these ids, units and quality attributes, so a scenario that copies
#: these definitions can combine any archetypes. Documented in `models/README.md`.
RESOURCE_VOCABULARY: Mapping[str, Mapping[str, Any]] = {
    "electricity": {"unit": "MWh", "qualities": {}},
    "heat": {
        "unit": "MWh",
        "qualities": {"temperature": {"unit": "degC", "better": "higher", "mixing": "none"}},
    },
    "oxygen": {
        "unit": "t",
        "qualities": {"purity": {"unit": "%", "better": "higher", "mixing": "linear"}},
    },
    "hydrogen": {"unit": "t", "qualities": {}},
    "co2": {
        "unit": "t",
        "qualities": {"purity": {"unit": "%", "better": "higher", "mixing": "linear"}},
    },
    "water": {
        "unit": "m3",
        "qualities": {"contaminant": {"unit": "mg/L", "better": "lower", "mixing": "linear"}},
    },
    "methanol": {"unit": "t", "qualities": {}},
}

_SEGMENT = re.compile(r"^([^.\[\]]+)((?:\[\d+\])*)$")
_INDEX = re.compile(r"\[(\d+)\]")

Text = Annotated[str, Field(min_length=1)]


class Coefficient(Frozen):
    """Where one number of an archetype's facility comes from."""

    path: Text
    """Dotted path into `facility`, list items as `[i]`: `process.outputs[0].per_activity`."""
    value: Number
    """Must equal the number at `path`."""
    unit: Text
    range: tuple[Number, Number] | None = None
    """`[low, high]`, where the sources disagree or a plausible span is known."""
    source: Text
    """Where the value comes from; `ESTIMATE` / `CALC` with the working where it is derived."""

    @model_validator(mode="after")
    def _range_holds_value(self) -> Coefficient:
        if self.range is not None:
            low, high = self.range
            if low > high:
                raise ValueError(f"range [{low:g}, {high:g}] is reversed; expected [low, high]")
            if not low <= self.value <= high:
                raise ValueError(
                    f"value {self.value:g} is outside its range [{low:g}, {high:g}]; "
                    "expected low <= value <= high"
                )
        return self


class Archetype(Frozen):
    """The top level of an archetype file; `facility` stays raw until the scenario is validated."""

    archetype: Literal[1]
    """Format version."""
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=NAME_PATTERN.pattern)]
    """Equal to the file stem."""
    description: Text
    size_unit: Text | None = None
    """What one unit of `size` means; required exactly when `facility` has `size`."""
    facility: dict[str, Any]
    coefficients: list[Coefficient] = Field(default_factory=list)

    @model_validator(mode="after")
    def _facility_part(self) -> Archetype:
        placed = [key for key in PLACEMENT_KEYS if key in self.facility]
        if placed:
            raise ValueError(
                f"'facility' must not contain {', '.join(repr(key) for key in placed)}; "
                "placement (and the choice of archetype) belongs to the scenario"
            )
        if "size" in self.facility and self.size_unit is None:
            raise ValueError("'facility' has 'size', so 'size_unit' must say what one unit means")
        if "size" not in self.facility and self.size_unit is not None:
            raise ValueError("'size_unit' is given but 'facility' has no 'size'")
        return self


class UnknownArchetypeError(SymoptError):
    """No file `<name>.yaml` in any of the search folders."""

    def __init__(self, name: str, known: Sequence[str], searched: Sequence[FilePath]) -> None:
        self.name = name
        self.known = tuple(known)
        self.searched = tuple(searched)
        super().__init__(_unknown_message(name, self.known, self.searched))


def default_search_dirs() -> list[FilePath]:
    """`./models` (relative to the working folder), then the repository's `models/`."""
    return [FilePath("models"), REPO_MODELS_DIR]


def _dirs(search_dirs: Sequence[str | os.PathLike[str]] | None) -> list[FilePath]:
    folders = default_search_dirs() if search_dirs is None else [FilePath(d) for d in search_dirs]
    unique: dict[FilePath, FilePath] = {}
    for folder in folders:
        unique.setdefault(folder.resolve(), folder)
    return list(unique.values())


def known_archetypes(
    search_dirs: Sequence[str | os.PathLike[str]] | None = None,
) -> dict[str, FilePath]:
    """Archetype name -> file; an earlier folder hides a later one's file of the same name."""
    found: dict[str, FilePath] = {}
    for folder in _dirs(search_dirs):
        if not folder.is_dir():
            continue
        for file in sorted(folder.glob("*.yaml")):
            if file.is_file() and NAME_PATTERN.match(file.stem):
                found.setdefault(file.stem, file)
    return dict(sorted(found.items()))


def load_archetype(
    name: str, search_dirs: Sequence[str | os.PathLike[str]] | None = None
) -> tuple[dict[str, Any], Archetype]:
    """Find, read and check `<name>.yaml`; return a fresh copy of its facility map and itself.

    Raises `UnknownArchetypeError` if no search folder has the file, and `ScenarioError`
    (issues located in the archetype file) if it is not valid or its provenance is incomplete.
    """
    folders = _dirs(search_dirs)
    known = known_archetypes(folders)
    file = known.get(name) if NAME_PATTERN.match(name) else None
    if file is None:
        raise UnknownArchetypeError(name, list(known), folders)
    archetype = read_archetype_file(file)
    return copy.deepcopy(archetype.facility), archetype


def read_archetype_file(file: str | os.PathLike[str]) -> Archetype:
    """Validate one archetype file (structure, name = stem, provenance)."""
    path = FilePath(file)
    source = str(path)
    text = read_input_text(path)  # within the size limit, regular files only
    try:
        document = parse_yaml(text, source)
    except YamlSyntaxError as error:
        raise ScenarioError([error.issue]) from None
    if not isinstance(document.data, dict):
        raise ScenarioError(
            [document.issue((), "expected a YAML map starting with 'archetype: 1'")]
        )
    try:
        archetype = Archetype.model_validate(document.data)
    except ValidationError as error:
        raise ScenarioError(_schema_issues(document, error)) from None
    issues: list[Issue] = []
    if archetype.name != path.stem:
        issues.append(
            document.issue(
                ("name",),
                f"name {archetype.name!r} differs from the file name; expected {path.stem!r}",
            )
        )
    issues.extend(document.issue(where, message) for where, message in check_provenance(archetype))
    if issues:
        raise ScenarioError(issues)
    return archetype


def _schema_issues(document: YamlDocument, error: ValidationError) -> list[Issue]:
    return schema_issues(document, Archetype, error)


# ---- provenance ---------------------------------------------------------------------


def parse_path(text: str) -> Path:
    """`process.outputs[0].per_activity` -> `('process', 'outputs', 0, 'per_activity')`."""
    parts: list[str | int] = []
    for segment in text.split("."):
        match = _SEGMENT.match(segment.strip())
        if match is None:
            raise ValueError(
                f"cannot read the path {text!r}; expected keys joined by '.', list items as "
                "[i], e.g. process.outputs[0].per_activity"
            )
        parts.append(match.group(1))
        parts.extend(int(index) for index in _INDEX.findall(match.group(2)))
    return tuple(parts)


def numeric_leaves(data: Any, prefix: Path = ()) -> Iterator[tuple[Path, float]]:
    """Every number (not true/false) in nested maps and lists, with its path."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from numeric_leaves(value, (*prefix, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from numeric_leaves(value, (*prefix, index))
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield prefix, float(data)


def _lookup(data: Any, path: Path) -> tuple[bool, Any]:
    current = data
    for part in path:
        if isinstance(part, str) and isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(part, int) and isinstance(current, list) and 0 <= part < len(current):
            current = current[part]
        else:
            return False, None
    return True, current


def check_provenance(archetype: Archetype) -> list[tuple[Path, str]]:
    """Problems with the provenance, as (path in the archetype file, message); empty if none.

    Every number under `facility` needs exactly one coefficient entry whose `value` equals
    it; every entry's path must lead to a number; a range must contain its value.
    """
    problems: list[tuple[Path, str]] = []
    documented: dict[Path, int] = {}
    for index, coefficient in enumerate(archetype.coefficients):
        where: Path = ("coefficients", index, "path")
        try:
            path = parse_path(coefficient.path)
        except ValueError as error:
            problems.append((where, str(error)))
            continue
        shown = format_path(path)
        if path in documented:
            problems.append(
                (
                    where,
                    f"a second entry for {shown} (entry {documented[path]} documents it "
                    "already); expected exactly one entry per number",
                )
            )
            continue
        documented[path] = index
        found, value = _lookup(archetype.facility, path)
        if not found:
            problems.append(
                (where, f"'facility' has nothing at {shown}; expected the path of a number")
            )
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(
                (where, f"'facility' has {value!r} at {shown}, not a number; expected a number")
            )
        elif value != coefficient.value:
            problems.append(
                (
                    ("coefficients", index, "value"),
                    f"{coefficient.value:g} differs from the number at {shown} ({value:g}); "
                    "expected the same number",
                )
            )
    for path, value in numeric_leaves(archetype.facility):
        if path not in documented:
            problems.append(
                (
                    ("facility", *path),
                    f"the number {value:g} has no entry under 'coefficients'; expected one "
                    f"with path: {format_path(path)}, value, unit and source",
                )
            )
    return problems


# ---- applying archetypes to a scenario ----------------------------------------------


def merge_facility(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` on top of `base`: maps merge recursively, anything else is replaced whole."""
    merged: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in override.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = merge_facility(below, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def apply_archetypes(
    data: dict[str, Any],
    source: str,
    search_dirs: Sequence[str | os.PathLike[str]] | None = None,
    *,
    line_of: Callable[[Path], int | None] | None = None,
) -> tuple[dict[str, Any], list[Issue]]:
    """Expand every `archetype:` facility of raw scenario data; return the data and issues.

    The scenario's own keys win over the archetype's (maps merge, lists are replaced);
    the `archetype` key is dropped. `source` and `line_of` locate issues in the scenario;
    problems inside an archetype file are reported in that file. The input is not changed.
    """
    locate: Callable[[Path], int | None] = line_of if line_of is not None else _no_line
    facilities = data.get("facilities") if isinstance(data, dict) else None
    if not isinstance(facilities, dict) or not any(
        isinstance(facility, dict) and ARCHETYPE_KEY in facility for facility in facilities.values()
    ):
        return data, []
    folders = _dirs(search_dirs)
    known = known_archetypes(folders)
    loaded: dict[str, dict[str, Any] | None] = {}
    issues: list[Issue] = []
    expanded: dict[Any, Any] = {}
    for facility_id, facility in facilities.items():
        if not isinstance(facility, dict) or ARCHETYPE_KEY not in facility:
            expanded[facility_id] = facility
            continue
        own = {key: value for key, value in facility.items() if key != ARCHETYPE_KEY}
        expanded[facility_id] = own
        name = facility[ARCHETYPE_KEY]
        path: Path = ("facilities", str(facility_id), ARCHETYPE_KEY)
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            issues.append(
                Issue(
                    source,
                    locate(path),
                    path,
                    f"got {name!r}; expected the name of an archetype (the file name of "
                    f"models/<name>.yaml without .yaml): one of {', '.join(known) or 'none'}",
                )
            )
            continue
        if name not in known:
            issues.append(
                Issue(source, locate(path), path, _unknown_message(name, list(known), folders))
            )
            continue
        if name not in loaded:
            try:
                loaded[name] = _facility_with_size_unit(read_archetype_file(known[name]))
            except ScenarioError as error:
                loaded[name] = None
                issues.extend(error.issues)
        base = loaded[name]
        if base is None:
            issues.append(
                Issue(
                    source,
                    locate(path),
                    path,
                    f"archetype {name!r} ({known[name]}) is not valid; see its errors",
                )
            )
        else:
            expanded[facility_id] = merge_facility(base, own)
    result = dict(data)
    result["facilities"] = expanded
    return result, issues


def _facility_with_size_unit(archetype: Archetype) -> dict[str, Any]:
    """The archetype's facility, its `size.unit` defaulting to the archetype's `size_unit`."""
    facility = copy.deepcopy(archetype.facility)
    size = facility.get("size")
    if isinstance(size, dict) and archetype.size_unit is not None:
        size.setdefault("unit", archetype.size_unit)
    return facility


def _no_line(path: Path) -> int | None:
    return None


def _unknown_message(name: str, known: Sequence[str], searched: Sequence[FilePath]) -> str:
    folders = ", ".join(str(folder) for folder in searched)
    return f"{unknown_id_message('archetype', name, known)} (archetypes are read from: {folders})"
