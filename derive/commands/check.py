"""``python -m derive check``: which equations of a note hold, which do not, and why."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import UsageError

NOTATIONS = ("doc004", "rashid", "doc003")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("latex", nargs="*", help="equations in LaTeX, e.g. '\\delta_k = ...'")
    parser.add_argument("--file", type=Path, help="a Markdown or .tex note to check whole")
    parser.add_argument(
        "--notation",
        default="doc004",
        choices=NOTATIONS,
        help="whose symbols the equations use (default doc004)",
    )
    parser.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    from .latex import add_network_arguments

    add_network_arguments(parser)


def _relations(args: argparse.Namespace):
    from ..check.extract import Formula, find_formulas, link_continuations, split_relations
    from ..check.parse import LatexSyntaxError, parse_latex

    if args.file is None and not args.latex:
        raise UsageError("give LaTeX equations or --file NOTE.md")
    relations = []
    if args.file is not None:
        try:
            text = args.file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"no such file: {args.file}") from None
        except (UnicodeDecodeError, IsADirectoryError) as err:
            raise UsageError(f"cannot read {args.file}: {err}") from None
        markdown = args.file.suffix.lower() != ".tex"
        relations.extend(link_continuations(find_formulas(text, markdown=markdown)))
    for n, latex in enumerate(args.latex, start=1):
        found = split_relations(Formula(n, latex, True))
        if not found:
            raise UsageError(f"argument {n} has no relation ('=') to check")
        for rel in found:  # malformed LaTeX on the command line is a usage error
            for side in (rel.lhs, rel.rhs):
                try:
                    parse_latex(side)
                except LatexSyntaxError as err:
                    raise UsageError(f"argument {n}: {err}") from None
                except ValueError:
                    pass
        relations.extend(found)
    return relations


def _describe(v, where: str) -> list[str]:
    head = f"{where}{v.line}: {v.status}"
    if v.how:
        head += f" ({v.how})"
    lines = [f"{head}: {v.lhs.strip()} {v.op} {v.rhs.strip()}"]
    if v.status == "fails":
        if v.diagnosis:
            lines.append(f"    why: {v.diagnosis}")
        lines.append(f"    left - right = {v.difference}")
        lines.append(
            "    for example: " + ", ".join(f"{k} = {val}" for k, val in v.counterexample.items())
        )
    return lines


def _check(checker, rel):
    """A continued formula holds if it continues any of the formulas it may continue."""
    from dataclasses import replace

    verdict = checker.check(rel)
    if verdict.status == "holds" or not rel.alternatives:
        return verdict
    for lhs in rel.alternatives:
        other = checker.check(replace(rel, lhs=lhs, alternatives=()))
        if other.status == "holds":
            return other
    return verdict


def run(args: argparse.Namespace) -> int:
    from ..check.verify import Checker

    relations = _relations(args)
    if not relations:
        raise UsageError(
            f"nothing checkable in {args.file} "
            "(no formula with a relation; formulas in images cannot be read)"
        )
    from ..notation import PRESETS
    from .latex import network_from

    checker = Checker(args.notation, network=network_from(args, PRESETS[args.notation]))
    verdicts = [_check(checker, rel) for rel in relations]
    counts = {
        s: sum(v.status == s for v in verdicts)
        for s in ("holds", "fails", "definition", "not checked")
    }
    if args.json:
        json.dump(
            {
                "notation": args.notation,
                "counts": counts,
                "relations": [v.as_dict() for v in verdicts],
            },
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        sys.stdout.write("\n")
    else:
        where = f"{args.file}:" if args.file else "line "
        for v in verdicts:
            sys.stdout.write("\n".join(_describe(v, where)) + "\n")
        sys.stdout.write(", ".join(f"{n} {s}" for s, n in counts.items()) + "\n")
    checked = counts["holds"] + counts["fails"]
    if counts["fails"]:
        return 1
    if checked == 0:
        print(
            "derive check: error: nothing could be checked (see the reasons above)", file=sys.stderr
        )
        return 2
    return 0
