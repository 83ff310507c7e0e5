"""The network drawn in a notation's own labels: SVG for HTML pages, TikZ for LaTeX.

One layout (:func:`layout`) feeds both pictures: nodes per layer, left to
right, with wide layers drawn as their first and last nodes around an
ellipsis; every shown edge, labelled with its weight where there are few; the
δ of each node under it and an arrow below the network pointing back, the way
δ flows.  Labels are printed by the notation's printer (:mod:`derive.teach.render`),
so a picture says ``O_{j_1}``, ``a^{2}_{1}`` or ``h_1`` as its text does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import sympy as sp

from .. import symbols as S

SHOWN = 7
"""A layer wider than this is drawn as its first three nodes, an ellipsis, its last two."""
EDGE_LABELS = 20
"""Edges of a weight layer are labelled only when there are at most this many
(beyond that their labels cannot all sit apart in the gap between two columns)."""


@dataclass(frozen=True)
class Spot:
    layer: int
    node: int | None
    """0-based node number; None for the ellipsis."""
    x: float
    y: float


def shown_nodes(width: int) -> list[int | None]:
    if width <= SHOWN:
        return list(range(width))
    return [0, 1, 2, None, width - 2, width - 1]


def layout(widths: tuple[int, ...], column: float = 190, row: float = 100) -> list[list[Spot]]:
    """Where each shown node sits (SVG coordinates, y down)."""
    tallest = max(len(shown_nodes(w)) for w in widths)
    out = []
    for layer, width in enumerate(widths):
        nodes = shown_nodes(width)
        top = (tallest - len(nodes)) * row / 2
        out.append(
            [Spot(layer, n, 70 + layer * column, 60 + top + k * row) for k, n in enumerate(nodes)]
        )
    return out


POSITIONS = tuple(sorted((i / 40 for i in range(5, 36)), key=lambda t: (abs(t - 0.3), t)))
"""Where along an edge (0 = the sender's border, 1 = the receiver's) a weight's
label may sit, in order of preference: near the sender, where edges fan apart."""


def place_edge_labels(
    edges: list[tuple[tuple, tuple[float, float], tuple[float, float]]],
    sizes: dict,
    radius: float,
    height: float,
    obstacles: list[tuple[float, float, float, float]] = (),
) -> dict:
    """For each edge ``(key, start, end)`` (node centres), the position along it
    of its label, chosen so that no two labels overlap and, where it can, no
    label sits on another edge (at a crossing it would seem to label both).

    ``sizes``: key -> the label's width; ``height``: a label's height; ``radius``:
    a node's, since a drawn edge runs from border to border; ``obstacles``: boxes
    (x0, y0, x1, y1) no label may cover, such as the numbers under a node.
    Greedy, edge by edge: the first position that costs nothing, else the cheapest.
    """
    placed: list[tuple[float, float, float, float]] = list(obstacles)
    segments = [(start, end) for _, start, end in edges]
    out = {}
    for key, (ax, ay), (bx, by) in edges:
        length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5 or 1.0
        ux, uy = (bx - ax) / length, (by - ay) / length
        sx, sy = ax + radius * ux, ay + radius * uy  # the drawn segment
        ex, ey = bx - radius * ux, by - radius * uy
        w, best = sizes[key], None
        for t in POSITIONS:
            cx, cy = sx + t * (ex - sx), sy + t * (ey - sy)
            # with a margin of half a label's height: labels that touch read as one
            m = height / 2
            box = (cx - w / 2 - m, cy - height / 2 - m, cx + w / 2 + m, cy + height / 2 + m)
            cost = 1000 * sum(_overlap(box, other) for other in placed)  # never overlap first
            inner = (cx - w / 2, cy - height / 2, cx + w / 2, cy + height / 2)
            cost += sum(
                _crosses(inner, p, q) for p, q in segments if (p, q) != ((ax, ay), (bx, by))
            ) * (w * height)
            if best is None or cost < best[0]:
                best = (cost, t, box)
            if cost == 0:
                break
        out[key] = best[1]
        placed.append(best[2])
    return out


def _under_nodes(spots, labels: Labels, radius: float, line: float, width: float) -> list:
    """The boxes of the numbers printed under each node (its value, its δ)."""
    out = []
    for column in spots:
        for s in column:
            lines = bool(labels.value.get((s.layer, s.node))) + bool(
                labels.delta.get((s.layer, s.node))
            )
            if s.node is not None and lines:
                top = s.y + radius
                out.append((s.x - width / 2, top, s.x + width / 2, top + lines * line))
    return out


def _overlap(a, b) -> float:
    dx = min(a[2], b[2]) - max(a[0], b[0])
    dy = min(a[3], b[3]) - max(a[1], b[1])
    return dx * dy if dx > 0 and dy > 0 else 0.0


def _crosses(box, p, q) -> int:
    """1 if the segment p-q passes through ``box``."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hx, hy = (x1 - x0) / 2, (y1 - y0) / 2
    # sample the segment: exact enough for a picture
    for i in range(1, 100):
        t = i / 100
        x, y = p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])
        if abs(x - cx) < hx and abs(y - cy) < hy:
            return 1
    return 0


