"""The book's hidden-layer rule is an approximation: shown by computation."""

from __future__ import annotations

import numpy as np
import pytest

from derive import symbols as S
from derive.book import hidden_rule_values
from derive.derivation import derive
from derive.network import build
from derive.numeric import Point, evaluate, forward
from tests.helpers import finite_difference, random_point


def test_book_hidden_rule_differs_from_the_gradient():
    sizes = (3, 4, 2)
    network = build(widths=sizes, loss="sum_sq")
    d = derive(network)
    book, exact = hidden_rule_values(d)
    params, x, t = random_point(network, sizes, seed=11)
    pt = Point(sizes, network.activations, {"O0": x, "d": t, **params}, {S.eta: 1.0})
    forward(pt)
    fd = finite_difference(network, params, x, t, "W1")
    i, j = S.index(0), S.index(1)
    ex = np.array(
        [[evaluate(exact.xreplace({i: a, j: b}), pt) for b in range(4)] for a in range(3)]
    )
    bk = np.array([[evaluate(book.xreplace({i: a, j: b}), pt) for b in range(4)] for a in range(3)])
    # the exact rule is -α ½ ∂E/∂W (the book absorbs the 2 into α)
    assert np.allclose(ex, -0.5 * fd, rtol=1e-6)
    assert not np.allclose(bk, -0.5 * fd, rtol=1e-2)
    # and the difference is the missing o_k(1 - o_k) inside the sum, not a constant
    ratio = bk / ex
    assert np.ptp(ratio) > 1e-3


@pytest.mark.parametrize("loss", ["sum_sq", "sse"])
def test_book_equations_build_for_both_losses(loss):
    from derive.book import equations

    keys = [e.key for e in equations(derive(build(loss=loss)))]
    assert "book_hidden" in keys and "grad_W1_exact" in keys
    assert ("grad_W2_dropped" in keys) == (loss == "sum_sq")


# -- the book's rules, judged by the tests' oracle ----------------------------------------

BOOK_CASES = [
    ("sigmoid", "sigmoid", "sum_sq"),
    ("sigmoid", "sigmoid", "mse"),
    ("tanh", "tanh", "sse"),
    ("sigmoid", "identity", "sum_sq"),
    ("sigmoid", "identity", "sse"),
    ("sigmoid", "identity", "mse"),  # a constant 1/K apart: the book's step is K times
    ("relu", "relu", "mse"),
    ("sigmoid", "sigmoid", "bce"),
    ("tanh", "softmax", "ce"),
]


def _oracle_values(hidden, output, loss):
    from tests import oracle_np as oracle

    widths = (3, 4, 2)
    params, x, t = oracle.random_case(widths, False, loss, seed=5, batch=1)
    acts = (hidden, output)

    def E(ps):
        return oracle.loss(x, t, ps, acts, loss, False)

    grads = oracle.finite_differences(E, params)
    o_j, o_k = oracle.forward(x, params, acts, False)
    net_j = x @ params[0]
    h = 1e-6
    fp_j = (oracle.activate(hidden, net_j + h) - oracle.activate(hidden, net_j - h)) / (2 * h)
    return params, x[0], t[0], o_j[0], o_k[0], fp_j[0], net_j[0], grads


@pytest.mark.parametrize("case", BOOK_CASES, ids="-".join)
def test_book_matrix_update_and_exactness_by_the_oracle(case):
    """The book's output update is the gradient step up to the number it drops (2 for
    its squared error), sign and all; its hidden rule is called exact exactly where
    the oracle finds it equal to that step."""
    import sympy as sp

    from derive.book import equations
    from tests import oracle_np as oracle

    hidden, output, loss = case
    params, x, t, o_j, o_k, fp_j, net_j, (g_v, g_w) = _oracle_values(hidden, output, loss)
    dropped = 2.0 if loss == "sum_sq" else 1.0  # the power rule's 2 of Σ (t - o)^2
    eta = 0.1
    eqs = {
        e.key: e
        for e in equations(
            derive(build(widths=(3, 4, 2), activation=hidden, output_activation=output, loss=loss))
        )
    }
    (node,) = eqs["matrix_book"].rhs
    k, j = S.index(2), S.index(1)
    nets_k = o_j @ params[1]
    h = 1e-6
    slope_k = (oracle.activate(output, nets_k + h) - oracle.activate(output, nets_k - h)) / (2 * h)
    if output == "softmax":
        slope_k = np.full_like(o_k, np.nan)  # never needed: the softmax matrix has no f'

    def values(vec) -> np.ndarray:
        out = []
        for n in range(len(o_k) if vec.index == k else len(o_j)):
            if vec.index == k:
                subs = {
                    S.O(2)[k]: o_k[n],
                    S.d[k]: t[n],
                    S.e(2)[k]: t[n] - o_k[n],
                    S.width(2): len(o_k),
                    S.fprime(2, S.net(2)[k]): slope_k[n],
                }
            else:
                subs = {S.O(1)[j]: o_j[n]}
            out.append(float(vec.expr.xreplace({a: sp.Float(b) for a, b in subs.items()})))
        return np.array(out)

    col, row = values(node.col), values(node.row)
    if node.col.index == k:
        col, row = row, col
    book_dw = float(node.scale.xreplace({S.eta: eta, S.width(2): len(o_k)})) * np.outer(col, row)
    np.testing.assert_allclose(book_dw, -eta * g_w / dropped, rtol=1e-5, atol=1e-9)
    # the hidden rule: Δv = α e_j f'(net_j) o_i with e_j = Σ_k w_jk (t_k - o_k)
    e_j = params[1] @ (t - o_k)
    book_dv = eta * np.outer(x, e_j * fp_j)
    exact = np.allclose(book_dv, -eta * g_v / dropped, rtol=1e-5, atol=1e-9)
    assert exact == (eqs["book_hidden"].kind != "approximation"), (exact, eqs["book_hidden"])
    # where the rule is a fixed multiple of the gradient step, the caption says which
    K = len(o_k)
    multiple = not exact and np.allclose(book_dv, -eta * K * g_v / dropped, rtol=1e-5, atol=1e-9)
    assert multiple == (eqs["book_hidden"].note == "approximation_mean"), eqs["book_hidden"]
    assert exact == (
        case
        in {
            ("sigmoid", "identity", "sum_sq"),
            ("sigmoid", "identity", "sse"),
            ("sigmoid", "sigmoid", "bce"),
            ("tanh", "softmax", "ce"),
        }
    )
