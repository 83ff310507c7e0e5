"""derive.calculus.derivative: SymPy's derivative, built without SymPy's dispatch.

The checker differentiates a network's loss written out through its layers with it;
its result must be SymPy's own expression (the checker's printed diagnoses are built
from it), so the oracle here is ``sympy.diff`` itself, plus float64 finite differences
of the unrolled loss for the value.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive import symbols as S
from derive.calculus import derivative
from derive.check.meaning import World
from derive.notation import PRESETS, network_for

i, j, k, p, q = sp.symbols("i j k p q", integer=True)
x, y = sp.symbols("x y")
W = sp.IndexedBase("W")
O = sp.IndexedBase("O")
d = sp.IndexedBase("d")
n = sp.Symbol("n", integer=True)
f = sp.Function("f")

CASES = [
    (x**2 * sp.sin(x) + sp.exp(3 * x), x),
    (sp.log(1 + sp.exp(-x)) / (1 - x), x),
    (x**y, x),
    (sp.Max(0, x) * y, x),
    (f(x * y) ** 2, x),
    (sp.Sum(W[i, j] * O[i], (i, 0, n - 1)), W[p, q]),
    (sp.Sum(f(sp.Sum(W[i, j] * O[i], (i, 0, n - 1))) * W[j, k], (j, 0, n - 1)), W[p, q]),
    (sp.Sum(W[i, j] ** 2, (i, 0, n - 1), (j, 0, n - 1)), W[p, q]),
    # a number times a sum: -(d - 1) * X must come out as SymPy distributes it, (1 - d) X
    (sp.Sum(-d[k] * sp.log(f(O[k])) - (1 - d[k]) * sp.log(1 - f(O[k])), (k, 0, n - 1)), O[p]),
    (sp.Sum(O[k], (k, 0, n - 1)), W[p, q]),  # no entry of W: zero
]


@pytest.mark.parametrize("expr, wrt", CASES, ids=[str(c[1]) + f"-{n}" for n, c in enumerate(CASES)])
def test_derivative_is_sympys_own_expression(expr, wrt):
    assert derivative(expr, wrt) == sp.diff(expr, wrt)


NETWORKS = [("sigmoid", "identity", "sse"), ("tanh", "sigmoid", "bce"), ("relu", "softmax", "ce")]
SIZES = (2, 2, 2)
PICK = ((0, 0), (1, 1))  # two weights per layer: one on the diagonal is no special case


@pytest.mark.parametrize("hidden, output, loss", NETWORKS)
def test_the_checkers_unrolled_loss_differentiates_as_sympy_and_finite_differences(
    hidden, output, loss
):
    """∂E/∂W for both weight layers of the checker's own network, E written out through
    the layers: SymPy's expression, and on a 2-2-2 network with the sums done, the float64
    central difference of E at two weights of each layer."""
    notation = PRESETS["doc004"]
    network = network_for(notation, activation=f"{hidden},{output}", loss=loss)
    world = World(notation, network)
    rng = np.random.default_rng(7)
    for layer in (1, 2):
        wrt = S.W(layer)[p, q]
        E = world.unroll(world.loss(), wrt)
        ours = derivative(E, wrt)
        assert ours == sp.diff(E, wrt)
        # concrete: sizes in, sums done, f1/f2 the network's functions
        sizes = {sp.Symbol(f"N{n}", integer=True, positive=True): v for n, v in enumerate(SIZES)}
        E_n, dE_n = _concrete(E, sizes, network), _concrete(ours, sizes, network)
        atoms = sorted(E_n.atoms(sp.Indexed), key=str)
        values = {a: rng.normal() for a in atoms}
        if loss in ("bce", "ce"):  # targets in (0, 1)
            values |= {a: rng.uniform(0.1, 0.9) for a in atoms if str(a.base) == "d"}
        for a, b in PICK:
            w = S.W(layer)[a, b]
            h = 1e-6
            up = float(E_n.xreplace(values | {w: values[w] + h}))
            down = float(E_n.xreplace(values | {w: values[w] - h}))
            got = float(dE_n.xreplace({p: a, q: b}).doit().xreplace(values))
            assert got == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-8)


def _concrete(expr, sizes, network):
    expr = expr.subs(sizes).doit()
    functions = {}
    for layer, act in enumerate(network.activations, start=1):
        if act.expr is not None:  # softmax is written out by the checker itself
            (x,) = act.expr.free_symbols
            functions[f"f{layer}"] = sp.Lambda(x, act.expr)
    return expr.replace(
        lambda e: isinstance(e, sp.core.function.AppliedUndef) and str(e.func) in functions,
        lambda e: functions[str(e.func)](*e.args),
    ).doit()
