"""``python -m derive notations``: the presets, their conventions and sources."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--toml",
        metavar="PRESET",
        help="print a preset as a notation file (TOML) to start your own from",
    )


_SIGN = {-1: "-dE/dnet", 1: "+dE/dnet", 0: "none (nabla)"}


def rows() -> list[tuple[str, ...]]:
    """One row per preset: name, delta, weights, layers, vectors, network, source."""
    from ..notation import PRESETS

    out = [("preset", "delta", "weights", "layers", "vectors", "network", "source")]
    for n in PRESETS.values():
        c = n.conventions
        acts = n.activation_default + (
            f"/{n.output_activation_default}" if n.output_activation_default else ""
        )
        out.append(
            (
                n.name,
                _SIGN[c.delta_sign],
                "w_{kj} receiver first"
                if c.weight_order == "receiver_first"
                else "w_{jk} sender first",
                "labels " + (n.label % "l")
                if n.layers == "labels"
                else "letters " + ",".join(n.letters),
                c.layout,
                f"{acts}, {n.loss}" + (", bias" if n.bias_default else ""),
                n.source,
            )
        )
    return out


def table() -> str:
    data = rows()
    widths = [max(len(r[i]) for r in data) for i in range(len(data[0]) - 1)]
    lines = []
    for n, row in enumerate(data):
        cells = [cell.ljust(w) for cell, w in zip(row, widths)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    if args.toml:
        from ..notation import preset
        from ..notation.files import to_toml

        sys.stdout.write(to_toml(preset(args.toml)))
    else:
        sys.stdout.write(table())
    return 0
