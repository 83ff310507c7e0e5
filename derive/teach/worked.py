"""A worked example: the derivation's own results evaluated at given numbers.

Nothing here states a formula of backpropagation.  The forward pass evaluates
the derivation's definitions (``net``, ``O``, ``E``), each δ is the
derivation's δ of that layer, each gradient and update is the derivation's
``∂E/∂w`` and ``Δw`` -- all evaluated in float64 by :mod:`derive.numeric`
at one node at a time, layer by layer, the order a student works in.  The
result is data (:class:`Worked`): every value, and every line as SymPy
objects that the printers in :mod:`derive.teach.render` print in a notation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .. import symbols as S
from ..display import Factor, Factors
from ..record import What
from .numbers import Numbers


@dataclass(frozen=True)
class Line:
    """``lhs = forms[0] = ... = value``: one number worked out.

    ``forms`` are SymPy objects (or :class:`Factors`) at concrete node indices;
    ``numbers`` says which form is printed once more with the numbers put in.
    """

    key: str
    lhs: object
    forms: tuple
    value: float
    rel: str = "="


@dataclass(frozen=True)
class Section:
    key: str
    """A key into :data:`derive.teach.render.TEXT` (``forward``, ``error``, ...)."""
    layer: int
    lines: tuple[Line, ...]


@dataclass
class Worked:
    numbers: Numbers
    derivation: object
    arrays: dict = field(default_factory=dict)
    """Internal base name (``O1``, ``W2``, ``delta2``, ``gradW2``, ``newW2``) -> array."""
    E: float = 0.0
    sections: list[Section] = field(default_factory=list)

    @property
    def network(self):
        return self.derivation.network

    @property
    def depth(self) -> int:
        return self.network.depth


def network_of(numbers: Numbers):
    """The :class:`~derive.network.Network` the numbers describe."""
    from ..network import build

    return build(
        numbers.widths,
        activation=numbers.activation,
        output_activation=numbers.output_activation,
        loss=numbers.loss,
        bias=numbers.b is not None,
    )


def work(numbers: Numbers, derivation=None) -> Worked:
    """Evaluate the derivation of ``numbers``' network at its numbers."""
    from ..derivation import derive
    from ..numeric import Point

    network = network_of(numbers)
    if derivation is None:
        derivation = derive(network)
    L = network.depth
    arrays: dict[str, np.ndarray] = {
        "O0": np.array(numbers.x, dtype=np.float64),
        "d": np.array(numbers.d, dtype=np.float64),
    }
    for layer in range(1, L + 1):
        arrays[f"W{layer}"] = np.array(numbers.W[layer - 1], dtype=np.float64)
        if numbers.b is not None:
            arrays[f"b{layer}"] = np.array(numbers.b[layer - 1], dtype=np.float64)
    point = Point(numbers.widths, network.activations, arrays, {S.eta: numbers.eta})
    out = Worked(numbers, derivation, arrays)
    widths = {S.width(n): sp.Integer(w) for n, w in enumerate(numbers.widths)}

    def line(key, lhs, form, env, numbered=True) -> Line:
        from ..numeric import evaluate

        value = evaluate(_expr(form), point, env)
        at = {s: sp.Integer(v) for s, v in env.items()}
        concrete = _concrete(form, at, widths)
        forms = (concrete, Numbered(concrete)) if numbered else (concrete,)
        return Line(key, _at(lhs, at), forms, value)

    # forward pass: the derivation's definitions of net and O, layer by layer
    for layer in range(1, L + 1):
        q = S.index(layer)
        lines = []
        nets, outs = [], []
        net_eq = derivation.definition(What.NET, layer)
        out_eq = derivation.definition(What.OUTPUT, layer)
        for node in range(numbers.widths[layer]):
            env = {q: node}
            ln = line(f"net{layer}", net_eq.lhs, net_eq.result, env)
            nets.append(ln.value)
            lines.append(ln)
        arrays[f"net{layer}"] = np.array(nets)
        for node in range(numbers.widths[layer]):
            env = {q: node}
            ln = line(f"O{layer}", out_eq.lhs, out_eq.result, env)
            outs.append(ln.value)
            lines.append(ln)
        arrays[f"O{layer}"] = np.array(outs)
        out.sections.append(Section("forward", layer, tuple(lines)))

    loss = derivation.definition(What.LOSS)
    E_line = line("E", loss.lhs, loss.result, {})
    out.E = E_line.value
    out.sections.append(Section("error", L, (E_line,)))

    # δ from the output layer back: the derivation's δ of each layer
    for layer in range(L, 0, -1):
        eq = derivation.delta(layer)
        q = S.index(layer)
        lines, values = [], []
        for node in range(numbers.widths[layer]):
            env = {q: node}
            value_of = derivation.delta(layer).value
            ln = line(f"delta{layer}", eq.lhs, eq.shown, env)
            check = Line(ln.key, ln.lhs, ln.forms, _value(value_of, point, env))
            values.append(check.value)
            lines.append(check)
        arrays[f"delta{layer}"] = np.array(values)
        out.sections.append(Section("delta", layer, tuple(lines)))

    # gradients, updates and new parameters: the derivation's ∂E/∂ and Δ
    params = ["W"] + (["b"] if numbers.b is not None and numbers.update_biases else [])
    for layer in range(L, 0, -1):
        p, q = S.index(layer - 1), S.index(layer)
        lines = []
        for param in params:
            base = S.W(layer) if param == "W" else S.b(layer)
            grad_eq, upd_eq = derivation.gradient(base), derivation.update(base)
            shape = arrays[f"{param}{layer}"].shape
            grad, upd = np.zeros(shape), np.zeros(shape)
            for where in np.ndindex(*shape):
                env = dict(zip((p, q) if param == "W" else (q,), where, strict=True))
                g = line(f"grad_{param}{layer}", grad_eq.lhs, grad_eq.shown, env)
                u = line(f"update_{param}{layer}", upd_eq.lhs, upd_eq.shown, env)
                grad[where], upd[where] = g.value, u.value
                lines += [g, u]
            arrays[f"grad{param}{layer}"] = grad
            arrays[f"Delta{param}{layer}"] = upd
        out.sections.append(Section("gradient", layer, tuple(lines)))

    # the new parameters: old + Δ
    for layer in range(1, L + 1):
        p, q = S.index(layer - 1), S.index(layer)
        lines = []
        for param in params:
            old = arrays[f"{param}{layer}"]
            new = old + arrays[f"Delta{param}{layer}"]
            arrays[f"new{param}{layer}"] = new
            base = S.W(layer) if param == "W" else S.b(layer)
            delta = S.Delta(param, layer)
            for where in np.ndindex(*old.shape):
                idx = tuple(sp.Integer(i) for i in where)
                lhs = base[idx]
                form = NewValue(base[idx], delta[idx])
                lines.append(
                    Line(
                        f"new{param}{layer}",
                        lhs,
                        (form, Numbered(form)),
                        float(new[where]),
                        rel=r"\leftarrow",
                    )
                )
        out.sections.append(Section("new", layer, tuple(lines)))
    return out


@dataclass(frozen=True)
class NewValue:
    """``old + change``, printed in that order (SymPy would sort the terms)."""

    old: sp.Expr
    change: sp.Expr


@dataclass(frozen=True)
class Numbered:
    """A form printed with every quantity replaced by its number."""

    form: object


def _expr(form) -> sp.Expr:
    return form.expr if isinstance(form, Factors) else form


def _value(expr, point, env) -> float:
    from ..numeric import evaluate

    return evaluate(expr, point, env)


def _at(obj, at: dict):
    """``obj`` at concrete node numbers (free indices only)."""
    return obj.xreplace(at) if at else obj


def _concrete(form, at: dict, widths: dict):
    """A form at concrete nodes, with its sums written out term by term."""
    if isinstance(form, Factors):
        return Factors(
            tuple(Factor(_concrete(f.expr, at, widths), f.role) for f in form.factors), form.sign
        )
    expr = form.xreplace(at).xreplace(widths)
    return expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: e.doit())
