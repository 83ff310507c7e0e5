"""``derive``: derive backpropagation symbolically; print it as LaTeX and NumPy code.

This module parses the command line, dispatches to one module per subcommand
in :mod:`derive.commands` (``add_arguments(parser)`` and ``run(args) -> int``),
and maps errors to exit codes in one place (:mod:`derive.errors`): 0 ok, 1 a
check found something, 2 bad input, 70 an internal error.  Command modules
load only when their command runs, so ``python -m derive latex`` never imports
code generation or the verifier.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import warnings

from .errors import EXIT_INTERNAL, EXIT_USAGE, DeriveError, UsageError, printable

__all__ = ["COMMANDS", "UsageError", "main"]

COMMANDS = {
    "latex": ("derive.commands.latex", "print the derivation as LaTeX (or Markdown/HTML)"),
    "codegen": ("derive.commands.codegen", "render NumPy update code into generated/"),
    "notations": ("derive.commands.notations", "list the notation presets and their conventions"),
    "check": ("derive.commands.check", "verify the equations of a note or the command line"),
    "example": ("derive.commands.example", "a worked example with numbers, every step"),
    "train": ("derive.commands.train", "train the generated network on handwritten digits"),
}

# a message that already names its command ("...") keeps one prefix
_PREFIX = re.compile(r"^derive(?: [a-z]+)?:(?: error:)? ")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage block
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="derive", description=__doc__.splitlines()[0].strip("`"))
    parser.add_argument("--version", action="version", version=f"derive {_version()}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an internal error"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (_module, help_) in COMMANDS.items():
        sub.add_parser(name, help=help_, description=help_)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("derive")
    except PackageNotFoundError:  # run from a checkout
        return "0.1.0"


def _report(command: str, message: str) -> None:
    text = printable(_PREFIX.sub("", str(message)))
    print(f"derive{' ' + command if command else ''}: error: {text}", file=sys.stderr)


_NEGATIVE = re.compile(r"^-[0-9.]")


def _join_negative_values(argv: list[str]) -> list[str]:
    """``--layers -1,2`` as ``--layers=-1,2``: argparse takes a value that starts
    with ``-`` for an option unless it looks like one plain number, so the
    command would fail with "expected one argument" instead of saying what is
    wrong with the value."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if (
            token.startswith("--")
            and "=" not in token
            and i + 1 < len(argv)
            and _NEGATIVE.match(argv[i + 1])
        ):
            out.append(f"{token}={argv[i + 1]}")
            i += 2
            continue
        out.append(token)
        i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    argv = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    debug = os.environ.get("DERIVE_DEBUG", "") not in ("", "0")
    while argv and argv[0] == "--debug":
        debug = True
        argv.pop(0)
    command = argv[0] if argv and argv[0] in COMMANDS else ""
    try:
        with warnings.catch_warnings():
            if not debug:  # numeric trouble is reported as a verdict or an error
                warnings.simplefilter("ignore", RuntimeWarning)
            # parse the command name first so that only its module is imported
            if command:
                module = importlib.import_module(COMMANDS[command][0])
                parser = _Parser(prog=f"derive {command}", description=COMMANDS[command][1])
                module.add_arguments(parser)
                args = parser.parse_args(argv[1:])
                code = module.run(args)
            else:
                _parser().parse_args(argv)
                code = EXIT_USAGE
            sys.stdout.flush()
            return code
    except DeriveError as err:
        _report(command, err)
        return err.exit_code
    except BrokenPipeError:
        # the reader went away (`derive check ... | head -1`): stop quietly
        _silence_stdout()
        return 141
    except KeyboardInterrupt:
        return 130
    except SystemExit:  # --help, --version
        raise
    except Exception as err:
        if debug:
            raise
        _report(
            command,
            f"internal error ({type(err).__name__}: {err}); "
            "run again with --debug for the traceback, and please report it",
        )
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
