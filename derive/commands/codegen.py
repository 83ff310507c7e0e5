"""``python -m derive codegen``: render NumPy update code from the derivation.

With no options, regenerate every module of :data:`derive.codegen.COMMITTED`
into ``generated/`` under the current directory.  ``--activation/--output-activation/--loss``
choose one combination, ``--layers 6,5,4,3`` and ``--bias`` a deep network
(``-a sigmoid,tanh,sigmoid``: one activation per weight layer, or one for
all): a committed one is rewritten in ``./generated``, any other needs
``--out DIR``.  ``--check`` renders in memory, prints a unified
diff and exits 1 when a file is stale; it writes nothing.  Nothing is ever
written inside the installed package.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import FileError, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..codegen import HIDDEN_ACTIVATIONS, LOSSES, OUTPUT_ACTIVATIONS

    parser.add_argument(
        "-a",
        "--activation",
        metavar="NAME|EXPR",
        help=f"hidden activation: {', '.join(HIDDEN_ACTIVATIONS)}, "
        "or an expression in x such as 'x/(1+abs(x))' (default sigmoid)",
    )
    parser.add_argument(
        "-o",
        "--output-activation",
        metavar="NAME|EXPR",
        help=f"output activation: {', '.join(OUTPUT_ACTIVATIONS)}, "
        "or an expression in x (default: the hidden one)",
    )
    parser.add_argument("-l", "--loss", help=f"{', '.join(LOSSES)} (default sse)")
    parser.add_argument(
        "--layers",
        metavar="W0,W1,...",
        help="widths of every layer, input first (e.g. 784,256,128,10): a module "
        "with parameters W1, b1, W2, ... for that network (needs --out unless committed)",
    )
    parser.add_argument(
        "--bias", action="store_true", help="give every layer a bias (parameters W1, b1, ...)"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="write the chosen combination into DIR instead of generated/",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="render in memory, print a diff, exit 1 if a file is stale",
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite a generated file that was edited by hand"
    )


def _activations(text: str | None) -> list[str] | None:
    """``-a``: one activation for every hidden layer, or one per weight layer."""
    if text is None:
        return None
    from ..codegen import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
    from ..network import split_top_level

    parts = split_top_level(text)
    for n, part in enumerate(parts):
        last = n == len(parts) - 1 and len(parts) > 1
        choices = OUTPUT_ACTIVATIONS if last else HIDDEN_ACTIVATIONS
        _activation(part, choices, "output activation" if last else "activation")
    return parts


def _activation(name: str | None, choices: tuple[str, ...], what: str) -> str | None:
    if name is None or name in choices or not name.strip().isidentifier():
        return name
    from ..functions import ACTIVATIONS

    row = ACTIVATIONS.get(name)
    if row is not None and row.output_only:  # the table says where a row may go
        raise UsageError(
            f"derive codegen: {name} is for the output layer only (--output-activation)"
        )
    if row is not None and row.expr is not None:
        return name  # every elementwise row of the table (exp too), as latex takes it
    raise UsageError(
        f"derive codegen: unknown {what} '{name}'; choose from {', '.join(choices)} "
        "or give an expression in x such as 'x/(1+abs(x))'"
    )


def combo_from(args: argparse.Namespace):
    """The chosen :class:`~derive.codegen.Combo`, or None when none was chosen."""
    from ..codegen import LOSSES, OUTPUT_ACTIVATIONS, Combo
    from ..network import MAX_CODEGEN_DEPTH, NetworkError, parse_layers

    chosen = (args.activation, args.output_activation, args.loss, args.layers)
    if all(a is None for a in chosen) and not args.bias:
        return None
    try:
        layers = parse_layers(args.layers, MAX_CODEGEN_DEPTH) if args.layers is not None else ()
    except NetworkError as err:
        raise UsageError(f"derive codegen: {err}") from None
    depth = len(layers) - 1 if layers else 2
    acts = _activations(args.activation) or ["sigmoid"]
    output = _activation(args.output_activation, OUTPUT_ACTIVATIONS, "output activation")
    if len(acts) == depth:  # one per weight layer
        hidden, output = acts[:-1], output or acts[-1]
    elif len(acts) == 1:
        hidden, output = acts, output or acts[0]
    else:
        raise UsageError(
            f"derive codegen: {len(acts)} activations for {depth} weight layers; "
            "give one for all or one per weight layer"
        )
    hidden = hidden[:1] if len(set(hidden)) == 1 else hidden
    loss = args.loss or "sse"
    if loss not in LOSSES:
        raise UsageError(f"derive codegen: unknown loss '{loss}'; choose from {', '.join(LOSSES)}")
    combo = Combo(",".join(hidden) if hidden else output, output, loss, layers, args.bias)
    combo.network()  # NetworkError / ExpressionError: exit 2 with the reason
    return combo.canonical()  # expressions as printed from their parsed form


def run(args: argparse.Namespace) -> int:
    from .. import codegen as C

    combo = combo_from(args)
    default = Path("generated")
    if args.out is not None:
        combos, directory = (combo or C.Combo(),), args.out
    elif combo is None:
        combos, directory = C.COMMITTED, default
    elif combo in C.COMMITTED:
        combos, directory = (combo,), default
    else:
        committed = ", ".join(c.filename[:-3] for c in C.COMMITTED)
        raise UsageError(
            f"derive codegen: {combo.filename} is not in the committed set ({committed}); "
            "pass --out DIR to write it elsewhere"
        )
    if directory.exists() and not directory.is_dir():
        raise FileError(f"{directory} is not a directory")

    if args.check:
        if not directory.is_dir():
            raise FileError(
                f"no {directory}/ directory here to check; run it from the project root "
                "or pass --out DIR"
            )
        diffs = C.check(combos, directory)
        for diff in diffs:
            sys.stdout.write(diff)
        if diffs:
            print(
                f"derive codegen: {len(diffs)} stale file(s) in {directory}; "
                "run `python -m derive codegen` to regenerate",
                file=sys.stderr,
            )
            return 1
        return 0

    for c in combos:
        path = directory / c.filename
        changed = C.write(path, C.render(c), force=args.force)
        print(f"{'wrote' if changed else 'unchanged'} {path}")
    return 0
