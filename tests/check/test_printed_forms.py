"""Forms `derive latex --steps` prints in the textbook presets, read by the checker with
the meaning the notation gives them (per-layer activations, primed indices, whole-layer
matrices); each true form holds and a slip in it fails."""

from __future__ import annotations

import pytest

from derive.check.extract import Relation
from derive.check.parse import parse_latex
from derive.check.verify import Checker
from derive.notation import PRESETS, network_for


def verdict(notation: str, lhs: str, rhs: str, **network):
    net = network_for(PRESETS[notation], **network)
    return Checker(PRESETS[notation], network=net).check(Relation(1, lhs, "=", rhs, ""))


def test_a_layers_own_function_is_one_name_where_the_notation_says_so():
    names = {"sigma", "sigma_2", "sigma^(L)"}
    assert str(parse_latex(r"\sigma_{2}(z)", functions=names)) == "sigma_2(z)"
    assert str(parse_latex(r"{\sigma^{(L)}}'(z)", functions=names)) == (
        "Derivative(sigma^(L)(z), z)"
    )
    # not a name the notation gives: a product, as before
    assert str(parse_latex(r"S_1(1-S_1)", functions=names)) == "(1 - S[1])*S[1]"


def test_a_primed_index_after_another_is_two_indices():
    assert parse_latex(r"w_{jk'}").indices == parse_latex(r"w_{j k'}").indices


TANH_SIGMOID = {"activation": "tanh", "output_activation": "sigmoid", "loss": "sse"}


@pytest.mark.parametrize(
    "lhs, rhs, status",
    [
        # Nielsen with tanh hidden units and sigmoid outputs: σ^{(l)} is layer l's own
        (r"a^{L}_{j}", r"\sigma^{(L)}\left(z^{L}_{j}\right)", "definition"),
        (r"a^{L}_{j}", r"\sigma^{(2)}\left(z^{L}_{j}\right)", "fails"),  # the hidden one
        (r"\delta^{L}_{j}", r"\left(a^{L}_{j} - y_{j}\right) {\sigma^{(L)}}'(z^{L}_{j})", "holds"),
        (r"\delta^{L}_{j}", r"\left(a^{L}_{j} - y_{j}\right) {\sigma^{(2)}}'(z^{L}_{j})", "fails"),
        (
            r"\delta^{2}_{j}",
            r"{\sigma^{(2)}}'\left(z^{2}_{j}\right) \sum_{k} \delta^{L}_{k} w^{L}_{kj}",
            "holds",
        ),
        (
            r"\frac{\partial z^{L}_{j}}{\partial w^{L}_{jk}}",
            r"\frac{\partial}{\partial w^{L}_{jk}} \left(b^{L}_{j} + \sum_{k'} w^{L}_{jk'} a^{2}_{k'}\right)",
            "holds",
        ),
        (r"\frac{\partial z^{L}_{j}}{\partial w^{L}_{jk}}", r"a^{2}_{j}", "fails"),
    ],
)
def test_nielsen_per_layer_activations(lhs, rhs, status):
    assert verdict("nielsen", lhs, rhs, **TANH_SIGMOID).status == status


def _printed(notation: str, **network) -> list:
    """Check what `derive latex --steps --format markdown` prints, in the same process."""
    from derive import report
    from derive.check.extract import find_formulas, link_continuations
    from derive.derivation import derive
    from derive.printing.markdown import render

    net = network_for(PRESETS[notation], **network)
    text = render(report.build(derive(net), PRESETS[notation], steps=True))
    checker = Checker(PRESETS[notation], network=net)
    return [checker.check(rel) for rel in link_continuations(find_formulas(text))]


def test_nielsen_prints_each_layers_activation_by_its_label_and_it_checks():
    verdicts = _printed("nielsen", **TANH_SIGMOID)
    names = " ".join(v.source for v in verdicts)
    assert r"\sigma^{(2)}" in names and r"\sigma^{(L)}" in names and r"\sigma_{2}" not in names
    bad = [v for v in verdicts if "sigma" in v.source and v.status in ("fails", "not checked")]
    assert not bad, bad


@pytest.mark.parametrize(
    "notation, lhs, rhs, status",
    [
        # mse averages over the J outputs that j runs over (Goodfellow: I, i)
        (
            "nielsen",
            "C",
            r"\frac{1}{2} \frac{\sum_{j} \left(y_{j} - a^{L}_{j}\right)^{2}}{J}",
            "definition",
        ),
        ("nielsen", "C", r"\frac{1}{2} \sum_{j} \left(y_{j} - a^{L}_{j}\right)^{2}", "fails"),
        ("nielsen", r"\delta^{L}_{j}", r"\frac{a^{L}_{j} - y_{j}}{J}", "holds"),
        ("nielsen", r"\delta^{L}_{j}", r"\frac{a^{L}_{j} - y_{j}}{2 J}", "fails"),
        (
            "goodfellow",
            "J",
            r"\frac{1}{2} \frac{\sum_{i} \left(y_{i} - h^{(2)}_{i}\right)^{2}}{I}",
            "definition",
        ),
    ],
)
def test_a_capital_letter_counts_the_nodes_its_letter_runs_over(notation, lhs, rhs, status):
    net = {"activation": "tanh", "output_activation": "identity", "loss": "mse"}
    assert verdict(notation, lhs, rhs, **net).status == status


def test_a_capital_letter_whose_letter_runs_over_nothing_is_not_checked():
    net = {"activation": "tanh", "output_activation": "identity", "loss": "mse"}
    v = verdict(
        "nielsen", "C", r"\frac{1}{2} \frac{\sum_{j} \left(y_{j} - a^{L}_{j}\right)^{2}}{K}", **net
    )
    assert v.status == "not checked" and "k runs over no layer" in v.how


