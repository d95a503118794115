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


#: libyaml's C parser when PyYAML was built with it (about 10x faster), else pure Python.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader that also reads YAML 1.2 floats such as `1e6` and `2.5E-3`."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


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


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse one YAML document; raise `YamlSyntaxError` naming the line on bad input."""
    lines: dict[Path, int] = {}
    try:
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
