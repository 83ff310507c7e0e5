"""``python -m derive latex``: the derivation in a note's notation."""

from __future__ import annotations

import argparse
import sys

from ..errors import UsageError

FORMATS = {
    # format -> module in derive.printing with render(report, lang) -> str
    "latex": "report_latex",
    "markdown": "markdown",
    "html": "html",
}
LANGS = ("en", "zh")


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose a network, shared by latex and check."""
    parser.add_argument(
        "--activation",
        metavar="NAME|EXPR",
        help="hidden activation: sigmoid, tanh, identity, relu, leaky_relu, "
        "softplus, exp, or an expression in x (default: the notation's)",
    )
    parser.add_argument(
        "--output-activation",
        metavar="NAME|EXPR",
        help=(
            "output activation (default: the notation's own output layer where it has one, "
            "identity in bishop, softmax in cs231n; else the hidden one; softmax allowed)"
        ),
    )
    parser.add_argument("--loss", help="sse, sum_sq, mse, bce, ce (default: the notation's)")
    parser.add_argument(
        "--layers",
        metavar="W0,W1,...",
        help="widths, input first (default 3,4,2: the notes' network); "
        "--activation may then list one activation per weight layer",
    )
    parser.add_argument("--bias", action="store_true", help="give every layer a bias")
    parser.add_argument(
        "--weight-decay",
        choices=("on", "off"),
        help="add the L2 term (λ/2) Σ w² to the objective, so every weight's gradient "
        "gains λ w (default: the notation's; on in cs231n, whose λ is reg)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--notation",
        default="doc004",
        metavar="PRESET|FILE.toml",
        help="whose symbols and conventions to print: a preset (see `derive notations`) "
        "or a notation file (default doc004)",
    )
    add_network_arguments(parser)
    parser.add_argument("--steps", action="store_true", help="derive step by step")
    parser.add_argument(
        "--document",
        action="store_true",
        help="a complete LaTeX document (pdflatex; xelatex with --lang zh)",
    )
    parser.add_argument("--lang", default="en", choices=LANGS, help="language of the prose")
    parser.add_argument(
        "--format", default="latex", choices=tuple(FORMATS), help="output format (default latex)"
    )


def network_from(args: argparse.Namespace, notation):
    from ..network import parse_layers
    from ..notation import network_for

    widths = parse_layers(args.layers) if args.layers else None
    return network_for(
        notation,
        activation=args.activation,
        output_activation=args.output_activation,
        loss=args.loss,
        widths=widths,
        bias=args.bias or None,
        weight_decay=None if args.weight_decay is None else args.weight_decay == "on",
    )


def run(args: argparse.Namespace) -> int:
    from ..derivation import derive
    from ..notation import load_notation
    from ..printing import report_latex
    from ..report import build

    notation = load_notation(args.notation)
    report = build(derive(network_from(args, notation)), notation, steps=args.steps)
    if args.document:
        if args.format != "latex":
            raise UsageError("--document goes with --format latex only")
        text = report_latex.document(report, args.lang)
    else:
        import importlib

        printer = importlib.import_module(f"derive.printing.{FORMATS[args.format]}")
        text = printer.render(report, args.lang)
    sys.stdout.write(text)
    return 0
