"""``python -m derive example``: a worked example with numbers, every step.

The numbers come from ``--file`` (TOML: layers, activation, output_activation,
loss, eta, x, d, W, b, update_biases) or a built-in 2-3-2 default; the values
are the derivation's own results evaluated at them (:mod:`derive.teach`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UsageError

FORMATS = ("latex", "markdown", "html", "json", "explore")
LANGS = ("en", "zh")


def _digits(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= 17:
        raise argparse.ArgumentTypeError(f"{text} is not between 1 and 17")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..notation import PRESETS

    parser.add_argument(
        "--file",
        type=Path,
        metavar="NUMBERS.toml",
        help="the network's numbers (default: a built-in 2-3-2 example)",
    )
    parser.add_argument(
        "--notation",
        default="doc004",
        metavar="PRESET|FILE.toml",
        help=f"whose symbols to print: {', '.join(PRESETS)} or a notation file (default doc004)",
    )
    parser.add_argument("--lang", default="en", choices=LANGS, help="language of the prose")
    parser.add_argument(
        "--format",
        default="latex",
        choices=FORMATS,
        help="output format (default latex); explore: an offline page that recomputes "
        "every number when an input, target, weight or eta is edited",
    )
    parser.add_argument(
        "--digits",
        type=_digits,
        default=6,
        help="significant digits of every printed number (default 6; JSON has all)",
    )
    parser.add_argument(
        "--document",
        action="store_true",
        help="a complete LaTeX document (pdflatex; xelatex with --lang zh)",
    )


def run(args: argparse.Namespace) -> int:
    from ..teach import numbers, render, worked

    if args.document and args.format != "latex":
        raise UsageError("--document goes with --format latex only")
    values = numbers.read(args.file) if args.file else numbers.from_table(numbers.DEFAULT)
    result = worked.work(values)
    from ..notation.files import load_notation

    notation = load_notation(args.notation)
    if args.format == "json":
        text = render.as_json(result, notation)
    elif args.format == "markdown":
        text = render.markdown(result, notation, args.lang, args.digits)
    elif args.format == "explore":
        from ..teach import explore

        text = explore.page(result, args.digits)
    elif args.format == "html":
        text = render.html_page(result, notation, args.lang, args.digits)
    elif args.document:
        text = render.document(result, notation, args.lang, args.digits)
    else:
        text = render.latex(result, notation, args.lang, args.digits)
    sys.stdout.write(text)
    return 0
