"""Index calculus: SymPy differentiates, we contract the Kronecker deltas.

``sympy.diff`` of a ``Sum`` over ``Indexed`` weights is exact and cheap but
leaves ``Sum(KroneckerDelta(j, p) * ..., (j, 0, J - 1))``.  ``Sum.doit()``
turns those into ``Piecewise`` range guards and is slow; here the index of a
derivative is always a node of the layer the sum runs over, so the sum
collapses to its one surviving term, which :func:`contract` takes directly.
"""

from __future__ import annotations

import operator
from functools import reduce

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


def derivative(expr: sp.Expr, wrt: sp.Expr) -> sp.Expr:
    """``sympy.diff(expr, wrt)``, the same expression, built without SymPy's dispatch.

    ``Derivative.__new__`` asks ``is_zero`` of every intermediate result, and for a
    network's loss written out through its layers (sums of sums of ``Indexed``) those
    assumption queries were most of the time ``derive check`` spent differentiating.
    Here the rules SymPy applies to the nodes such a loss is made of (sums, products,
    powers, functions of one argument) are applied directly, with the same
    constructors, so the result is SymPy's own; any other node goes to ``sympy.diff``.
    """
    if expr == wrt:
        return sp.S.One
    if not _depends(expr, wrt):
        return sp.S.Zero
    if (
        isinstance(expr, sp.Indexed)
        and isinstance(wrt, sp.Indexed)
        and len(expr.indices) == len(wrt.indices)
    ):
        return sp.Mul(*[sp.KroneckerDelta(a, b) for a, b in zip(expr.indices, wrt.indices)])
    if isinstance(expr, sp.Add):
        return sp.Add(*[derivative(a, wrt) for a in expr.args])
    if isinstance(expr, sp.Mul):
        # pairwise products, left to right, as SymPy's Mul._eval_derivative builds them:
        # a binary product distributes a number over a sum (-1 * (d - 1) is 1 - d)
        args = list(expr.args)
        terms = []
        for n, a in enumerate(args):
            d = derivative(a, wrt)
            if d != 0:
                terms.append(reduce(operator.mul, args[:n] + [d] + args[n + 1 :], sp.S.One))
        return sp.Add.fromiter(terms)
    if isinstance(expr, sp.Pow) and not expr.exp.has(wrt):
        return expr * (derivative(expr.base, wrt) * expr.exp / expr.base)
    if isinstance(expr, sp.Sum) and not any(
        bound.has(wrt) for limit in expr.limits for bound in limit[1:]
    ):
        *inner, last = expr.limits  # as Sum._eval_derivative: the last limit outside
        body = sp.Sum(expr.function, *inner) if inner else expr.function
        return sp.Sum(derivative(body, wrt), last)
    if isinstance(expr, sp.Function) and len(expr.args) == 1:
        return expr.fdiff(1) * derivative(expr.args[0], wrt)
    return sp.diff(expr, wrt)


def _depends(expr: sp.Expr, wrt: sp.Expr) -> bool:
    """Whether ``expr`` may vary with ``wrt``: for ``W[j, k]``, any entry of ``W``."""
    if isinstance(wrt, sp.Indexed):
        return any(e.base == wrt.base for e in expr.atoms(sp.Indexed))
    return expr.has(wrt)


def pull_out(summed: sp.Sum) -> sp.Expr:
    """Move the factors that do not depend on the dummy in front of the sum."""
    ((dummy, *_),) = summed.limits
    inside, outside = [], []
    for factor in sp.Mul.make_args(summed.function):
        (inside if factor.has(dummy) else outside).append(factor)
    return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *summed.limits)