@pytest.mark.parametrize(
    "notation, lhs, rhs, status",
    [
        # Mitchell and Bishop: the bias is the weight w_{j0} on a constant input x_0 = 1
        ("mitchell", r"\mathrm{net}_{h}", r"w_{h0} + \sum_{i} w_{hi} x_{i}", "definition"),
        ("mitchell", r"\mathrm{net}_{h}", r"w_{h1} + \sum_{i} w_{hi} x_{i}", "fails"),
        ("mitchell", r"\frac{\partial E_{d}}{\partial w_{k0}}", r"-\delta_{k}", "holds"),
        ("mitchell", r"\Delta w_{k0}", r"-\eta \delta_{k}", "fails"),
        ("bishop", r"a_{k}", r"w^{(2)}_{k0} + \sum_{j} w^{(2)}_{kj} z_{j}", "definition"),
        ("bishop", r"\frac{\partial E_{n}}{\partial w^{(1)}_{j0}}", r"\delta_{j}", "holds"),
        ("bishop", r"\frac{\partial E_{n}}{\partial w^{(1)}_{j0}}", r"\delta_{j} x_{1}", "fails"),
    ],
)
def test_a_bias_written_as_the_weight_on_a_constant_input(notation, lhs, rhs, status):
    assert verdict(notation, lhs, rhs, loss="sse").status == status


@pytest.mark.parametrize(
    "lhs, rhs, status",
    [
        # Goodfellow: one component of a gradient, (\nabla_{a^{(k)}} J)_i, also inside a sum
        (
            r"\left(\nabla_{a^{(2)}} J\right)_{i}",
            r"\frac{\partial J}{\partial a^{(2)}_{i}}",
            "holds",
        ),
        (r"\left(\nabla_{a^{(2)}} J\right)_{i}", r"h^{(2)}_{i} - y_{i}", "holds"),
        (r"\left(\nabla_{a^{(2)}} J\right)_{i}", r"y_{i} - h^{(2)}_{i}", "fails"),
        (
            r"\frac{\partial J}{\partial W^{(2)}_{ij}}",
            r"\left(\nabla_{a^{(2)}} J\right)_{i} h^{(1)}_{j}",
            "holds",
        ),
        (
            r"\frac{\partial J}{\partial W^{(2)}_{ij}}",
            r"\left(\nabla_{a^{(2)}} J\right)_{j} h^{(1)}_{i}",
            "fails",
        ),
        (
            r"\left(\nabla_{a^{(1)}} J\right)_{i}",
            r"\left(1 - \left(h^{(1)}_{i}\right)^{2}\right) \sum_{j} \left(\nabla_{a^{(2)}} J\right)_{j} W^{(2)}_{ji}",
            "holds",
        ),
        (
            r"\left(\nabla_{a^{(1)}} J\right)_{i}",
            r"\left(1 - \left(h^{(1)}_{i}\right)^{2}\right) \sum_{j} \left(\nabla_{a^{(2)}} J\right)_{j} W^{(2)}_{ij}",
            "fails",
        ),
    ],
)
def test_goodfellow_a_component_of_a_gradient(lhs, rhs, status):
    net = {"activation": "tanh", "output_activation": "identity", "loss": "sse"}
    assert verdict("goodfellow", lhs, rhs, **net).status == status


@pytest.mark.parametrize(
    "lhs, rhs, status",
    [
        # a whole layer's update from the gradient by its pre-activations: derived, not defined
        (r"\Delta W^{(2)}", r"-\eta \nabla_{a^{(2)}} J {h^{(1)}}^{T}", "holds"),
        (r"\Delta W^{(2)}", r"\eta \nabla_{a^{(2)}} J {h^{(1)}}^{T}", "fails"),
        (r"\Delta W^{(1)}", r"-\eta \nabla_{a^{(1)}} J x^{T}", "holds"),
        (r"\Delta W^{(2)}_{ij}", r"-\eta \left(\nabla_{a^{(2)}} J\right)_{i} h^{(1)}_{j}", "holds"),
        (r"\Delta W^{(2)}_{ij}", r"-\eta \frac{\partial J}{\partial W^{(2)}_{ij}}", "definition"),
    ],
)
def test_goodfellow_whole_layer_updates(lhs, rhs, status):
    net = {"activation": "tanh", "output_activation": "identity", "loss": "sse"}
    assert verdict("goodfellow", lhs, rhs, **net).status == status


def test_a_side_met_again_counts_its_nodes_as_the_first_time():
    """A side translated once and met again (another left side, as a continued formula
    is tried) still tells the capital letter which layer its sum runs over, and the same
    side on both sides of a relation is still two sums, not one expression minus itself."""
    net = network_for(
        PRESETS["goodfellow"], activation="tanh", output_activation="identity", loss="mse"
    )
    checker = Checker(PRESETS["goodfellow"], network=net)
    rhs = r"\frac{1}{2} \frac{\sum_{i} \left(y_{i} - h^{(2)}_{i}\right)^{2}}{I}"
    first = checker.check(Relation(1, "J", "=", rhs, ""))
    again = checker.check(Relation(2, "{J}", "=", rhs, ""))
    assert first.status == again.status == "definition"
    assert (again.how, again.difference) == (first.how, first.difference)
    same = r"\sum_{i} \left(y_{i} - h^{(2)}_{i}\right)^{2}"
    assert checker.check(Relation(3, same, "=", same, "")).how == "numerically"
