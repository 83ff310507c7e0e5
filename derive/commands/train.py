"""``python -m derive train``: train the generated network on handwritten digits.

The exact rule is the NumPy module ``python -m derive codegen`` renders for
``--activation/--loss``; ``--plot`` also trains with the book's rule (hidden
error ``(d - O_k) @ w.T``) from the same start and draws both.  Needs the
teaching extras (the ``teach`` extra of this package).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UsageError, missing_extra


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a {kind.__name__}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text} is not positive")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--epochs",
        type=_positive(int),
        default=10,
        help="passes over the training set (default 10)",
    )
    parser.add_argument(
        "--hidden", type=_positive(int), default=100, help="hidden nodes (default 100)"
    )
    parser.add_argument(
        "--eta", type=_positive(float), default=0.3, help="learning rate (default 0.3)"
    )
    parser.add_argument(
        "--batch",
        type=_positive(int),
        default=1,
        help="samples a step; the step is eta times the batch mean "
        "(default 1, sample by sample as in the book)",
    )
    parser.add_argument(
        "--activation",
        default="sigmoid",
        metavar="NAME",
        help="activation of both layers (default sigmoid, as in the notes)",
    )
    parser.add_argument(
        "--output-activation",
        metavar="NAME",
        help="output activation (default: the hidden one; softmax with --loss ce)",
    )
    parser.add_argument("--loss", default="sse", help="sse, sum_sq, mse, bce, ce (default sse)")
    parser.add_argument(
        "--seed", type=int, default=0, help="split, initial weights and sample order (default 0)"
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


def _combo(args: argparse.Namespace):
    from ..codegen import HIDDEN_ACTIVATIONS, LOSSES, OUTPUT_ACTIVATIONS, Combo

    if args.activation not in HIDDEN_ACTIVATIONS:
        raise UsageError(
            f"unknown activation '{args.activation}'; choose from {', '.join(HIDDEN_ACTIVATIONS)}"
        )
    output = args.output_activation or args.activation
    if output not in OUTPUT_ACTIVATIONS:
        raise UsageError(
            f"unknown output activation '{output}'; choose from {', '.join(OUTPUT_ACTIVATIONS)}"
        )
    if args.loss not in LOSSES:
        raise UsageError(f"unknown loss '{args.loss}'; choose from {', '.join(LOSSES)}")
    combo = Combo(args.activation, output, args.loss)
    try:
        combo.network()
    except ValueError as err:
        raise UsageError(f"{err}") from None
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
    try:
        if args.plot is not None:
            T.check_writable(args.plot)
        data = T.mnist_csv(args.csv, args.seed) if args.csv else T.digits(args.seed)
    except T.DataError as err:
        raise UsageError(f"{err}") from None

    from tqdm import tqdm

    module = T.generated_module(combo.activation, combo.output_activation, combo.loss)
    print(
        f"{data.source}: {len(data.x_train)} training and {len(data.x_test)} test samples; "
        f"network {data.inputs}-{args.hidden}-{T.CLASSES}, {combo.filename[:-3]} "
        f"(`{combo.command}`), eta {args.eta:g}, batch {args.batch}, seed {args.seed}"
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
    histories = []
    for rule in rules:
        try:
            histories.append(
                T.train(
                    module,
                    data,
                    hidden=args.hidden,
                    epochs=args.epochs,
                    eta=args.eta,
                    batch=args.batch,
                    seed=args.seed,
                    rule=rule,
                    progress=progress,
                    report=report,
                )
            )
        except FloatingPointError as err:
            raise UsageError(f"{err}") from None
    for h in histories:
        name = "exact gradient" if h.rule == "exact" else "book rule"
        print(
            f"{name}: test accuracy {h.accuracy[-1]:.4f} after {len(h.accuracy)} epochs, "
            f"{sum(h.seconds) / len(h.seconds):.3f} s an epoch"
        )
    if args.plot is not None:
        title = (
            f"{combo.filename[:-3]}, {data.inputs}-{args.hidden}-{T.CLASSES}, "
            f"eta {args.eta:g}, batch {args.batch}, seed {args.seed}"
        )
        T.plot(histories, args.plot, title)
        print(f"wrote {args.plot}")
    return 0