@dataclass
class Labels:
    """LaTeX of every label, from a printer (symbols) and optional numbers."""

    node: dict
    """(layer, node) -> LaTeX of the node's output (``O_{j_{1}}``)."""
    value: dict
    """(layer, node) -> the output's number as text ('' without numbers)."""
    delta: dict
    """(layer, node) -> δ as LaTeX symbol and number (layers 1..L)."""
    edge: dict
    """(layer, p, q) -> LaTeX or number of the weight of weight layer ``layer``."""
    delta_symbol: str
    """``\\delta`` as the notation writes it, for the arrow below."""


def _sym(printer, expr) -> str:
    return printer.doprint(expr)


def example_labels(worked, printed) -> Labels:
    from .render import fmt, node_index

    sym, digits = printed.symbols, min(printed.digits, 4)

    def Node(layer, n):  # noqa: N802 - the notation's index of a concrete node
        return node_index(printed.notation, layer, n)

    widths = worked.numbers.widths
    a = worked.arrays
    node, value, delta, edge = {}, {}, {}, {}
    few = lambda l: widths[l - 1] * widths[l] <= EDGE_LABELS  # noqa: E731
    for layer, width in enumerate(widths):
        for n in shown_nodes(width):
            if n is None:
                continue
            node[layer, n] = _sym(sym, S.O(layer)[Node(layer, n)])
            value[layer, n] = fmt(float(a[f"O{layer}"][n]), digits)
            if layer:  # δ in the notation's meaning, as the text prints it
                sign = -1.0 if printed.flip else 1.0
                delta[layer, n] = fmt(sign * float(a[f"delta{layer}"][n]), digits)
        if layer and few(layer):
            for p in range(widths[layer - 1]):
                for q in range(width):
                    edge[layer, p, q] = fmt(float(a[f"W{layer}"][p, q]), digits)
    return Labels(node, value, delta, edge, _sym(sym, S.delta(len(widths) - 1)))


def symbolic_labels(widths: tuple[int, ...], printer, one_output: bool = False) -> Labels:
    """Labels of a derivation's network: node outputs and one weight per layer, no numbers
    (``one_output``: note 003's y and W^2_j, the one output unindexed)."""
    from .render import node_index

    last = len(widths) - 1

    def Node(layer, n):  # noqa: N802 - the notation's index of a concrete node
        if one_output and layer == last:  # note 003's y, W^2_j: the one output has no index
            return sp.Integer(0)
        return node_index(printer.notation, layer, n)

    node, delta, edge = {}, {}, {}
    for layer, width in enumerate(widths):
        for n in shown_nodes(width):
            if n is None:
                continue
            node[layer, n] = _sym(printer, S.O(layer)[Node(layer, n)])
            if layer:
                delta[layer, n] = ""
        if layer:  # one edge per weight layer names its weight
            edge[layer, 0, 0] = _sym(printer, S.W(layer)[Node(layer - 1, 0), Node(layer, 0)])
    return Labels(node, {}, delta, edge, _sym(printer, S.delta(len(widths) - 1)))


