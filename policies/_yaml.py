"""Safe YAML loading that remembers where every key and item sits, for line-precise errors.

The loader is a ``yaml.SafeLoader`` subclass (so only plain data can come out: no Python
objects, no tags beyond the safe ones) whose mappings and sequences keep the 1-based line of
each key, value and item. Duplicate keys, which ``yaml.safe_load`` silently resolves to the
last one, are refused: in a rule file a repeated ``when`` is a mistake, not an override.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class YamlError(Exception):
    """Malformed YAML; ``line`` is 1-based (``None`` when the parser gives no position)."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class LineMap(dict[Any, Any]):
    """A mapping from a YAML file that knows the line of itself, each key and each value.

    ``value_line`` points at the first line of the value's text: for a block scalar
    (``|`` or ``>``) that is the line after the indicator.
    """

    line: int
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]
    value_styles: dict[Any, str | None]


class LineList(list[Any]):
    """A sequence from a YAML file that knows its own line and each item's line."""

    line: int
    item_lines: list[int]


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _value_line(node: Node) -> int:
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        return _line(node) + 1
    return _line(node)


class _LineLoader(yaml.SafeLoader):
    def construct_line_map(self, node: MappingNode) -> LineMap:
        self.flatten_mapping(node)
        result = LineMap()
        result.line = _line(node)
        result.key_lines = {}
        result.value_lines = {}
        result.value_styles = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError as err:
                raise YamlError("a mapping key must be a plain value", _line(key_node)) from err
            if key in result:
                raise YamlError(
                    f"duplicate key {key!r} (first on line {result.key_lines[key]})",
                    _line(key_node),
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = _line(key_node)
            result.value_lines[key] = _value_line(value_node)
            result.value_styles[key] = (
                value_node.style if isinstance(value_node, ScalarNode) else None
            )
        return result

    def construct_line_list(self, node: SequenceNode) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = _line(node)
        result.item_lines = [_line(child) for child in node.value]
        return result

    def construct_timestamp_text(self, node: ScalarNode) -> str:
        # Dates stay text: PyYAML would raise a bare ValueError on 2004-13-01 with no line,
        # and the pack loader parses and reports them itself.
        return str(self.construct_scalar(node))


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_timestamp_text)
_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_line_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_line_list)


def load(text: str) -> Any:
    """Parse one YAML document into plain data with line-aware mappings and lists.

    Raises ``YamlError`` with the line of the problem for syntax errors, duplicate keys and
    more than one document.
    """
    loader = _LineLoader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = int(mark.line) + 1 if mark is not None else None
        reason = " ".join(p for p in (err.context, err.problem) if p) or "malformed YAML"
        raise YamlError(f"YAML syntax error: {reason}", line) from err
    except yaml.YAMLError as err:
        raise YamlError(f"YAML error: {err}", None) from err
    finally:
        loader.dispose()
