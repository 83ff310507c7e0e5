"""Every generated module against the tests' own NumPy oracle (tests/oracle_np.py).

For each combination the module is rendered in memory through
``derive.codegen.render`` and imported; then its forward values, its loss, its
gradients and its update are compared with the oracle's forward pass, the
oracle's loss, central finite differences of the *oracle's* loss (float64),
and a gradient step taken with those finite differences.  Nothing here uses a
generated module's own ``loss`` as the reference.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from derive import codegen as C
from tests import oracle_np as oracle
from tests.helpers import load_generated, valid_combo

TWO_LAYER = [
    c
    for c in itertools.starmap(
        C.Combo, itertools.product(C.HIDDEN_ACTIVATIONS, C.OUTPUT_ACTIVATIONS, C.LOSSES)
    )
    if valid_combo(c)
]

_PAIRS = [(o, loss) for o, loss in itertools.product(C.OUTPUT_ACTIVATIONS, C.LOSSES)]
_MIXED = [
    "tanh,relu",
    "sigmoid,softplus",
    "leaky_relu,tanh",
    "relu,sigmoid",
    "softplus,identity",
    "x/(1+abs(x)),tanh",
]
DEEP = [
    c
    for n, (o, loss) in enumerate(p for p in _PAIRS if valid_combo(C.Combo("sigmoid", *p)))
    for c in [C.Combo(_MIXED[n % len(_MIXED)], o, loss, (3, 4, 3, 2), bias=n % 2 == 0)]
] + [
    C.Combo("tanh,relu,sigmoid", "identity", "mse", (3, 4, 3, 3, 2), bias=True),
    C.Combo("relu,softplus,tanh", "softmax", "ce", (2, 3, 4, 3, 3), bias=False),
    C.Combo("sigmoid,tanh,leaky_relu", "sigmoid", "bce", (3, 3, 4, 3, 2), bias=False),
]

USER = [C.Combo("exp", "identity", "sse"), C.Combo("exp", "sigmoid", "bce")] + [
    C.Combo(expr, out, loss)
    for expr in (
        "x/(1+abs(x))",
        "x*sigmoid(x)",
        "atan(x)",
        "log(1+exp(x))",
        "x*(1+erf(x/sqrt(2)))/2",
        "sin(x)",
        "max(0,x)+min(0,exp(x)-1)",
    )
    for out, loss in (("identity", "sse"), ("sigmoid", "bce"), ("same", "mse"))
]
USER = [
    C.Combo(c.activation, c.activation, c.loss) if c.output_activation == "same" else c
    for c in USER
]


def _ids(combo: C.Combo) -> str:
    return combo.filename[:-3]


def _close(got, want, what: str, rtol: float = 1e-6) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    scale = max(float(np.max(np.abs(want))), 1e-3)
    err = float(np.max(np.abs(got - want))) / scale
    assert err < rtol, f"{what}: relative error {err:.2e}"


def _compare(combo: C.Combo, seed: int) -> None:
    mod = load_generated(combo)
    acts = combo.activations
    bias = combo.bias
    params, x, d = oracle.random_case(combo.widths, bias, combo.loss, seed)
    want_out = oracle.forward(x, params, acts, bias)
    got_out = mod.forward(x, *params)
    assert len(got_out) == len(want_out)
    for n, (g, w) in enumerate(zip(got_out, want_out)):
        _close(g, w, f"forward, layer {n + 1}", 1e-10)

    def E(ps):
        return oracle.loss(x, d, ps, acts, combo.loss, bias)

    _close(mod.loss(x, d, *params), E(params), "loss", 1e-10)
    fd = oracle.finite_differences(E, params)
    got = mod.gradients(x, d, *params)
    for n, (g, w) in enumerate(zip(got, fd)):
        _close(g, w, f"gradient of parameter {n}")
    eta = 0.05
    expect = [p - eta * g for p, g in zip(params, fd)]
    copies = [p.copy() for p in params]
    result = mod.update(x, d, *copies, eta)
    new = copies if result is None else list(result)
    for n, (g, w) in enumerate(zip(new, expect)):
        _close(g, w, f"update of parameter {n}")


@pytest.mark.parametrize("combo", TWO_LAYER, ids=_ids)
def test_two_layer_module_agrees_with_the_oracle(combo):
    _compare(combo, seed=1)


@pytest.mark.parametrize("combo", DEEP, ids=_ids)
def test_deep_module_agrees_with_the_oracle(combo):
    _compare(combo, seed=2)


@pytest.mark.parametrize("combo", USER, ids=_ids)
def test_user_activation_module_agrees_with_the_oracle(combo):
    _compare(combo, seed=3)


def test_the_sweep_covers_every_table_row():
    """New rows of the table must get an oracle entry (or this fails)."""
    used = {a for c in TWO_LAYER + DEEP + USER for a in c.activations}
    assert used <= set(oracle.ACTIVATIONS) | {"softmax"}
    assert {a for c in TWO_LAYER for a in c.activations} == set(C.OUTPUT_ACTIVATIONS)
    assert {c.loss for c in TWO_LAYER} == set(C.LOSSES)


STABLE = [
    "x*sigmoid(x)",  # swish
    "max(0,x)+min(0,exp(x)-1)",  # ELU
    "x*(1+erf(x/sqrt(2)))/2",  # GELU
    "log(1+exp(x))",  # softplus written by hand
]


@pytest.mark.parametrize("expr", STABLE)
def test_user_activation_is_finite_and_quiet_at_net_1000(expr):
    """Hidden nets of +-1000: forward, loss, gradients and update finite, no warning,
    and the gradients still equal the oracle's (finite there too)."""
    import warnings

    combo = C.Combo(expr, "identity", "sse")
    mod = load_generated(combo)
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    v = np.array([[1000.0, -1000.0, 1000.0], [-1000.0, 1000.0, -1000.0]])
    w = np.array([[0.5, -0.2], [0.1, 0.3], [-0.4, 0.2]])
    d = np.array([[0.3, -0.1], [0.2, 0.4]])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        outs = mod.forward(x, v, w)
        E = mod.loss(x, d, v, w)
        grads = mod.gradients(x, d, v, w)
        mod.update(x, d, v.copy(), w.copy(), 0.01)
    for arr in (*outs, *grads):
        assert np.all(np.isfinite(arr))
    assert np.isfinite(E)
    want = oracle.forward(x, [v, w], (expr, "identity"), False)
    for got, ref in zip(outs, want):
        _close(got, ref, "forward at |net| = 1000", 1e-9)
