"""KconfigTree: a kernel tree's Kconfig parsed once for an arch, cached on disk.

Parsing the kernel's Kconfig takes one to three seconds; checking a config
against the parsed tree takes a small fraction of that. So the parse is done
once per (tree content, arch, toolchain) and pickled under
kdumplayer.paths.cache_dir()/parsed/; the pickle records every Kconfig file the
parse read with its size and mtime, and is reused only while they are
unchanged. Evaluation (evaluate.py), explanation and fixing work on the
parsed tree.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import io
import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import kconfiglib

from kdumplayer.arch import Arch, get_arch
from kdumplayer.errors import UserError
from kdumplayer.kconfig import prefetch
from kdumplayer.kconfig.compat import CompatKconfig
from kdumplayer.kconfig.evaluate import Base, Evaluation, evaluate
from kdumplayer.kconfig.explain import check
from kdumplayer.kconfig.source import KernelSource, Probes, open_source, probe_env
from kdumplayer.paths import cache_dir

if TYPE_CHECKING:
    from kdumplayer.kconfig.result import CheckResult
    from kdumplayer.requirements import Requirement

_PICKLE_FORMAT = "kdumplayer-kconfig-4"  # bump when compat rewrites change
T = TypeVar("T")


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """Kconfig's $(VAR) and $(shell ...) read os.environ: set it for the parse only."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _kconfig_error(exc: Exception, source: KernelSource) -> UserError:
    """A kconfiglib parse error as one located line ('FILE:LINE: error: ...')."""
    text = " ".join(str(exc).split())
    head, _, rest = text.partition(": ")
    file, _, line = head.rpartition(":")
    if file and line.isdigit():
        message = rest.removeprefix("error: ")
        return UserError(f"Kconfig parse error: {message}", file=source.root / file, line=int(line))
    return UserError(f"Kconfig parse error: {text}", file=source.root / source.entry)


