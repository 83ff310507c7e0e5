"""What each activation of a network is: ``f(x)``, ``f'(x)`` and its output form.

The top of every printout states each distinct activation (the table's or a
user's) as equations in a real variable, one group per activation, named as
the rest of the printout names that layer's activation (f, g, f^{(2)}, σ):

- ``f(x) = <the row's expression>``;
- ``f'(x) = <SymPy's derivative of it>``, in its shortest cheap form;
- ``f'(net_j) = g(O_j)`` where :func:`~derive.functions.output_form` proves
  one (sigmoid: ``O_j (1 - O_j)``; tanh: ``1 - O_j^2``).

Softmax is left out: it is not elementwise, and the forward pass already
writes its definition.  A generic activation has nothing to state.
"""

from __future__ import annotations

import sympy as sp

from . import symbols as S
from .derivation import Derivation, one_output
from .display import Equation, tidy
from .functions import output_form, x, y

VARIABLES = ("x", "u", "z", "y")
"""The letter of the variable, the first one a notation leaves free."""


def variable(taken: frozenset[str]) -> sp.Symbol:
    """The real variable of ``f(x)``: x, or the first letter of :data:`VARIABLES`
    that names no quantity of the notation (Nielsen's x is the input: ``σ(u)``)."""
    name = next((v for v in VARIABLES if v not in taken), VARIABLES[0])
    return sp.Symbol(name, real=True)


def derivative(expr: sp.Expr) -> sp.Expr:
    """``f'(x)`` as people write it: the shortest of a few cheap rewritings of
    SymPy's derivative (no ``simplify``, whose cost a user's expression decides).
    ``x sign(x)`` is ``|x|``; a step (ReLU's Heaviside) is written as cases."""
    slope = sp.diff(expr, x)
    slope = slope.replace(
        lambda e: isinstance(e, sp.Heaviside),
        lambda e: sp.Piecewise((1, e.args[0] > 0), (0, True)),
    )
    slope = slope.subs(x * sp.sign(x), sp.Abs(x))
    candidates = [slope]
    if not slope.has(sp.Piecewise):
        for rewrite in (sp.together, sp.cancel, sp.factor):
            try:
                candidates.append(rewrite(slope))
            except (sp.PolynomialError, TypeError, ValueError):  # pragma: no cover
                continue
    return min(candidates, key=sp.count_ops)  # min keeps the first of equals: SymPy's own


def equations(d: Derivation, var: sp.Symbol) -> tuple[Equation, ...]:
    """The activation lines of the header, one group per distinct activation."""
    out: list[Equation] = []
    seen: set[str] = set()
    for layer, act in enumerate(d.network.activations, start=1):
        if act.expr is None or act.vector or act.name in seen:
            continue
        seen.add(act.name)
        f = S.f(layer)
        out.append(
            Equation(f"act{layer}", f(var), (act.expr.xreplace({x: var}),), "definition", "act_def")
        )
        out.append(
            Equation(
                f"dact{layer}",
                S.fprime(layer, var),
                (derivative(act.expr).xreplace({x: var}),),
                note="act_derivative",
            )
        )
        form = output_form(act.expr)
        if form is not None and sp.diff(act.expr, x).has(x):
            q = S.index(layer)
            lhs, rhs = S.fprime(layer, S.net(layer)[q]), tidy(form.xreplace({y: S.O(layer)[q]}))
            if layer == d.depth:  # note 003's one output y: no index to name it by
                lhs, rhs = one_output(lhs, d.network), one_output(rhs, d.network)
            out.append(Equation(f"dact_output{layer}", lhs, (rhs,), note="act_output_form"))
    return tuple(out)
