"""Kconfig verification: evaluate the real kernel Kconfig against the kdump requirements.

Parse a kernel tree once, then check as many configs as you like against it.
This package docstring is the library API other parts of kdumplayer (and the
batch `kdumplayer check`) code against::

    from pathlib import Path
    from kdumplayer.kconfig import Base, KconfigTree, compute_fix
    from kdumplayer.requirements import BoardChoices, select

    # Parse once. SRC is a kernel tree directory or a release tarball
    # (.tar.xz/.tar.gz/.tar.bz2; extracted once into the per-user cache, keyed
    # by the tarball's content). ARCH is a kdumplayer arch name (x86_64, i386,
    # arm64, arm, riscv64). toolchain=None uses the tree's scripts/dummy-tools
    # when it has them (deterministic probes), else host tools; a PREFIX such
    # as "aarch64-linux-gnu-" uses that cross toolchain. The parsed tree is
    # pickled under kdumplayer.paths.cache_dir() and reused while the Kconfig
    # files are unchanged (cache=False to skip); resolved bases (make NAME,
    # tinyconfig) are cached beside it.
    tree = KconfigTree.load(SRC, "arm64", toolchain=None, cache=True)
    tree.version          # "6.12.57" (from the tree's Makefile)
    tree.version_tuple    # (6, 12, 57)
    tree.arch             # kdumplayer.arch.Arch
    tree.probes           # "scripts/dummy-tools" | "host tools" | "toolchain PREFIX"
    tree.root             # Path of the (extracted) tree
    tree.defconfigs()     # ["bcm2835_defconfig", ...] from arch/$SRCARCH/configs

    # The base config, then fragments applied in order (later wins).
    base = Base.defconfig("defconfig")       # arch/$SRCARCH/configs/NAME, as `make NAME`
    base = Base.config(Path("my.config"))    # a full or minimal .config, read as is
    base = Base.parse("tinyconfig")          # CLI text: tinyconfig | allnoconfig | NAME | PATH
    base = Base.tinyconfig()                 # as `make tinyconfig`
    base = Base.allnoconfig()                # as `make allnoconfig`

    reqs = select(tree.arch.name, tree.version, BoardChoices())  # kdumplayer.requirements
    result = tree.check(base, [Path("kdump.cfg")], reqs)         # -> CheckResult
    # (evaluates only what the requirements' symbols depend on: evaluate.Closure;
    # afterwards only those hold their values in the tree)
    result.ok                    # True when every requirement is met
    for item in result.items:    # one RequirementResult per requirement, in data order
        item.requirement         # kdumplayer.requirements.Requirement
        item.status              # Status.MET | Status.UNMET | Status.ABSENT
        item.symbol              # the symbol that decided it (an alternative may have)
        item.requested           # Assignment | None: the last value asked for, with file:line
        item.met                 # status is MET
        item.wanted              # the value the requirement wants ("y", "0x2000000")
        item.final               # final value ("y", "n", "0x1000000"); None: not defined
                                 # in this kernel (or a number/string not in the .config)
        item.explanation         # Explanation | None (unmet/absent): blocking dependency
                                 # terms with current values ("KEXEC_CORE [=n]"), selectors,
                                 # what selects a promptless blocker (.blocking_detail),
                                 # choice conflicts, closest names and known renames;
                                 # .lines() gives it as text, .to_dict() as data
        item.why()               # explanation lines, most useful first
        item.to_dict()
    result.unknown               # fragment Assignments naming symbols the tree lacks
    result.overridden            # (earlier, later) Assignment pairs within the fragments
    result.notes                 # those two as text lines ("kdump.cfg:3: CONFIG_X ...")
    result.to_dict()             # JSON-able; schema: kdumplayer.kconfig.result.RESULT_SCHEMA
    # Assignment: .symbol .value .file .line .where ("kdump.cfg:3")

    fix = compute_fix(tree, base, [Path("kdump.cfg")], reqs)   # -> Fix
    fix.assignments      # tuple[FixAssignment(symbol, value, reason)] to add after the fragments
    fix.text             # the same as a .cfg fragment, commented (write it with --fix FILE)
    fix.unfixable        # tuple[Unfixable(requirement, why)]: cannot be met on this arch/version
    fix.verified         # CheckResult of base + fragments + fix (re-evaluated)

    evaluation = tree.evaluate(base, [Path("kdump.cfg")])      # -> Evaluation
    evaluation.values    # {symbol: value} as `make olddefconfig` writes them (strings quoted)
    evaluation.config_text()   # the .config text (compared with the C kconfig by the tests)

    # Requirements with a board: select(arch, version, kdumplayer.requirements.choices_of(board))
    # The kdump fragment text: kdumplayer.fragment.fragment_for_board(board)

Bad input (not a kernel tree, unknown arch, corrupt tarball, a Kconfig parse
error, a fragment line that is not an assignment) raises
kdumplayer.errors.UserError with file and line. A KconfigTree is not
thread-safe: check configs one after another (each check resets its state).
"""

from kdumplayer.kconfig.configfile import Assignment
from kdumplayer.kconfig.evaluate import Base, Evaluation
from kdumplayer.kconfig.fix import Fix, FixAssignment, Unfixable, compute_fix
from kdumplayer.kconfig.result import (
    RESULT_SCHEMA,
    CheckResult,
    Explanation,
    RequirementResult,
    Status,
    Term,
)
from kdumplayer.kconfig.tree import KconfigTree

__all__ = [
    "RESULT_SCHEMA",
    "Assignment",
    "Base",
    "CheckResult",
    "Evaluation",
    "Explanation",
    "Fix",
    "FixAssignment",
    "KconfigTree",
    "RequirementResult",
    "Status",
    "Term",
    "Unfixable",
    "compute_fix",
]
