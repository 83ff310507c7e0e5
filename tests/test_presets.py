"""Every preset prints gradients that are right in its own symbols and conventions.

The printed LaTeX is read literally (tests/latex_eval.py) with the meaning each
text gives its glyphs -- written here, from the texts, not from derive -- and
compared with finite differences of a NumPy forward pass written here too.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.helpers import run_cli as run
from tests.latex_eval import Reader, equation_sides

ETA = 0.3
MATRIX_MARKS = (r"\circ", r"\odot", "^{T}")
"""Whole-layer (matrix) forms: not index form, read by other tests."""


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


ACTS = {
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
}
LOSSES = {
    "sse": lambda y, a: 0.5 * np.sum((y - a) ** 2),
}
ACTS["generic"] = ACTS["tanh"]
ACTS["relu"] = (lambda z: np.maximum(z, 0), lambda z: np.where(z > 0, 1.0, 0.0))
ACTS["softmax"] = (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(), None)
LOSSES["ce"] = lambda y, a: -np.sum(y * np.log(a))


class Oracle:
    """A network in receiver-first arrays (W[l] has a row per node of layer l),
    its forward pass, and finite differences of its loss."""

    def __init__(self, sizes, acts, loss, bias, seed=0):
        rng = np.random.default_rng(seed)
        self.L = len(sizes) - 1
        self.acts = acts
        self.loss = LOSSES[loss]
        self.W = {l: rng.normal(size=(sizes[l], sizes[l - 1])) for l in range(1, self.L + 1)}
        self.b = {
            l: rng.normal(size=sizes[l]) if bias else np.zeros(sizes[l])
            for l in range(1, self.L + 1)
        }
        self.x = rng.normal(size=sizes[0])
        self.y = rng.uniform(0.1, 0.9, size=sizes[-1])
        if loss == "ce":  # one-hot targets
            self.y = np.eye(sizes[-1])[1]
        self.z, self.a = self.forward(self.W, self.b)
        self.delta = {l: self.dE_dz(l) for l in range(1, self.L + 1)}
        self.gradW = {l: self.fd(self.W, l) for l in self.W}
        self.gradb = {l: self.fd(self.b, l) for l in self.b}

    def forward(self, W, b, start=0, value=None):
        z, a = {}, {0: self.x}
        for l in range(1, self.L + 1):
            z[l] = W[l] @ a[l - 1] + b[l] if not (l == start) else value
            a[l] = ACTS[self.acts[l - 1]][0](z[l])
        return z, a

    def E(self, W=None, b=None, start=0, value=None):
        _, a = self.forward(W or self.W, b or self.b, start, value)
        return self.loss(self.y, a[self.L])

    def dE_dz(self, l):
        out = np.zeros_like(self.z[l])
        for j in range(len(out)):
            h = np.zeros_like(out)
            h[j] = 1e-6
            out[j] = (
                self.E(start=l, value=self.z[l] + h) - self.E(start=l, value=self.z[l] - h)
            ) / 2e-6
        return out

    def fd(self, params, l):
        out = np.zeros_like(params[l])
        for idx in np.ndindex(out.shape):
            plus = {**params, l: params[l].copy()}
            minus = {**params, l: params[l].copy()}
            plus[l][idx] += 1e-6
            minus[l][idx] -= 1e-6
            if params is self.W:
                e1, e2 = self.E(W=plus), self.E(W=minus)
            else:
                e1, e2 = self.E(b=plus), self.E(b=minus)
            out[idx] = (e1 - e2) / 2e-6
        return out


def funcs(names: dict[str, str], acts) -> dict:
    """f and f' for the glyphs a text gives the (hidden, output) activations."""
    out = {}
    for glyph, layer in names.items():
        f, df = ACTS[acts[layer]]
        out[glyph] = f
        out[glyph + "'"] = df
    return out


def check_lines(text: str, reader: Reader, checks: dict) -> int:
    """For each left side in ``checks`` (-> oracle array, index letters), every printed
    right side without a derivative equals the oracle at every index. Returns the
    number of right sides compared."""
    compared = 0
    lines = [ln for ln in text.splitlines() if ln.startswith(r"\[ ")]
    for lhs, (want, letters) in checks.items():
        found = [
            ln
            for ln in lines
            if ln.startswith(rf"\[ {lhs} = ") and not any(m in ln for m in MATRIX_MARKS)
        ]
        assert found, f"no line for {lhs}"
        for line in found:
            for side in equation_sides(line)[1:]:
                if r"\partial" in side:
                    continue
                for idx in np.ndindex(want.shape):
                    reader.env = dict(zip(letters, idx))
                    got = reader.value(side)
                    assert got == pytest.approx(want[idx], rel=1e-5, abs=1e-7), (line, side, idx)
                compared += 1
    return compared


