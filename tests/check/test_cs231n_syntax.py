r"""CS231n's notation as the cs231n preset declares it (issue 9).

The case study's code names (``\mathrm{hidden}``, ``\mathrm{dscores}``, ``dW2``), the
softmax section's ``f``, ``p``, ``L_i`` and ``y_i``, the indicator ``\mathbb{1}(\cdot)``,
a loss averaged over a batch of N examples plus ``0.5 reg |W|^2``, and row-layout
matrices with the batch in rows (``hidden^T dscores``).  Every feature is checked both
ways: the true equation holds (or is a definition) and a slip in it fails.
"""

from __future__ import annotations

import dataclasses

import pytest
import sympy

from derive.check.extract import Relation
from derive.check.parse import WORDS, parse_latex
from derive.check.verify import Checker
from derive.network import build
from derive.notation import PRESETS
from derive.notation.files import from_toml, to_toml

CS231N = PRESETS["cs231n"]


def _checker(notation=CS231N, weight_decay=True) -> Checker:
    network = build(
        activation="relu", output_activation="softmax", loss="ce", bias=True,
        weight_decay=weight_decay,
    )  # fmt: skip
    return Checker(notation, network=network)


@pytest.fixture(scope="module")
def cs231n() -> Checker:
    return _checker()


def status(checker: Checker, relation: str) -> str:
    lhs, rhs = relation.split(" = ", 1)
    v = checker.check(Relation(1, lhs, "=", rhs, relation))
    return v.status if v.status != "not checked" else f"not checked: {v.how}"


def both(checker: Checker, true: str, slip: str) -> tuple[str, str]:
    return status(checker, true), status(checker, slip)


def test_code_names_have_their_layers(cs231n):
    r"""scores, b2, W2, hidden: each name is its layer's quantity, whatever the letters."""
    assert both(
        cs231n,
        r"\mathrm{scores}_k = \mathrm{b2}_k + \sum_j \mathrm{hidden}_j \mathrm{W2}_{jk}",
        r"\mathrm{scores}_k = \mathrm{b2}_k + \sum_j \mathrm{hidden}_j \mathrm{W2}_{jk} + 1",
    ) == ("definition", "fails")
    assert both(
        cs231n, r"\mathrm{hidden}_j = \max(0, h_j)", r"\mathrm{hidden}_j = \max(0, -h_j)"
    ) == ("definition", "fails")


def test_aliases_name_the_declared_quantities(cs231n):
    """The softmax section's f (the scores) and p (the probabilities)."""
    assert both(
        cs231n, r"p_k = \frac{e^{f_k}}{\sum_j e^{f_j}}", r"p_k = \frac{e^{f_k}}{\sum_j e^{h_j}}"
    ) == ("definition", "fails")


def test_a_name_after_the_gradient_prefix_is_the_losss_gradient(cs231n):
    """dW2 = ∂L/∂W2, dhidden = ∂L/∂hidden, db2 = ∂L/∂b2 (grad_prefix d)."""
    assert (
        both(
            cs231n,
            r"\mathrm{dW2}_{jk} = \frac{\partial L}{\partial \mathrm{W2}_{jk}}",
            r"\mathrm{dW2}_{jk} = \frac{\partial L}{\partial \mathrm{W2}_{kj}}",
        )[0]
        == "holds"
    )
    assert both(
        cs231n,
        r"\mathrm{dhidden}_j = \sum_k \mathrm{dscores}_k \mathrm{W2}_{jk}",
        r"\mathrm{dhidden}_j = \sum_k \mathrm{dscores}_k \mathrm{W2}_{jk} \mathrm{hidden}_j",
    ) == ("holds", "fails")
    assert both(
        cs231n,
        r"\mathrm{db2}_k = \frac{\partial L}{\partial \mathrm{scores}_k}",  # Σ_rows dscores
        r"\mathrm{db2}_k = 2 \frac{\partial L}{\partial \mathrm{b2}_k}",
    ) == ("holds", "fails")


def test_code_names_in_plain_italics_are_one_name():
    words = WORDS | {"dW2", "W2", "dhidden", "dscores"}
    assert (
        parse_latex("dW2_{jk}", words=words)
        == sympy.IndexedBase("dW2")[sympy.Symbol("j"), sympy.Symbol("k")]
    )
    assert parse_latex("dhidden", words=words) == sympy.Symbol("dhidden")
    assert parse_latex("x2", words=words) == 2 * sympy.Symbol("x")  # not a name: x times 2


