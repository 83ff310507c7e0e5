"""Evaluate index-form expressions on a concrete network, in float64.

Used by the tests (against finite differences) and by the verifier's
numerical checks.  A small recursive evaluator: sums become loops over the
layer's width, ``Indexed`` objects look up arrays, ``f_l``/``df_l`` call the
layer's activation and its SymPy derivative.  It never evaluates strings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp

from .functions import Activation, x

_FUNCS = {
    sp.exp: np.exp, sp.log: np.log, sp.tanh: np.tanh, sp.Abs: np.abs, sp.sign: np.sign,
    sp.sinh: np.sinh, sp.cosh: np.cosh, sp.atan: np.arctan, sp.sqrt: np.sqrt,
}


@lru_cache(maxsize=None)
def _lambda(expr: sp.Expr):
    return sp.lambdify(x, expr, modules=["numpy", {"erf": np.vectorize(math.erf)}])


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
        act = self.activations[layer - 1]
        expr = sp.diff(act.expr, x) if derivative else act.expr
        return float(_lambda(expr)(value))


def evaluate(expr: sp.Expr, point: Point) -> float:
    """The float64 value of ``expr`` at ``point``."""
    return float(_eval(expr, point, dict(point.scalars)))


def _eval(e: sp.Expr, pt: Point, env: dict):
    if e.is_Number:
        return float(e)
    if isinstance(e, sp.Symbol):
        if e in env:
            return env[e]
        if e.name.startswith("N") and e.name[1:].isdigit():
            return pt.widths[int(e.name[1:])]
        raise KeyError(f"no value for symbol {e}")
    if isinstance(e, sp.Indexed):
        array = pt.arrays[str(e.base)]
        idx = tuple(int(_eval(i, pt, env)) for i in e.indices)
        return array[idx]
    if isinstance(e, sp.Add):
        return sum(_eval(a, pt, env) for a in e.args)
    if isinstance(e, sp.Mul):
        out = 1.0
        for a in e.args:
            out *= _eval(a, pt, env)
        return out
    if isinstance(e, sp.Pow):
        return _eval(e.base, pt, env) ** _eval(e.exp, pt, env)
    if isinstance(e, sp.Sum):
        (var, lo, hi), *more = e.limits
        inner = sp.Sum(e.function, *more) if more else e.function
        total = 0.0
        for n in range(int(_eval(lo, pt, env)), int(_eval(hi, pt, env)) + 1):
            total += _eval(inner, pt, {**env, var: n})
        return total
    if isinstance(e, sp.KroneckerDelta):
        return 1.0 if _eval(e.args[0], pt, env) == _eval(e.args[1], pt, env) else 0.0
    if isinstance(e, sp.Piecewise):
        for value, cond in e.args:
            values = {s: _eval(s, pt, env) for s in cond.free_symbols}
            if cond == sp.true or bool(cond.subs(values)):
                return _eval(value, pt, env)
    if isinstance(e, sp.Function):
        name = str(e.func)
        args = [_eval(a, pt, env) for a in e.args]
        if name[:1] == "f" and name[1:].isdigit():
            return pt.activation(int(name[1:]), args[0])
        if name[:2] == "df" and name[2:].isdigit():
            return pt.activation(int(name[2:]), args[0], derivative=True)
        if e.func in _FUNCS:
            return _FUNCS[e.func](*args)
        if isinstance(e, sp.Max):
            return max(args)
        if isinstance(e, sp.Min):
            return min(args)
        if isinstance(e, sp.Heaviside):
            return 1.0 if args[0] > 0 else (0.0 if args[0] < 0 else 0.5)
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

