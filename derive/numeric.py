"""Evaluate index-form expressions on a concrete network, in float64.

Used by the tests (against finite differences) and by the verifier's
numerical checks.  A small recursive evaluator: sums become loops over the
layer's width, ``Indexed`` objects look up arrays, ``f_l``/``df_l`` call the
layer's activation and its SymPy derivative.  It never evaluates strings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
import sympy as sp

from .functions import Activation, x

_FUNCS = {
    sp.exp: np.exp,
    sp.log: np.log,
    sp.tanh: np.tanh,
    sp.Abs: np.abs,
    sp.sign: np.sign,
    sp.sinh: np.sinh,
    sp.cosh: np.cosh,
    sp.atan: np.arctan,
    sp.sqrt: np.sqrt,
}


GENERIC = sp.tanh(x) / 2 + sp.sin(3 * x) / 5 + x / 7
"""A generic activation (note 003's Φ) is evaluated as this arbitrary smooth
function: an identity that fails for it fails for Φ in general."""


@cache
def _activation_fn(act: Activation, derivative: bool):
    """f or f' of a row as a NumPy function, built once per row."""
    base = GENERIC if act.expr is None else act.expr
    expr = sp.diff(base, x) if derivative else base
    return numpy_function(expr)


def numpy_function(expr: sp.Expr):
    """``expr`` (in x) as a NumPy function."""
    # numpy as a module, not "numpy": SymPy turns the string into `from numpy import *`,
    # which imports numpy.f2py (0.1-0.2 s of every `derive check`)
    return sp.lambdify(x, expr, modules=[{"erf": np.vectorize(math.erf)}, np])


@dataclass
class Point:
    """Values of every quantity of one network at one sample."""

    widths: tuple[int, ...]
    activations: tuple[Activation, ...]
    arrays: dict = field(default_factory=dict)
    """internal base name (``O1``, ``W2``, ``d``) -> numpy array."""
    scalars: dict = field(default_factory=dict)
    """Symbol -> value (``eta``, index symbols while summing)."""

    def activation(self, layer: int, value: float, derivative: bool = False) -> float:
        return float(_activation_fn(self.activations[layer - 1], derivative)(value))


def evaluate(expr: sp.Expr, point: Point, env: dict | None = None) -> float:
    """The float64 value of ``expr`` at ``point`` (``env``: values of free symbols)."""
    return float(compile_expr(expr)(point, {**point.scalars, **(env or {})}))


@lru_cache(maxsize=4096)
def compile_expr(expr: sp.Expr):
    """``expr`` as a closure ``(point, env) -> value``: the tree is walked once,
    not at every point."""
    return _compile(expr)


def _compile(e: sp.Expr):  # noqa: C901 - one branch per kind of node, like a printer
    if e.is_Number:
        value = float(e)
        return lambda pt, env: value
    if isinstance(e, sp.Symbol):
        if e.name.startswith("N") and e.name[1:].isdigit():
            layer = int(e.name[1:])
            return lambda pt, env: pt.widths[layer]

        def symbol(pt, env, e=e):
            try:
                return env[e]
            except KeyError:
                raise KeyError(f"no value for symbol {e}") from None

        return symbol
    if isinstance(e, sp.Indexed):
        name = str(e.base)
        idx = [_compile(i) for i in e.indices]
        return lambda pt, env: pt.arrays[name][tuple(int(i(pt, env)) for i in idx)]
    if isinstance(e, sp.Add):
        parts = [_compile(a) for a in e.args]
        return lambda pt, env: sum(p(pt, env) for p in parts)
    if isinstance(e, sp.Mul):
        parts = [_compile(a) for a in e.args]

        def mul(pt, env):
            out = 1.0
            for p in parts:
                out *= p(pt, env)
            return out

        return mul
    if isinstance(e, sp.Pow):
        base, exp = _compile(e.base), _compile(e.exp)
        return lambda pt, env: base(pt, env) ** exp(pt, env)
    if isinstance(e, sp.Sum):
        (var, lo, hi), *more = e.limits
        inner = _compile(sp.Sum(e.function, *more) if more else e.function)
        lo_, hi_ = _compile(lo), _compile(hi)

        def total(pt, env):
            out = 0.0
            local = dict(env)
            for n in range(int(lo_(pt, env)), int(hi_(pt, env)) + 1):
                local[var] = n
                out += inner(pt, local)
            return out

        return total
    if isinstance(e, sp.KroneckerDelta):
        a, b = _compile(e.args[0]), _compile(e.args[1])
        return lambda pt, env: 1.0 if a(pt, env) == b(pt, env) else 0.0
    if isinstance(e, (sp.Min, sp.Max)):
        parts = [_compile(a) for a in e.args]
        pick = min if isinstance(e, sp.Min) else max
        return lambda pt, env: pick(p(pt, env) for p in parts)
    if isinstance(e, sp.Piecewise):
        branches = [(_compile(v), c) for v, c in e.args]

        def piecewise(pt, env):
            for value, cond in branches:
                if cond == sp.true:
                    return value(pt, env)
                values = {s: _compile(s)(pt, env) for s in cond.free_symbols}
                if bool(cond.subs(values)):
                    return value(pt, env)
            raise ValueError("no branch of a Piecewise applies")

        return piecewise
    if isinstance(e, sp.Function):
        name = str(e.func)
        args = [_compile(a) for a in e.args]
        if name[:1] == "f" and name[1:].isdigit():
            layer = int(name[1:])
            return lambda pt, env: pt.activation(layer, args[0](pt, env))
        if name[:2] == "df" and name[2:].isdigit():
            layer = int(name[2:])
            return lambda pt, env: pt.activation(layer, args[0](pt, env), derivative=True)
        if e.func in _FUNCS:
            fn = _FUNCS[e.func]
            return lambda pt, env: fn(*[a(pt, env) for a in args])
        if isinstance(e, sp.Max):
            return lambda pt, env: max(a(pt, env) for a in args)
        if isinstance(e, sp.Min):
            return lambda pt, env: min(a(pt, env) for a in args)
        if isinstance(e, sp.Heaviside):
            return lambda pt, env: float(np.heaviside(args[0](pt, env), 0.5))
    raise TypeError(f"cannot evaluate {type(e).__name__}: {e}")


def forward(point: Point) -> None:
    """Fill ``net{l}`` and ``O{l}`` from ``O0`` and the weights (NumPy, no SymPy)."""
    for layer in range(1, len(point.widths)):
        net = point.arrays[f"O{layer - 1}"] @ point.arrays[f"W{layer}"]
        if f"b{layer}" in point.arrays:
            net = net + point.arrays[f"b{layer}"]
        point.arrays[f"net{layer}"] = net
        act = point.activations[layer - 1]
        if act.vector:
            z = np.exp(net - net.max())
            point.arrays[f"O{layer}"] = z / z.sum()
        else:
            point.arrays[f"O{layer}"] = np.array([point.activation(layer, v) for v in net])
    # the book's errors: e_k = d_k - O_k at the output, e_j = Σ_k W_jk e_k below it
    L = len(point.widths) - 1
    if "d" in point.arrays:
        point.arrays[f"e{L}"] = point.arrays["d"] - point.arrays[f"O{L}"]
        for layer in range(L - 1, 0, -1):
            point.arrays[f"e{layer}"] = (
                point.arrays[f"W{layer + 1}"] @ point.arrays[f"e{layer + 1}"]
            )