# -- SVG ---------------------------------------------------------------------------------


def _mathml(latex: str) -> str:
    from latex2mathml.converter import convert

    return convert(latex)


def _math(x: float, y: float, w: float, h: float, latex: str, cls: str, px: float = 0) -> str:
    """A MathML label centred at (x, y), inside a foreignObject (``px``: its font size)."""
    style = f' style="font-size:{px:.1f}px"' if px else ""
    return (
        f'<foreignObject x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w:.0f}" '
        f'height="{h:.0f}" class="{cls}"><div xmlns="http://www.w3.org/1999/xhtml"{style}>'
        f"{_mathml(latex)}</div></foreignObject>"
    )


def label_width(latex: str, px: float = 14) -> float:
    """About how wide ``latex`` sets at ``px``: a letter 0.5 em, a subscript's 0.4 em."""
    text = re.sub(r"\\(mathrm|text|operatorname)\b", "", latex)
    main, _, sub = text.partition("_")
    letters = lambda t: len(re.sub(r"[{}\\ ]", "", t))  # noqa: E731
    return px * (0.5 * letters(main) + 0.4 * letters(sub))


def node_font(latex: str, radius: float, px: float = 14) -> float:
    """The font size that fits ``latex`` inside a node of ``radius`` (never above ``px``):
    CS231n's hidden_{j_1} and probs_{k_1} ran past the circle's edge."""
    room = 2 * radius - 4
    return min(px, px * room / max(label_width(latex, px), 1))


def svg(worked, printed) -> str:
    """The worked example's network with its numbers."""
    return draw_svg(worked.numbers.widths, example_labels(worked, printed))


def chain_svg(worked, printed) -> tuple[str, str]:
    """The computational graph of the first weight's gradient: the network with the
    nodes and edges ∂E/∂w multiplies through highlighted, and LaTeX of that gradient
    with its numbers (the worked example's own line)."""
    widths = worked.numbers.widths
    picture = draw_svg(widths, example_labels(worked, printed), chain=chain_of(widths, 1, 0, 0))
    line = next(ln for s in worked.sections for ln in s.lines if ln.key == "grad_W1")
    return picture, printed.line(line)


def chain_of(widths: tuple[int, ...], layer: int, p: int, q: int) -> tuple[set, set]:
    """The nodes and edges the chain rule multiplies through for ∂E/∂W^layer_{pq}:
    the weight's edge, its receiving node, and every path from there to the outputs."""
    nodes = {(layer - 1, p), (layer, q)}
    edges = {(layer, p, q)}
    reached = {q}
    for later in range(layer + 1, len(widths)):
        for a in sorted(reached):
            for b in range(widths[later]):
                edges.add((later, a, b))
        reached = set(range(widths[later]))
        nodes |= {(later, b) for b in reached}
    return nodes, edges


