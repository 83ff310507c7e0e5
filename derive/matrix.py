"""Matrix (vectorized) forms, built from the index structure of the results.

A result in index form says which index each factor carries; that decides
its place in a matrix expression: factors over one node index are vectors
combined elementwise (``∘``), a sum ``Σ_m W_{pm} u_m`` is a matrix-vector
product ``W u`` (``Wᵀ u`` when the sum runs over the first index), and a
weight gradient ``u_p v_q`` is the outer product ``u vᵀ``.  The LaTeX printer
prints these nodes in the notes' layout or the book's; the NumPy printer
prints them for a batch of row vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from . import symbols as S
from .display import Factors


@dataclass(frozen=True)
class Vec:
    """An elementwise expression over the nodes of one layer (index ``index``)."""

    expr: sp.Expr
    index: sp.Symbol


@dataclass(frozen=True)
class MatVec:
    """``W u`` (``transpose`` False: the sum runs over W's second index) or ``Wᵀ u``."""

    weight: sp.IndexedBase
    vec: object
    transpose: bool


@dataclass(frozen=True)
class Hadamard:
    parts: tuple


@dataclass(frozen=True)
class Outer:
    """``scale · col rowᵀ``: the gradient of a weight matrix (rows: previous layer)."""

    scale: sp.Expr
    col: object
    row: object
    decay: sp.Expr = sp.S.Zero
    """The weight-decay term ``decay · W`` added to it (``λ W``, ``-η λ W``)."""
    weight: sp.IndexedBase | None = None
    """The weight matrix the decay term multiplies (None: no such term)."""


class NotVectorizable(ValueError):
    pass


def vector(expr: sp.Expr, index: sp.Symbol):
    """The vector over ``index`` that ``expr`` (free index ``index``) stands for."""
    parts = []
    elementwise = []
    for factor in sp.Mul.make_args(expr):
        if isinstance(factor, sp.Sum):
            parts.append(_matvec(factor, index))
        elif factor.has(sp.Sum):
            raise NotVectorizable(f"cannot vectorize {factor}")
        else:
            elementwise.append(factor)
    if elementwise:
        parts.insert(0, Vec(sp.Mul(*elementwise), index))
    return parts[0] if len(parts) == 1 else Hadamard(tuple(parts))


def _matvec(summed: sp.Sum, index: sp.Symbol) -> MatVec:
    ((dummy, _, _),) = summed.limits
    weights = [
        f
        for f in sp.Mul.make_args(summed.function)
        if isinstance(f, sp.Indexed) and S.kind_of(f.base) == "W"
    ]
    if len(weights) != 1:
        raise NotVectorizable(f"no single weight matrix in {summed}")
    (w,) = weights
    rest = summed.function / w
    if w.indices == (index, dummy):
        return MatVec(w.base, vector(rest, dummy), transpose=False)
    if w.indices == (dummy, index):
        return MatVec(w.base, vector(rest, dummy), transpose=True)
    raise NotVectorizable(f"indices of {w} do not match {index}, {dummy}")


def of_factors(form: Factors, index: sp.Symbol):
    """The vector form of a display product over one index (a δ)."""
    parts = []
    elementwise = []
    for factor in form.factors:
        if isinstance(factor.expr, sp.Sum):
            parts.append(_matvec(factor.expr, index))
        else:
            elementwise.append(factor.expr)
    expr = form.sign * sp.Mul(*elementwise)
    if expr != 1:
        parts.insert(0, Vec(expr, index))
    return parts[0] if len(parts) == 1 else Hadamard(tuple(parts))


def outer(form: Factors, row_index: sp.Symbol, col_index: sp.Symbol) -> Outer:
    """``η δ_q O_p`` over (p, q) -> ``η O_p δ_qᵀ``."""
    scale, rows, cols = [], [], []
    for factor in form.factors:
        has_r, has_c = factor.expr.has(row_index), factor.expr.has(col_index)
        if has_r and has_c:
            raise NotVectorizable(f"{factor.expr} mixes both indices")
        (rows if has_r else cols if has_c else scale).append(factor.expr)
    return Outer(
        form.sign * sp.Mul(*scale),
        vector(sp.Mul(*rows), row_index),
        vector(sp.Mul(*cols), col_index),
    )