def label_resolver(o: Oracle, glyphs: dict, labels: dict, receiver_first: bool):
    """Labels style: (glyph, label) -> array; ``glyphs`` maps a glyph to its quantity."""

    def resolve(glyph, sup, subs):
        what = glyphs.get(glyph)
        if what is None:
            return None
        if what in ("x", "y", "eta"):
            if sup is not None:
                return None
            value = {"x": o.x, "y": o.y, "eta": np.array(ETA)}[what]
            return value, subs
        if sup not in labels:
            return None
        l = labels[sup]
        table = {"a": o.a, "z": o.z, "b": o.b, "delta": o.delta}
        if what == "w":
            array = o.W[l] if receiver_first else o.W[l].T
            return array, subs
        return table[what][l], subs

    return resolve


@pytest.mark.parametrize("steps", [(), ("--steps",)])
def test_nielsen_prints_its_own_conventions_and_they_hold(steps):
    code, out, err = run("latex", "--notation", "nielsen", *steps)
    assert code == 0, err
    o = Oracle((3, 4, 2), ("sigmoid", "sigmoid"), "sse", bias=True)
    glyphs = {"a": "a", "z": "z", "w": "w", "b": "b", r"\delta": "delta", "x": "x", "y": "y"}
    glyphs[r"\eta"] = "eta"
    resolve = label_resolver(o, glyphs, {"2": 1, "L": 2}, receiver_first=True)
    reader = Reader(resolve, funcs({r"\sigma": 0}, o.acts))
    # Nielsen: delta^l_j = +dC/dz^l_j, w^l_{jk} from node k of layer l-1 to node j of layer l
    checks = {
        r"\delta^{2}_{j}": (o.delta[1], "j"),
        r"\delta^{L}_{j}": (o.delta[2], "j"),
        r"\frac{\partial C}{\partial w^{L}_{jk}}": (o.gradW[2], "jk"),
        r"\frac{\partial C}{\partial w^{2}_{jk}}": (o.gradW[1], "jk"),
        r"\frac{\partial C}{\partial b^{2}_{j}}": (o.gradb[1], "j"),
        r"\Delta w^{L}_{jk}": (-ETA * o.gradW[2], "jk"),
        r"\Delta w^{2}_{jk}": (-ETA * o.gradW[1], "jk"),
    }
    assert check_lines(out, reader, checks) >= 9
    assert r"\delta^{2}_{j} = \frac{\partial C}{\partial z^{2}_{j}}" in out  # + sign: BP
    assert r"\sum_{k} \delta^{L}_{k} w^{L}_{kj}" in out  # receiver first


def test_doc004_harness_reads_the_notes_conventions():
    """The same harness on note 004 (δ = -∂E/∂net, w_{jk} sender first)."""
    _, out, _ = run("latex", "--notation", "doc004")
    o = Oracle((3, 4, 2), ("sigmoid", "sigmoid"), "sse", bias=False)
    letters = {"i": 0, "j": 1, "k": 2}

    table = {"O": o.a, "net": o.z, r"\delta": {l: -o.delta[l] for l in o.delta}}

    def resolve(glyph, sup, subs):
        if sup is not None:
            return None
        if glyph == r"\eta":
            return np.array(ETA), ()
        if glyph == "d":
            return o.y, subs
        if glyph in ("v", "w"):  # sender first: w_{jk} joins j to k
            return o.W[1 if glyph == "v" else 2].T, subs
        if glyph in table and subs:
            return table[glyph][letters[subs[0]]], subs
        return None

    reader = Reader(resolve, funcs({"f": 0}, o.acts))
    checks = {
        r"\delta_{j}": (-o.delta[1], "j"),
        r"\frac{\partial E}{\partial w_{jk}}": (o.gradW[2].T, "jk"),
        r"\Delta v_{ij}": (-ETA * o.gradW[1].T, "ij"),
    }
    assert check_lines(out, reader, checks) >= 3


