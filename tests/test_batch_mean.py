r"""A loss averaged over a batch, in row layout: CS231n's conventions, read from the
PRINTED text and judged by the tests' own batch.

The cs231n preset declares ``conventions.batch_mean`` (the objective is
L = (1/N) Σ_n L_n + ½ reg Σ W²) and ``layout = "row"`` (X is N×D, one example per
row; dW2 = hiddenᵀ dscores).  Here a NumPy batch of several examples
(tests/oracle_np.py's forward pass, the loss averaged over the rows by this module)
gives every quantity, and central finite differences of that objective give
dscores = ∂L/∂scores (one entry per example and class), dh and every gradient.

What is read: the index-form lines (``\mathrm{dscores}_{k} = \frac{1}{N} ...``) by
tests/latex_eval.py, example by example; an example's values in a weight's gradient
are summed over the batch (the rows of hiddenᵀ dscores), a term of weights alone
(``\mathrm{reg} \cdot \mathrm{W2}_{jk}``) is not.  The matrix lines
(``\Delta \mathrm{W2} = -\mathrm{step\_size} \cdot \mathrm{hidden}^{T} \cdot
\mathrm{dscores} ...``) are parsed as text and multiplied out here with NumPy in the
order written, so a transpose in the wrong place is a shape error, not a pass.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from derive.check.parse import WORDS, parse_latex
from tests import oracle_np as oracle
from tests.helpers import run_cli
from tests.latex_eval import Reader, tokens

N, LAM, ETA = 4, 0.37, 0.3
"""Examples in the batch (no layer has 4 nodes: a wrong product cannot fit)."""
WIDTHS = (3, 5, 2)
PER_EXAMPLE = ("X", "hidden", "probs", "h", "scores", "dscores", "dh", "y")
NAMES = {"X": 0, "hidden": 1, "probs": 2, "h": 1, "scores": 2, "dscores": 2, "dh": 1}
MATRICES = frozenset({*NAMES, "y", "W", "W2", "b", "b2", "dW", "dW2", "Delta W", "Delta W2"})
SLOPES = {
    "relu": lambda z: np.where(np.asarray(z) > 0, 1.0, 0.0),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "sigmoid": lambda z: oracle.activate("sigmoid", z) * (1 - oracle.activate("sigmoid", z)),
    "identity": lambda z: np.ones_like(np.asarray(z, dtype=float)),
}


class Batch:
    """N examples through the network; the objective is their mean loss (+ decay)."""

    def __init__(self, acts: tuple, loss: str, bias: bool, decay: bool, seed: int = 5):
        self.acts, self.loss, self.bias = acts, loss, bias
        self.lam = LAM if decay else 0.0
        self.params, self.x, self.d = oracle.random_case(WIDTHS, bias, loss, seed, batch=N)
        step = 2 if bias else 1
        self.W = {n: self.params[step * (n - 1)] for n in (1, 2)}
        self.b = {n: self.params[step * (n - 1) + 1] for n in (1, 2)} if bias else {}
        self.z, self.a = self._forward()
        self.delta = {n: self._delta(n) for n in (1, 2)}  # ∂L/∂z: N × nodes
        grads = oracle.finite_differences(self.objective, [p.copy() for p in self.params])
        self.gradW = {n: grads[step * (n - 1)] for n in (1, 2)}
        self.gradb = {n: grads[step * (n - 1) + 1] for n in (1, 2)} if bias else {}

    def _forward(self):
        outs = oracle.forward(self.x, self.params, self.acts, self.bias)
        z, a, o = {}, {0: self.x}, self.x
        for n in (1, 2):
            z[n] = o @ self.W[n] + (self.b[n] if self.bias else 0)
            o = a[n] = outs[n - 1]
        return z, a

    def mean_loss(self, out: np.ndarray, params: list) -> float:
        """(1/N) Σ_n L_n: each example's loss from the oracle's table, averaged."""
        each = [oracle.output_loss(self.loss, self.d[n : n + 1], out[n : n + 1]) for n in range(N)]
        return sum(each) / N + oracle.weight_decay(params, self.bias, self.lam)

    def objective(self, params: list) -> float:
        return self.mean_loss(oracle.forward(self.x, params, self.acts, self.bias)[-1], params)

    def _from(self, layer: int, z: np.ndarray) -> float:
        o = oracle.activate(self.acts[layer - 1], z)
        if layer == 1:
            z2 = o @ self.W[2] + (self.b[2] if self.bias else 0)
            o = oracle.activate(self.acts[1], z2)
        return self.mean_loss(o, self.params)

    def _delta(self, layer: int, h: float = 1e-6) -> np.ndarray:
        out = np.zeros_like(self.z[layer])
        for idx in np.ndindex(out.shape):  # example idx[0], node idx[1]
            up, down = self.z[layer].copy(), self.z[layer].copy()
            up[idx] += h
            down[idx] -= h
            out[idx] = (self._from(layer, up) - self._from(layer, down)) / (2 * h)
        return out

    def values(self) -> dict:
        """Every printed name, as a whole batch (rows are examples) or a matrix."""
        v = {
            "X": self.x, "hidden": self.a[1], "probs": self.a[2], "h": self.z[1],
            "scores": self.z[2], "dscores": self.delta[2], "dh": self.delta[1], "y": self.d,
            "W": self.W[1], "W2": self.W[2], "reg": LAM, "step_size": ETA, r"\eta": ETA, "N": float(N),
        }  # fmt: skip
        v |= {"dW": self.gradW[1], "dW2": self.gradW[2]}  # a gradient named in an update
        if self.bias:
            v |= {"b": self.b[1], "b2": self.b[2], "db": self.gradb[1], "db2": self.gradb[2]}
        return v


def _printed(*options: str) -> list[list[str]]:
    """The printed relations, each ``[lhs, rhs_1, rhs_2, ...]``, as LaTeX."""
    code, out, err = run_cli("latex", "--notation", "cs231n", *options, "--steps", "--format",
                             "markdown")  # fmt: skip
    assert code == 0, err
    blocks = out.split("$$\n")[1::2]
    return [block.strip().split(" = ") for block in blocks]


# -- index form: example by example -------------------------------------------------


def _reader(batch: Batch, example: list) -> Reader:
    values = batch.values()
    letters = {"i": 0, "j": 1, "k": 2}

    def resolve(glyph, sup, subs):
        if sup is not None or glyph not in values:
            return None
        value = values[glyph]
        if not subs:
            return np.array(value), ()
        if glyph in PER_EXAMPLE:
            return value[example[0]], subs
        if glyph in ("W", "W2") and [letters[s.rstrip("'")] for s in subs] != [
            NAMES["X"] + (glyph == "W2"),
            NAMES["hidden"] + (glyph == "W2"),
        ]:
            raise AssertionError(f"{glyph}_{subs}: W is sender first (X W), rows i, columns j")
        return value, subs

    hidden, output = batch.acts  # the preset's ReLU, or f and g where others are chosen
    funcs = {"ReLU'" if hidden == "relu" else "f'": SLOPES[hidden]}
    if output != "softmax":
        funcs["g'"] = SLOPES[output]
    return Reader(resolve, funcs)


def _summed(batch: Batch, side: str, env: dict) -> float:
    """``side`` over the batch: a term with an example's values is summed over the
    examples (as hiddenᵀ dscores sums its rows), a term of the weights alone is not."""
    example = [0]
    reader = _reader(batch, example)
    reader.toks, reader.pos = tokens(side.replace(r"\mathrm{step\_size}", r"\eta")), 0
    node = reader.expr()
    total = 0.0
    for sign, term in node[1]:
        per_example = any(glyph in repr(term) for glyph in (f"'{g}'" for g in PER_EXAMPLE))
        for n in range(N) if per_example else [0]:
            example[0] = n
            reader.env = dict(env)
            total += sign * reader.ev(term)
    return total


def _index_lines(relations: list, lhs: str) -> list[tuple[str, str]]:
    return [(r[0], side) for r in relations if r[0] == lhs for side in r[1:]
            if r"\partial" not in side]  # fmt: skip


def test_the_printed_error_terms_carry_one_over_n():
    """dscores_k and dh_j, example by example, are ∂L/∂scores and ∂L/∂h of the mean."""
    batch = Batch(("relu", "softmax"), "ce", bias=True, decay=True)
    relations = _printed()
    compared = 0
    for lhs, want, letter in (
        (r"\mathrm{dscores}_{k}", batch.delta[2], "k"),
        (r"\mathrm{dh}_{j}", batch.delta[1], "j"),
    ):
        found = _index_lines(relations, lhs)
        assert found, lhs
        for _, side in found:
            for n, node in np.ndindex(want.shape):
                reader = _reader(batch, [n])
                reader.env = {letter: node}
                assert reader.value(side) == pytest.approx(want[n, node], rel=1e-5, abs=1e-8), (
                    lhs, side, n, node,
                )  # fmt: skip
            compared += 1
    assert compared >= 4


@pytest.mark.parametrize(
    "acts, loss, options",
    [
        (("relu", "softmax"), "ce", ()),
        (
            ("tanh", "sigmoid"),
            "sse",
            ("--activation", "tanh", "--output-activation", "sigmoid", "--loss", "sse"),
        ),  # fmt: skip
    ],
)
def test_the_printed_gradients_are_the_batch_means(acts, loss, options):
    """dW2_{jk}, dW_{ij}, db2_k, db_j and the updates: summed over the batch, each
    example's share with its 1/N, against finite differences of the mean loss."""
    batch = Batch(acts, loss, bias=True, decay=True)
    relations = _printed(*options)
    checks = {
        r"\mathrm{dW2}_{jk}": (batch.gradW[2], "jk"),
        r"\mathrm{dW}_{ij}": (batch.gradW[1], "ij"),
        r"\mathrm{db2}_{k}": (batch.gradb[2], "k"),
        r"\mathrm{db}_{j}": (batch.gradb[1], "j"),
        r"\Delta \mathrm{W2}_{jk}": (-ETA * batch.gradW[2], "jk"),
        r"\Delta W_{ij}": (-ETA * batch.gradW[1], "ij"),
    }
    compared = 0
    for lhs, (want, letters) in checks.items():
        found = _index_lines(relations, lhs)
        assert found, lhs
        for _, side in found:
            for idx in np.ndindex(want.shape):
                got = _summed(batch, side, dict(zip(letters, idx)))
                assert got == pytest.approx(want[idx], rel=1e-5, abs=1e-8), (lhs, side, idx)
            compared += 1
    assert compared >= 8
    (loss_line,) = [r for r in relations if r[0] == "L"]
    assert _summed(batch, loss_line[1], {}) == pytest.approx(batch.objective(batch.params))


