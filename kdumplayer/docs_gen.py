"""The generated parts of docs/: the board key table, from the board schema.

The schema (board-configs/schema/board.schema.json) is the one home of what
each key means, allows and defaults to; docs/board-keys.md shows it between
two marker lines and nothing else writes there. `make docs` rewrites the
table, `make lint` (and a test) fail when it is stale.

    python -m kdumplayer.docs_gen           # rewrite docs/board-keys.md
    python -m kdumplayer.docs_gen --check   # exit 1 with a diff when stale
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from kdumplayer.output import atomic_write
from kdumplayer.paths import ROOT, SCHEMA_FILE

DOC_FILE = ROOT / "docs" / "board-keys.md"
BEGIN = (
    "<!-- BEGIN board keys: generated from board-configs/schema/board.schema.json "
    "by `make docs`; do not edit -->"
)
END = "<!-- END board keys -->"


@dataclass(frozen=True)
class Key:
    """One leaf of the schema: a key a board file can set."""

    path: str  # dotted, e.g. dump.level
    values: str
    required: bool
    default: str
    description: str


def _code(value: object) -> str:
    return f"`{value if isinstance(value, str) and value else json.dumps(value)}`"


def _cell(text: str) -> str:
    """Schema text as a table cell: no column break, no stray HTML (`<image>`)."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _values(node: dict[str, Any]) -> str:
    """What a key accepts, in words: the enum, else its types and limits."""
    if "enum" in node:
        return ", ".join(_code(v) for v in node["enum"])
    if node.get("type") == "array":
        items = node.get("items", {})
        inner = _values(items) if items else "any"
        return f"list of {inner}"
    types = node.get("type", "any")
    text = " or ".join(types) if isinstance(types, list) else str(types)
    if "minimum" in node or "maximum" in node:
        text += f" {node.get('minimum', '')}..{node.get('maximum', '')}"
    if "pattern" in node:
        text += f" matching `{node['pattern']}`"
    return text


def _default(node: dict[str, Any]) -> str:
    if "default" not in node:
        return ""
    value = node["default"]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return ", ".join(f"`{v}`" for v in value)
    return _code(value)


def keys(schema: dict[str, Any], prefix: str = "") -> Iterator[Key]:
    """Every settable key, depth first in the schema's order."""
    required = set(schema.get("required", ()))
    for name, node in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        if node.get("type") == "object" and "properties" in node:
            yield from keys(node, f"{path}.")
            continue
        yield Key(
            path, _values(node), name in required, _default(node), node.get("description", "")
        )


def table(schema: dict[str, Any]) -> str:
    """The Markdown table (with a line naming the required sections)."""
    sections = [
        name
        for name in schema.get("required", ())
        if schema["properties"][name].get("type") == "object"
    ]
    rows = ["| key | values | required | default | meaning |", "|---|---|---|---|---|"]
    for key in keys(schema):
        rows.append(
            f"| `{key.path}` | {key.values} | {'yes' if key.required else ''} | "
            f"{key.default} | {_cell(key.description)} |"
        )
    note = (
        "Required sections: "
        + ", ".join(f"`{s}`" for s in sections)
        + " (a section is required even when all its keys are optional)."
    )
    return "\n".join([*rows, "", note])


def render(doc: str, schema: dict[str, Any]) -> str:
    """`doc` with the text between the markers replaced by the current table."""
    try:
        head, rest = doc.split(BEGIN + "\n", 1)
        _, tail = rest.split(END, 1)
    except ValueError:
        raise ValueError(f"{DOC_FILE}: the marker lines are missing") from None
    return f"{head}{BEGIN}\n{table(schema)}\n{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kdumplayer.docs_gen", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 with a diff when the docs are stale",
    )
    args = parser.parse_args(argv)
    schema = json.loads(SCHEMA_FILE.read_text())
    old = DOC_FILE.read_text()
    new = render(old, schema)
    if args.check:
        if old == new:
            return 0
        sys.stdout.writelines(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                str(DOC_FILE),
                f"{DOC_FILE} (from the schema)",
            )
        )
        print(f"{DOC_FILE} is stale: run `make docs`", file=sys.stderr)
        return 1
    if old != new:
        atomic_write(DOC_FILE, new.encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
