"""Index calculus: SymPy differentiates, we contract the Kronecker deltas.

``sympy.diff`` of a ``Sum`` over ``Indexed`` weights is exact and cheap but
leaves ``Sum(KroneckerDelta(j, p) * ..., (j, 0, J - 1))``.  ``Sum.doit()``
turns those into ``Piecewise`` range guards and is slow; here the index of a
derivative is always a node of the layer the sum runs over, so the sum
collapses to its one surviving term, which :func:`contract` takes directly.
"""

from __future__ import annotations

import sympy as sp


def _contract_sum(body: sp.Expr, limit: tuple) -> sp.Expr:
    dummy = limit[0]
    if isinstance(body, sp.Add):
        return sp.Add(*[_contract_sum(term, limit) for term in body.args])
    factors = sp.Mul.make_args(body)
    for n, factor in enumerate(factors):
        if isinstance(factor, sp.KroneckerDelta) and dummy in factor.args:
            target = factor.args[1] if factor.args[0] == dummy else factor.args[0]
            rest = sp.Mul(*(factors[:n] + factors[n + 1 :]))
            return rest.xreplace({dummy: target})
    if not body.has(dummy):
        lo, hi = limit[1], limit[2]
        return body * (hi - lo + 1)
    return sp.Sum(body, limit)


def contract(expr: sp.Expr) -> sp.Expr:
    """Collapse every sum whose summand holds ``KroneckerDelta(dummy, other)``."""
    if not expr.args or isinstance(expr, (sp.Indexed, sp.KroneckerDelta)):
        return expr
    if isinstance(expr, sp.Sum):
        body = contract(
            sp.expand_mul(expr.function) if expr.function.has(sp.KroneckerDelta) else expr.function
        )
        result = body
        for limit in reversed(expr.limits):
            result = _contract_sum(result, limit) if isinstance(result, sp.Expr) else result
        return result
    if isinstance(expr, (sp.Derivative, sp.Subs)):
        return expr
    return expr.func(*[contract(a) for a in expr.args])


def diff(expr: sp.Expr, wrt: sp.Expr) -> sp.Expr:
    """``∂expr/∂wrt`` with the Kronecker deltas contracted."""
    return contract(sp.diff(expr, wrt))


def pull_out(summed: sp.Sum) -> sp.Expr:
    """Move the factors that do not depend on the dummy in front of the sum."""
    ((dummy, *_),) = summed.limits
    inside, outside = [], []
    for factor in sp.Mul.make_args(summed.function):
        (inside if factor.has(dummy) else outside).append(factor)
    return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *summed.limits)