def letter_resolver(o: Oracle, outputs, weights, glyphs, letters, receiver_first, drop=""):
    """Letters style: a node letter names the layer.  ``outputs``/``weights``: glyph ->
    layer (None: by letter); ``glyphs``: net/delta/target glyphs; ``drop``: the
    per-example index (Rumelhart's p), which a one-example check ignores."""

    def resolve(glyph, sup, subs):
        name = glyph if sup is None else f"{glyph}^{sup}"
        subs = tuple(s for s in subs if s != drop)
        if name == r"\eta":
            return np.array(ETA), ()
        if name == glyphs["target"]:
            return o.y, subs
        if name in weights:
            layer = weights[name] or letters[subs[0] if receiver_first else subs[1]]
            if "0" in subs:  # the bias as w_{j0} on x_0 = 1
                return o.b[layer], tuple(s for s in subs if s != "0")
            return (o.W[layer] if receiver_first else o.W[layer].T), subs
        if not subs or subs[0] not in letters:
            return None
        layer = letters[subs[0]]
        if name in outputs:
            return o.a[layer], subs
        if name == glyphs["net"]:
            return o.z[layer], subs
        if name == glyphs["delta"]:
            return glyphs["sign"] * o.delta[layer], subs
        return None

    return resolve


@pytest.mark.parametrize("steps", [(), ("--steps",)])
def test_mitchell_delta_is_minus_dE_dnet_and_biases_are_w_j0(steps):
    _, out, _ = run("latex", "--notation", "mitchell", *steps)
    o = Oracle((3, 4, 2), ("sigmoid", "sigmoid"), "sse", bias=True)
    letters = {"i": 0, "h": 1, "k": 2}
    glyphs = {"target": "t", "net": "net", "delta": r"\delta", "sign": -1}
    resolve = letter_resolver(o, {"x": 0, "o": None}, {"w": None}, glyphs, letters, True)
    reader = Reader(resolve, funcs({r"\sigma": 0}, o.acts))
    checks = {
        r"\delta_{h}": (-o.delta[1], "h"),
        r"\delta_{k}": (-o.delta[2], "k"),
        r"\frac{\partial E_{d}}{\partial w_{kh}}": (o.gradW[2], "kh"),
        r"\frac{\partial E_{d}}{\partial w_{hi}}": (o.gradW[1], "hi"),
        r"\frac{\partial E_{d}}{\partial w_{h0}}": (o.gradb[1], "h"),
        r"\Delta w_{hi}": (-ETA * o.gradW[1], "hi"),
        r"\Delta w_{k0}": (-ETA * o.gradb[2], "k"),
    }
    assert check_lines(out, reader, checks) >= 9
    assert r"\delta_{h} = -\frac{\partial E_{d}}{\partial \mathrm{net}_{h}}" in out


@pytest.mark.parametrize("steps", [(), ("--steps",)])
def test_bishop_tanh_hidden_linear_outputs_delta_plus(steps):
    _, out, _ = run("latex", "--notation", "bishop", *steps)
    o = Oracle((3, 4, 2), ("tanh", "identity"), "sse", bias=True)
    letters = {"i": 0, "j": 1, "k": 2}
    glyphs = {"target": "t", "net": "a", "delta": r"\delta", "sign": 1}
    weights = {"w^(1)": 1, "w^(2)": 2}
    resolve = letter_resolver(o, {"x": 0, "z": 1, "y": 2}, weights, glyphs, letters, True)
    reader = Reader(resolve, funcs({"h": 0, "h_{2}": 1}, o.acts))
    checks = {
        r"\delta_{j}": (o.delta[1], "j"),
        r"\delta_{k}": (o.delta[2], "k"),
        r"\frac{\partial E_{n}}{\partial w^{(1)}_{ji}}": (o.gradW[1], "ji"),
        r"\frac{\partial E_{n}}{\partial w^{(2)}_{kj}}": (o.gradW[2], "kj"),
        r"\frac{\partial E_{n}}{\partial w^{(1)}_{j0}}": (o.gradb[1], "j"),
        r"\Delta w^{(1)}_{ji}": (-ETA * o.gradW[1], "ji"),
    }
    assert check_lines(out, reader, checks) >= 8
    assert r"\delta_{k} = \frac{\partial E_{n}}{\partial a_{k}}" in out
    assert "= y_{k} - t_{k}" in out  # (5.54) with linear outputs