# -- matrix form: the batch in rows ---------------------------------------------------


def _matrix(expr: sp.Expr, values: dict, acts: tuple):
    """A parsed matrix expression, multiplied out in the order written."""
    if expr.is_Number:
        return float(expr)
    if isinstance(expr, sp.Symbol):
        return values[expr.name]
    if isinstance(expr, sp.Add):
        return sum(_matrix(a, values, acts) for a in expr.args)
    if isinstance(expr, sp.Mul):
        scalars, ordered = expr.args_cnc()
        out = np.prod([_matrix(s, values, acts) for s in scalars]) if scalars else 1.0
        if ordered:
            product = _matrix(ordered[0], values, acts)
            for factor in ordered[1:]:
                product = product @ _matrix(factor, values, acts)  # ValueError if misshapen
            out = out * product
        return out
    if isinstance(expr, sp.Pow):
        return _matrix(expr.base, values, acts) ** float(expr.exp)
    name = type(expr).__name__
    if name == "transpose":
        return _matrix(expr.args[0], values, acts).T
    if name == "hadamard":
        return np.prod([_matrix(a, values, acts) for a in expr.args], axis=0)
    if isinstance(expr, sp.Derivative):  # ReLU'(h), f'(h): the hidden layer's slope
        (arg,) = expr.expr.args
        assert arg.name == "h", expr
        return SLOPES[acts[0]](values["h"])
    raise AssertionError(f"cannot evaluate {expr}")


