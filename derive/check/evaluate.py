"""The checker's numbers: a side's value at a point of the network, in float64.

A side is compiled once into a closure ``(point, env) -> float`` (sums loop over
the layer's width, ``Indexed`` looks up the point's arrays, ``f_l`` calls the
layer's activation from the table).  A derivative the checker leaves
unresolved, :class:`Partial` ``(a, b)``, is computed at the point by
forward-mode differentiation: the tangent of every later ``net`` and ``O`` when
``b`` moves by one, from the network's definitions, and ``a`` evaluated on
(value, tangent) pairs.  That is exact to rounding, and it costs one forward
pass where differentiating the unrolled expression of a deep network in SymPy
took seconds.  Nothing here comes from the derivation.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

import numpy as np
import sympy as sp

from .. import symbols as S
from ..functions import Activation, x
from ..numeric import GENERIC, numpy_function


class Partial(sp.Function):
    """``∂a/∂b``, left for :func:`values` to compute numerically."""

    nargs = 2

    @classmethod
    def eval(cls, a, b):
        return None

    def as_derivative(self) -> sp.Derivative:
        return sp.Derivative(self.args[0], self.args[1], evaluate=False)


class OverBatch(sp.Function):
    """``Σ_n a``: ``a`` summed over the examples of the point's batch (a notation whose
    loss is the mean over a batch; each point is one example of a batch, ``pt.batch``)."""

    nargs = 1

    @classmethod
    def eval(cls, a):
        return None


BATCH_SIZE = sp.Symbol("N", positive=True, integer=True)
"""The number of examples in the batch (CS231n's N)."""


def batch(pt) -> tuple:
    """The examples of the batch ``pt`` belongs to (itself alone without a batch)."""
    return getattr(pt, "batch", None) or (pt,)


ROW = sp.Symbol("n", integer=True)
"""The example a sum over the batch runs over, as printed."""


def printable_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every :class:`Partial` as SymPy's unevaluated ``Derivative`` and
    every :class:`OverBatch` as a sum over the examples ``n = 1 … N``."""
    if expr.has(OverBatch):
        expr = expr.replace(
            lambda e: isinstance(e, OverBatch),
            lambda e: sp.Sum(e.args[0], (ROW, 1, BATCH_SIZE)),
        )
    if not expr.has(Partial):
        return expr
    return expr.replace(lambda e: isinstance(e, Partial), lambda e: e.as_derivative())


@cache
def _activation(act: Activation, order: int):
    base = GENERIC if act.expr is None else act.expr
    expr = sp.diff(base, x, order) if order else base
    # ReLU's f'' is a Dirac delta: 0 at every point but the kink, which has measure zero
    expr = expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.Integer(0))
    return numpy_function(expr)


def _act(pt, layer: int, value: float, order: int = 0) -> float:
    return float(_activation(pt.activations[layer - 1], order)(value))


_FUNCS = {
    sp.exp: (np.exp, np.exp),
    sp.log: (np.log, lambda v: 1 / v),
    sp.tanh: (np.tanh, lambda v: 1 - np.tanh(v) ** 2),
    sp.sinh: (np.sinh, np.cosh),
    sp.cosh: (np.cosh, np.sinh),
    sp.sin: (np.sin, np.cos),
    sp.cos: (np.cos, lambda v: -np.sin(v)),
    sp.Abs: (np.abs, np.sign),
    sp.sign: (np.sign, lambda v: 0.0),
    sp.atan: (np.arctan, lambda v: 1 / (1 + v * v)),
    sp.erf: (math.erf, lambda v: 2 / math.sqrt(math.pi) * math.exp(-v * v)),
}


# -- values and tangents ----------------------------------------------------------------
# Every closure returns (value, tangent); the tangent is 0.0 where nothing moves.


@lru_cache(maxsize=4096)
def compile_dual(e: sp.Expr, loss: sp.Expr | None):  # noqa: C901 - one branch per node kind
    """``e`` as a closure ``(point, env, tangents) -> (value, tangent)``."""
    if e.is_Number or isinstance(e, sp.NumberSymbol):  # 2, 1/2, pi
        value = float(e)
        return lambda pt, env, tan: (value, 0.0)
    if isinstance(e, sp.Symbol):
        if e == S.E and loss is not None:
            return compile_dual(loss, None)
        if e.name.startswith("N") and e.name[1:].isdigit():
            layer = int(e.name[1:])
            return lambda pt, env, tan: (float(pt.widths[layer]), 0.0)
        if e == BATCH_SIZE:
            return lambda pt, env, tan: (float(len(batch(pt))), 0.0)

        def symbol(pt, env, tan, e=e):
            try:
                return float(env[e]), 0.0
            except KeyError:
                raise KeyError(f"no value for symbol {e}") from None

        return symbol
    if isinstance(e, sp.Indexed):
        name = str(e.base)
        idx = [compile_dual(i, loss) for i in e.indices]
        if len(idx) == 1:  # the usual one or two indices without a generator (hot path)
            (only,) = idx

            def indexed(pt, env, tan):
                at = int(only(pt, env, tan)[0])
                t = tan.get(name)
                return float(pt.arrays[name][at]), (0.0 if t is None else float(t[at]))

        elif len(idx) == 2:
            first, second = idx

            def indexed(pt, env, tan):
                at = (int(first(pt, env, tan)[0]), int(second(pt, env, tan)[0]))
                t = tan.get(name)
                return float(pt.arrays[name][at]), (0.0 if t is None else float(t[at]))

        else:

            def indexed(pt, env, tan):
                at = tuple(int(i(pt, env, tan)[0]) for i in idx)
                t = tan.get(name)
                return float(pt.arrays[name][at]), (0.0 if t is None else float(t[at]))

        return indexed
    if isinstance(e, sp.Piecewise):
        return _piecewise(e, loss)
    parts = [compile_dual(a, loss) for a in e.args] if not isinstance(e, sp.Sum) else []
    if isinstance(e, sp.Add):

        def add(pt, env, tan):
            v = t = 0.0
            for p in parts:
                pv, pt_ = p(pt, env, tan)
                v += pv
                t += pt_
            return v, t

        return add
    if isinstance(e, sp.Mul):

        def mul(pt, env, tan):
            v, t = 1.0, 0.0
            for p in parts:
                pv, pt_ = p(pt, env, tan)
                v, t = v * pv, t * pv + v * pt_
            return v, t

        return mul
    if isinstance(e, sp.Pow):
        base, exp = parts
        constant = e.exp.is_Number

        def power(pt, env, tan):
            bv, bt = base(pt, env, tan)
            ev, et = exp(pt, env, tan)
            v = bv**ev
            if constant or et == 0.0:
                t = ev * bv ** (ev - 1) * bt if bt != 0.0 else 0.0
            else:
                t = v * (et * math.log(bv) + ev * bt / bv)
            return v, t

        return power
    if isinstance(e, sp.Sum):
        (var, lo, hi), *more = e.limits
        inner = compile_dual(sp.Sum(e.function, *more) if more else e.function, loss)
        lo_, hi_ = compile_dual(lo, loss), compile_dual(hi, loss)

        def total(pt, env, tan):
            v = t = 0.0
            local = dict(env)
            for n in range(int(lo_(pt, env, tan)[0]), int(hi_(pt, env, tan)[0]) + 1):
                local[var] = n
                pv, pt_ = inner(pt, local, tan)
                v += pv
                t += pt_
            return v, t

        return total
    if isinstance(e, sp.KroneckerDelta):
        a, b = parts
        return lambda pt, env, tan: (1.0 if a(pt, env, tan)[0] == b(pt, env, tan)[0] else 0.0, 0.0)
    if isinstance(e, (sp.Min, sp.Max)):
        pick = min if isinstance(e, sp.Min) else max
        return lambda pt, env, tan: pick((p(pt, env, tan) for p in parts), key=lambda vt: vt[0])
    if isinstance(e, Partial):
        return _partial(e, loss)
    if isinstance(e, OverBatch):
        (each,) = parts

        def over(pt, env, tan):
            if tan:
                raise TypeError("a derivative of a sum over the batch")
            return sum(each(one, env, tan)[0] for one in batch(pt)), 0.0

        return over
    if isinstance(e, sp.Function):
        name = str(e.func)
        if len(parts) == 1 and name[:1] == "f" and name[1:].isdigit():
            return _applied(parts[0], int(name[1:]), 0)
        if len(parts) == 1 and name[:2] == "df" and name[2:].isdigit():
            return _applied(parts[0], int(name[2:]), 1)
        if e.func in _FUNCS and len(parts) == 1:
            fn, dfn = _FUNCS[e.func]
            (arg,) = parts

            def elementary(pt, env, tan):
                v, t = arg(pt, env, tan)
                return float(fn(v)), (float(dfn(v)) * t if t != 0.0 else 0.0)

            return elementary
    raise TypeError(f"cannot evaluate {type(e).__name__}: {e}")


_COMPARE = {
    sp.StrictGreaterThan: float.__gt__,
    sp.GreaterThan: float.__ge__,
    sp.StrictLessThan: float.__lt__,
    sp.LessThan: float.__le__,
}


def _piecewise(e: sp.Piecewise, loss):
    """Cases (ReLU's derivative): the first piece whose condition holds at the point."""
    pieces = []
    for value, cond in e.args:
        if cond is sp.true:
            test = None
        elif type(cond) in _COMPARE:
            a, b = compile_dual(cond.lhs, loss), compile_dual(cond.rhs, loss)
            test = (_COMPARE[type(cond)], a, b)
        else:
            raise TypeError(f"cannot evaluate the condition {cond}")
        pieces.append((compile_dual(value, loss), test))

    def cases(pt, env, tan):
        for value, test in pieces:
            if test is None or test[0](test[1](pt, env, tan)[0], test[2](pt, env, tan)[0]):
                return value(pt, env, tan)
        raise ValueError("no case applies")

    return cases


def _applied(arg, layer: int, order: int):
    def apply(pt, env, tan):
        v, t = arg(pt, env, tan)
        value = _act(pt, layer, v, order)
        return value, (_act(pt, layer, v, order + 1) * t if t != 0.0 else 0.0)

    return apply


def _partial(e: Partial, loss):
    a, b = e.args
    if a.has(Partial):
        raise TypeError("a derivative of a derivative")
    if not isinstance(b, sp.Indexed) or S.kind_of(b.base) not in ("O", "net", "W", "b"):
        raise TypeError(f"a derivative with respect to {b}")
    kind, layer = S.kind_of(b.base), S.layer_of(b.base)
    target = compile_dual(a, loss)
    where = [compile_dual(i, loss) for i in b.indices]

    def partial(pt, env, tan):
        if tan:
            raise TypeError("a derivative of a derivative")
        at = tuple(int(i(pt, env, tan)[0]) for i in where)
        return target(pt, env, tangents(pt, kind, layer, at))[1], 0.0

    return partial


def tangents(pt, kind: str, layer: int, at: tuple) -> dict:
    """How every quantity of the point moves when the one named moves by 1:
    forward-mode differentiation through the network's definitions."""
    L = len(pt.widths) - 1
    arrays = pt.arrays
    tan: dict[str, np.ndarray] = {}
    if kind == "O":
        d_out = np.zeros(pt.widths[layer])
        d_out[at] = 1.0
        tan[f"O{layer}"] = d_out
        if layer == L:
            return tan
        layer += 1
        d_net = d_out @ arrays[f"W{layer}"]
    else:
        d_net = np.zeros(pt.widths[layer])
        if kind == "W":
            p, q = at
            d_w = np.zeros_like(arrays[f"W{layer}"])
            d_w[p, q] = 1.0
            tan[f"W{layer}"] = d_w
            d_net[q] = arrays[f"O{layer - 1}"][p]
        else:  # b or net
            d_net[at] = 1.0
            if kind == "b":
                tan[f"b{layer}"] = d_net.copy()
    for m in range(layer, L + 1):
        tan[f"net{m}"] = d_net
        act = pt.activations[m - 1]
        if act.vector:  # softmax: dO = O ∘ (dnet - O·dnet)
            out = arrays[f"O{m}"]
            d_out = out * (d_net - out @ d_net)
        else:
            net = arrays[f"net{m}"]
            d_out = np.array([_act(pt, m, v, 1) for v in net]) * d_net
        tan[f"O{m}"] = d_out
        if m < L:
            d_net = d_out @ arrays[f"W{m + 1}"]
    return tan


def values(expr: sp.Expr, envs: list, points: list, loss: sp.Expr | None = None) -> np.ndarray:
    """``expr`` at every point (with the matching ``env`` of index values)."""
    fn = compile_dual(expr, loss)
    return np.array(
        [fn(pt, {**pt.scalars, **env}, {})[0] for pt, env in zip(points, envs, strict=True)]
    )