@pytest.mark.parametrize("steps", [(), ("--steps",)])
def test_rumelhart_writes_the_pattern_index_on_every_quantity(steps):
    _, out, _ = run("latex", "--notation", "rumelhart", *steps)
    o = Oracle((3, 4, 2), ("sigmoid", "sigmoid"), "sse", bias=False)
    letters = {"i": 0, "j": 1, "k": 2}
    glyphs = {"target": "t", "net": "net", "delta": r"\delta", "sign": -1}
    resolve = letter_resolver(o, {"o": None}, {"w": None}, glyphs, letters, True, drop="p")
    reader = Reader(resolve, funcs({"f": 0}, o.acts))
    checks = {
        r"\delta_{pj}": (-o.delta[1], "j"),
        r"\delta_{pk}": (-o.delta[2], "k"),
        r"\frac{\partial E_{p}}{\partial w_{ji}}": (o.gradW[1], "ji"),
        r"\Delta w_{kj}": (-ETA * o.gradW[2], "kj"),
    }
    assert check_lines(out, reader, checks) >= 6
    assert r"f'\left(\mathrm{net}_{pj}\right) \sum_{k} \delta_{pk} w_{kj}" in out


@pytest.mark.parametrize("steps", [(), ("--steps",)])
def test_goodfellow_has_no_delta_only_gradients(steps):
    _, out, _ = run("latex", "--notation", "goodfellow", "--activation", "tanh", *steps)
    assert not re.findall(r"\\delta_\{\w\}|\\delta\^", out)  # only Kronecker deltas
    o = Oracle((3, 4, 2), ("tanh", "tanh"), "sse", bias=True)
    for label in ("1", "2"):  # (∇_{a^{(k)}} J)_i, read as one glyph G^{(k)}_i
        out = out.replace(rf"\left(\nabla_{{a^{{({label})}}}} J\right)_{{", f"G^{{({label})}}_{{")
    glyphs = {"a": "z", "h": "a", "W": "w", "b": "b", "G": "delta", "x": "x", "y": "y"}
    glyphs[r"\eta"] = "eta"
    resolve = label_resolver(o, glyphs, {"(1)": 1, "(2)": 2}, receiver_first=True)
    reader = Reader(resolve, funcs({"f": 0}, o.acts))
    checks = {
        "G^{(1)}_{i}": (o.delta[1], "i"),
        r"\frac{\partial J}{\partial W^{(1)}_{ij}}": (o.gradW[1], "ij"),
        r"\frac{\partial J}{\partial b^{(2)}_{i}}": (o.gradb[2], "i"),
        r"\Delta W^{(2)}_{ij}": (-ETA * o.gradW[2], "ij"),
    }
    assert check_lines(out, reader, checks) >= 5


@pytest.mark.parametrize("steps", [()])  # softmax --steps: the truth issue's
def test_cs231n_code_names_row_vectors_softmax(steps):
    # the code names; the objective's reg term is tests/test_weight_decay.py's
    _, out, _ = run("latex", "--notation", "cs231n", "--weight-decay", "off", *steps)
    out = out.replace(r"\mathrm{step\_size}", r"\eta")
    o = Oracle((3, 4, 2), ("relu", "softmax"), "ce", bias=True, seed=3)
    letters = {"i": 0, "j": 1, "k": 2}
    table = {
        "X": o.a,
        "hidden": o.a,
        "probs": o.a,
        "h": o.z,
        "scores": o.z,
        "dh": o.delta,  # dscores = +dL/dscores
        "dscores": o.delta,
        "b": o.b,
        "b2": o.b,
    }

    def resolve(glyph, sup, subs):
        if sup is not None:
            return None
        if glyph == r"\eta":
            return np.array(ETA), ()
        if glyph == "N":  # the batch mean's N: this oracle is a batch of one example
            return np.array(1.0), ()  # (tests/test_batch_mean.py takes several)
        if glyph == "y" and subs:
            return o.y, subs
        if glyph in ("W", "W2"):  # X W: rows are the sender's nodes
            return o.W[1 if glyph == "W" else 2].T, subs
        if glyph in table and subs:
            return table[glyph][letters[subs[0].rstrip("'")]], subs
        return None

    reader = Reader(resolve, {"ReLU'": ACTS["relu"][1]})
    checks = {
        r"\mathrm{dscores}_{k}": (o.delta[2], "k"),
        r"\mathrm{dh}_{j}": (o.delta[1], "j"),
        r"\mathrm{dW2}_{jk}": (o.gradW[2].T, "jk"),
        r"\mathrm{dW}_{ij}": (o.gradW[1].T, "ij"),
        r"\mathrm{db2}_{k}": (o.gradb[2], "k"),
        r"\Delta W_{ij}": (-ETA * o.gradW[1].T, "ij"),
    }
    assert check_lines(out, reader, checks) >= 7
    # dW2 = hidden.T dscores: a batch, one sample per row; names multiplied with a dot
    assert r"\mathrm{hidden}^{T} \cdot \mathrm{dscores}" in out
    assert r"\left(\mathrm{dscores} \cdot \mathrm{W2}^{T}\right)" in out


