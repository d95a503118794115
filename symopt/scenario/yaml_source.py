"""Read YAML safely while remembering the line of every key and item.

PyYAML's composer keeps a start mark on every node; we construct plain Python data
ourselves from the node tree (safe types only) and record `path -> line` so that errors
found later, by the schema or by cross-checks, can point at the line a planner wrote.
Aliases are shared, not copied, and limits on nesting and on alias expansion keep a
malicious or broken file from exhausting memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from symopt.errors import Issue, Path

#: Deeper nesting than this is not a scenario.
MAX_DEPTH = 64
#: Items a document may hold once aliases are expanded.
MAX_ITEMS = 2_000_000
#: Values, lists and maps a document may hold as written (the largest benchmark park,
#: 10,000 facilities, has about 300,000); checked before the document is composed.
MAX_NODES = 1_000_000


#: libyaml's C parser when PyYAML was built with it (about 10x faster), else pure Python.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader reading numbers as YAML 1.2 does: decimal only, floats such as `1e6`.

    PyYAML follows YAML 1.1, which also reads `1:30` as 90 (base 60), `0x10` as 16,
    `017` as 15 (octal) and `0b101` as 5; a planner's time, coordinate or id written that
    way would be misread without a word. Such scalars stay text here, so a number field
    reports "expected a number, got the text '1:30'" with the line.
    """


#: Decimal integers (no leading zero) of at most `MAX_INTEGER_DIGITS` digits.
MAX_INTEGER_DIGITS = 30
_DECIMAL_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_DECIMAL_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# YAML 1.1's int and float resolvers out (they know base 60, hex, octal, binary) ...
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _NUMBER_TAGS]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
# ... and decimal ones in; any other scalar that looks like a number stays text.
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _DECIMAL_INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _DECIMAL_FLOAT, list("-+0123456789."))


def _integer_digits(text: str) -> int:
    """Digits before any decimal point or exponent: `-1_000.5e3` -> 4."""
    match = re.match(r"[0-9_]*", text.lstrip("+-"))
    return len(match.group().replace("_", "")) if match else 0


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | str:
    """A decimal integer; anything else (also under an explicit `!!int`) stays text."""
    text = loader.construct_scalar(node)
    if not _DECIMAL_INT.match(text) or _integer_digits(text) > MAX_INTEGER_DIGITS:
        return text
    return int(text.replace("_", ""))


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float | str:
    """A decimal float (or `.inf`, `.nan`); base 60 (`1:30.5`) stays text."""
    text = loader.construct_scalar(node)
    if not (_DECIMAL_FLOAT.match(text) or _DECIMAL_INT.match(text)):
        return text
    if _integer_digits(text) > MAX_INTEGER_DIGITS:
        return text
    value: float = loader.construct_yaml_float(node)
    return value


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)

_YAML11_NUMBER_FORMS = (
    (
        re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$"),
        "YAML 1.1 base-60 notation (a time or an angle: 1:30 is 1.5 or 90)",
    ),
    (re.compile(r"^[-+]?0x[0-9a-fA-F_]+$"), "a hexadecimal literal"),
    (re.compile(r"^[-+]?0o[0-7_]+$"), "an octal literal"),
    (re.compile(r"^[-+]?0[0-9_]+$"), "a leading zero (YAML 1.1 reads 017 as octal 15)"),
    (re.compile(r"^[-+]?0b[01_]+$"), "a binary literal"),
)


def number_text_hint(text: str) -> str | None:
    """Why a text that looks like a number is not read as one, or None if it does not."""
    if _DECIMAL_INT.match(text) or _DECIMAL_FLOAT.match(text):
        digits = _integer_digits(text)
        if digits > MAX_INTEGER_DIGITS:
            return f"a number of {digits:,} digits; expected at most {MAX_INTEGER_DIGITS} digits"
        return None
    for pattern, what in _YAML11_NUMBER_FORMS:
        if pattern.match(text):
            return f"{what} is not read as a number; write a decimal number"
    return None


