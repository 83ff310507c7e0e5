"""The table of activations and losses: one row each.

Every row holds SymPy expressions only. Nothing here states a derivative:
the derivation differentiates the row's expression, and
:func:`output_form` finds by computation whether ``f'(x)`` can be written in
terms of the node's own output ``y = f(x)`` (sigmoid: ``y(1 - y)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

x = sp.Symbol("x", real=True)
"""The argument of every activation expression."""
y = sp.Symbol("y", real=True)
"""A node's output ``y = f(x)``, used by :func:`output_form`."""
d = sp.Symbol("d", real=True)
"""A target value (``d_k`` in note 004, ``t_k`` in the book)."""
o = sp.Symbol("o", real=True)
"""A network output (``O_k``)."""


@dataclass(frozen=True)
class Activation:
    name: str
    expr: sp.Expr | None
    """``f(x)``; ``None`` for a generic activation whose derivative stays ``f'``."""
    output_only: bool = False
    vector: bool = False
    """True for softmax: each output depends on every ``net`` of its layer."""
    unit_interval: bool = False
    """Outputs lie in (0, 1): the precondition of binary cross-entropy."""
    title: str = ""


@dataclass(frozen=True)
class Loss:
    name: str
    term: sp.Expr
    """The loss of one output node in terms of ``d`` and ``o``."""
    mean: bool = False
    """Divide by the number of outputs (and, in code, of samples)."""
    needs: str = ""
    """'' (any output), 'unit_interval' (bce) or 'softmax' (ce)."""
    title: str = ""


_sigmoid = 1 / (1 + sp.exp(-x))

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", _sigmoid, unit_interval=True, title="logistic sigmoid"),
        Activation("tanh", sp.tanh(x), title="hyperbolic tangent"),
        Activation("identity", x, title="identity (linear)"),
        Activation("relu", sp.Max(0, x), title="rectified linear unit"),
        Activation(
            "leaky_relu",
            sp.Piecewise((x, x > 0), (x / 100, True)),
            title="leaky ReLU (slope 0.01)",
        ),
        Activation("softplus", sp.log(1 + sp.exp(x)), title="softplus"),
        Activation("exp", sp.exp(x), title="exponential"),
        Activation(
            "softmax", None, output_only=True, vector=True, unit_interval=True, title="softmax"
        ),
        Activation("generic", None, title="a generic activation f"),
    )
}

LOSSES: dict[str, Loss] = {
    ell.name: ell
    for ell in (
        Loss("sse", sp.Rational(1, 2) * (d - o) ** 2, title="half the sum of squared errors"),
        Loss("sum_sq", (d - o) ** 2, title="sum of squared errors (the book's)"),
        Loss(
            "mse", sp.Rational(1, 2) * (d - o) ** 2, mean=True, title="half the mean squared error"
        ),
        Loss(
            "bce",
            -(d * sp.log(o) + (1 - d) * sp.log(1 - o)),
            needs="unit_interval",
            title="binary cross-entropy",
        ),
        Loss("ce", -d * sp.log(o), needs="softmax", title="cross-entropy"),
    )
}


def _identically_zero(expr: sp.Expr) -> bool:
    """Decide ``expr == 0`` for all real x: cheap algebra first, then simplify."""
    expr = expr.rewrite(sp.exp)
    t = sp.Symbol("t", positive=True)
    rational = expr.subs(sp.exp(x), t)  # e^{-x} becomes 1/t: a rational function of t
    if not rational.has(x) and sp.cancel(rational) == 0:
        return True
    expr = sp.cancel(sp.expand(expr))
    if expr == 0:
        return True
    if expr.free_symbols - {x}:
        return False
    return sp.simplify(expr) == 0


