"""kdumplayer.check.jobs as a library: a typed Request in, Jobs out (no argparse)."""

from __future__ import annotations

import pytest

from kdumplayer.check.jobs import Request, build
from kdumplayer.errors import UserError
from kdumplayer.kconfig import Base
from tests.conftest import REPO

CONFIG = REPO / "tests" / "kconfig" / "data" / "kernel-configs" / "6.12-x86_64-tinyconfig.config"


def test_a_config_without_a_tree_is_one_static_job() -> None:
    jobs = build(Request(config=str(CONFIG)))
    assert len(jobs) == 1
    job = jobs[0]
    assert (job.static, job.kind, job.arch, job.source) == (True, "kernel", "x86_64", "")
    assert job.base == Base.config(str(CONFIG)) and str(job.base) == f"config {CONFIG}"


def test_options_that_need_a_tree_are_refused_with_their_flag() -> None:
    with pytest.raises(UserError) as err:
        build(Request(config=str(CONFIG), fragments=("kdump.cfg",)))
    assert err.value.key == "--fragment"