@pytest.mark.parametrize(
    "acts, options", [(("relu", "softmax"), ()), (("tanh", "softmax"), ("--activation", "tanh"))]
)
def test_the_printed_matrix_lines_are_row_layout_batch_gradients(acts, options):
    """ΔW2 = -step_size hiddenᵀ dscores - step_size reg W2, dh = ReLU'(h) ∘ (dscores
    W2ᵀ), ΔW = -step_size Xᵀ dh - ...: in the matrix section and in the steps."""
    batch = Batch(acts, "ce", bias=True, decay=True)
    values = batch.values()
    want = {
        "Delta W2": -ETA * batch.gradW[2],
        "Delta W": -ETA * batch.gradW[1],
        "dh": batch.delta[1],
        "dW2": batch.gradW[2],
        "dW": batch.gradW[1],
    }
    words = WORDS | MATRICES | {"reg", "step_size", "dhidden"}
    compared = 0
    for lhs, *sides in _printed(*options):
        parsed = parse_latex(lhs, words=words, matrices=MATRICES)
        if not (isinstance(parsed, sp.Symbol) and parsed.name in want):
            continue
        for side in sides:
            got = _matrix(parse_latex(side, words=words, matrices=MATRICES), values, acts)
            assert np.shape(got) == want[parsed.name].shape, (lhs, side)
            assert np.allclose(got, want[parsed.name], rtol=1e-5, atol=1e-8), (lhs, side)
            compared += 1
    assert compared >= 6  # three in the matrix section, three in the steps


