"""``python -m derive latex``: the derivation in a note's notation."""

from __future__ import annotations

import argparse
import sys

from ..cli import UsageError

NOTATIONS = ("doc004", "rashid", "doc003")
FORMATS = ("latex",)
LANGS = ("en", "zh")


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose a network, shared by latex and codegen."""
    parser.add_argument("--activation", metavar="NAME|EXPR",
                        help="hidden activation: sigmoid, tanh, identity, relu, leaky_relu, "
                        "softplus, exp, or an expression in x (default: the notation's)")
    parser.add_argument("--output-activation", metavar="NAME|EXPR",
                        help="output activation (default: the hidden one; softmax allowed)")
    parser.add_argument("--loss", help="sse, sum_sq, mse, bce, ce (default: the notation's)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--notation", default="doc004", choices=NOTATIONS,
                        help="whose symbols to print (default doc004)")
    add_network_arguments(parser)
    parser.add_argument("--steps", action="store_true", help="derive step by step")
    parser.add_argument("--document", action="store_true",
                        help="a complete LaTeX document (pdflatex; xelatex with --lang zh)")
    parser.add_argument("--lang", default="en", choices=LANGS, help="language of the prose")
    parser.add_argument("--format", default="latex", choices=FORMATS, help="output format")


def network_from(args: argparse.Namespace, notation):
    from ..functions import LOSSES
    from ..network import build

    loss = args.loss or notation.loss
    if loss not in LOSSES:
        raise UsageError(f"unknown loss '{loss}'; choose from {', '.join(LOSSES)}")
    hidden = args.activation or notation.activation_default
    output = args.output_activation or (
        notation.output_activation_default if not args.activation else None
    )
    return build(activation=hidden, output_activation=output, loss=loss,
                 scalar_output=notation.scalar_output)


def run(args: argparse.Namespace) -> int:
    from ..derivation import derive
    from ..notation import PRESETS
    from ..printing import report_latex
    from ..report import build

    notation = PRESETS[args.notation]
    report = build(derive(network_from(args, notation)), notation, steps=args.steps)
    if args.document:
        text = report_latex.document(report, args.lang)
    else:
        text = report_latex.render(report, args.lang)
    sys.stdout.write(text)
    return 0