@dataclass
class KconfigTree:
    kconfig: CompatKconfig
    source: KernelSource
    arch: Arch
    probes: str
    env: dict[str, str]
    files: tuple[tuple[str, int, int], ...]  # (path relative to root, size, mtime_ns)
    cache_path: Path | None = None  # the pickle; resolved bases are cached beside it

    @property
    def root(self) -> Path:
        return self.source.root

    @property
    def version(self) -> str:
        return self.source.version

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return self.source.version_tuple

    @property
    def transitional(self) -> frozenset[str]:
        return frozenset(self.kconfig.compat.transitional)

    # -- loading -------------------------------------------------------------

    @classmethod
    def load(
        cls, src: str | Path, arch: str | Arch, toolchain: str | None = None, cache: bool = True
    ) -> KconfigTree:
        """Parse (or load from the cache) the Kconfig of SRC for ARCH."""
        arch_obj = arch if isinstance(arch, Arch) else get_arch(arch)
        source = open_source(src, arch_obj.srcarch)
        probes = probe_env(source, arch_obj, toolchain)
        key = _cache_key(source, arch_obj, probes)
        path = cache_dir() / "parsed" / f"{key}.pickle"
        tree = _load_pickle(path, source) if cache else None
        if tree is None and not cache:
            tree = cls._parse(source, arch_obj, probes, None)
        elif tree is None:
            # Workers of one `check --jobs N` may want the same tree at once: one parses
            # and writes it, the others wait and load it (~0.3 s) instead of parsing
            # it again (~2.5 s of CPU).
            with _locked(path):
                tree = _load_pickle(path, source)
                if tree is None:
                    record = prefetch.record_path(path.parent, source.root, probes.description)
                    tree = cls._parse(source, arch_obj, probes, record)
                    _save_pickle(path, tree)
        if cache:
            tree.cache_path = path
        return tree

    @classmethod
    def _parse(
        cls, source: KernelSource, arch: Arch, probes: Probes, record: Path | None
    ) -> KconfigTree:
        with (
            _environment(probes.env),
            prefetch.prefetched(record),
            _collector_off(),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            try:
                kconf = CompatKconfig(
                    source.entry,
                    str(source.root),
                    warn=False,
                    warn_to_stderr=False,
                    suppress_traceback=False,
                )
            except kconfiglib.KconfigError as exc:
                raise _kconfig_error(exc, source) from None
            except OSError as exc:
                raise UserError(f"cannot read Kconfig: {exc}", file=source.root) from None
        files = []
        for rel in sorted(set(kconf.kconfig_filenames)):
            full = source.root / rel
            st = full.stat()
            files.append((rel, st.st_size, st.st_mtime_ns))
        return cls(kconf, source, arch, probes.description, probes.env, tuple(files))

    # -- what the tree offers ------------------------------------------------

    def defconfigs(self) -> list[str]:
        configs = self.root / "arch" / self.arch.srcarch / "configs"
        if not configs.is_dir():
            return []
        return sorted(
            p.name
            for p in configs.iterdir()
            if p.name.endswith("_defconfig") or p.name == "defconfig"
        )

    def symbol_names(self) -> list[str]:
        return [sym.name for sym in self.kconfig.unique_defined_syms]

    # -- evaluation ------------------------------------------------------------

    # evaluate.py and explain.py name KconfigTree in annotations only (TYPE_CHECKING),
    # so these conveniences import them without a cycle.
    def evaluate(self, base: Base, fragments: Sequence[Path | str] = ()) -> Evaluation:
        return evaluate(self, base, fragments)

    def check(
        self,
        base: Base,
        fragments: Sequence[Path | str] = (),
        requirements: Sequence[Requirement] | None = None,
    ) -> CheckResult:
        return check(self, base, fragments, requirements)


def _cache_key(source: KernelSource, arch: Arch, probes: Probes) -> str:
    parts = [
        _PICKLE_FORMAT,
        kconfiglib.VERSION if hasattr(kconfiglib, "VERSION") else "",
        sys.version,
        str(source.root),
        source.entry,
        arch.name,
        probes.description,
        repr(sorted(probes.env.items())),
    ]
    return hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()[:32]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside the pickle, held until the block ends (none if the
    cache directory is not writable: the parse then simply goes ahead)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.with_suffix(".lock").open("a")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _fresh(tree: KconfigTree, source: KernelSource) -> bool:
    root = f"{source.root}/"  # plain strings: ~1700 stat calls on every warm load
    for rel, size, mtime in tree.files:
        try:
            st = os.stat(root + rel)
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime:
            return False
    return True


def _load_pickle(path: Path, source: KernelSource) -> KconfigTree | None:
    try:
        with path.open("rb") as handle:
            tree = _unpickle(handle)
    except (
        OSError,
        EOFError,
        pickle.UnpicklingError,
        AttributeError,
        ImportError,
        TypeError,
        ValueError,
        RecursionError,
    ):
        return None
    if not isinstance(tree, KconfigTree) or not _fresh(tree, source):
        return None
    tree.source = source  # the same content; keep what the user named
    return tree


@contextlib.contextmanager
def _collector_off() -> Iterator[None]:
    """Build a tree with the cyclic collector off, then freeze what was built.

    A parsed tree is hundreds of thousands of long-lived objects and next to no
    garbage (48 objects in a parse): collecting while it is built only rescans
    it (a sixth of a parse, half of a load), and it must be frozen before the
    collector is back on, or its first run scans it all once more (0.1-0.2 s of
    a warm check), and every later one too (json.loads of a cached base took
    0.5 s instead of 0.02 s).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _unpickle(handle: io.BufferedReader) -> object:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 100_000))
    try:
        with _collector_off():
            return _in_big_stack(lambda: pickle.load(handle))
    finally:
        sys.setrecursionlimit(limit)


def _in_big_stack(function: Callable[[], T]) -> T:
    """Run in a thread with a 512 MiB stack: pickling recurses along kconfiglib's
    linked menu nodes, deeper than the main thread's C stack allows."""
    result: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(function())
        except BaseException as exc:  # handed to the caller's thread
            errors.append(exc)

    old = threading.stack_size(512 << 20)
    try:
        thread = threading.Thread(target=run, name="kdumplayer-pickle")
        thread.start()
    finally:
        threading.stack_size(old)
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def _save_pickle(path: Path, tree: KconfigTree) -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 200_000))
    try:
        data = _in_big_stack(lambda: pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))
    except (RecursionError, pickle.PicklingError, TypeError):
        return  # caching is an optimisation; a tree that does not pickle is parsed again
    finally:
        sys.setrecursionlimit(limit)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
