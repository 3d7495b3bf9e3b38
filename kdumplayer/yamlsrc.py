"""Load YAML keeping the line of every key and value, for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kdumplayer.errors import UserError

Pointer = tuple[str | int, ...]


class LocatedYaml:
    """A plain Python value tree plus the 1-based line of every node, by path."""

    def __init__(self, data: Any, lines: dict[Pointer, int], file: str) -> None:
        self.data = data
        self.lines = lines
        self.file = file

    def line(self, path: Pointer) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def error(self, path: Pointer, message: str) -> UserError:
        key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")
        return UserError(message, file=self.file, line=self.line(path), key=key or None)


def _convert(node: yaml.Node, path: Pointer, lines: dict[Pointer, int], file: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise UserError(
                    "a key must be a plain name", file=file, line=key_node.start_mark.line + 1
                )
            key = str(key_node.value)
            if key in result:
                raise UserError(
                    "duplicate key",
                    file=file,
                    line=key_node.start_mark.line + 1,
                    key=".".join(str(p) for p in (*path, key)),
                )
            result[key] = _convert(value_node, (*path, key), lines, file)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), lines, file) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def load(path: str | Path) -> LocatedYaml:
    """Read a YAML file; a syntax error is a UserError with its line."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("no such file", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read: {exc}", file=file) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise UserError(f"invalid YAML: {exc.problem or exc}", file=file, line=line) from None
    if node is None:
        raise UserError("the file is empty", file=file, line=1)
    lines: dict[Pointer, int] = {}
    data = _convert(node, (), lines, file)
    return LocatedYaml(data, lines, file)