@dataclass(frozen=True)
class YamlDocument:
    """Parsed data plus the line (1-based) where each path starts."""

    source: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """The line of `path`, or of its longest existing prefix."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def issue(self, path: Path, message: str) -> Issue:
        return Issue(self.source, self.line_of(path), tuple(path), message)


class YamlSyntaxError(Exception):
    def __init__(self, issue: Issue) -> None:
        self.issue = issue
        super().__init__(str(issue))


@dataclass
class _Builder:
    """Constructs data from nodes: one object per node (aliases share it), with limits."""

    loader: yaml.SafeLoader
    source: str
    lines: dict[Path, int]
    done: dict[int, tuple[Any, int]] = field(default_factory=dict)
    active: set[int] = field(default_factory=set)
    items: int = 0

    def fail(self, node: yaml.Node, message: str) -> YamlSyntaxError:
        return YamlSyntaxError(Issue(self.source, node.start_mark.line + 1, (), message))

    def build(self, node: yaml.Node, path: Path, depth: int, record: bool = True) -> Any:
        if record:
            self.lines.setdefault(path, node.start_mark.line + 1)
        if type(node) is yaml.ScalarNode:
            # A scalar holds no other node, so it can neither nest nor take part in a
            # cycle: construct it directly (most nodes are scalars).
            self._count(node, 1)
            return self._scalar(node)
        if id(node) in self.done:  # an alias: share the object, count its size again
            value, size = self.done[id(node)]
            self._count(node, size)
            return value
        if id(node) in self.active:
            raise self.fail(node, "an alias refers to itself; expected data without cycles")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nested more than {MAX_DEPTH} levels deep; expected a scenario")
        before = self.items
        self.active.add(id(node))
        try:
            value = self._build(node, path, depth, record)
        finally:
            self.active.discard(id(node))
        self._count(node, 1)
        self.done[id(node)] = (value, self.items - before)
        return value

    def _count(self, node: yaml.Node, size: int) -> None:
        self.items += size
        if self.items > MAX_ITEMS:
            raise self.fail(node, f"aliases expand to more than {MAX_ITEMS:,} items")

    def _build(self, node: yaml.Node, path: Path, depth: int, record: bool) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, (*path, "<key>"), depth + 1, record=False)
                if isinstance(key, dict | list) or key is None:
                    raise self.fail(key_node, "a key must be plain text")
                key_text = key if isinstance(key, str) else str(key)
                child: Path = (*path, key_text)
                if key_text in result:
                    raise YamlSyntaxError(
                        Issue(
                            self.source,
                            key_node.start_mark.line + 1,
                            child,
                            f"duplicate key {key_text!r}; each key may appear once in a map",
                        )
                    )
                if record:
                    self.lines[child] = key_node.start_mark.line + 1
                result[key_text] = self.build(value_node, child, depth + 1, record)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [
                self.build(item, (*path, index), depth + 1, record)
                for index, item in enumerate(node.value)
            ]
        return self.loader.construct_object(node, deep=True)

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        """The scalar's value: plain text as it stands, numbers by YAML 1.2's rules."""
        if node.tag == _STR_TAG:
            return node.value
        number = _SCALAR_NUMBERS.get(node.tag)
        if number is not None:
            return number(self.loader, node)
        return self.loader.construct_object(node, deep=True)


_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR_NUMBERS = {
    "tag:yaml.org,2002:int": _construct_int,
    "tag:yaml.org,2002:float": _construct_float,
}


def _line_of_error(error: yaml.MarkedYAMLError, text: str) -> int | None:
    """The line to blame: where an unclosed bracket opened, else where parsing stopped."""
    mark = error.problem_mark
    context = error.context or ""
    if error.context_mark is not None and (
        mark is None or context.startswith("while parsing a flow")
    ):
        mark = error.context_mark
    if mark is None:
        return None
    return min(mark.line + 1, max(1, text.count("\n") + (0 if text.endswith("\n") else 1)))


def _deepest_line(text: str) -> int:
    """Where bracket nesting first passes MAX_DEPTH (PyYAML's parser recursed too deep)."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for character in line:
            depth += (character in "[{") - (character in "]}")
            if depth > MAX_DEPTH:
                return number
    return 1


#: Characters at least one of which comes with every other node (a few nodes go in pairs,
#: `{a, b}`), so twice their count bounds a document's nodes from above.
_NODE_MARKS = ",[{:-?*\n"


def _check_node_count(text: str, source: str) -> None:
    """Refuse a document of more than `MAX_NODES` nodes before composing it.

    Composing keeps every node in memory (hundreds of bytes each): a 50 MB flow list
    would take gigabytes. Where the quick bound from the text allows more nodes than the
    limit, the parser's events are counted, one at a time, up to the limit.
    """
    if 2 * (sum(text.count(mark) for mark in _NODE_MARKS) + 1) <= MAX_NODES:
        return
    counter = _Loader(text)
    try:
        nodes = 0
        while (event := counter.get_event()) is not None:
            if isinstance(event, _NODE_EVENTS):
                nodes += 1
                if nodes > MAX_NODES:
                    raise YamlSyntaxError(
                        Issue(
                            source,
                            event.start_mark.line + 1 if event.start_mark else None,
                            (),
                            f"more than {MAX_NODES:,} values, lists and maps; expected a "
                            "scenario (the largest real parks have a few hundred thousand)",
                        )
                    )
    finally:
        counter.dispose()


_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse one YAML document; raise `YamlSyntaxError` naming the line on bad input."""
    lines: dict[Path, int] = {}
    try:
        _check_node_count(text, source)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                raise YamlSyntaxError(
                    Issue(
                        source,
                        1,
                        (),
                        "the file is empty; expected a YAML map starting with 'symopt: 1'",
                    )
                )
            data = _Builder(loader, source, lines).build(root, (), 0)
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        raise YamlSyntaxError(
            Issue(
                source,
                line,
                (),
                f"not valid YAML: the character {error.character!r} is not allowed; expected plain text",
            )
        ) from None
    except yaml.MarkedYAMLError as error:
        problem = error.problem or "could not be read"
        raise YamlSyntaxError(
            Issue(
                source,
                _line_of_error(error, text),
                (),
                f"not valid YAML: {problem}; expected a YAML map",
            )
        ) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(Issue(source, None, (), f"not valid YAML: {error}")) from None
    except RecursionError:
        raise YamlSyntaxError(
            Issue(
                source,
                _deepest_line(text),
                (),
                f"nested too deeply; expected at most {MAX_DEPTH} levels",
            )
        ) from None
    return YamlDocument(source, data, lines)
