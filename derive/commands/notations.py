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
    parser.add_argument(
        "--delta",
        action="store_true",
        help="a Markdown table of the hidden-layer delta in every preset, as each prints it",
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


def hidden_deltas() -> str:
    """The hidden layer's error term in every preset, side by side (Markdown), each
    derived for the network its text assumes and printed in its conventions."""
    from dataclasses import replace

    from ..derivation import derive
    from ..notation import PRESETS, network_for
    from ..printing.report_latex import equation_latex
    from ..report import build

    lines = ["| preset | hidden-layer error term, as the preset prints it |", "|---|---|"]
    for n in PRESETS.values():
        d = derive(network_for(n))
        report = build(d, replace(n, show=(), last_form_only=False))
        key = f"delta{d.depth - 1}"
        (eq,) = [b for b in report.blocks if getattr(b, "key", "") == key]
        eq = replace(eq, rhs=eq.rhs[:2])
        lines.append(f"| `{n.name}` | ${equation_latex(report, eq)}$ |")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    if args.delta:
        sys.stdout.write(hidden_deltas())
        return 0
    if args.toml:
        from ..notation import preset
        from ..notation.files import to_toml

        sys.stdout.write(to_toml(preset(args.toml)))
    else:
        sys.stdout.write(table())
    return 0