def test_plain_italic_code_names_are_checked(cs231n):
    assert both(
        cs231n,
        r"dhidden_j = \sum_k dscores_k W2_{jk}",
        r"dhidden_j = \sum_k dscores_k W2_{jk} + 1",
    ) == ("holds", "fails")


def test_the_indicator_parses_to_cases():
    got = parse_latex(r"\mathbb{1}(h_j > 0)")
    h = sympy.IndexedBase("h")[sympy.Symbol("j")]
    assert got == sympy.Piecewise((1, h > 0), (0, True))
    assert parse_latex(r"\mathbb{1}\left(h_j > 0\right)") == got


def test_the_indicator_of_the_pre_activation_is_relus_mask(cs231n):
    assert both(
        cs231n,
        r"\mathrm{dh}_j = \mathrm{dhidden}_j \, \mathbb{1}(h_j > 0)",
        r"\mathrm{dh}_j = \mathrm{dhidden}_j \, \mathbb{1}(h_j < 0)",
    ) == ("holds", "fails")


@pytest.mark.parametrize(
    "mask, why",
    [  # the diagnosis names the condition, never "the left side is 0" (it is not)
        (r"h_j < 0", r"the condition h_{j} < 0 is the wrong way round: the relation holds "
         r"with h_{j} \ge 0"),
        (r"h_j \le 0", r"the condition h_{j} \le 0 is the wrong way round"),
        (r"h_j < -0.5", "the two sides are never both nonzero"),
        (r"h_j > 0.5", "the right side is 0 at points where the left side is not"),
    ],
)  # fmt: skip
def test_a_wrong_mask_is_diagnosed_as_one(cs231n, mask, why):
    line = rf"\mathrm{{dh}}_j = \mathrm{{dhidden}}_j \, \mathbb{{1}}({mask})"
    lhs, rhs = line.split(" = ", 1)
    v = cs231n.check(Relation(1, lhs, "=", rhs, line))
    assert v.status == "fails"
    assert v.diagnosis.startswith(why), v.diagnosis


def test_the_class_of_an_example(cs231n):
    """y_i, the class of example i: 1(y_i = k) is the one-hot target's y_k, f_{y_i} the
    score of that class; L_i is one example's loss (no 1/N, no weight decay)."""
    assert both(
        cs231n,
        r"\frac{\partial L_i}{\partial f_k} = p_k - \mathbb{1}(y_i = k)",
        r"\frac{\partial L_i}{\partial f_k} = \mathbb{1}(y_i = k) - p_k",
    ) == ("holds", "fails")
    assert both(
        cs231n,
        r"L_i = -\log\left(\frac{e^{f_{y_i}}}{\sum_j e^{f_j}}\right)",
        r"L_i = -\log\left(\frac{e^{f_{y_i}}}{\sum_j e^{p_j}}\right)",
    ) == ("definition", "fails")
    # the class's own probability: with one-hot targets -log p_{y_i} is the example's loss
    assert both(cs231n, r"L_i = -\log p_{y_i}", r"L_i = -\log p_{k}") == ("definition", "fails")


def test_the_loss_is_a_mean_over_the_batch(cs231n):
    """dscores carries the 1/N of the batch mean; N is the batch size."""
    assert both(
        cs231n,
        r"\mathrm{dscores}_k = \frac{1}{N} (\mathrm{probs}_k - y_k)",
        r"\mathrm{dscores}_k = \mathrm{probs}_k - y_k",
    ) == ("holds", "fails")


def test_without_a_batch_mean_there_is_no_1_over_n():
    """The convention decides: the same notation without batch_mean has no 1/N."""
    one = dataclasses.replace(
        CS231N, conventions=dataclasses.replace(CS231N.conventions, batch_mean=False)
    )
    assert status(_checker(one), r"\mathrm{dscores}_k = \mathrm{probs}_k - y_k") == "holds"


def test_per_example_values_in_a_gradient_of_the_weights_sum_over_the_batch(cs231n):
    """dW2_{jk} = hidden_j dscores_k + reg W2_{jk}: the example's values are summed over the
    batch, as hidden^T dscores does (each dscores carries its 1/N)."""
    assert both(
        cs231n,
        r"\mathrm{dW2}_{jk} = \mathrm{hidden}_j \mathrm{dscores}_k + \mathrm{reg} \mathrm{W2}_{jk}",
        r"\mathrm{dW2}_{jk} = \frac{1}{N} \mathrm{hidden}_j \mathrm{dscores}_k"
        r" + \mathrm{reg} \mathrm{W2}_{jk}",
    ) == ("holds", "fails")


