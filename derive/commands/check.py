"""``python -m derive check``: which equations of a note hold, which do not, and why."""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import BudgetError, FileError, InputError, UsageError, printable

MAX_NOTE_BYTES = 16 * 1024 * 1024
"""A note larger than this is refused before it is read whole (10⁵ formulas are ~5 MB)."""
CHUNK = 1 << 16


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("latex", nargs="*", help="equations in LaTeX, e.g. '\\delta_k = ...'")
    parser.add_argument("--file", type=Path, help="a Markdown or .tex note to check whole")
    parser.add_argument(
        "--notation",
        metavar="PRESET|FILE.toml",
        help="whose symbols and conventions the equations use: a preset (see `derive "
        "notations`) or a notation file (default: the note's front matter, else doc004)",
    )
    parser.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    from .latex import add_network_arguments

    add_network_arguments(parser)


def read_note(path: Path, limit: int = MAX_NOTE_BYTES) -> str:
    """The note at ``path`` as text: read in chunks, at most ``limit`` bytes
    (``/dev/zero`` is refused, not read until memory runs out), UTF-8 only."""
    shown = printable(str(path))
    if path.is_dir():
        raise FileError(f"{shown} is a directory, not a note")
    chunks, size = [], 0
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise BudgetError(
                        f"{shown} is larger than {limit // (1024 * 1024)} MB; "
                        "split the note or check its parts"
                    )
                chunks.append(chunk)
    except FileNotFoundError:
        raise FileError(f"no such file: {shown}") from None
    except OSError as err:
        raise FileError(f"cannot read {shown}: {err.strerror or type(err).__name__}") from None
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise FileError(
            f"{shown} is not UTF-8 text (byte {err.start}, line {line}); save the note as UTF-8"
        ) from None


@dataclass(frozen=True)
class Item:
    """A relation to check and where it came from, as the user will see it."""

    where: str
    relation: object


def _notation(args: argparse.Namespace, text: str | None):
    """--notation, else the notation the note declares in its front matter, else doc004."""
    from ..notation import PRESETS, load_notation, notation_from_front_matter

    if args.notation:
        return load_notation(args.notation)
    if text is not None:
        declared = notation_from_front_matter(text)
        if declared is not None:
            return declared
    return PRESETS["doc004"]


def _items(args: argparse.Namespace, parse, text: str | None) -> list[Item]:
    from ..check.extract import Formula, find_formulas, link_continuations, split_relations
    from ..check.parse import LatexSyntaxError, TooCostly, Unsupported

    if args.file is None and not args.latex:
        raise UsageError("give LaTeX equations or --file NOTE.md")
    items = []
    if args.file is not None:
        markdown = args.file.suffix.lower() != ".tex"
        shown = printable(str(args.file))
        for rel in link_continuations(find_formulas(text, markdown=markdown)):
            items.append(Item(f"{shown}:{rel.line}", rel))
    for n, latex in enumerate(args.latex, start=1):
        found = split_relations(Formula(1, latex, True))
        if not found:
            raise UsageError(f"argument {n} has no relation ('=') to check")
        start = 0
        for rel in found:  # malformed LaTeX on the command line is a usage error
            for side in (rel.lhs, rel.rhs):
                at = latex.find(side, start)
                start = at + len(side) if at >= 0 else start
                try:
                    parse(side)
                except LatexSyntaxError as err:
                    raise UsageError(f"argument {n}: {_shifted(err, max(at, 0))}") from None
                except TooCostly as err:
                    raise BudgetError(f"argument {n}: {err}") from None
                except Unsupported:
                    pass  # well-formed: the verdict says why it is not checked
            items.append(Item(f"argument {n}", rel))
    return items


def _shifted(err, offset: int) -> str:
    """A side's syntax error with its column counted in the whole argument."""
    text = str(err)
    if err.column is None or not text.startswith(f"column {err.column}:"):
        return text
    return f"column {err.column + offset}:" + text[len(f"column {err.column}:") :]


def _describe(v, where: str) -> list[str]:
    head = f"{where}: {v.status}"
    if v.how:
        head += f" ({v.how})"
    lines = [printable(f"{head}: {v.lhs.strip()} {v.op} {v.rhs.strip()}")]
    if v.status == "fails":
        if v.diagnosis:
            lines.append(printable(f"    why: {v.diagnosis}"))
        if v.difference:
            lines.append(printable(f"    left - right = {v.difference}"))
        if v.counterexample:
            lines.append(
                "    for example: "
                + ", ".join(f"{k} = {val}" for k, val in v.counterexample.items())
            )
    return lines


def _check(checker, rel):
    """A continued formula holds if it continues any of the formulas it may continue
    (whether another one fails, and why, is not reported: not worked out)."""
    from dataclasses import replace

    verdict = checker.check(rel)
    if verdict.status == "holds" or not rel.alternatives:
        return verdict
    for lhs in rel.alternatives:
        other = checker.check(replace(rel, lhs=lhs, alternatives=()), explain=False)
        if other.status == "holds":
            return other
    return verdict


@contextmanager
def _loading():
    """Modules load with the garbage collector off, and what they made is then left out
    of later collections (``gc.freeze``): SymPy's and NumPy's imports create objects that
    live as long as the process, and collecting among them, during the imports and again
    at every older-generation pass while checking, took 0.04 s of each `derive check`.
    :func:`run` puts them back (``gc.unfreeze``) when it returns, for callers in the
    same process."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def run(args: argparse.Namespace) -> int:
    # at exit, nothing left to collect either (0.1 s with SymPy loaded): as
    # ``python -m derive`` does, for the installed ``derive`` script too
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    try:
        return _run(args)
    finally:
        gc.unfreeze()


def _run(args: argparse.Namespace) -> int:
    if args.file is not None and not args.latex:  # a note with [numbers]: number by number
        with _loading():
            from ..teach.firstwrong import check_file

        numbers = check_file(args.file, args.json)
        if numbers is not None:
            return numbers
    with _loading():
        from ..check.hint import notation_hint
        from ..check.verify import Checker
        from .latex import network_from

    text = read_note(args.file) if args.file is not None else None
    notation = _notation(args, text)
    checker = Checker(notation, network=network_from(args, notation))
    items = _items(args, checker.parse, text)
    if not items:
        raise InputError(
            f"nothing checkable in {printable(str(args.file))} "
            "(no formula with a relation; formulas in images cannot be read)"
        )
    verdicts = [_check(checker, item.relation) for item in items]
    counts = {
        s: sum(v.status == s for v in verdicts)
        for s in ("holds", "fails", "definition", "approximation", "not checked")
    }
    hint = ""
    if args.file is not None:  # a note written in another notation reads as "not checked"
        hint = notation_hint(notation.name, [item.relation for item in items], verdicts)
    if args.json:
        report = {
            "notation": notation.name,
            "counts": counts,
            "relations": [
                {"where": item.where, **v.as_dict()}
                for item, v in zip(items, verdicts, strict=True)
            ],
        }
        if hint:
            report["hint"] = hint
        json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        for item, v in zip(items, verdicts, strict=True):
            sys.stdout.write("\n".join(_describe(v, item.where)) + "\n")
        sys.stdout.write(", ".join(f"{n} {s}" for s, n in counts.items()) + "\n")
        if hint:
            sys.stdout.write(f"hint: {hint}\n")
    checked = counts["holds"] + counts["fails"] + counts["approximation"]
    if counts["fails"]:
        return 1
    if checked == 0:
        raise InputError("nothing could be checked (see the reasons above)")
    return 0
