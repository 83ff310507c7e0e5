"""Syntax textbooks use that the checker reads: a sum over a set (``k \\in
\\text{outputs}``), a layer label and a transpose in one superscript
(Goodfellow's ``W^{(k)\\top}``), and norms (Nielsen's ``\\|y - a^L\\|^2``).

Each is checked both ways: the true equation holds (or is the notation's
definition) and a slip in it fails, so reading the syntax never turns a wrong
equation into a right one.
"""

from __future__ import annotations

import pytest
import sympy

from derive.check.extract import Relation
from derive.check.parse import LatexSyntaxError, parse_latex
from derive.check.verify import Checker
from derive.notation import PRESETS


def verdict(notation: str, lhs: str, rhs: str):
    return Checker(PRESETS[notation]).check(Relation(1, lhs, "=", rhs, f"{lhs} = {rhs}"))


@pytest.mark.parametrize("over", [r"k \in \text{outputs}", r"k \in Downstream(j)", "k ∈ K"])
def test_a_sum_over_a_set_runs_over_the_index_layer(over):
    true = verdict("bishop", r"\delta_j", rf"h'(a_j) \sum_{{{over}}} w_{{kj}} \delta_k")
    slip = verdict("bishop", r"\delta_j", rf"h'(a_j) \sum_{{{over}}} w_{{jk}} \delta_k")
    assert (true.status, slip.status) == ("holds", "fails"), (true.how, slip.how)


def test_a_layer_label_and_a_transpose_in_one_superscript():
    lhs = r"\nabla_{h^{(1)}} J"
    true = verdict("goodfellow", lhs, r"W^{(2)\top} \nabla_{a^{(2)}} J")
    also = verdict("goodfellow", lhs, r"W^{(2)T} \nabla_{a^{(2)}} J")
    slip = verdict("goodfellow", lhs, r"W^{(2)} \nabla_{a^{(2)}} J")
    assert (true.status, also.status, slip.status) == ("holds", "holds", "fails")


@pytest.mark.parametrize(
    "norm",
    [r"\|y-a^L\|^2", r"\left\| y - a^L \right\|^2", r"\lVert y - a^L \rVert^2"],
)
def test_a_norm_of_a_layer_vector_sums_its_squares(norm):
    true = verdict("nielsen", "C", rf"\frac{{1}}{{2}} {norm}")
    slip = verdict("nielsen", "C", norm)  # without the 1/2
    assert true.status in ("definition", "holds"), true.how
    assert slip.status == "fails", slip.how


def test_a_norm_of_a_scalar_is_its_absolute_value():
    true = verdict("doc004", "E", r"\frac{1}{2} \sum_k \left\| d_k - O_k \right\|^2")
    slip = verdict("doc004", "E", r"\sum_k \left\| d_k - O_k \right\|^2")
    assert true.status in ("definition", "holds") and slip.status == "fails"


def test_columns_stay_right_after_bare_norm_bars():
    """Bars are rewritten two characters for two: an error after them names its own column."""
    text = r"\|y\| + )"
    with pytest.raises(LatexSyntaxError) as err:
        parse_latex(text)
    assert f"column {text.index(')') + 1}" in str(err.value)


def test_a_minus_after_a_sum_belongs_to_its_body():
    """Mitchell writes ``\\sum_{k} -\\delta_k w_{kh}``: the sum of the negated terms."""
    lhs = r"\frac{\partial E_d}{\partial net_h}"
    true = verdict("mitchell", lhs, r"\sum_{k \in Downstream(h)} -\delta_k w_{kh} o_h (1 - o_h)")
    slip = verdict("mitchell", lhs, r"\sum_{k \in Downstream(h)} \delta_k w_{kh} o_h (1 - o_h)")
    assert (true.status, slip.status) == ("holds", "fails"), (true.how, slip.how)
    parsed = parse_latex(r"\sum_{k} - a_k + b")
    assert parsed.has(sympy.Sum) and not parsed.func == sympy.Sum  # b stays outside the sum


def test_a_function_with_its_units_subscript_is_applied():
    """Rumelhart's ``f_j(net_{pj})`` and ``f'_j(net_{pj})``: the function of unit j."""
    true = verdict("rumelhart", r"\delta_{pj}", r"f'_j(net_{pj}) \sum_k \delta_{pk} w_{kj}")
    slip = verdict("rumelhart", r"\delta_{pj}", r"f'_j(net_{pj}) \sum_k \delta_{pk} w_{jk}")
    definition = verdict("rumelhart", r"o_{pj}", r"f_j(net_{pj})")
    assert (true.status, slip.status, definition.status) == ("holds", "fails", "definition")
    other = verdict("rumelhart", r"\delta_{pj}", r"f'_k(net_{pj}) \sum_k \delta_{pk} w_{kj}")
    assert other.status == "not checked" and "another unit" in other.how


@pytest.mark.parametrize(
    ("notation", "lhs", "true", "slip"),
    [
        # Rumelhart: j is an output unit here (t_{pj} says so), though j is hidden in 3-4-2
        (
            "rumelhart",
            r"\delta_{pj}",
            r"(t_{pj} - o_{pj}) f'_j(net_{pj})",
            r"(o_{pj} - t_{pj}) f'_j(net_{pj})",
        ),
        (
            "rumelhart",
            r"E_p",
            r"\frac{1}{2} \sum_j (t_{pj} - o_{pj})^2",
            r"\sum_j (t_{pj} - o_{pj})^2",
        ),
        # ... and a unit that sends to k: a hidden one
        (
            "rumelhart",
            r"\delta_{pj}",
            r"f'_j(net_{pj}) \sum_k \delta_{pk} w_{kj}",
            r"f'_j(net_{pj}) \sum_k \delta_{pk} w_{jk}",
        ),
        # Mitchell: any unit j and its input i (x_{ji}, the output of unit i)
        (
            "mitchell",
            r"\frac{\partial E_d}{\partial w_{ji}}",
            r"\frac{\partial E_d}{\partial net_j} x_{ji}",
            r"\frac{\partial E_d}{\partial net_i} x_{ji}",
        ),
        ("mitchell", r"\Delta w_{ji}", r"\eta \delta_j x_{ji}", r"\eta \delta_i x_{ji}"),
    ],
)
def test_a_generic_unit_index_holds_on_every_layer_it_can_name(notation, lhs, true, slip):
    good, bad = verdict(notation, lhs, true), verdict(notation, lhs, slip)
    assert good.status in ("holds", "definition"), good.how
    assert bad.status == "fails", bad.how