def test_weight_decay_is_in_the_objective(cs231n):
    true, slip = both(
        cs231n,
        r"\mathrm{dW} = X^T \cdot \mathrm{dh} + \mathrm{reg} \cdot W",
        r"\mathrm{dW} = X^T \cdot \mathrm{dh}",
    )
    assert (true, slip) == ("holds", "fails")
    assert status(_checker(weight_decay=False), r"\mathrm{dW} = X^T \cdot \mathrm{dh}") == "holds"


def test_row_layout_matrices_keep_the_written_order(cs231n):
    """hidden^T dscores is J×K like dW2; dscores^T hidden is K×J: it fails."""
    assert both(
        cs231n,
        r"\mathrm{dW2} = \mathrm{hidden}^T \cdot \mathrm{dscores} + \mathrm{reg} \cdot \mathrm{W2}",
        r"\mathrm{dW2} = \mathrm{dscores}^T \cdot \mathrm{hidden} + \mathrm{reg} \cdot \mathrm{W2}",
    ) == ("holds", "fails")
    assert both(
        cs231n,
        r"\mathrm{scores} = \mathrm{hidden} \cdot \mathrm{W2} + \mathrm{b2}",
        r"\mathrm{scores} = \mathrm{W2} \cdot \mathrm{hidden} + \mathrm{b2}",
    ) == ("definition", "fails")


def test_a_product_of_a_batch_and_a_matrix_sums_over_the_layer(cs231n):
    assert both(
        cs231n,
        r"\mathrm{dhidden} = \mathrm{dscores} \cdot \mathrm{W2}^T",
        r"\mathrm{dhidden} = 2 \, \mathrm{dscores} \cdot \mathrm{W2}^T",
    ) == ("holds", "fails")


def test_shapes_that_do_not_chain_fail_and_say_so(cs231n):
    v = cs231n.check(
        Relation(1, r"\mathrm{dhidden}", "=", r"\mathrm{dscores} \cdot \mathrm{W2}", "")
    )
    assert v.status == "fails"
    assert "N×K" in v.diagnosis and "J×K" in v.diagnosis, v.diagnosis


def test_the_new_fields_round_trip_through_a_notation_file():
    back = from_toml(to_toml(CS231N))
    assert (back.aliases, back.batch_size, back.example_loss, back.class_label) == (
        (("f", "scores"), ("p", "probs")),
        "N",
        "L_i",
        "y_i",
    )


def test_an_element_of_a_product_over_the_batch_is_a_sum_over_the_rows(cs231n):
    """(hidden^T dscores)_{jk} = Σ_rows hidden_j dscores_k; (dscores W2^T)_j sums over k."""
    from derive.check.rows import BATCH_SUM, Rows

    rows = Rows(cs231n.world)
    _, rhs = rows.relation(
        cs231n.parse(r"\mathrm{dW2}"), cs231n.parse(r"\mathrm{hidden}^T \cdot \mathrm{dscores}")
    )
    j, k = sympy.symbols("j k")
    assert rhs == BATCH_SUM(sympy.IndexedBase("hidden")[j] * sympy.IndexedBase("dscores")[k])
    _, rhs = rows.relation(
        cs231n.parse(r"\mathrm{dhidden}"), cs231n.parse(r"\mathrm{dscores} \cdot \mathrm{W2}^T")
    )
    assert isinstance(rhs, sympy.Sum) and not rhs.has(BATCH_SUM)


def test_a_missing_one_over_n_is_named(cs231n):
    v = cs231n.check(Relation(1, r"\mathrm{dscores}_k", "=", r"\mathrm{probs}_k - y_k", ""))
    assert v.status == "fails" and v.diagnosis.startswith("a missing 1/N"), v.diagnosis


@pytest.mark.parametrize("notation", ["cs231n", "goodfellow"])
def test_a_recurrence_with_weight_decay_reads_the_decay_term(notation):
    """∂L/∂W^{(l)} = X^{(l-1)} δ^{(l)T} + reg W^{(l)}: a scalar times the whole matrix."""
    deep = build(
        activation="relu", output_activation="softmax", loss="ce", bias=True,
        weight_decay=True, widths=(3, 4, 2, 3, 2),
    )  # fmt: skip
    checker = Checker(PRESETS[notation], network=deep)
    if notation == "cs231n":
        lhs, grad, decay = (
            r"\frac{\partial L}{\partial W^{(l)}}",
            r"X^{(l-1)} {\delta^{(l)}}^{T}",
            r"\mathrm{reg} \cdot W^{(l)}",
        )
    else:
        lhs, grad, decay = (
            r"\frac{\partial J}{\partial W^{(k)}}",
            r"\nabla_{a^{(k)}} J \, h^{(k-1)\top}",
            r"\lambda W^{(k)}",
        )
    true = checker.check(Relation(1, lhs, "=", f"{grad} + {decay}", ""))
    slip = checker.check(Relation(1, lhs, "=", f"{grad} + 2 {decay}", ""))
    assert (true.status, slip.status) == ("holds", "fails"), (true.how, slip.how)


