"""The table of activations and losses, and the output-form search."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive.expressions import ExpressionError, parse_activation, parse_expression
from derive.functions import ACTIVATIONS, LOSSES, output_form, x, y
from tests.helpers import act_np

ELEMENTWISE = [a for a in ACTIVATIONS.values() if a.expr is not None]


@pytest.mark.parametrize("row", ELEMENTWISE, ids=lambda a: a.name)
def test_row_matches_numpy_and_its_sympy_derivative(row):
    """Each row's function equals an independent NumPy one, and SymPy's
    derivative of the row equals a central difference of it."""
    f = sp.lambdify(x, row.expr, "numpy")
    df = sp.lambdify(x, sp.diff(row.expr, x), "numpy")
    z = np.array([-2.3, -0.7, 0.4, 1.9])
    assert np.allclose(f(z), act_np(row.name, z), rtol=1e-12)
    h = 1e-6
    fd = (act_np(row.name, z + h) - act_np(row.name, z - h)) / (2 * h)
    assert np.allclose(df(z) * np.ones_like(z), fd, rtol=1e-6)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("sigmoid", y * (1 - y)),
        ("tanh", 1 - y**2),
        ("exp", y),
        ("softplus", 1 - sp.exp(-y)),
    ],
)
def test_output_form_found_by_computation(name, expected):
    assert sp.simplify(output_form(ACTIVATIONS[name].expr) - expected) == 0


@pytest.mark.parametrize(
    "expr",
    [
        x * (1 + sp.erf(x / sp.sqrt(2))) / 2,  # GELU
        x / (1 + sp.Abs(x)),
        sp.Max(0, x),
    ],
)
def test_no_output_form_where_none_exists(expr):
    assert output_form(expr) is None


@pytest.mark.parametrize("row", list(LOSSES.values()), ids=lambda r: r.name)
def test_loss_rows_are_minimal_at_the_target(row):
    from derive.functions import d, o

    value = row.term.subs({d: sp.Rational(3, 10), o: sp.Rational(3, 10)})
    slope = sp.diff(row.term, o).subs({d: sp.Rational(3, 10), o: sp.Rational(3, 10)})
    if row.name == "ce":
        # one term of a sum over a softmax is not minimal on its own; the sum over
        # the outputs of a softmax is, where the softmax equals the targets
        z = sp.symbols("z0:3", real=True)
        targets = (sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(1, 6))
        norm = sum(sp.exp(zi) for zi in z)
        E = sum(row.term.subs({d: t, o: sp.exp(zi) / norm}) for t, zi in zip(targets, z))
        at_min = {zi: sp.log(t) for zi, t in zip(z, targets)}
        for zi in z:
            assert sp.simplify(sp.diff(E, zi).subs(at_min)) == 0
        off = {zi: 0 for zi in z}
        assert any(sp.simplify(sp.diff(E, zi).subs(off)) != 0 for zi in z)
        return
    assert slope == 0, (row.name, value)


def test_atan_has_an_output_form_too():
    assert sp.simplify(output_form(sp.atan(x)) - sp.cos(y) ** 2) == 0


def test_user_expression_is_parsed_not_evaluated():
    assert parse_expression("x/(1+abs(x))") == x / (1 + sp.Abs(x))
    assert parse_expression("x^2 + 2*x") == x**2 + 2 * x
    assert parse_activation("tanh(x)/2").expr == sp.tanh(x) / 2


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "x.__class__",
        "open('f')",
        "lambda: 1",
        "[x]",
        "x if x else 1",
        "2**10**10",
        "y + 1",
        "",
        "x +",
        "exp(x, 1)",
        "3",
    ],
)
def test_user_expression_outside_the_whitelist(text):
    with pytest.raises(ExpressionError) as err:
        parse_expression(text)
    assert "\n" not in str(err.value)
