"""The naming convention: one SymPy object for every quantity of a network.

Every object is registered with its typed quantity (:mod:`derive.model.quantities`),
which printers and the checker read instead of parsing names.

Layers are numbered 0 (input) to L (output); weight layer l maps layer l-1
to layer l.  Internal names carry the layer number (``O1``, ``net2``,
``W2``); a notation preset (:mod:`derive.notation`) decides how each one is
printed (``O_j``, ``net_k``, ``w_{jk}`` in note 004).  Widths are symbols, so
a derivation never depends on how many nodes a layer has.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .model.quantities import Index, Kind, Quantity, Width, index_of, quantity_of, register

E = register(sp.Symbol("E", real=True), Quantity(Kind.LOSS))
eta = register(sp.Symbol("eta", positive=True), Quantity(Kind.LR))
d = register(sp.IndexedBase("d", real=True), Quantity(Kind.TARGET))
lam = register(sp.Symbol("lambda", positive=True), Quantity(Kind.DECAY))
"""The weight-decay coefficient λ (CS231n's ``reg``)."""
batch = register(sp.Symbol("N_batch", integer=True, positive=True), Quantity(Kind.BATCH))
"""The number of examples in a batch whose mean loss is the objective (CS231n's N)."""


@cache
def width(layer: int) -> sp.Symbol:
    return register(sp.Symbol(f"N{layer}", integer=True, positive=True), Width(layer))


@cache
def index(layer: int, prime: int = 0) -> sp.Symbol:
    """The index that runs over the nodes of ``layer`` (i, j, k in note 004).

    ``prime`` gives further dummies over the same layer (j', j'', ...).
    """
    return register(
        sp.Symbol(f"i{layer}" + "'" * prime, integer=True, nonnegative=True), Index(layer, prime)
    )


@cache
def O(layer: int) -> sp.IndexedBase:  # noqa: E743 - the notes' name
    """Outputs of a layer; ``O(0)`` are the inputs ``x``."""
    kind = Kind.INPUT if layer == 0 else Kind.OUTPUT
    return _base("O", layer, kind)


@cache
def net(layer: int) -> sp.IndexedBase:
    return _base("net", layer, Kind.PREACT)


@cache
def W(layer: int) -> sp.IndexedBase:
    """Weights from layer-1 to layer: ``W(l)[p, q]`` joins node p to node q."""
    return _base("W", layer, Kind.WEIGHT)


@cache
def b(layer: int) -> sp.IndexedBase:
    return _base("b", layer, Kind.BIAS)


@cache
def delta(layer: int) -> sp.IndexedBase:
    """``δ = -∂E/∂net`` of a layer."""
    return _base("delta", layer, Kind.DELTA)


@cache
def f(layer: int) -> sp.FunctionClass:
    """The activation of a layer as an undefined function, for the chain rule."""
    return register(sp.Function(_name("f", layer), real=True), Quantity(Kind.ACT, layer))


def _name(kind: str, layer: int | str) -> str:
    """``net2`` for layer 2; ``net@l`` for a symbolic layer ``l`` (or ``l+1``)."""
    return f"{kind}{layer}" if isinstance(layer, int) else f"{kind}@{layer}"


def _base(kind: str, layer: int | str, what: Kind) -> sp.IndexedBase:
    return register(sp.IndexedBase(_name(kind, layer), real=True), Quantity(what, layer))


_LEGACY = {
    Kind.INPUT: "O",
    Kind.OUTPUT: "O",
    Kind.PREACT: "net",
    Kind.WEIGHT: "W",
    Kind.BIAS: "b",
    Kind.DELTA: "delta",
    Kind.ERROR: "e",
    Kind.TARGET: "d",
    Kind.UPDATE_WEIGHT: "DeltaW",
    Kind.UPDATE_BIAS: "Deltab",
    Kind.ACT: "f",
    Kind.DACT: "df",
    Kind.LOSS: "E",
    Kind.LR: "eta",
}


def layer_of(base) -> int | str:
    """The layer of a quantity (from its typed :class:`Quantity`): ``net2`` -> 2,
    ``net@l+1`` -> 'l+1'; -1 for one that has none (``d``)."""
    q = quantity_of(base)
    if q is None:
        idx = index_of(base)
        return idx.layer if idx is not None else -1
    return -1 if q.layer is None else q.layer


def kind_of(base: sp.IndexedBase) -> str:
    """``O``, ``net``, ``W``, ``b``, ``delta``, ``DeltaW``, ``e`` or ``d`` (the short
    names older code compares with; new code asks :func:`quantity_of` for the Kind)."""
    q = quantity_of(base)
    return _LEGACY[q.kind] if q is not None else str(base)


@cache
def df(layer: int) -> sp.FunctionClass:
    """``f_l'``, the derivative of a layer's activation, as its own function."""
    return register(sp.Function(_name("df", layer), real=True), Quantity(Kind.DACT, layer))


def fprime(layer: int, arg: sp.Expr) -> sp.Expr:
    """``f_l'(arg)``."""
    return df(layer)(arg)


def name_fprimes(expr: sp.Expr) -> sp.Expr:
    """Write SymPy's ``Derivative(f_l(a), a)`` as ``df_l(a)`` (also inside the
    ``Subs`` SymPy uses when ``a`` is an expression)."""
    expr = _name_derivatives(expr)
    if not expr.has(sp.Subs):
        return expr
    # a Subs with no derivative left inside is a plain substitution: xreplace does it
    # without Subs.doit's re-evaluation (5x faster on the checker's derivatives)
    return expr.replace(
        lambda e: isinstance(e, sp.Subs) and not e.expr.has(sp.Derivative),
        lambda e: e.expr.xreplace(dict(zip(e.variables, e.point))),
    )


def _name_derivatives(expr: sp.Expr) -> sp.Expr:
    # the derivatives gathered first and put in by xreplace: the same result as a
    # replace() over every node (a named one holds no other: its arguments are its
    # variables), in two thirds of the time on the checker's derivatives
    named = {
        e: df(layer_of(e.expr.func))(e.variables[0])
        for e in expr.atoms(sp.Derivative)
        if quantity_of(e.expr.func) is not None
        and quantity_of(e.expr.func).kind == Kind.ACT
        and len(e.variables) == 1
        and e.expr.args == e.variables
    }
    return expr.xreplace(named) if named else expr


@cache
def Delta(param: str, layer: int) -> sp.IndexedBase:
    """The update of a parameter: ``Delta("W", 2)[j, k]`` is Δw_{jk}."""
    kind = Kind.UPDATE_WEIGHT if param == "W" else Kind.UPDATE_BIAS
    return _base(f"Delta{param}", layer, kind)


@cache
def e(layer: int) -> sp.IndexedBase:
    """The error -∂E/∂O of the output layer (the book's ``e_k = t_k - o_k``)."""
    return _base("e", layer, Kind.ERROR)
