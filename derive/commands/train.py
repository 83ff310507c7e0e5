"""``python -m derive train``: train the generated network on handwritten digits.

The exact rule is the NumPy module ``python -m derive codegen`` renders for
``--activation/--loss``; ``--plot`` also trains with the book's rule (hidden
error ``(d - O_k) @ w.T``) from the same start and draws both.  Needs the
teaching extras (the ``teach`` extra of this package).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ..errors import UsageError, missing_extra


def _number(kind, low, high, what: str):
    """An option value of ``kind`` in [low, high] (finite), else one line naming the range."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"'{text}' is not a {'whole number' if kind is int else 'number'}"
            ) from None
        if not (low <= value <= high):  # NaN fails too
            raise argparse.ArgumentTypeError(f"{text} is not {what}")
        return value

    return parse


def _eta(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value) or not value > 0:
        raise argparse.ArgumentTypeError(f"{text} is not a finite positive number")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--epochs",
        type=_number(int, 1, 1000, "from 1 to 1000"),
        default=10,
        help="passes over the training set (default 10, at most 1000)",
    )
    parser.add_argument(
        "--hidden",
        type=_number(int, 1, 100_000, "from 1 to 100000"),
        default=100,
        help="hidden nodes (default 100; refused before training when the weights "
        "and one pass over the data would need more than 2 GiB)",
    )
    parser.add_argument(
        "--eta",
        type=_eta,
        default=None,
        help="learning rate (default: one that trains with the activation: 0.3 for "
        "sigmoid, 0.1 for relu, leaky_relu, softplus, 0.03 for tanh and expressions, "
        "0.01 for identity; the smallest of the network's)",
    )
    parser.add_argument(
        "--batch",
        type=_number(int, 1, 1_000_000, "from 1 to 1000000"),
        default=1,
        help="samples a step; the step is eta times the batch mean "
        "(default 1, sample by sample as in the book)",
    )
    parser.add_argument(
        "-a",
        "--activation",
        default="sigmoid",
        metavar="NAME|EXPR",
        help="activation of both layers: a name of the table or an expression in x "
        "such as 'x/(1+abs(x))' (default sigmoid, as in the notes)",
    )
    parser.add_argument(
        "-o",
        "--output-activation",
        metavar="NAME|EXPR",
        help="output activation (default: the hidden one; softmax with --loss ce)",
    )
    parser.add_argument("--loss", default="sse", help="sse, sum_sq, mse, bce, ce (default sse)")
    parser.add_argument(
        "--seed",
        type=_number(int, 0, 2**32 - 1, "from 0 to 4294967295"),
        default=0,
        help="split, initial weights and sample order (default 0)",
    )
    parser.add_argument(
        "--csv",
        type=Path,
        metavar="PATH",
        help="the book's MNIST CSV (label, then 784 pixels, a line) "
        "instead of scikit-learn's digits",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="FILE",
        help="save a PNG of loss and accuracy: exact gradient and book's rule",
    )


def _activation(name: str, choices: tuple[str, ...], what: str) -> str:
    """A name of the table, or an expression in x (parsed and budgeted by the derivation)."""
    if name in choices or not name.strip().isidentifier():
        return name
    raise UsageError(
        f"unknown {what} '{name}'; choose from {', '.join(choices)} "
        "or give an expression in x such as 'x/(1+abs(x))'"
    )


def _combo(args: argparse.Namespace):
    from ..codegen import HIDDEN_ACTIVATIONS, LOSSES, OUTPUT_ACTIVATIONS, Combo

    hidden = _activation(args.activation, HIDDEN_ACTIVATIONS, "activation")
    output = _activation(
        args.output_activation or args.activation, OUTPUT_ACTIVATIONS, "output activation"
    )
    if args.loss not in LOSSES:
        raise UsageError(f"unknown loss '{args.loss}'; choose from {', '.join(LOSSES)}")
    combo = Combo(hidden, output, args.loss)
    combo.network()  # a bad expression or combination raises its one-line InputError
    return combo


def run(args: argparse.Namespace) -> int:
    from .. import training as T

    missing = T.missing_extras(plot=args.plot is not None)
    if missing:
        raise missing_extra(missing)
    combo = _combo(args)
    if args.plot is not None and combo.network().activations[-1].vector:
        raise UsageError(
            "--plot compares with the book's rule, which needs an "
            "elementwise output activation, not softmax"
        )
    if args.plot is not None:
        T.check_writable(args.plot)
    data = T.mnist_csv(args.csv, args.seed) if args.csv else T.digits(args.seed)
    T.check_budget(data.inputs, args.hidden, len(data.x_train) + len(data.x_test))
    eta = args.eta if args.eta is not None else T.default_eta(*combo.activations)

    from tqdm import tqdm

    module = T.generated_module(combo.activation, combo.output_activation, combo.loss)
    print(
        f"{data.source}: {len(data.x_train)} training and {len(data.x_test)} test samples; "
        f"network {data.inputs}-{args.hidden}-{T.CLASSES}, {combo.filename[:-3]} "
        f"(`{combo.command}`), eta {eta:g}{'' if args.eta else ' (the default for it)'}, "
        f"batch {args.batch}, seed {args.seed}"
    )

    def progress(steps, desc):
        return tqdm(
            steps,
            desc=desc,
            unit="batch",
            leave=False,
            file=sys.stderr,
            disable=None,
            dynamic_ncols=True,
        )

    def report(line):
        tqdm.write(line, file=sys.stdout)
        sys.stdout.flush()

    rules = ("exact", "book") if args.plot is not None else ("exact",)
    histories = [
        T.train(
            module,
            data,
            hidden=args.hidden,
            epochs=args.epochs,
            eta=eta,
            batch=args.batch,
            seed=args.seed,
            rule=rule,
            progress=progress,
            report=report,
        )
        for rule in rules
    ]
    for h in histories:
        name = "exact gradient" if h.rule == "exact" else "book rule"
        print(
            f"{name}: test accuracy {h.accuracy[-1]:.4f} after {len(h.accuracy)} epochs, "
            f"{sum(h.seconds) / len(h.seconds):.3f} s an epoch"
        )
    sentence = T.explain_steps(histories[0])
    if sentence:
        print(sentence)
    if args.plot is not None:
        title = (
            f"{combo.filename[:-3]}, {data.inputs}-{args.hidden}-{T.CLASSES}, "
            f"eta {eta:g}, batch {args.batch}, seed {args.seed}"
        )
        T.plot(histories, args.plot, title)
        print(f"wrote {args.plot}")
    return 0
