"""Numbered names, as worked examples write them: out_{h1}, net_{o2}, w_5, E_{total}.

Such a text names each node and weight of one small network, so its equations
are about particular nodes: the index form is instantiated for the first node
of each layer, and every sum over a layer is written out term by term.  Weights
are numbered across the network, receiver by receiver (w1: i1 -> h1, w2: i2 ->
h1, w3: i1 -> h2, ...), as in M. Mazur's step-by-step example.
"""

from __future__ import annotations

import itertools
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


def instantiate(block: object, widths: tuple[int, ...]) -> tuple:
    """``block`` for node 0 of every layer with sums written out: no block for one
    with no numbered form (a whole-layer matrix equation), one per node where an
    index remains free (the softmax Jacobian's ∂out_m/∂net_{o1}: m = o1, o2)."""
    if not isinstance(block, (Equation, Step)):
        return (block,) if not hasattr(block, "equation") else ()
    try:
        lhs = _node(block.lhs, widths)
        rhs = tuple(_node(r, widths) for r in block.rhs)
    except _NoForm:
        return ()
    free = sorted({s for part in (lhs, *rhs) for s in _symbols(part) if index_of(s)}, key=str)
    out = []
    for nodes in itertools.product(*(range(widths[index_of(s).layer]) for s in free)):
        at = dict(zip(free, map(sp.Integer, nodes)))
        rows = tuple(_node(r, widths, at) for r in rhs)
        out.append(replace(block, lhs=_node(lhs, widths, at), rhs=rows))
    return tuple(out)


def _symbols(node: object) -> set:
    if isinstance(node, sp.Basic):
        return node.free_symbols
    if isinstance(node, Factors):
        return set().union(*(f.expr.free_symbols for f in node.factors))
    if isinstance(node, Decayed):
        return _symbols(node.data) | node.decay.free_symbols
    return set()


class _NoForm(Exception):
    pass


def _node(node: object, widths: tuple[int, ...], at: dict | None = None) -> object:
    if isinstance(node, sp.Basic):
        return _expr(node, widths, at)
    if isinstance(node, Factors):
        parts = tuple(Factor(_expr(f.expr, widths, at), f.role) for f in node.factors)
        return Factors(parts, node.sign)
    if isinstance(node, Decayed):
        return Decayed(_node(node.data, widths, at), _expr(node.decay, widths, at))
    raise _NoForm


def _expr(expr: sp.Expr, widths: tuple[int, ...], at: dict | None = None) -> sp.Expr:
    if at:  # the nodes a free index names, one block each
        return expr.xreplace(at)
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
