"""Ship the data directories inside the wheel, as kdumplayer/_data/.

kdumplayer reads kconfig-fragments/, recipes/ and board-configs/ (the
requirements, the templates, the board schema and examples). In a checkout, and
in an editable install, they sit next to the package; a regular
`pip install /path/to/checkout` copies only the package, so the build copies
them in (kdumplayer/paths.py looks there first). Everything else is in
pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_DIRS = ("kconfig-fragments", "recipes", "board-configs")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        target = Path(self.build_lib) / "kdumplayer" / "_data"
        for name in DATA_DIRS:
            shutil.copytree(Path(name), target / name, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithData})
