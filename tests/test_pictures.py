"""The network pictures: SVG in the HTML page, TikZ in the LaTeX document."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from derive.teach import picture
from tests.helpers import compile_tex
from tests.helpers import run_cli as run

pytest.importorskip("latex2mathml")

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(page: str) -> ET.Element:
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    return ET.fromstring(page[start:end])


def test_the_example_page_draws_the_network_with_its_numbers():
    code, page, err = run("example", "--format", "html")
    assert code == 0, err
    root = svg_of(page)
    circles = root.findall(f".//{SVG}circle")
    assert len(circles) == 2 + 3 + 2  # the default 2-3-2 network
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "0.1" in texts and "-0.4" in texts  # weights on the edges (W[0][0], W[0][0][1])
    assert any(t and t.startswith("δ ") for t in texts)  # δ under the nodes
    edges = root.findall(f".//{SVG}line")
    assert len(edges) == 2 * 3 + 3 * 2
    # node labels are the notation's: O_{j_1} in doc004, a^{2}_{1} in Nielsen's
    assert "<mi>O</mi>" in page.split("</svg>")[0]
    _, nielsen, _ = run("example", "--format", "html", "--notation", "nielsen")
    assert "<mi>a</mi>" in nielsen.split("</svg>")[0]
    # δ under each node in the notation's meaning: Nielsen's δ = +∂C/∂z, doc004's -∂E/∂net
    doc004 = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.startswith("δ ")]
    ours = [
        t.text for t in svg_of(nielsen).iter(f"{SVG}text") if t.text and t.text.startswith("δ ")
    ]
    assert [float(t[2:]) for t in ours] == [-float(t[2:]) for t in doc004]


def test_a_wide_layer_is_drawn_with_an_ellipsis():
    from derive.notation import PRESETS
    from derive.teach.render import NodePrinter

    printer = NodePrinter({"notation": PRESETS["doc004"], "depth": 2})
    text = picture.draw_svg((784, 100, 10), picture.symbolic_labels((784, 100, 10), printer))
    root = ET.fromstring(text)
    assert len(root.findall(f".//{SVG}circle")) == 5 + 5 + 5
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count("⋮") == 3 and "784 nodes" in texts and "100 nodes" in texts
    assert picture.shown_nodes(7) == list(range(7))
    assert picture.shown_nodes(8) == [0, 1, 2, None, 6, 7]


HAVE_TIKZ = (
    shutil.which("kpsewhich")
    and subprocess.run(
        ["kpsewhich", "tikz.sty"], capture_output=True, text=True, check=False
    ).stdout.strip()
)


@pytest.mark.parametrize(
    ("engine", "argv"),
    [("pdflatex", ()), ("xelatex", ("--lang", "zh", "--notation", "nielsen"))],
)
def test_the_document_with_its_tikz_picture_compiles(tmp_path, engine, argv):
    if not (shutil.which(engine) and HAVE_TIKZ) and not os.environ.get("CI"):
        pytest.skip(f"no {engine} with TikZ (Debian: texlive-pictures)")
    code, tex, err = run("example", "--document", *argv)
    assert code == 0, err
    assert r"\begin{tikzpicture}" in tex and r"\usepackage{tikz}" in tex
    done = compile_tex(engine, tmp_path, tex, name="example")
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "example.pdf").stat().st_size > 5000


def test_the_derivation_page_draws_its_network():
    code, page, err = run("latex", "--format", "html", "--layers", "784,100,10")
    assert code == 0, err
    root = svg_of(page)
    assert len(root.findall(f".//{SVG}circle")) == 5 + 5 + 5
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "784 nodes" in texts
    # one weight per layer is named as the notation names it: v_{i_1 j_1}, w_{j_1 k_1}
    svg_text = page[page.index("<svg") : page.index("</svg>")]
    assert "<mi>v</mi>" in svg_text and "<mi>w</mi>" in svg_text


def test_the_chain_rule_picture_lights_the_paths_of_one_weight():
    nodes, edges = picture.chain_of((2, 3, 2, 2), 1, 0, 0)
    # v_{i1 j1}: its edge, its node, every path from node j1 to the outputs
    assert edges == {(1, 0, 0), (2, 0, 0), (2, 0, 1), (3, 0, 0), (3, 0, 1), (3, 1, 0), (3, 1, 1)}
    assert nodes == {(0, 0), (1, 0), (2, 0), (2, 1), (3, 0), (3, 1)}
    code, page, _ = run("example", "--format", "html")
    assert page.count('class="edge lit"') == 1 + 2 and page.count('circle class="lit"') == 4


def _tikz_label_boxes(tex: str, widths) -> list[tuple]:
    """Every weight label's box (cm) in a TikZ picture, recomputed here from its
    ``pos=`` and the drawn edge (node border to node border, radius 0.55 cm)."""
    import re

    spots = {(s.layer, s.node): s for col in picture.layout(widths, 3.8, 2.3) for s in col}
    boxes = []
    pattern = r"\\draw\[gray\] \(n(\d+)x(\d+)\) -- node\[weight,pos=([0-9.]+)\] \{\$(.*?)\$\} \(n(\d+)x(\d+)\)"
    for la, na, t, text, lb, nb in re.findall(pattern, tex):
        a, b, t = spots[int(la), int(na)], spots[int(lb), int(nb)], float(t)
        length = ((b.x - a.x) ** 2 + (b.y - a.y) ** 2) ** 0.5
        ux, uy = (b.x - a.x) / length, (b.y - a.y) / length
        sx, sy = a.x + 0.55 * ux, a.y + 0.55 * uy
        ex, ey = b.x - 0.55 * ux, b.y - 0.55 * uy
        cx, cy = sx + t * (ex - sx), sy + t * (ey - sy)
        w, h = 0.13 * len(text) + 0.1, 0.34
        boxes.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    return boxes


@pytest.mark.parametrize("widths", [(2, 3, 2), (3, 5, 4), (4, 5, 4), (2, 4, 5, 3)])
def test_no_two_weight_labels_touch(widths):
    """A label at a crossing or on top of another reads as the wrong weight (the
    2-3-2 example hid 0.3 under 0.7 when every label sat a third along its edge)."""
    edges = {
        (layer, p, q): f"{(-1) ** p * 0.1 * (p + q + 1):.1f}"
        for layer in range(1, len(widths))
        for p in range(widths[layer - 1])
        for q in range(widths[layer])
    }
    labels = picture.Labels(
        node={(layer, n): "x" for layer, w in enumerate(widths) for n in range(w)},
        value={},
        delta={},
        edge=edges,
        delta_symbol=r"\delta",
    )
    boxes = _tikz_label_boxes(picture.draw_tikz(widths, labels), widths)
    assert len(boxes) == len(edges)
    gap = 0.05  # cm
    for i, a in enumerate(boxes):
        for b in boxes[:i]:
            apart = (
                a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]
            )
            assert apart, (a, b)


def test_one_output_is_drawn_as_the_text_names_it():
    """Note 003 writes its one output y and its weights W^2_j: the picture drew y_{k_1},
    W^2_{j_1 k_1} (the document's TikZ picture and the page's SVG share these labels)."""
    import derive

    tikz = picture.report_tikz(derive.explain("doc003", steps=False).report)
    assert "{$y$};" in tikz and "{$W^{2}_{j_{1}}$}" in tikz, tikz
    assert "{$h_{j_{1}}$};" in tikz  # the hidden layer keeps its node indices
    assert "k_{1}" not in tikz
