"""The command line: parse, dispatch, map errors to exit codes.

Exit codes: 0 ok, 1 a check found something, 2 usage or bad input.  Each
subcommand lives in :mod:`derive.commands` as ``add_arguments(parser)`` and
``run(args) -> int``; modules load only when their command runs, so
``python -m derive latex`` never imports code generation or the verifier.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "latex": ("derive.commands.latex", "print the derivation as LaTeX (or Markdown/HTML)"),
    "codegen": ("derive.commands.codegen", "render NumPy update code into generated/"),
    "check": ("derive.commands.check", "verify the equations of a note or the command line"),
    "train": ("derive.commands.train", "train the generated network on handwritten digits"),
}


class UsageError(Exception):
    """Bad input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage block
        raise UsageError(f"{self.prog}: error: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="derive", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (_module, help_) in COMMANDS.items():
        sub.add_parser(name, help=help_, description=help_)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        # parse the command name first so that only its module is imported
        if argv and argv[0] in COMMANDS:
            module = importlib.import_module(COMMANDS[argv[0]][0])
            parser = _Parser(prog=f"derive {argv[0]}", description=COMMANDS[argv[0]][1])
            module.add_arguments(parser)
            args = parser.parse_args(argv[1:])
            return module.run(args)
        _parser().parse_args(argv)
        return 2
    except UsageError as err:
        text = str(err)
        print(text if text.startswith("derive") else f"derive: error: {text}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as err:
        if type(err).__module__.startswith("derive") or isinstance(err, OSError):
            print(f"derive: error: {err}", file=sys.stderr)
            return 2
        raise
    except KeyboardInterrupt:
        return 130
