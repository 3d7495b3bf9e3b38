"""Which kernel `verify` boots: Debian's for the board's arch from the generation
nearest the board's kernel.version (6.1 bookworm, 6.12 trixie, 7.x unstable),
when kconfig-fragments/kexec-tools.yaml records that kernel capturing on that
arch (a `proven` row with `debian:` the generation and result `captures`);
otherwise the gold kernel, built from the board's own fragment. Where Debian's
kernel captures only with cp (the hook's cp fallback saved what makedumpfile
refused), the gold kernel is the default when a row records it capturing on the
arch (arm64: its 48-bit VAs keep makedumpfile working), Debian's kernel
otherwise (riscv64: the gold kernel's capture fails, see kexec-tools.yaml).
Either can be asked for by name (--kernel debian|gold, --debian GENERATION).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from kdumplayer import debian
from kdumplayer.board.kexec_compat import compat_data
from kdumplayer.board.model import Board
from kdumplayer.errors import UserError
from kdumplayer.verify import arches, assets, gold
from kdumplayer.verify.assets import Kernel

CHOICES = ("auto", "debian", "gold")
CAPTURES = ("captures", "captures with cp")  # proven results: Debian's kernel captures
AUTO_CAPTURES = ("captures",)  # the ones that make it the default over the gold kernel


def board_generation(board: Board) -> str:
    """The Debian generation whose kernel is nearest the board's kernel.version."""
    if board.kernel.version is None:
        return assets.HOST_GENERATION
    return debian.generation_for_kernel(board.kernel.version).name


def proven_debian(
    arch: str, generation: str, results: tuple[str, ...] = CAPTURES
) -> dict[str, str] | None:
    """The proven row saying Debian `generation`'s kernel captures on `arch` (with
    one of `results`)."""
    return next(
        (
            row
            for row in compat_data().proven
            if row.get("arch") == arch
            and row.get("debian") == generation
            and row.get("result") in results
        ),
        None,
    )


def gold_captures(arch: str) -> bool:
    """A proven row records a gold kernel (a linux-source build) capturing on `arch`."""
    return any(
        row.get("arch") == arch
        and str(row.get("kernel", "")).startswith("linux-source-")
        and row.get("result") in AUTO_CAPTURES
        for row in compat_data().proven
    )


def _debian_by_default(arch: str, generation: str) -> bool:
    if proven_debian(arch, generation, AUTO_CAPTURES):
        return True
    return proven_debian(arch, generation) is not None and not gold_captures(arch)


@dataclass(frozen=True)
class Choice:
    which: str  # debian | gold
    generation: str  # the Debian generation of the kernel (debian) or of the tools
    why: str


def choose(board: Board, which: str = "auto", generation: str | None = None) -> Choice:
    """What `verify` boots for `board` (no download, no build)."""
    if which not in CHOICES:
        raise UserError(f"--kernel must be one of {', '.join(CHOICES)}")
    gen = generation or board_generation(board)
    if gen not in debian.generations():
        raise UserError(
            f"unknown Debian generation {gen!r} (known: {', '.join(debian.generations())})"
        )
    arch = board.arch
    if which == "debian" or (
        which == "auto" and arch.debian_kernel and _debian_by_default(arch.name, gen)
    ):
        if arch.debian_kernel is None:
            raise UserError(
                f"Debian has no kernel for QEMU's {arch.name} machine; use --kernel gold",
                key="arch",
            )
        release = debian.generations()[gen].release
        return Choice("debian", gen, f"Debian {release}'s {arch.debian_kernel} ({gen})")
    why = "the gold kernel (tinyconfig + the board's kdump fragment)"
    if which == "auto":
        release = debian.generations()[gen].release
        if not arch.debian_kernel:
            why += f": Debian has no {arch.name} kernel for QEMU"
        elif proven_debian(arch.name, gen):
            why += (
                f": Debian {release}'s {arch.name} kernel captures only with the "
                "cp fallback (makedumpfile refuses its dump)"
            )
        else:
            why += f": Debian {release}'s {arch.name} kernel is not recorded as capturing"
    return Choice("gold", gen, why)


def load(board: Board, choice: Choice, note: Callable[[str], None] = lambda _: None) -> Kernel:
    """Download or build the chosen kernel."""
    note(f"verify: kernel: {choice.why}")
    if choice.which == "debian":
        kernel = assets.debian_kernel(
            board.arch,
            choice.generation,
            tools=arches.tools_generation(board.arch, choice.generation),
        )
        row = proven_debian(board.arch.name, choice.generation)
        return replace(kernel, cp_fallback=bool(row and row.get("result") == "captures with cp"))
    build = gold.build_gold(board)
    if build.unmet:
        raise UserError(
            "the gold kernel's .config lost fragment values: "
            + ", ".join(f"CONFIG_{s}={w} (got {g})" for s, (w, g) in sorted(build.unmet.items()))
        )
    return build.kernel
