"""The `kdumplayer` command line: one module per subcommand, one registry, one main().

Only main() exits. Exit codes: 0 ok, 1 a check found a problem, 2 bad input
or usage, 3 internal error (a bug), 130 interrupted. A CI job can tell a
failing config (1) from a crash of the tool (3).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from kdumplayer import __version__
from kdumplayer.cli import (
    analyze,
    check,
    cmdline,
    crashkernel,
    fragment,
    generate,
    reassemble,
    validate,
    verify,
)
from kdumplayer.cli.base import Command
from kdumplayer.errors import UserError

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

REGISTRY: tuple[Command, ...] = (
    validate.ValidateCommand(),
    fragment.FragmentCommand(),
    check.CheckCommand(),
    generate.GenerateCommand(),
    crashkernel.CrashkernelCommand(),
    cmdline.CmdlineCommand(),
    verify.VerifyCommand(),
    analyze.AnalyzeCommand(),
    reassemble.ReassembleCommand(),
)

DESCRIPTION = """\
Bring Linux kdump to embedded Linux builds: from one board description,
a kernel config fragment verified against the real Kconfig, a Buildroot
BR2_EXTERNAL tree, a Yocto layer, the crashkernel= command line, the kdump
boot hook, and a QEMU proof that a crash produces a dump."""

EPILOG = """\
examples:
  kdumplayer validate board-configs/qemu-x86_64.yaml
  kdumplayer fragment board-configs/qemu-x86_64.yaml -o kdump.cfg
  kdumplayer check board-configs/qemu-x86_64.yaml
  kdumplayer generate all board-configs/qemu-x86_64.yaml -o out/
  kdumplayer verify board-configs/qemu-x86_64.yaml
  kdumplayer analyze /var/crash/20261206-064512

exit status: 0 ok, 1 a check found a problem, 2 bad input or usage,
3 internal error (please report it), 130 interrupted.
Run `kdumplayer COMMAND --help` for each command's options and examples."""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors follow our one-line format and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kdumplayer",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kdumplayer {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in REGISTRY:
        child = sub.add_parser(
            command.name,
            help=command.help,
            description=command.description or command.help,
            epilog=command.epilog(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        child.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="show tracebacks of internal errors",
        )
        command.setup(child)
        child.set_defaults(handler=command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        if getattr(args, "handler", None) is None:
            build_parser().print_help(sys.stderr)
            return EXIT_USAGE
        return int(args.handler.run(args))
    except UserError as exc:
        print(f"kdumplayer: error: {exc}", file=sys.stderr)
        if debug:
            traceback.print_exc()
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("kdumplayer: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so, traceback only on request
        if debug:
            traceback.print_exc()
        else:
            print(
                f"kdumplayer: internal error: {type(exc).__name__}: {exc} "
                "(run with --debug for the traceback, and please report it)",
                file=sys.stderr,
            )
        return EXIT_INTERNAL
