"""Deeper networks: the printed recurrence and bias gradients, against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive import symbols as S
from derive.derivation import derive
from derive.matrix import Hadamard, MatVec, Outer, Vec
from derive.network import build
from derive.numeric import Point, evaluate, forward
from derive.report import Batch, RowSum, recurrence_equations
from tests.helpers import error_of, finite_difference, random_point


def _instantiate(expr: sp.Expr, layer: int) -> sp.Expr:
    """Replace the general layer l of a printed equation by a concrete layer."""

    def concrete(name: str) -> int:
        return {"l": layer, "l+1": layer + 1, "l-1": layer - 1}[name]

    def base(b):
        kind, where = S.kind_of(b), S.layer_of(b)
        return getattr(S, kind)(concrete(where)) if isinstance(where, str) else b

    expr = expr.replace(lambda e: isinstance(e, sp.Indexed), lambda e: base(e.base)[e.indices])
    return expr.replace(
        lambda e: isinstance(e, sp.Function) and "@" in str(e.func),
        lambda e: S.df(concrete(S.layer_of(e.func)))(*e.args),
    )


def _value(node, layer: int, pts: list[Point], batch: bool):
    """A matrix node as NumPy: column vectors for one sample, rows for a batch."""
    if isinstance(node, Vec):
        expr = _instantiate(node.expr, layer)
        (base,) = {
            S.layer_of(i.base)
            for i in expr.atoms(sp.Indexed)
            if S.kind_of(i.base) in ("O", "delta", "net")
        }
        width = pts[0].widths[base]
        rows = [[evaluate(expr.xreplace({node.index: n}), pt) for n in range(width)] for pt in pts]
        return np.array(rows) if batch else np.array(rows[0])
    if isinstance(node, Hadamard):
        out = 1.0
        for part in node.parts:
            out = out * _value(part, layer, pts, batch)
        return out
    if isinstance(node, MatVec):
        w = pts[0].arrays[str(_instantiate(node.weight[0], layer).base)]
        u = _value(node.vec, layer, pts, batch)
        w = w.T if node.transpose else w
        return u @ w.T if batch else w @ u
    if isinstance(node, Outer):
        col, row = _value(node.col, layer, pts, batch), _value(node.row, layer, pts, batch)
        return float(node.scale) * (col.T @ row if batch else np.outer(col, row))
    if isinstance(node, RowSum):
        return _value(node.vec, layer, pts, batch).sum(axis=0)
    raise TypeError(node)


@pytest.mark.parametrize("widths", [(3, 4, 2), (3, 4, 3, 2), (2, 3, 4, 3, 2)])
@pytest.mark.parametrize("batch", [False, True])
def test_printed_recurrence_gives_the_gradients(widths, batch):
    network = build(widths=widths, activation="tanh", output_activation="sigmoid", bias=True)
    d = derive(network)
    eqs = {}
    for e in recurrence_equations(d):
        if isinstance(e, Batch):
            eqs["batch:" + e.equation.key] = e.equation
        else:
            eqs[e.key] = e
    prefix = "batch:" if batch else ""
    samples = 3 if batch else 1
    pts, params = [], None
    for n in range(samples):
        p, x, t = random_point(network, widths, seed=100 + n)
        params = params or p
        pt = Point(widths, network.activations, {"O0": x, "d": t, **params})
        forward(pt)
        L = len(widths) - 1
        k = S.index(L)
        pt.arrays[f"delta{L}"] = np.array(
            [evaluate(d.deltas[L].xreplace({k: m}), pt) for m in range(widths[-1])]
        )
        pts.append(pt)
    # δ of every hidden layer from the printed recurrence, top down
    for layer in range(L - 1, 0, -1):
        values = _value(eqs[prefix + "recurrence"].rhs[0], layer, pts, batch)
        for n, pt in enumerate(pts):
            pt.arrays[f"delta{layer}"] = values[n] if batch else values
    xs = [pt.arrays["O0"] for pt in pts]
    ts = [pt.arrays["d"] for pt in pts]

    def total(prm):
        return sum(error_of(network, prm, x, t) for x, t in zip(xs, ts))

    for layer in range(1, L + 1):
        got = _value(eqs[prefix + "grad_general"].rhs[0], layer, pts, batch)
        fd = np.zeros_like(params[f"W{layer}"])
        for idx in np.ndindex(fd.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[f"W{layer}"][idx] += 1e-6
            minus[f"W{layer}"][idx] -= 1e-6
            fd[idx] = (total(plus) - total(minus)) / 2e-6
        assert np.allclose(got, fd, rtol=1e-6, atol=1e-9)
        bias = eqs["batch:grad_bias_batch" if batch else "grad_bias_general"]
        got_b = _value(bias.rhs[0], layer, pts, batch)
        fd_b = sum(finite_difference(network, params, x, t, f"b{layer}") for x, t in zip(xs, ts))
        assert np.allclose(got_b, fd_b, rtol=1e-6, atol=1e-9)