def test_updates_and_derivatives_of_whole_batches(cs231n):
    """ΔW2 = -step_size (hidden^T dscores + reg W2); dh = ReLU'(h) ∘ (dscores W2^T)."""
    assert both(
        cs231n,
        r"\Delta \mathrm{W2} = -\mathrm{step\_size} \cdot \mathrm{hidden}^{T} \cdot "
        r"\mathrm{dscores} - \mathrm{step\_size} \cdot \mathrm{reg} \cdot \mathrm{W2}",
        r"\Delta \mathrm{W2} = \mathrm{step\_size} \cdot \mathrm{hidden}^{T} \cdot "
        r"\mathrm{dscores} - \mathrm{step\_size} \cdot \mathrm{reg} \cdot \mathrm{W2}",
    ) == ("holds", "fails")
    assert both(
        cs231n,
        r"\mathrm{dh} = \mathrm{ReLU}'\left(h\right) \circ \left(\mathrm{dscores} \cdot "
        r"\mathrm{W2}^{T}\right)",
        r"\mathrm{dh} = \mathrm{ReLU}'\left(\mathrm{hidden}\right) \circ \left("
        r"\mathrm{dscores} \cdot \mathrm{W2}^{T}\right) + \mathrm{dh}",
    ) == ("holds", "fails")


def test_deep_row_layout_lines_with_indexed_vectors():
    """Four layers (layer labels W^{(l)}, vectors named by their index): in row layout
    hidden_l^T δ_m is element (l, m), δ_m W^{(4)T} sums over m with W^{(4)}_{lm}."""
    deep = build(
        activation="tanh", output_activation="softmax", loss="ce", bias=True,
        weight_decay=True, widths=(3, 4, 2, 3, 2),
    )  # fmt: skip
    checker = Checker(CS231N, network=deep)
    assert both(
        checker,
        r"\Delta W^{(4)} = -\mathrm{step\_size} \cdot \mathrm{hidden}_{l}^{T} \cdot \delta_{m}"
        r" - \mathrm{step\_size} \cdot \mathrm{reg} \cdot W^{(4)}",
        r"\Delta W^{(4)} = -\mathrm{step\_size} \cdot \mathrm{hidden}_{l}^{T} \cdot \delta_{m}",
    ) == ("holds", "fails")
    assert both(
        checker,
        r"\delta_{l} = \left(1 - \mathrm{hidden}_{l}^{2}\right) \circ \left(\delta_{m} \cdot "
        r"{W^{(4)}}^{T}\right)",
        r"\delta_{l} = \left(1 - \mathrm{hidden}_{l}^{2}\right) \circ \left(\delta_{m} \cdot "
        r"W^{(4)}\right)",
    ) == ("holds", "fails")


def test_an_elementwise_square_of_a_batch():
    """hidden**2 in a code-name line is elementwise, as NumPy's ** is."""
    net = build(
        activation="tanh", output_activation="softmax", loss="ce", bias=True, weight_decay=True
    )
    checker = Checker(CS231N, network=net)
    assert both(
        checker,
        r"\mathrm{dh} = \left(1 - \mathrm{hidden}^{2}\right) \circ \left(\mathrm{dscores} \cdot "
        r"\mathrm{W2}^{T}\right)",
        r"\mathrm{dh} = \left(1 - \mathrm{hidden}\right)^{2} \circ \left(\mathrm{dscores} \cdot "
        r"\mathrm{W2}^{T}\right)",
    ) == ("holds", "fails")


@pytest.mark.parametrize(
    "aliases, problem",
    [
        ('[["f"]]', "each entry is [alias, glyph]"),
        ('[["f", "logits"]]', "'logits' is no glyph"),
        ('[["hidden", "scores"]]', "'hidden' is already a glyph"),
    ],
)
def test_a_bad_alias_is_one_line_naming_it(aliases, problem):
    from derive.errors import InputError

    with pytest.raises(InputError, match="aliases") as err:
        from_toml(f'extends = "cs231n"\naliases = {aliases}\n')
    assert problem in str(err.value) and "\n" not in str(err.value)
