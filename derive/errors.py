"""The errors derive raises on purpose, and the exit status each one means.

Every error a user can cause is a :class:`DeriveError`; :func:`derive.cli.main`
maps them in one place to one line on stderr (``derive <command>: error: ...``)
and an exit status:

* 0 — done; 1 — a check found something (returned, not raised);
* 2 — :class:`InputError` and its kinds: bad input, a budget exceeded, a file
  that cannot be read or written;
* 70 — anything else: an internal error, one line saying so, the traceback
  only with ``--debug`` (or ``DERIVE_DEBUG=1``).

The classes also derive from :class:`ValueError` (or :class:`OSError` for
files) so that library callers that caught those keep working.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # sysexits.h EX_SOFTWARE


class DeriveError(Exception):
    """Base of every error derive raises for the user to read."""

    exit_code = EXIT_USAGE


class InputError(DeriveError, ValueError):
    """Bad input: an unknown option value, an unreadable expression or note."""


class UsageError(InputError):
    """A command line that does not make sense (argparse's errors too)."""


class BudgetError(InputError):
    """An input over a size, depth or time budget, refused before the work starts."""


class FileError(InputError):
    """A file that cannot be read or written where the user asked."""


class MissingExtraError(InputError):
    """An optional dependency that a command needs is not installed."""


class InternalError(DeriveError):
    """An invariant of derive broke: a bug, not the user's input."""

    exit_code = EXIT_INTERNAL


_CONTROL = {i: f"\\x{i:02x}" for i in (*range(0x00, 0x20), 0x7F) if chr(i) not in "\n\t"}
_CONTROL.update({i: f"\\x{i:02x}" for i in range(0x80, 0xA0)})


def printable(text: str, *, newlines: bool = False) -> str:
    """``text`` with control characters escaped, so that nothing a user typed
    (or a note contained) drives the terminal.  Newlines stay only with
    ``newlines=True``; tabs always stay."""
    out = str(text).translate(_CONTROL)
    return out if newlines else out.replace("\n", "\\n")


def missing_extra(packages: list[str] | tuple[str, ...], what: str = "") -> MissingExtraError:
    """The error for optional packages that are not installed.  It names the
    packages themselves: the name ``derive`` on the public package index is
    another project, so ``pip install 'derive[teach]'`` would install that."""
    names = sorted(packages)
    verb = "is" if len(names) == 1 else "are"
    lead = (
        f"{what} needs {', '.join(names)}, which {verb}" if what else f"{', '.join(names)} {verb}"
    )
    return MissingExtraError(
        f"{lead} not installed; install with: python3 -m pip install {' '.join(names)}"
        "  (or, in a checkout of derive: python3 -m pip install '.[teach]')"
    )
