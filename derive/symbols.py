"""The naming convention: one SymPy object for every quantity of a network.

Layers are numbered 0 (input) to L (output); weight layer l maps layer l-1
to layer l.  Internal names carry the layer number (``O1``, ``net2``,
``W2``); a notation preset (:mod:`derive.notation`) decides how each one is
printed (``O_j``, ``net_k``, ``w_{jk}`` in note 004).  Widths are symbols, so
a derivation never depends on how many nodes a layer has.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

E = sp.Symbol("E", real=True)
eta = sp.Symbol("eta", positive=True)
d = sp.IndexedBase("d", real=True)


@cache
def width(layer: int) -> sp.Symbol:
    return sp.Symbol(f"N{layer}", integer=True, positive=True)


@cache
def index(layer: int, prime: int = 0) -> sp.Symbol:
    """The index that runs over the nodes of ``layer`` (i, j, k in note 004).

    ``prime`` gives further dummies over the same layer (j', j'', ...).
    """
    return sp.Symbol(f"i{layer}" + "'" * prime, integer=True, nonnegative=True)


@cache
def O(layer: int) -> sp.IndexedBase:  # noqa: E743 - the notes' name
    """Outputs of a layer; ``O(0)`` are the inputs ``x``."""
    return sp.IndexedBase(_name("O", layer), real=True)


@cache
def net(layer: int) -> sp.IndexedBase:
    return sp.IndexedBase(_name("net", layer), real=True)


@cache
def W(layer: int) -> sp.IndexedBase:
    """Weights from layer-1 to layer: ``W(l)[p, q]`` joins node p to node q."""
    return sp.IndexedBase(_name("W", layer), real=True)


@cache
def b(layer: int) -> sp.IndexedBase:
    return sp.IndexedBase(_name("b", layer), real=True)


@cache
def delta(layer: int) -> sp.IndexedBase:
    """``δ = -∂E/∂net`` of a layer."""
    return sp.IndexedBase(_name("delta", layer), real=True)


@cache
def f(layer: int) -> sp.FunctionClass:
    """The activation of a layer as an undefined function, for the chain rule."""
    return sp.Function(_name("f", layer), real=True)


def _name(kind: str, layer: int | str) -> str:
    """``net2`` for layer 2; ``net@l`` for a symbolic layer ``l`` (or ``l+1``)."""
    return f"{kind}{layer}" if isinstance(layer, int) else f"{kind}@{layer}"


def layer_of(base) -> int | str:
    """The layer of an internal name: ``net2`` -> 2, ``net@l+1`` -> 'l+1', ``d`` -> -1."""
    name = str(base)
    if "@" in name:
        return name.split("@", 1)[1]
    digits = name[len(name.rstrip("0123456789")) :]
    return int(digits) if digits else -1


def kind_of(base: sp.IndexedBase) -> str:
    """``O``, ``net``, ``W``, ``b``, ``delta``, ``DeltaW``, ``e`` or ``d``."""
    name = str(base)
    return name.split("@", 1)[0] if "@" in name else name.rstrip("0123456789")


@cache
def df(layer: int) -> sp.FunctionClass:
    """``f_l'``, the derivative of a layer's activation, as its own function."""
    return sp.Function(_name("df", layer), real=True)


def fprime(layer: int, arg: sp.Expr) -> sp.Expr:
    """``f_l'(arg)``."""
    return df(layer)(arg)


def name_fprimes(expr: sp.Expr) -> sp.Expr:
    """Write SymPy's ``Derivative(f_l(a), a)`` as ``df_l(a)`` (also inside the
    ``Subs`` SymPy uses when ``a`` is an expression)."""
    expr = _name_derivatives(expr)
    return expr.replace(
        lambda e: isinstance(e, sp.Subs) and not e.expr.has(sp.Derivative), lambda e: e.doit()
    )


def _name_derivatives(expr: sp.Expr) -> sp.Expr:
    return expr.replace(
        lambda e: (
            isinstance(e, sp.Derivative)
            and str(e.expr.func).startswith("f")
            and len(e.variables) == 1
            and e.expr.args == e.variables
        ),
        lambda e: df(layer_of(e.expr.func))(e.variables[0]),
    )


@cache
def Delta(param: str, layer: int) -> sp.IndexedBase:
    """The update of a parameter: ``Delta("W", 2)[j, k]`` is Δw_{jk}."""
    return sp.IndexedBase(_name(f"Delta{param}", layer), real=True)


@cache
def e(layer: int) -> sp.IndexedBase:
    """The error -∂E/∂O of the output layer (the book's ``e_k = t_k - o_k``)."""
    return sp.IndexedBase(_name("e", layer), real=True)