def draw_svg(
    widths: tuple[int, ...], labels: Labels, row: float = 100, chain: tuple | None = None
) -> str:
    """The picture; ``chain`` = (nodes, edges) of :func:`chain_of` drawn highlighted."""
    spots = layout(widths, row=row)
    lit_nodes, lit_edges = chain or (set(), set())
    r = 24
    width = 140 + (len(widths) - 1) * 190
    height = max(s.y for col in spots for s in col) + 110
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" class="network">',
        "<style>"
        ".network line.edge{stroke:#8a8f98;stroke-width:1.1}"
        ".network circle{fill:#f4f6fb;stroke:#2c3e66;stroke-width:1.6}"
        ".network text{font:12px 'DejaVu Sans',sans-serif;fill:#1d1d1f}"
        ".network text.value{fill:#2c3e66}.network text.delta{fill:#b03a2e}"
        ".network text.weight{font-size:11px;fill:#555;paint-order:stroke;stroke:#fff;"
        "stroke-width:3px}"
        ".network foreignObject div{text-align:center;font-size:14px;line-height:1}"
        ".network .back{stroke:#b03a2e;stroke-width:1.6;fill:none}"
        ".network line.edge.lit{stroke:#d35400;stroke-width:3}"
        ".network circle.lit{stroke:#d35400;stroke-width:3}"
        "</style>",
    ]
    for layer in range(1, len(widths)):
        for a in spots[layer - 1]:
            for b in spots[layer]:
                if a.node is None or b.node is None:
                    continue
                lit = " lit" if (layer, a.node, b.node) in lit_edges else ""
                out.append(
                    f'<line class="edge{lit}" x1="{a.x + r:.1f}" y1="{a.y:.1f}" '
                    f'x2="{b.x - r:.1f}" y2="{b.y:.1f}"/>'
                )
        pairs = [
            ((layer, a.node, b.node), (a.x, a.y), (b.x, b.y))
            for a in spots[layer - 1]
            for b in spots[layer]
            if (layer, a.node, b.node) in labels.edge
        ]
        where = place_edge_labels(
            pairs,
            {k: 7.0 * len(labels.edge[k]) + 4 for k, _, _ in pairs},
            r,
            13.0,
            _under_nodes(spots, labels, r, 14.0, 80.0),
        )
        for key, (ax, ay), (bx, by) in pairs:
            t = where[key]
            tx = ax + r + (bx - ax - 2 * r) * t
            ty = ay + (by - ay) * t + 4  # the baseline: the text centred on the edge
            text = labels.edge[key]
            if text.startswith("-") or text[:1].isdigit():
                out.append(
                    f'<text class="weight" x="{tx:.1f}" y="{ty:.1f}" '
                    f'text-anchor="middle">{html.escape(text)}</text>'
                )
            else:
                out.append(_math(tx, ty - 15, 70, 22, text, "weight"))
    for column in spots:
        for s in column:
            if s.node is None:
                out.append(
                    f'<text x="{s.x:.1f}" y="{s.y + 6:.1f}" text-anchor="middle" '
                    f'style="font-size:22px">⋮</text>'
                )
                continue
            lit = ' class="lit"' if (s.layer, s.node) in lit_nodes else ""
            out.append(f'<circle{lit} cx="{s.x:.1f}" cy="{s.y:.1f}" r="{r}"/>')
            label = labels.node[s.layer, s.node]
            px = node_font(label, r)
            out.append(_math(s.x, s.y, 2 * r + 16, 24, label, "node", px if px < 14 else 0))
            below = s.y + r + 13
            value = labels.value.get((s.layer, s.node), "")
            if value:
                out.append(
                    f'<text class="value" x="{s.x:.1f}" y="{below:.1f}" '
                    f'text-anchor="middle">{html.escape(value)}</text>'
                )
                below += 14
            delta = labels.delta.get((s.layer, s.node), "")
            if delta:
                out.append(
                    f'<text class="delta" x="{s.x:.1f}" y="{below:.1f}" '
                    f'text-anchor="middle">δ {html.escape(delta)}</text>'
                )
    for layer, width in enumerate(widths):
        if width > SHOWN:
            s = spots[layer][-1]
            out.append(
                f'<text x="{s.x:.1f}" y="{height - 46:.1f}" text-anchor="middle">'
                f"{width} nodes</text>"
            )
    # δ flows back: an arrow from the output layer to the first hidden layer
    if len(widths) > 2:
        x0, x1 = spots[-1][0].x, spots[1][0].x
        y = height - 22
        out.append(f'<path class="back" d="M{x0:.1f},{y:.1f} L{x1 + 8:.1f},{y:.1f}"/>')
        # the arrowhead, drawn (no marker: the page references nothing, not even by id)
        out.append(f'<path d="M{x1:.1f},{y:.1f} l10,-5 l0,10 z" fill="#b03a2e" stroke="none"/>')
        out.append(_math((x0 + x1) / 2, y - 14, 120, 22, labels.delta_symbol, "delta"))
    out.append("</svg>")
    return "\n".join(out)


# -- TikZ --------------------------------------------------------------------------------


def tikz(worked, printed) -> str:
    return draw_tikz(worked.numbers.widths, example_labels(worked, printed))


