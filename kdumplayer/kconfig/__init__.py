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
    # files are unchanged (cache=False to skip).
    tree = KconfigTree.load(SRC, "arm64", toolchain=None, cache=True)
    tree.version          # "6.12.57" (from the tree's Makefile)
    tree.version_tuple    # (6, 12, 57)
    tree.arch             # kdumplayer.arch.Arch
    tree.probes           # "scripts/dummy-tools" | "host tools" | "toolchain PREFIX"
    tree.root             # Path of the (extracted) tree
    tree.defconfigs()     # ["bcm2835_defconfig", ...] from arch/$SRCARCH/configs

    # The base config, then fragments applied in order (later wins).
    base = Base.defconfig("defconfig")       # arch/$SRCARCH/configs/NAME (or any path under configs/)
    base = Base.config(Path("my.config"))    # a full or minimal .config
    base = Base.tinyconfig()                 # as `make tinyconfig`
    base = Base.allnoconfig()                # as `make allnoconfig`

    reqs = select(tree.arch.name, tree.version, BoardChoices())  # kdumplayer.requirements
    result = tree.check(base, [Path("kdump.cfg")], reqs)         # -> CheckResult
    result.ok                    # True when every requirement is met
    for item in result.items:    # one RequirementResult per requirement, in data order
        item.requirement         # kdumplayer.requirements.Requirement
        item.status              # Status.MET | Status.UNMET | Status.ABSENT
        item.symbol              # the symbol that decided it (an alternative may have)
        item.requested           # Assignment | None: the last value asked for, with file:line
        item.final               # final value in the .config ("y", "n", "0x1000000"), None if absent
        item.explanation         # Explanation | None (unmet/absent): blocking dependency
                                 # terms with current values ("KEXEC_CORE [=n]"), selectors,
                                 # choice conflicts, closest names and known renames
    result.assignments_ignored   # Assignment overridden by a later fragment / unknown symbols
    result.to_dict()             # JSON-able; schema: kdumplayer.kconfig.result.RESULT_SCHEMA

    fix = compute_fix(tree, base, [Path("kdump.cfg")], reqs)   # -> Fix
    fix.assignments      # tuple[FixAssignment(symbol, value, reason)] to add after the fragments
    fix.text             # the same as a .cfg fragment, commented
    fix.unfixable        # tuple[Unfixable(requirement, why)]: cannot be met on this arch/version
    fix.verified         # CheckResult of base + fragments + fix (re-evaluated)

    evaluation = tree.evaluate(base, [Path("kdump.cfg")])      # -> Evaluation
    evaluation.values    # {symbol: value} as `make olddefconfig` would write them
    evaluation.config_text()   # the .config text

Bad input (not a kernel tree, unknown arch, corrupt tarball, a Kconfig parse
error, a fragment line that is not an assignment) raises
kdumplayer.errors.UserError with file and line. A KconfigTree is not
thread-safe: check configs one after another (each check resets its state).
"""
