"""Where kdumplayer's data lives: requirement data, templates, example boards.

The data directories sit at the top of the source tree (next to the package);
a wheel carries them as kdumplayer/_data/ (setup.py puts them there);
KDUMPLAYER_DATA overrides both for relocated installs.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE / "_data"  # a regular (non-editable) pip install
ROOT = Path(
    os.environ.get("KDUMPLAYER_DATA") or (_INSTALLED if _INSTALLED.is_dir() else _PACKAGE.parent)
)
FRAGMENTS_DIR = ROOT / "kconfig-fragments"
RECIPES_DIR = ROOT / "recipes"
BOARDS_DIR = ROOT / "board-configs"
SCHEMA_FILE = BOARDS_DIR / "schema" / "board.schema.json"


def cache_dir() -> Path:
    """Per-user cache (parsed kernel trees, extracted sources, QEMU assets)."""
    if os.environ.get("KDUMPLAYER_CACHE"):
        return Path(os.environ["KDUMPLAYER_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kdumplayer"
