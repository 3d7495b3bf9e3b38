"""Shared fixtures of the QEMU proof tests."""

from __future__ import annotations

import pytest

from kdumplayer.verify import assets
from kdumplayer.verify.assets import Kernel


@pytest.fixture(scope="session")
def debian_kernel() -> Kernel:
    """Debian 12's cloud kernel, downloaded once (cached on disk by version)."""
    return assets.debian_kernel()
