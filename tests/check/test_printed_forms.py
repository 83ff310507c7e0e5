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
