"""Every result the derivation prints equals central finite differences of E."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive import symbols as S
from derive.derivation import derive
from derive.display import Factors
from derive.network import NetworkError, build
from derive.notation import PRESETS
from derive.numeric import Point, evaluate, forward
from derive.report import build as build_report
from tests.helpers import finite_difference, random_point

COMBINATIONS = [
    dict(activation="sigmoid", loss="sse"),
    dict(activation="sigmoid", loss="sum_sq"),
    dict(activation="tanh", loss="sse"),
    dict(activation="identity", loss="sse"),
    dict(activation="tanh", output_activation="sigmoid", loss="bce"),
    dict(activation="softplus", loss="mse"),
    dict(activation="sigmoid", output_activation="softmax", loss="ce"),
    dict(activation="x/(1+abs(x))", loss="sse"),
    dict(activation="leaky_relu", output_activation="identity", loss="sse"),
]
SIZES = [(3, 4, 2), (2, 5, 3), (4, 3, 1)]
ETA = 0.1


def _point(network, widths, seed):
    params, x, d = random_point(network, widths, seed)
    pt = Point(
        widths, network.activations, arrays={"O0": x, "d": d, **params}, scalars={S.eta: ETA}
    )
    forward(pt)
    return pt, params, x, d


def _value(expr, derivation, pt, env):
    return evaluate(derivation.expand(expr).xreplace(env), pt)


@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("combo", COMBINATIONS, ids=lambda c: "-".join(c.values()))
def test_gradients_match_finite_differences(combo, sizes):
    if combo.get("output_activation") == "softmax" and sizes[-1] == 1:
        with pytest.raises(NetworkError, match="softmax over one output"):
            build(widths=sizes, **combo)  # the constant 1: nothing to differentiate
        return
    network = build(widths=sizes, **combo)
    derivation = derive(network)
    pt, params, x, d = _point(network, sizes, seed=sum(sizes))
    for layer in (1, 2):
        fd = finite_difference(network, params, x, d, f"W{layer}")
        p, q = S.index(layer - 1), S.index(layer)
        for a, b in np.ndindex(fd.shape):
            got = _value(derivation.gradients[f"W{layer}"], derivation, pt, {p: a, q: b})
            assert got == pytest.approx(fd[a, b], rel=1e-6, abs=1e-9), (layer, a, b)


def _reference(lhs, fd, pt, book_scale=1.0):
    """What an equation's left side means, from finite differences.

    The book writes Δw for -α ½ ∂E/∂w when E = Σ(t - o)^2 (the 2 absorbed into α)."""
    if isinstance(lhs, sp.Derivative) and isinstance(lhs.variables[0], sp.Indexed):
        target = lhs.variables[0]
        if S.kind_of(target.base) == "W" and lhs.expr == S.E:
            return lambda p, q: fd[str(target.base)][p, q]
    if isinstance(lhs, sp.Indexed) and S.kind_of(lhs.base) == "DeltaW":
        name = "W" + str(S.layer_of(lhs.base))
        return lambda p, q: -ETA * book_scale * fd[name][p, q]
    return None


@pytest.mark.parametrize("notation", ["doc004", "rashid"])
@pytest.mark.parametrize(
    "combo", COMBINATIONS[:4] + COMBINATIONS[7:8], ids=lambda c: "-".join(c.values())
)
def test_every_printed_update_and_gradient_is_exact(notation, combo):
    """Each form of ∂E/∂w and Δw a report prints equals the finite difference
    (the book's dropped-constant forms are checked against their own left side)."""
    sizes = (3, 4, 2)
    network = build(widths=sizes, **combo)
    derivation = derive(network)
    pt, params, x, d = _point(network, sizes, seed=7)
    fd = {f"W{n}": finite_difference(network, params, x, d, f"W{n}") for n in (1, 2)}
    report = build_report(derivation, PRESETS[notation])
    checked = 0
    for eq in report.blocks:
        if getattr(eq, "kind", None) != "result" or not hasattr(eq, "lhs"):
            continue
        lhs = eq.lhs
        scale = 1
        if isinstance(lhs, sp.Mul):  # the book's ½ ∂E/∂W
            scale, lhs = lhs.as_coeff_Mul()
        book = notation == "rashid" and network.loss.name == "sum_sq"
        ref = _reference(lhs, fd, pt, book_scale=0.5 if book else 1.0)
        if ref is None:
            continue
        idx = [i for i in lhs.atoms(sp.Symbol) if i.name.startswith("i")]
        idx = sorted(idx, key=lambda s: s.name)
        for form in eq.rhs:
            expr = form.expr if isinstance(form, Factors) else form
            if expr.has(sp.Derivative):
                continue
            for a in range(sizes[S.layer_of(idx[0])]):
                for b in range(sizes[S.layer_of(idx[1])]):
                    got = _value(expr, derivation, pt, {idx[0]: a, idx[1]: b})
                    assert got == pytest.approx(float(scale) * ref(a, b), rel=1e-6, abs=1e-9), (
                        eq.key,
                        a,
                        b,
                    )
            checked += 1
    assert checked >= (4 if notation == "doc004" else 3)


def test_derivation_does_not_depend_on_widths():
    small = derive(build(widths=(3, 4, 2)))
    large = derive(build(widths=(784, 100, 10)))
    assert small == large
    assert small.equations == large.equations


def test_output_delta_of_the_notes():
    d = derive(build())
    k = S.index(2)
    O, t = S.O(2)[k], S.d[k]
    assert sp.expand(d.deltas[2] - (t - O) * O * (1 - O)) == 0
    j = S.index(1)
    back = sp.Sum(S.delta(2)[k] * S.W(2)[j, k], (k, 0, S.width(2) - 1))
    assert sp.expand(d.deltas[1] - S.O(1)[j] * (1 - S.O(1)[j]) * back) == 0


def test_classic_simplifications():
    """sigmoid + bce and softmax + ce give ∂E/∂net_k = O_k - d_k."""
    k = S.index(2)
    bce = derive(build(output_activation="sigmoid", loss="bce"))
    assert sp.expand(bce.deltas[2] - (S.d[k] - S.O(2)[k])) == 0
    ce = derive(build(output_activation="softmax", loss="ce"))
    value = ce.deltas[2].replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.Integer(1))
    assert sp.expand(value - (S.d[k] - S.O(2)[k])) == 0  # with one-hot targets


def test_generic_activation_keeps_f_prime():
    d = derive(build(activation="x*(1+erf(x/sqrt(2)))/2"))  # GELU: no output form
    assert d.deltas[1].has(S.df(1))
    assert not derive(build(activation="softplus")).deltas[1].has(S.df(1))


def test_deep_network_with_biases():
    sizes = (3, 4, 3, 2)
    network = build(widths=sizes, activation=("tanh", "sigmoid", "sigmoid"), bias=True)
    derivation = derive(network)
    pt, params, x, d = _point(network, sizes, seed=3)
    for layer in (1, 2, 3):
        fd = finite_difference(network, params, x, d, f"W{layer}")
        p, q = S.index(layer - 1), S.index(layer)
        for a, b in np.ndindex(fd.shape):
            got = _value(derivation.gradients[f"W{layer}"], derivation, pt, {p: a, q: b})
            assert got == pytest.approx(fd[a, b], rel=1e-6, abs=1e-9)
        fdb = finite_difference(network, params, x, d, f"b{layer}")
        for b in range(len(fdb)):
            got = _value(derivation.gradients[f"b{layer}"], derivation, pt, {q: b})
            assert got == pytest.approx(fdb[b], rel=1e-6, abs=1e-9)