@pytest.mark.parametrize("name", ["nielsen", "mitchell", "bishop", "rumelhart", "goodfellow"])
def test_every_preset_prints_every_format_with_tanh_and_depth(name):
    """Powers of labelled quantities, deep networks, Markdown and HTML: no double
    superscript (a^{2}_{j}^{2}), and every format renders."""
    from derive.derivation import derive
    from derive.notation import PRESETS, network_for
    from derive.printing import html, markdown, report_latex
    from derive.report import build

    n = PRESETS[name]
    for widths in ((3, 4, 2), (3, 4, 4, 2)):
        net = network_for(n, activation="tanh", widths=widths)
        report = build(derive(net), n, steps=True)
        tex = report_latex.render(report)
        assert not re.search(r"\^\{[^{}]*\}_\{[^{}]*\}\^", tex), name
        assert "<math" in html.render(report)
        assert "$$" in markdown.render(report)


@pytest.mark.parametrize("steps", [(), ("--steps",)])
def test_mazur_numbers_nodes_and_weights_across_the_network(steps):
    """Worked-example names: out_{h1}, net_{o1}, w_1..w_8 numbered receiver by receiver."""
    _, out, _ = run("latex", "--notation", "mazur", *steps)
    o = Oracle((2, 2, 2), ("sigmoid", "sigmoid"), "sse", bias=True, seed=5)
    # w1: i1->h1, w2: i2->h1, w3: i1->h2, w4: i2->h2, w5: h1->o1, w6: h2->o1, w7, w8
    weights = {1 + n: o.W[1].flat[n] for n in range(4)} | {5 + n: o.W[2].flat[n] for n in range(4)}
    layers = {"i": 0, "h": 1, "o": 2}
    tables = {"out": o.a, "net": o.z, r"\delta": {l: -o.delta[l] for l in o.delta}, "b": o.b}

    def resolve(glyph, sup, subs):
        if sup is not None:
            return None
        if glyph == r"\eta":
            return np.array(ETA), ()
        if glyph == "w" and subs:
            return np.array(weights[int("".join(subs))]), ()
        if glyph == "i" and subs:  # the inputs i_1, i_2
            return np.array(o.x[int("".join(subs)) - 1]), ()
        if not subs or subs[0] not in layers:
            return None
        layer, node = layers[subs[0]], int("".join(subs[1:])) - 1
        if glyph == "target":
            return np.array(o.y[node]), ()
        if glyph in tables:
            return np.array(tables[glyph][layer][node]), ()
        return None

    reader = Reader(resolve, funcs({r"\sigma": 0}, o.acts))
    checks = {
        r"\delta_{h1}": (np.array(-o.delta[1][0]), ""),
        r"\delta_{o1}": (np.array(-o.delta[2][0]), ""),
        r"\frac{\partial E_{\text{total}}}{\partial w_{5}}": (np.array(o.gradW[2][0, 0]), ""),
        r"\frac{\partial E_{\text{total}}}{\partial w_{1}}": (np.array(o.gradW[1][0, 0]), ""),
        r"\Delta w_{1}": (np.array(-ETA * o.gradW[1][0, 0]), ""),
    }
    assert check_lines(out, reader, checks) >= 7
    assert r"\left(\delta_{o1} w_{5} + \delta_{o2} w_{7}\right)" in out  # h1 feeds w5 and w7


def test_mazur_writes_out_the_weight_decay_over_its_eight_weights():
    """The decay (λ/2) Σ_p Σ_q w_pq² is a sum over two indices: written out over Mazur's
    numbered weights (an internal error before), and carried into every gradient."""
    code, out, err = run("latex", "--notation", "mazur", "--weight-decay", "on", "--loss", "bce")
    assert code == 0, err
    (total,) = [line for line in out.splitlines() if r"E_{\text{total}} = " in line]
    assert sorted(re.findall(r"w_\{(\d)\}\\right\)\^\{2\}", total)) == list("12345678")
    assert r"\lambda w_{5}" in out and r"\lambda w_{1}" in out