def draw_tikz(widths: tuple[int, ...], labels: Labels) -> str:
    """A ``tikzpicture`` (TikZ from pgf; needs ``\\usepackage{tikz}``)."""
    spots = layout(widths, column=3.8, row=2.3)
    out = [
        r"\begin{center}",
        r"\begin{tikzpicture}[yscale=-1,",
        r"  unit/.style={circle,draw=blue!50!black,fill=blue!4,minimum size=11mm,inner sep=0pt},",
        r"  weight/.style={font=\scriptsize,fill=white,inner sep=1pt},",
        r"  value/.style={font=\scriptsize,text=blue!50!black},",
        r"  delta/.style={font=\scriptsize,text=red!60!black}]",
    ]

    def name(s: Spot) -> str:
        return f"n{s.layer}x{s.node}"

    for column in spots:
        for s in column:
            x, y = s.x, s.y
            if s.node is None:
                out.append(rf"\node at ({x:.2f},{y:.2f}) {{$\vdots$}};")
                continue
            out.append(
                rf"\node[unit] ({name(s)}) at ({x:.2f},{y:.2f}) "
                rf"{{${labels.node[s.layer, s.node]}$}};"
            )
            below = []
            if labels.value.get((s.layer, s.node)):
                below.append(rf"\textcolor{{blue!50!black}}{{${labels.value[s.layer, s.node]}$}}")
            if labels.delta.get((s.layer, s.node)):
                # in math: a minus sign, not a hyphen
                below.append(
                    rf"\textcolor{{red!60!black}}{{$\delta\ {labels.delta[s.layer, s.node]}$}}"
                )
            if below:
                joined = r" \\ ".join(below)
                out.append(rf"\node[value,below=0.5mm of {name(s)},align=center] {{{joined}}};")
    for layer in range(1, len(widths)):
        pairs = [
            ((layer, a.node, b.node), (a.x, a.y), (b.x, b.y))
            for a in spots[layer - 1]
            for b in spots[layer]
            if a.node is not None and b.node is not None
        ]
        labelled = [p for p in pairs if labels.edge.get(p[0])]
        # sizes in cm: \scriptsize digits are about 0.13 cm wide
        where = place_edge_labels(
            labelled,
            {k: 0.13 * len(labels.edge[k]) + 0.1 for k, _, _ in labelled},
            0.55,
            0.34,
            _under_nodes(spots, labels, 0.55, 0.38, 1.9),
        )
        for key, _, _ in pairs:
            a, b = f"n{layer - 1}x{key[1]}", f"n{layer}x{key[2]}"
            label = labels.edge.get(key)
            text = rf" node[weight,pos={where[key]}] {{${label}$}}" if label else ""
            out.append(rf"\draw[gray] ({a}) --{text} ({b});")
    if len(widths) > 2:
        x0, x1 = spots[-1][0].x, spots[1][0].x
        y = max(s.y for col in spots for s in col) + 1.9
        out.append(
            rf"\draw[->,thick,red!60!black] ({x0:.2f},{y:.2f}) -- "
            rf"node[above,delta] {{${labels.delta_symbol}$}} ({x1:.2f},{y:.2f});"
        )
    for layer, width in enumerate(widths):
        if width > SHOWN:
            s = spots[layer][-1]
            out.append(rf"\node[value] at ({s.x:.2f},{s.y + 1.0:.2f}) {{{width} nodes}};")
    out += [r"\end{tikzpicture}", r"\end{center}"]
    return "\n".join(out)


def _report_labels(report) -> tuple[tuple[int, ...], Labels]:
    from .render import NodePrinter

    net = report.derivation.network
    printer = NodePrinter({"notation": report.notation, "depth": net.depth, "widths": net.widths})
    return net.widths, symbolic_labels(net.widths, printer, net.scalar_output)


def report_tikz(report) -> str:
    """The network of a derivation's report as TikZ, in its notation's labels (no numbers)."""
    return draw_tikz(*_report_labels(report))


def report_svg(report) -> str:
    """The network of a derivation's report, in its notation's labels (no numbers)."""
    try:
        return draw_svg(*_report_labels(report), row=66)
    except ImportError:  # pragma: no cover - latex2mathml missing: the page says so elsewhere
        return ""
