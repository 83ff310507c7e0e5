"""Conventions of the textbooks that the checker takes from the notation model.

- The loss of one example written with its index (Bishop's E_n, Mitchell's E_d,
  Rumelhart's E_p) is the notation's loss, so the books' own definitions of δ and Δw
  in those symbols are "definition" (and a wrong sign in them fails).
- ``unit_output``: Bishop's z_i is the output of unit i on i's own layer (x_i for an input).
- ``width_names``: Bishop's D, M, K are the widths of the input, hidden and output layers.
- A bias written as the weight w_{j0} on x_0 = 1 (``conventions.bias = "w0"``): a sum
  from 0 in a notation whose nodes count from 1 holds the bias in its term 0, and
  Mitchell's sum over the inputs of unit j (no bounds) includes x_{j0} = 1 unless the
  relation writes w_{j0} itself.
- Rumelhart's ``\\Delta_p w_{ji}``: the change of w_{ji} for pattern p.
- Goodfellow's gradient by a matrix, ``\\nabla_{W^{(k)}} J``, is a matrix: the outer
  product ``g h^{(k-1)\\top}`` of column vectors.

Each is checked both ways: the true equation is right and a slip fails.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy

from derive.check.extract import Relation
from derive.check.parse import parse_latex
from derive.check.verify import Checker
from derive.notation import PRESETS, Conventions, network_for


def verdict(notation, lhs: str, rhs: str, op: str = "=", **network):
    preset = PRESETS[notation] if isinstance(notation, str) else notation
    net = network_for(preset, **network) if network else None
    checker = Checker(preset, network=net)
    return checker.check(Relation(1, lhs, op, rhs, f"{lhs} {op} {rhs}"))


@pytest.mark.parametrize(
    ("notation", "lhs", "op", "rhs"),
    [
        ("bishop", r"\delta_j", "≡", r"\frac{\partial E_n}{\partial a_j}"),
        ("mitchell", r"\delta_k", "=", r"-\frac{\partial E_d}{\partial net_k}"),
        ("mitchell", r"\Delta w_{ji}", "=", r"-\eta \frac{\partial E_d}{\partial w_{ji}}"),
        ("rumelhart", r"\delta_{pj}", "=", r"-\frac{\partial E_p}{\partial net_{pj}}"),
    ],
)
def test_the_books_own_definitions_with_the_loss_of_one_example(notation, lhs, op, rhs):
    assert verdict(notation, lhs, rhs, op).status == "definition"
    flipped = rhs[1:] if rhs.startswith("-") else "-" + rhs
    if lhs.startswith(r"\Delta"):
        flipped = rhs.replace(r"-\eta", r"\eta")
    slip = verdict(notation, lhs, flipped, op)  # the sign of the other convention
    assert slip.status == "fails", slip.how


def test_the_loss_index_must_be_the_example_index():
    """E_k is no loss in Bishop (n is the example): δ_j = ∂E_k/∂a_j is not the definition."""
    v = verdict("bishop", r"\delta_j", r"\frac{\partial E_k}{\partial a_j}")
    assert v.status != "definition"


def test_bishops_z_is_the_output_of_a_unit_on_the_layer_of_its_letter():
    true = verdict("bishop", r"\frac{\partial E_n}{\partial w_{ji}}", r"\delta_j z_i")
    slip = verdict("bishop", r"\frac{\partial E_n}{\partial w_{ji}}", r"\delta_j z_j")
    assert (true.status, slip.status) == ("holds", "fails"), (true.how, slip.diagnosis)
    # without the field, z is only the hidden layer's glyph and z_i is no input
    plain = replace(PRESETS["bishop"], unit_output="")
    assert verdict(plain, r"\frac{\partial E_n}{\partial w_{ji}}", r"\delta_j z_i").status != (
        "holds"
    )


def test_bishops_widths_and_sums_from_zero_hold_the_bias():
    a_j = r"\sum_{i=0}^{D} w^{(1)}_{ji} x_i"
    assert verdict("bishop", "a_j", a_j).status == "definition"
    assert verdict("bishop", "y_k", r"\sum_{j=0}^{M} w^{(2)}_{kj} z_j").status == "definition"
    # from 1: the bias is missing; M is the hidden layer's width, not the output's
    assert verdict("bishop", "a_j", r"\sum_{i=1}^{D} w^{(1)}_{ji} x_i").status == "fails"
    assert verdict("bishop", "y_k", r"\sum_{j=0}^{K} w^{(2)}_{kj} z_j").status != "definition"
    no_widths = replace(PRESETS["bishop"], width_names=())
    assert verdict(no_widths, "a_j", a_j).status == "not checked"  # D names nothing then
    # without biases, term 0 names nothing; without them a sum from 1 is the definition
    bare = verdict("bishop", "a_j", a_j, bias=False)
    assert bare.status == "not checked" and "bias" in bare.how
    assert verdict("bishop", "a_j", a_j.replace("i=0", "i=1"), bias=False).status == ("definition")


def test_term_zero_of_a_sum_that_is_no_weighted_input_names_no_node():
    v = verdict("bishop", r"\delta_j", r"h'(a_j) \sum_{k=0}^{K} w_{kj} \delta_k")
    assert v.status == "not checked" and "k = 0" in v.how


def test_mitchells_sum_over_the_inputs_of_a_unit_holds_its_bias():
    assert verdict("mitchell", "net_j", r"\sum_i w_{ji} x_{ji}").status == "definition"
    # the bias written out: the sum runs over the other inputs
    assert verdict("mitchell", "net_j", r"w_{j0} + \sum_i w_{ji} x_{ji}").status == "definition"
    assert verdict("mitchell", "net_j", r"2 w_{j0} + \sum_i w_{ji} x_{ji}").status == "fails"
    # with biases b_j in the model, the sum holds no bias: the same line misses it
    b_style = replace(
        PRESETS["mitchell"], conventions=Conventions(weight_order="receiver_first", index_base=1)
    )
    assert verdict(b_style, "net_j", r"\sum_i w_{ji} x_{ji}").status == "fails"


def test_rumelharts_change_for_one_pattern():
    assert (
        parse_latex(r"\Delta_p w_{ji}")
        == sympy.IndexedBase("Delta w")[sympy.Symbol("p"), sympy.Symbol("j"), sympy.Symbol("i")]
    )
    true = verdict("rumelhart", r"\Delta_p w_{ji}", r"\eta \delta_{pj} o_{pi}")
    slip = verdict("rumelhart", r"\Delta_p w_{ji}", r"\eta \delta_{pi} o_{pj}")
    assert (true.status, slip.status) == ("holds", "fails"), (true.how, slip.how)
    # p is the pattern only where the notation says so
    assert verdict("doc004", r"\Delta_p w_{jk}", r"\eta \delta_k O_j").status == "not checked"


@pytest.mark.parametrize(
    ("rhs", "status"),
    [
        (r"\nabla_{a^{(k)}} J \, h^{(k-1)\top}", "holds"),
        (r"h^{(k-1)} (\nabla_{a^{(k)}} J)^\top", "fails"),
        (r"\nabla_{a^{(k)}} J \, h^{(k)\top}", "fails"),
        (r"(\nabla_{a^{(k)}} J)^\top h^{(k-1)}", "fails"),  # no matrix of W's shape
    ],
)
def test_goodfellows_gradient_by_a_matrix_is_an_outer_product(rhs, status):
    v = verdict("goodfellow", r"\nabla_{W^{(k)}} J", rhs)
    assert v.status == status, (v.how, v.diagnosis)