@pytest.mark.parametrize(
    "preset, activation, output",
    [
        ("cs231n", "tanh", "softmax"),  # CS231n's classifier keeps its softmax
        ("bishop", "sigmoid", "identity"),  # Bishop's regression outputs stay linear
        ("doc004", "tanh", "tanh"),  # the notes: one f everywhere
        ("goodfellow", "tanh", "tanh"),  # Goodfellow's generic f is every layer's
        ("bishop", "tanh,sigmoid", "sigmoid"),  # a list names every layer
    ],
)
def test_one_hidden_activation_keeps_the_texts_output_layer(preset, activation, output):
    """`--notation cs231n --activation tanh` swaps the hidden ReLU, not the softmax (it was
    refused: 'loss ce needs a softmax output')."""
    from derive.notation import PRESETS, network_for

    net = network_for(PRESETS[preset], activation=activation)
    assert net.activations[-1].name == output
    code, out, err = run("latex", "--notation", preset, "--activation", activation)
    assert code == 0, err


@pytest.mark.parametrize("command", ["latex", "check"])
def test_mazur_refuses_a_network_its_node_names_cannot_number(command, tmp_path):
    """Mazur names the nodes i, h, o: two hidden layers have no letter. One line, exit 2
    (it was an IndexError inside the LaTeX printer)."""
    note = tmp_path / "note.md"
    note.write_text("$$ x = 1 $$\n", encoding="utf-8")
    args = ["--file", str(note)] if command == "check" else []
    code, out, err = run(command, "--notation", "mazur", "--layers", "5,4,3,6,2", *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "mazur" in err and "(i, h, o)" in err and "--layers 3 widths" in err


def test_doc003_deep_prints_its_one_outputs_weights_as_a_vector(tmp_path):
    """Note 003's one output y: W^{(L)} is the vector W^{(L)}_l (as its δ_l line writes
    it), so its update is α δ h_l; it printed α δ h_l 1^T, which the checker cannot read."""
    options = ["--notation", "doc003", "--activation", "tanh", "--layers", "3,4,3,1"]
    code, out, _ = run("latex", *options)
    matrix = out.splitlines()[
        out.splitlines().index("% Matrix form (one sample, column vectors)") :
    ]
    (line,) = [x for x in matrix if x.startswith(r"\[ \Delta W^{(3)}")]
    assert line == r"\[ \Delta W^{(3)}_{k} = \alpha \delta h_{k} \]"
    note = tmp_path / "note.tex"
    note.write_text(line + "\n", encoding="utf-8")
    code, out, err = run("check", "--file", str(note), *options)
    assert code == 0 and "holds" in out, out + err


@pytest.mark.parametrize("command", ["latex", "check", "codegen"])
def test_a_softmax_over_one_output_is_refused(command):
    """Note 003's one output y: softmax(net) is the constant 1 and its gradient 0, so every
    printed step is degenerate (it printed ∂y/∂net = y (1 - y) and ΔW = α(d - d y) h_j,
    which the checker failed): one line naming the problem and the choices, exit 2."""
    options = ["--output-activation", "softmax", "--loss", "ce"]
    if command != "codegen":
        options += ["--notation", "doc003"]
    else:
        options += ["--layers", "3,4,1"]
    argv = [command, *options] + (["x = x"] if command == "check" else [])
    code, out, err = run(*argv)
    assert code == 2 and out == "" and len(err.splitlines()) == 1, err
    assert "softmax over one output" in err and "sigmoid" in err


def test_mazur_writes_the_softmax_jacobian_out_node_by_node():
    """A worked example names nodes, not indices: ∂out_m/∂net_{o1} is written for m = o1
    and m = o2 (it printed out_{m} and δ_{0 m})."""
    options = ["--notation", "mazur", "--output-activation", "softmax", "--loss", "ce"]
    code, out, _ = run("latex", *options, "--steps")
    assert r"\mathrm{out}_{m}" not in out and r"\delta_{0" not in out
    o1, o2 = r"\mathrm{out}_{o1}", r"\mathrm{out}_{o2}"
    assert (
        rf"\frac{{\partial {o1}}}{{\partial \mathrm{{net}}_{{o1}}}} = {o1} \left(1 - {o1}\right)"
        in out
    )
    assert rf"\frac{{\partial {o2}}}{{\partial \mathrm{{net}}_{{o1}}}} = -{o1} {o2}" in out
