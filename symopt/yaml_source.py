"""Read YAML safely while remembering the line of every key and item.

PyYAML's composer keeps a start mark on every node; we construct plain Python data
ourselves from the node tree (safe types only) and record `path -> line` so that errors
found later, by the schema or by cross-checks, can point at the line a planner wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from symopt.errors import Issue, Path


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


def _construct(
    loader: yaml.SafeLoader, node: yaml.Node, path: Path, doc_lines: dict[Path, int], source: str
) -> Any:
    doc_lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(loader, key_node, (*path, "<key>"), {}, source)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise YamlSyntaxError(
                    Issue(source, key_node.start_mark.line + 1, path, "a key must be plain text")
                )
            key_text = key if isinstance(key, str) else str(key)
            if key_text in result:
                raise YamlSyntaxError(
                    Issue(
                        source,
                        key_node.start_mark.line + 1,
                        (*path, key_text),
                        f"duplicate key {key_text!r}; each key may appear once in a map",
                    )
                )
            child: Path = (*path, key_text)
            doc_lines[child] = key_node.start_mark.line + 1
            result[key_text] = _construct(loader, value_node, child, doc_lines, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(loader, item, (*path, index), doc_lines, source)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse one YAML document; raise `YamlSyntaxError` naming the line on bad syntax."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or "could not be read"
        raise YamlSyntaxError(
            Issue(source, line, (), f"not valid YAML: {problem}; expected a YAML map")
        ) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(Issue(source, None, (), f"not valid YAML: {error}")) from None
    if root is None:
        raise YamlSyntaxError(
            Issue(source, 1, (), "the file is empty; expected a YAML map starting with 'symopt: 1'")
        )
    lines: dict[Path, int] = {}
    try:
        data = _construct(loader, root, (), lines, source)
    except yaml.constructor.ConstructorError as error:
        mark = error.problem_mark
        raise YamlSyntaxError(
            Issue(source, mark.line + 1 if mark else None, (), f"not valid YAML: {error.problem}")
        ) from None
    finally:
        loader.dispose()
    return YamlDocument(source, data, lines)
