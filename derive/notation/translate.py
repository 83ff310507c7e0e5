"""Translation between conventions: the derivation's equations in a text's meaning.

The derivation computes with δ = -∂E/∂net.  A text whose δ is +∂E/∂net
(Nielsen, Bishop), or that writes gradients ∇ instead (Goodfellow), reads
every equation with δ replaced by -δ; an equation whose left side then carries
a minus sign is negated on both sides.  Signs are pulled out of sums and
products so that the result reads as the text writes it (``δ = (a - y) σ'(z)``,
``∂C/∂w = δ a``, ``Δw = -η δ a``).  Works on display data, never on printed text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from ..display import Decayed, Equation, Factor, Factors, Step
from ..matrix import Hadamard, MatVec, Outer, Vec
from ..model.quantities import Kind, kind_is
from .model import Notation


@dataclass(frozen=True)
class Neg:
    """``-node`` for a matrix node that has no sign of its own (``-W δ``)."""

    node: object


def translate(block: object, notation: Notation) -> object:
    """``block`` (an Equation, Step or Batch) in the notation's sign of δ."""
    if notation.conventions.delta_sign == -1:
        return block
    if hasattr(block, "equation"):  # a Batch
        return replace(block, equation=translate(block.equation, notation))
    if isinstance(block, (Equation, Step)):
        sign_l, lhs = _flip(block.lhs)
        rhs = tuple(_apply(sign_l * s, node) for s, node in map(_flip, block.rhs))
        return replace(block, lhs=lhs, rhs=rhs)
    return block


def _negate_deltas(expr: sp.Expr) -> sp.Expr:
    expr = expr.replace(
        lambda e: isinstance(e, sp.Indexed) and kind_is(e, Kind.DELTA), lambda e: -e
    )
    return expr.replace(
        lambda e: isinstance(e, sp.Sum) and e.function.could_extract_minus_sign(),
        lambda e: -sp.Sum(-e.function, *e.limits),
    )


def _flip(node: object) -> tuple[int, object]:
    """(sign, node with δ -> -δ and that sign pulled out)."""
    if isinstance(node, sp.Basic):
        if not node.has(sp.Indexed):
            return 1, node
        expr = _negate_deltas(node)
        coeff, _ = expr.as_coeff_Mul()
        if coeff.is_negative:  # an explicit minus (-δ, -Σ, -∂E/∂O), never 1 - z^2
            return -1, -expr
        return 1, expr
    if isinstance(node, Decayed):  # the decay term has no δ: only the data part flips
        s, data = _flip(node.data)
        return 1, Decayed(_apply(s, data), node.decay)
    if isinstance(node, Factors):
        sign, out = node.sign, []
        for factor in node.factors:
            s, expr = _flip(factor.expr)
            sign *= s
            out.append(Factor(expr, factor.role))
        return sign, Factors(tuple(out), 1)
    if isinstance(node, Vec):
        s, expr = _flip(node.expr)
        return s, Vec(expr, node.index)
    if isinstance(node, MatVec):
        s, vec = _flip(node.vec)
        return s, MatVec(node.weight, vec, node.transpose)
    if isinstance(node, Hadamard):
        sign, parts = 1, []
        for part in node.parts:
            s, p = _flip(part)
            sign *= s
            parts.append(p)
        return sign, Hadamard(tuple(parts))
    if isinstance(node, Outer):
        s1, col = _flip(node.col)
        s2, row = _flip(node.row)
        return s1 * s2, replace(node, col=col, row=row)  # a decay term has no δ: kept
    if hasattr(node, "vec") and not hasattr(node, "weight"):  # RowSum
        s, vec = _flip(node.vec)
        return s, replace(node, vec=vec)
    return 1, node


def _apply(sign: int, node: object) -> object:
    """``sign · node``, written as a text would write it."""
    if sign == 1:
        return node
    if isinstance(node, sp.Basic):
        return -node
    if isinstance(node, Factors):
        return _negated_factors(node)
    if isinstance(node, Vec):
        return Vec(-node.expr, node.index)
    if isinstance(node, Outer):
        return replace(node, scale=-node.scale)
    if isinstance(node, Hadamard):
        return Hadamard((_apply(sign, node.parts[0]), *node.parts[1:]))
    if hasattr(node, "vec") and not hasattr(node, "weight"):  # RowSum
        return replace(node, vec=_apply(sign, node.vec))
    return Neg(node)


def _negated_factors(form: Factors) -> Factors:
    """-form; a difference among the factors absorbs the sign: -(t - o) -> (o - t)."""
    for n, factor in enumerate(form.factors):
        if isinstance(factor.expr, sp.Add) and factor.role == "error":
            flipped = Factor(sp.expand(-factor.expr), factor.role)
            return Factors(form.factors[:n] + (flipped,) + form.factors[n + 1 :], form.sign)
    return form.negated()
