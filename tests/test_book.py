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
