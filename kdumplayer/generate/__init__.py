"""Generators: each turns a Board into a Tree (relative path -> GeneratedFile), in memory.

A generator module exposes ``generate(board, *, name=None) -> Tree`` and
``default_dirname(board) -> str``; the CLI decides where the tree goes and
whether it is written or checked against the disk.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# target name -> module under kdumplayer.generate
TARGETS = {"buildroot": "buildroot", "yocto": "yocto"}


def generator(target: str) -> ModuleType:
    return importlib.import_module(f"kdumplayer.generate.{TARGETS[target]}")