# -- any notation that declares the conventions ---------------------------------------

USER_NOTATIONS = {
    "doc004_mean.toml": 'extends = "doc004"\nbatch_size = "B"\n[conventions]\nbatch_mean = true\n',
    "renamed.toml": 'extends = "cs231n"\nname = "renamed"\nbatch_size = "M"\n'
    'outputs = ["X", "a1", "p"]\ndeltas = ["da1", "dz"]\naliases = []\n'
    '[conventions]\nweight_decay = ""\n',
}


@pytest.mark.parametrize("name", sorted(USER_NOTATIONS))
def test_a_users_notation_file_gets_the_same_treatment(tmp_path, name):
    """batch_mean in a file extending the notes' column-layout doc004 (1/B, its own
    glyph), and a file extending cs231n with other names and no decay: the printout
    carries the 1/N and the row layout, and the checker finds nothing wrong with it."""
    toml = tmp_path / name
    toml.write_text(USER_NOTATIONS[name], encoding="utf-8")
    code, out, err = run_cli("latex", "--notation", str(toml), "--steps", "--format", "markdown")
    assert code == 0, err
    glyph = "B" if name.startswith("doc004") else "M"
    assert out.count(rf"\frac{{1}}{{{glyph}}}") >= 3, out
    if glyph == "M":
        assert r"\mathrm{a1}^{T} \cdot \mathrm{dz}" in out  # hiddenᵀ dscores, renamed
    note = tmp_path / "note.md"
    note.write_text(out, encoding="utf-8")
    code, out, err = run_cli("check", "--file", str(note), "--notation", str(toml), "--json")
    counts = json.loads(out)["counts"]
    assert (counts["fails"], counts["not checked"], code) == (0, 0, 0), counts
    assert counts["holds"] >= 30, counts


def test_a_derivative_of_the_whole_objective_splits_its_decay_term():
    """A deep network (forward-mode derivatives): ∂/∂W of (½ reg Σ W² - (1/N) Σ y log p)
    sums the example's part over the batch and the decay term once."""
    from derive.check.extract import Relation
    from derive.check.verify import Checker
    from derive.network import build
    from derive.notation import PRESETS

    deep = build(
        activation="relu", output_activation="softmax", loss="ce", bias=True,
        weight_decay=True, widths=(3, 4, 2, 3, 2),
    )  # fmt: skip
    checker = Checker(PRESETS["cs231n"], network=deep)
    squares = " + ".join(
        rf"\sum_{{{a}}} \sum_{{{b}}} \left(W^{{({n})}}_{{{a}{b}}}\right)^{{2}}"
        for n, (a, b) in enumerate((("i", "j"), ("j", "k"), ("k", "l'"), ("l'", "m'")), start=1)
    )
    lhs = r"\frac{\partial L}{\partial W^{(4)}_{lm}}"

    def status(scale: str) -> str:
        rhs = (
            rf"\frac{{\partial}}{{\partial W^{{(4)}}_{{lm}}}} \left(\frac{{1}}{{2}} \mathrm{{reg}} "
            rf"\cdot \left({squares}\right) - {scale} \sum_{{n'}} \log{{\left(\mathrm{{probs}}_"
            r"{n'} \right)} \cdot y_{n'}\right)"
        )
        return checker.check(Relation(1, lhs, "=", rhs, "")).status

    assert (status(r"\frac{1}{N}"), status("")) == ("holds", "fails")


@pytest.mark.parametrize(
    "notation, said",
    [
        ("cs231n", "this is 1/N (probs_k - y_k)"),  # dscores = +∂L/∂scores, with its 1/N
        ("nielsen", "this is a^L_j - y_j"),  # δ = +∂C/∂z
        ("doc004", "this is d_k - O_k"),  # δ = -∂E/∂net
    ],
)
def test_the_one_hot_caption_says_the_printed_error_term(notation, said):
    """Softmax + ce: the caption above δ says what δ is with one-hot targets, in the
    notation's sign of δ and with the batch mean's 1/N (it said y_k - probs_k)."""
    code, out, err = run_cli(
        "latex", "--notation", notation, "--output-activation", "softmax", "--loss", "ce"
    )
    assert code == 0, err
    (line,) = [ln for ln in out.splitlines() if "one-hot targets" in ln]
    assert line.endswith(said), line
