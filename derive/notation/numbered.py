"""Numbered names, as worked examples write them: out_{h1}, net_{o2}, w_5, E_{total}.

Such a text names each node and weight of one small network, so its equations
are about particular nodes: the index form is instantiated for the first node
of each layer, and every sum over a layer is written out term by term.  Weights
are numbered across the network, receiver by receiver (w1: i1 -> h1, w2: i2 ->
h1, w3: i1 -> h2, ...), as in M. Mazur's step-by-step example.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..display import Decayed, Equation, Factor, Factors, Step
from ..errors import BudgetError
from ..model.quantities import index_of, width_of

MAX_NODES = 16
"""Numbered names write every sum out: a worked example's layers are small."""


def check_budget(widths: tuple[int, ...]) -> None:
    """Refuse, before anything is written out, a network too wide to number."""
    if max(widths) > MAX_NODES:
        raise BudgetError(
            f"numbered names write every sum out: at most {MAX_NODES} nodes a layer, "
            f"not {max(widths)} (give --layers, e.g. 2,2,2)"
        )


def instantiate(block: object, widths: tuple[int, ...]) -> object | None:
    """``block`` for node 0 of every layer with sums written out, or None for a
    block with no numbered form (a whole-layer matrix equation)."""
    if not isinstance(block, (Equation, Step)):
        return block if not hasattr(block, "equation") else None
    try:
        lhs = _node(block.lhs, widths)
        rhs = tuple(_node(r, widths) for r in block.rhs)
    except _NoForm:
        return None
    return replace(block, lhs=lhs, rhs=rhs)


class _NoForm(Exception):
    pass


def _node(node: object, widths: tuple[int, ...]) -> object:
    if isinstance(node, sp.Basic):
        return _expr(node, widths)
    if isinstance(node, Factors):
        parts = tuple(Factor(_expr(f.expr, widths), f.role) for f in node.factors)
        return Factors(parts, node.sign)
    if isinstance(node, Decayed):
        return Decayed(_node(node.data, widths), _expr(node.decay, widths))
    raise _NoForm


def _expr(expr: sp.Expr, widths: tuple[int, ...]) -> sp.Expr:
    sizes = {s: widths[w.layer] for s in expr.atoms(sp.Symbol) if (w := width_of(s))}
    expr = expr.xreplace(sizes).replace(lambda e: isinstance(e, sp.Sum), _written_out)
    first = {s: 0 for s in expr.atoms(sp.Symbol) if (i := index_of(s)) and i.prime == 0}
    return expr.xreplace(first)


def _written_out(total: sp.Sum) -> sp.Expr:
    terms = [total.function]
    for var, low, high in total.limits:  # Σ_p Σ_q w_pq² (the weight decay) has two
        if not (low.is_Integer and high.is_Integer):
            raise _NoForm
        terms = [t.xreplace({var: n}) for t in terms for n in range(int(low), int(high) + 1)]
    return sp.Add(*terms)
