"""A second hold-out, written after the first (tests/check/holdout/) reached 111/111: fresh
equations from the same six texts (true ones and slips, in each book's notation), which the
checker's developers had not seen. It guards against a checker tuned to the first hold-out's
strings. Verdicts derived by hand from the books' definitions, never from derive's output;
the least obvious are re-derived by finite differences in test_holdout.py's oracles (BP1/BP4,
the tanh δ, Mitchell's w_{kh}, g h^T) and below.
"""

from __future__ import annotations

import numpy as np
import pytest

from derive.check.extract import Formula, split_relations
from derive.check.verify import Checker
from derive.notation import PRESETS
from tests.check.test_holdout import _network, load

PROBES = {
    "nielsen": [
        (r"\delta^L_j = \frac{\partial C}{\partial a^L_j} \sigma'(z^L_j)", "holds"),  # BP1
        (r"\delta^L = \nabla_a C \odot \sigma'(z^L)", "holds"),  # BP1a
        (r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_j \delta^l_k", "fails"),  # j, k swapped
        (r"\delta^l = ((w^{l})^T \delta^{l+1}) \odot \sigma'(z^l)", "fails"),  # w^{l+1}
        (r"\frac{\partial C}{\partial a^L_j} = a^L_j - y_j", "holds"),
        (r"\delta^L_j = (a^L_j - y_j) \sigma(z^L_j)", "fails"),  # σ for σ'
    ],
    "mitchell": [
        (r"\delta_k = o_k (1 - o_k)(t_k - o_k)", "holds"),
        (r"\delta_h = o_h (1 - o_h) \sum_{k \in outputs} w_{kh} \delta_k", "holds"),
        (r"\delta_h = o_h (1 - o_h) \sum_{k \in outputs} w_{hk} \delta_k", "fails"),
        (r"\delta_k = o_k (1 - o_k)(o_k - t_k)", "fails"),  # sign
        (r"E_d = \frac{1}{2} \sum_{k \in outputs} (t_k - o_k)^2", "definition"),
    ],
    "bishop": [
        (r"\delta_k = y_k - t_k", "holds"),
        (r"\delta_j = (1 - z_j^2) \sum_k w_{kj} \delta_k", "holds"),
        (r"\delta_j = (1 - z_j) \sum_k w_{kj} \delta_k", "fails"),  # tanh' is 1 - z^2
        (r"\frac{\partial E_n}{\partial w_{kj}} = \delta_k z_j", "holds"),
        (r"\frac{\partial E_n}{\partial w_{kj}} = \delta_j z_k", "fails"),
    ],
    "rumelhart": [
        (r"\delta_{pj} = (t_{pj} - o_{pj}) o_{pj} (1 - o_{pj})", "holds"),  # j an output
        (r"\delta_{pj} = o_{pj} (1 - o_{pj}) \sum_k \delta_{pk} w_{kj}", "holds"),  # j hidden
        (r"\Delta_p w_{ji} = \eta \delta_{pj} o_{pj}", "fails"),  # o of the receiver
        (r"\frac{\partial E_p}{\partial o_{pj}} = -(t_{pj} - o_{pj})", "holds"),
    ],
    "goodfellow": [
        (r"\nabla_{h^{(k-1)}} J = W^{(k-1)\top} \nabla_{a^{(k)}} J", "fails"),  # layer k's W
        (r"\frac{\partial J}{\partial b^{(k)}_i} = \frac{\partial J}{\partial a^{(k)}_i}", "holds"),
    ],
    "cs231n": [
        (
            r"\mathrm{dW2} = \mathrm{dscores} \cdot \mathrm{hidden}^T + \mathrm{reg} \cdot \mathrm{W2}",
            "fails",
        ),  # fmt: skip
        (r"\mathrm{dh}_j = \mathrm{dhidden}_j \, \mathbb{1}(h_j < 0)", "fails"),  # mask inverted
        (r"\mathrm{dhidden}_j = \sum_k \mathrm{W2}_{jk} \, \mathrm{dscores}_k", "holds"),
    ],
}

CASES = [(book, latex, want) for book, items in PROBES.items() for latex, want in items]


@pytest.fixture(scope="module")
def checkers() -> dict:
    out = {}
    for book in PROBES:
        data = load(book)
        out[book] = Checker(
            PRESETS[data["preset"]], network=_network(data["preset"], data["options"])
        )
    return out


@pytest.mark.parametrize("book, latex, want", CASES, ids=[f"{b}-{n}" for n, (b, _, _) in
                         enumerate(CASES)])  # fmt: skip
def test_fresh_equations_of_the_six_texts(checkers, book, latex, want):
    (relation,) = split_relations(Formula(1, latex, True))
    verdict = checkers[book].check(relation)
    assert verdict.status == want, (verdict.status, verdict.how, verdict.diagnosis)


def test_the_inverted_relu_mask_and_the_tanh_slip_by_finite_differences():
    """CS231n's mask 1(h > 0) (not h < 0) and Bishop's tanh' = 1 - z² (not 1 - z)."""
    rng = np.random.default_rng(3)
    h = rng.normal(size=6)
    assert (h < 0).any() and (h > 0).any()
    eps = 1e-6
    relu_slope = (np.maximum(0, h + eps) - np.maximum(0, h - eps)) / (2 * eps)
    assert np.allclose(relu_slope, (h > 0).astype(float))
    assert not np.allclose(relu_slope, (h < 0).astype(float))
    a = rng.normal(size=6)
    tanh_slope = (np.tanh(a + eps) - np.tanh(a - eps)) / (2 * eps)
    z = np.tanh(a)
    assert np.allclose(tanh_slope, 1 - z**2) and not np.allclose(tanh_slope, 1 - z)
