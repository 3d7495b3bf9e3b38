"""Check many configurations in one run: glob expansion, sharding, worker processes.

A Job is one configuration to check (a base config plus fragments, on one
kernel source, arch and toolchain), plain data that crosses process
boundaries. `run()` checks a list of jobs in `workers` processes; each
process parses a Kconfig tree once per (source, arch, toolchain) and reuses
it for every job with that key, so a batch of seventy arm defconfigs costs one
parse per process. `shard()` splits a job list deterministically for CI
matrices. Results come back as kdumplayer.check.formats.ConfigOutcome values in the
order of the jobs, whatever order the workers finish in.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TypeVar

from kdumplayer import term
from kdumplayer.check import outcome
from kdumplayer.check.formats import ConfigOutcome
from kdumplayer.check.jobs import Job
from kdumplayer.errors import UserError
from kdumplayer.kconfig.tree import KconfigTree

T = TypeVar("T")
# -- inputs ------------------------------------------------------------------


_SHARD = re.compile(r"^([1-9][0-9]*)/([1-9][0-9]*)$")


def parse_shard(text: str) -> tuple[int, int]:
    match = _SHARD.match(text.strip())
    if not match or int(match[1]) > int(match[2]):
        raise UserError(f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. 1/4")
    return int(match[1]), int(match[2])


def shard(jobs: list[Job], index: int, total: int) -> list[Job]:
    """Shard `index` of `total` (1-based): every total-th job by name, so shards are
    disjoint, cover the list, and do not depend on argument order or machine."""
    ordered = sorted(jobs, key=lambda j: (j.name, j.arch, j.source))
    return [job for i, job in enumerate(ordered) if i % total == index - 1]


# -- running -------------------------------------------------------------------


@dataclass(frozen=True)
class _Failure:
    """A UserError raised in a worker, carried back as data (exceptions lose fields in pickling)."""

    message: str
    file: str | None
    line: int | None
    key: str | None


_TREES: dict[tuple[str, str, str | None], KconfigTree] = {}


def _tree(job: Job) -> KconfigTree:
    """This process's parsed tree for the job's key: one parse per key per process."""
    if job.key not in _TREES:
        _TREES[job.key] = outcome.load_tree(job.source, job.arch, job.toolchain)
    return _TREES[job.key]


def check_job(job: Job) -> ConfigOutcome | _Failure:
    """Check one job in this process (the function workers run)."""
    if job.error is not None:
        return ConfigOutcome(
            name=job.name,
            kind=job.kind,
            arch=job.arch,
            source=job.source,
            kernel_version=None,
            toolchain="-",
            base="(not evaluated)",
            buildroot=job.buildroot,
            anchor=job.anchor,
            notes=job.notes,
            error=job.error,
        )
    try:
        tree = _tree(job) if job.source else None
        start = time.perf_counter()  # the check alone; the parse is once per process
        return outcome.check(tree, job, started=start)
    except UserError as exc:
        return _Failure(exc.message, exc.file, exc.line, exc.key)


def _unwrap(result: ConfigOutcome | _Failure) -> ConfigOutcome:
    if isinstance(result, _Failure):
        raise UserError(result.message, file=result.file, line=result.line, key=result.key)
    return result


def chunks(jobs: list[Job], workers: int) -> list[list[int]]:
    """Job indexes grouped by key, each key's jobs split in up to 2 x `workers` chunks,
    in the order the pool should take them.

    A worker handles a chunk with one tree. The first chunk of every key comes
    first (largest key first), so at the start each worker parses a different
    tree (and writes it to the disk cache); the remaining chunks of a key then
    find it there, and the seventy arm defconfigs are shared by all workers
    while the one arm64 defconfig costs one parse in one process.
    """
    by_key: dict[tuple[str, str, str | None], list[int]] = {}
    for i, job in enumerate(jobs):
        by_key.setdefault(job.key, []).append(i)
    keys = sorted(by_key, key=lambda k: (-len(by_key[k]), k[0], k[1], k[2] or ""))
    split: list[list[list[int]]] = []
    for key in keys:
        indexes = by_key[key]
        size = -(-len(indexes) // (2 * workers)) if workers > 1 else len(indexes)
        split.append([indexes[i : i + size] for i in range(0, len(indexes), size)])
    return [parts[0] for parts in split] + [part for parts in split for part in parts[1:]]


def check_chunk(chunk: list[Job]) -> list[ConfigOutcome | _Failure]:
    """Check a chunk of same-key jobs in this process; stop at the first bad input."""
    results: list[ConfigOutcome | _Failure] = []
    for job in chunk:
        results.append(check_job(job))
        if isinstance(results[-1], _Failure):
            break
    return results


def _outcomes(jobs: list[Job], workers: int) -> Iterator[tuple[int, ConfigOutcome]]:
    """(index, outcome) as they complete."""
    parts = chunks(jobs, workers)
    if workers == 1:
        for part in parts:
            for i in part:
                yield i, _unwrap(check_job(jobs[i]))
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(check_chunk, [jobs[i] for i in part]): part for part in parts}
        try:
            for future in as_completed(futures):
                for i, result in zip(futures[future], future.result(), strict=False):
                    yield i, _unwrap(result)
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def run(jobs: list[Job], workers: int = 1, *, show_progress: bool = True) -> list[ConfigOutcome]:
    """Check every job; outcomes in job order. Bad input in any job -> UserError."""
    if not jobs:
        return []
    workers = max(1, min(workers, len(jobs)))
    stream = _outcomes(jobs, workers)
    if show_progress and len(jobs) == 1:
        # One config: a bar would sit at 0/1 while a cold tree parses (~15 s).
        with term.status(
            f"kdump check: {jobs[0].name}: evaluating the kernel's Kconfig "
            "(a first run parses the tree: ~15 s)..."
        ):
            results = dict(stream)
    else:
        if show_progress:
            stream = term.progress(stream, total=len(jobs), desc="kdump check")
        results = dict(stream)
    return [results[i] for i in range(len(jobs))]


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