def _solve_linear(rows: list[list[float]], rhs: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting (a few unknowns; no NumPy import)."""
    n = len(rhs)
    a = [row[:] + [b] for row, b in zip(rows, rhs)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-12:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            m = a[r][col] / a[col][col]
            a[r] = [u - m * v for u, v in zip(a[r], a[col])]
    out = [0.0] * n
    for r in reversed(range(n)):
        out[r] = (a[r][n] - sum(a[r][c] * out[c] for c in range(r + 1, n))) / a[r][r]
    return out


def _polynomial_form(fprime: sp.Expr, f: sp.Expr, degree: int = 3) -> sp.Expr | None:
    """Fit ``f'(x) = Σ a_n f(x)^n`` at sample points, then prove it symbolically."""
    points = [sp.Float(-1.7 + 0.37 * n) for n in range(degree + 7)]
    try:  # evalf at a dozen points is cheaper than building a lambdified function
        ys = [float(f.evalf(subs={x: p})) for p in points]
        ds = [float(fprime.evalf(subs={x: p})) for p in points]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    fit = degree + 1
    coeffs = _solve_linear([[yv**n for n in range(fit)] for yv in ys[:fit]], ds[:fit])
    if coeffs is None:
        return None
    for yv, dv_ in zip(ys[fit:], ds[fit:]):
        if abs(sum(c * yv**n for n, c in enumerate(coeffs)) - dv_) > 1e-7 * (1 + abs(dv_)):
            return None
    exact = [_small_rational(round(c, 8)) for c in coeffs]
    if any(c.q > 1000 or abs(c.p) > 10**6 for c in exact):
        return None  # not a small rational (2**x: log 2): proving it would be slow
    g = sum(c * y**n for n, c in enumerate(exact))
    return g if _identically_zero(fprime - g.subs(y, f)) else None


def _small_rational(c: float) -> sp.Rational:
    """``nsimplify(c, rational=True)``; a whole number directly (nsimplify would first try
    to recognise constants in it: 3 ms a coefficient, of every sigmoid or tanh's form)."""
    return sp.Integer(int(c)) if c.is_integer() else sp.nsimplify(c, rational=True)


_ELEMENTARY = {sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.tanh, sp.sinh, sp.cosh}
"""Functions an output form may use (each has a NumPy function)."""


def _inverse_form(fprime: sp.Expr, f: sp.Expr) -> sp.Expr | None:
    """Invert ``y = f(x)`` with ``solve`` and substitute into ``f'``.

    Only for small expressions with small numbers: ``solve`` on ``y = e^{100x}``
    factors a polynomial of degree 100 (minutes); such an activation keeps ``f'``."""
    numbers = [abs(a) for a in f.atoms(sp.Number)]
    if sp.count_ops(f) > 12 or any(n > 16 or (n.is_Rational and n.q > 16) for n in numbers):
        return None
    if f.count(x) != 1:
        return None  # x once: solve inverts by isolation, fast; otherwise it may not end
    try:
        solutions = sp.solve(sp.Eq(y, f), x, check=False, simplify=False)
    except (NotImplementedError, ValueError):
        return None
    forms = set()
    if len(solutions) > 4:
        return None
    for sol in solutions:
        if sol.has(sp.Piecewise, sp.nan, sp.LambertW):
            return None
        form = sp.simplify(fprime.subs(x, sol))
        if sp.count_ops(form) > 12:
            return None  # a form longer than f' itself teaches nothing
        if {type(fn) for fn in form.atoms(sp.Function)} - _ELEMENTARY:
            return None  # erf's form needs erfinv: f'(net) computed from net is better
        forms.add(form)
    if len(forms) != 1:
        return None
    (g,) = forms
    if g.has(x) or g.has(sp.Heaviside, sp.Piecewise, sp.sign):
        return None
    ok = _identically_zero(fprime - g.subs(y, f))
    return g if ok else None


@cache
def output_form(f: sp.Expr) -> sp.Expr | None:
    """``g(y)`` with ``f'(x) = g(f(x))`` for all x, or None when there is no such form.

    Tried in order: a polynomial in y (sigmoid, tanh, exp), then inverting
    ``y = f(x)`` with SymPy's ``solve`` (softplus).  A form is returned only
    after SymPy has shown ``f' - g(f)`` to be identically zero.
    """
    fprime = sp.diff(f, x)
    if not fprime.has(x):
        return None  # constant derivative: nothing to rewrite
    if f.has(sp.Max, sp.Min, sp.Piecewise, sp.Abs, sp.sign):
        return None  # kinks: f' is not a function of f alone
    return _polynomial_form(fprime, f) or _inverse_form(fprime, f)


def activation_expr(row: Activation, arg: sp.Expr) -> sp.Expr:
    """``f(arg)`` for an elementwise row."""
    assert row.expr is not None, row.name
    return row.expr.subs(x, arg)
