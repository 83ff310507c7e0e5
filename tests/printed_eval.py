"""Read what the tool PRINTED and evaluate it with the tests' own oracle.

The printed LaTeX (or Markdown) is split into relations and each side is read
by ``derive.check.parse`` (a reader of text only: it never sees the SymPy
objects behind the text).  What was read is then evaluated here, numerically,
on a network whose every quantity comes from ``tests/oracle_np.py``: outputs
and nets from its forward pass, E from its loss, and every derivative --
``\\partial E/\\partial w_{jk}``, ``\\delta = -\\partial E/\\partial net``,
``f'(net)``, a chain-rule factor ``\\partial O_k/\\partial net_k`` -- by central
finite differences of that forward pass.  A lost parenthesis, a wrong sign or
the wrong layer's f' changes a printed value, so the relation fails.

Names are those of note 004 (``v, w``; ``W^{(l)}`` for deeper networks),
the layer of an index is its letter (``i, j, k, l, m`` from the input on;
``n`` and primed letters are the output layer's / their letter's layer).  A
relation holds when both sides agree at every value of the indices its left
side leaves free.  In a matrix line (``\\circ``, ``^T`` or a weight matrix
named without indices) an index-1 quantity is the column vector of its layer.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derive.check.extract import find_formulas, split_relations
from derive.check.parse import FUNCTIONS, parse_latex
from tests import oracle_np as oracle

LAYER_BASES = frozenset({"W", "b", "delta", "net", "O", "f"})
H = 1e-6


class Unreadable(Exception):
    """A printed relation this reader cannot evaluate (the test counts them)."""


@dataclass
class Model:
    """A network and one sample, the quantities the printed text talks about."""

    widths: tuple
    activations: tuple
    loss: str
    bias: bool
    seed: int = 0
    decay: bool = False
    """The objective has the weight-decay term (λ/2) Σ w², λ = :attr:`lam`."""
    lam: float = 0.37
    """The value a printed λ stands for."""
    params: list = field(default_factory=list)
    letters: str = "ijklmnop"

    def __post_init__(self) -> None:
        self.params, x, d = oracle.random_case(self.widths, self.bias, self.loss, self.seed, 1)
        self.x, self.d = x[0], d[0]
        self.depth = len(self.widths) - 1
        self.eta = 0.3

    # -- names -------------------------------------------------------------------
    def layer_of(self, index) -> int:
        name = str(index).rstrip("'")
        if name in self.letters[: self.depth + 1]:
            return self.letters.index(name)
        if name in ("n", "m") and name not in self.letters[: self.depth + 1]:
            return self.depth
        raise Unreadable(f"index {index}")

    def weight_layer(self, name: str) -> int | None:
        if self.depth == 2 and name in ("v", "w"):
            return 1 if name == "v" else 2
        if name.startswith("W^(") and name.endswith(")"):
            return int(name[3:-1])
        return None

    def _param(self, kind: str, layer: int) -> int:
        return (2 * (layer - 1) + (kind == "b")) if self.bias else layer - 1

    # -- the network's state, with one quantity nudged ------------------------------
    def state(self, nudge=None) -> dict:
        """Every layer's net and O and the loss; ``nudge`` = (kind, layer, idx, h)."""
        params = [p.copy() for p in self.params]
        if nudge and nudge[0] in ("W", "b"):
            kind, layer, idx, h = nudge
            params[self._param(kind, layer)][idx] += h
        st = {("O", 0): self.x.copy()}
        if nudge and nudge[:2] == ("O", 0):
            st[("O", 0)][nudge[2]] += nudge[3]
        o = st[("O", 0)]
        step = 2 if self.bias else 1
        for n, act in enumerate(self.activations, start=1):
            z = o @ params[step * (n - 1)]
            if self.bias:
                z = z + params[step * (n - 1) + 1]
            if nudge and nudge[:2] == ("net", n):
                z = z.copy()
                z[nudge[2]] += nudge[3]
            o = oracle.activate(act, z)
            if nudge and nudge[:2] == ("O", n):
                o = o.copy()
                o[nudge[2]] += nudge[3]
            st[("net", n)], st[("O", n)] = z, o
        st["E"] = oracle.output_loss(self.loss, self.d[None], o[None])
        st["E"] += oracle.weight_decay(params, self.bias, self.lam if self.decay else 0.0)
        st["params"] = params
        return st

    def fd(self, fn, target) -> float:
        kind, layer, idx = target
        return (fn(self.state((kind, layer, idx, H))) - fn(self.state((kind, layer, idx, -H)))) / (
            2 * H
        )


class Reader:
    """Evaluate parsed printed expressions against a :class:`Model`."""

    def __init__(self, model: Model) -> None:
        self.m = model
        self.base = model.state()
        self._delta: dict = {}
        self._dE: dict = {}
        self.seen: dict = {}
        self.reals: dict[str, float] = {}
        """Values of the real variable of the header's f(x), f'(x) lines."""

    # -- helpers -------------------------------------------------------------
    def dE(self, target: tuple) -> float:
        """∂E/∂(target) by central differences, once per target."""
        key = (target[0], target[1], tuple(target[2]))
        if key not in self._dE:
            self._dE[key] = self.m.fd(lambda st: st["E"], target)
        return self._dE[key]

    def delta(self, layer: int) -> np.ndarray:
        if layer not in self._delta:
            n = self.m.widths[layer]
            self._delta[layer] = np.array([-self.dE(("net", layer, (q,))) for q in range(n)])
        return self._delta[layer]

    def fprime(self, layer: int, z: np.ndarray) -> np.ndarray:
        act = self.m.activations[layer - 1]
        if act == "softmax":
            raise Unreadable("f' of softmax")
        return (oracle.activate(act, z + H) - oracle.activate(act, z - H)) / (2 * H)

    def target(self, expr, at) -> tuple:
        """What a derivative is taken with respect to: (kind, layer, index)."""
        if isinstance(expr, sp.Indexed):
            name = str(expr.base)
            idx = tuple(at[i] if i in at else self._const(i) for i in expr.indices)
            wl = self.m.weight_layer(name)
            if wl is not None:
                return ("W", wl, idx)
            layer = self.m.layer_of(expr.indices[-1])
            if name in ("net", "O", "b"):
                return (name, layer, idx)
        raise Unreadable(f"derivative with respect to {expr}")

    def _const(self, i):
        if i.is_Integer:
            return int(i)
        raise Unreadable(f"index {i} not bound")

    # -- evaluation -----------------------------------------------------------------
    def value(self, expr, at: dict, st: dict | None = None, vector: bool = False):
        st = st or self.base
        ev = lambda e: self.value(e, at, st, vector)  # noqa: E731
        if isinstance(expr, (sp.Integer, sp.Float, sp.Rational)) or expr.is_number:
            return float(expr)
        if isinstance(expr, sp.Symbol):
            return self.symbol(expr.name, st, vector)
        if isinstance(expr, sp.Indexed):
            return self.indexed(expr, at, st, vector)
        if isinstance(expr, sp.Add):
            vals = [ev(a) for a in expr.args]
            shapes = {np.shape(v) for v in vals} - {()}
            if len(shapes) > 1:
                raise Unreadable(f"adding shapes {shapes}")
            return sum(vals)
        if isinstance(expr, sp.Mul):
            return self.mul(expr, at, st, vector)
        if isinstance(expr, sp.Pow):
            return np.power(ev(expr.base), ev(expr.exp))
        if isinstance(expr, sp.Sum):
            (var, _, _), *more = expr.limits
            if vector:
                raise Unreadable("sum in a matrix line")
            body = sp.Sum(expr.function, *more) if more else expr.function  # Σ_j Σ_k w_jk²
            n = self.m.widths[self.m.layer_of(var)]
            return sum(self.value(body, {**at, var: q}, st) for q in range(n))
        if isinstance(expr, sp.Derivative):
            return self.derivative(expr, at, st, vector)
        if isinstance(expr, sp.Piecewise):  # cases: the first piece whose condition holds
            for piece, cond in expr.args:
                if cond is sp.true or _COMPARE[type(cond)](ev(cond.lhs), ev(cond.rhs)):
                    return ev(piece)
            raise Unreadable(f"no case of {expr} applies")
        if isinstance(expr, (sp.Max, sp.Min)):
            vals = [ev(arg) for arg in expr.args]
            return (np.maximum if isinstance(expr, sp.Max) else np.minimum).reduce(vals)
        if isinstance(expr, sp.Function):
            name = expr.func.__name__
            if name == "hadamard":
                a, b = (ev(arg) for arg in expr.args)
                if np.shape(a) != np.shape(b) and np.shape(a) and np.shape(b):
                    raise Unreadable("hadamard of different shapes")
                return a * b
            if name == "transpose":
                (a,) = (ev(arg) for arg in expr.args)
                return np.transpose(a)
            fns = {
                "exp": np.exp,
                "log": np.log,
                "tanh": np.tanh,
                "sqrt": np.sqrt,
                "cos": np.cos,
                "sin": np.sin,
                "atan": np.arctan,
                "Abs": np.abs,
                "cosh": np.cosh,
                "sinh": np.sinh,
                "erf": np.vectorize(math.erf),
            }
            if name in fns:
                (a,) = (ev(arg) for arg in expr.args)
                return fns[name](a)
            if name in ("Max", "Min"):
                vals = [ev(arg) for arg in expr.args]
                return (np.maximum if name == "Max" else np.minimum).reduce(vals)
            if name in ("f", "g") and len(expr.args) == 1:
                return self.apply_f(self.f_layer(name), expr.args[0], at, st, vector, False)
        raise Unreadable(f"cannot evaluate {expr!r}")

    def symbol(self, name: str, st: dict, vector: bool):
        if name in self.reals:
            return self.reals[name]  # the x of f(x) = ..., at a chosen point
        if name == "pi":
            return np.pi
        if name in ("eta", "alpha"):
            return self.m.eta
        if name == "lambda":
            return self.m.lam
        if name == "E":
            return st["E"]
        if len(name) == 1 and name.isupper() and name.lower() in self.m.letters:
            return float(self.m.widths[self.m.layer_of(name.lower())])  # K: a layer's width
        wl = self.m.weight_layer(name)
        if wl is not None:
            return st["params"][self.m._param("W", wl)]
        labelled = re.fullmatch(r"(delta|net|O|b)\^\((\d+)\)", name)
        if labelled:  # a layer's vector named by its label: delta^{(2)}
            kind, layer = labelled[1], int(labelled[2])
            if kind == "delta":
                vec = self.delta(layer)
            elif kind == "b":
                vec = st["params"][self.m._param("b", layer)]
            else:
                vec = st[(kind, layer)]
            return np.asarray(vec, dtype=float).reshape(-1, 1)
        if name.startswith("Delta "):
            wl = self.m.weight_layer(name[6:])
            if wl is not None:
                return -self.m.eta * self.grad_matrix(wl)
        raise Unreadable(f"symbol {name}")

    def grad_matrix(self, layer: int) -> np.ndarray:
        shape = self.m.params[self.m._param("W", layer)].shape
        return np.array(
            [[self.dE(("W", layer, (p, q))) for q in range(shape[1])] for p in range(shape[0])]
        )

    def indexed(self, expr: sp.Indexed, at: dict, st: dict, vector: bool):
        name = str(expr.base)
        idx = expr.indices
        if name == "delta" and len(idx) == 2:  # the Kronecker delta
            a, b = (at[i] if i in at else self._const(i) for i in idx)
            return float(a == b)
        if name.startswith("Delta "):
            inner = name[6:]
            wl = self.m.weight_layer(inner)
            if wl is not None and len(idx) == 2:
                p, q = (at[i] for i in idx)
                return -self.m.eta * self.dE(("W", wl, (p, q)))
            if inner == "b" and len(idx) == 1:
                layer = self.m.layer_of(idx[0])
                return -self.m.eta * self.dE(("b", layer, (at[idx[0]],)))
            raise Unreadable(f"{name}")
        wl = self.m.weight_layer(name)
        if wl is not None:
            p, q = (at[i] for i in idx)
            return st["params"][self.m._param("W", wl)][p, q]
        (i,) = idx
        layer = self.m.layer_of(i)
        if name in ("O", "net"):
            vec = st[(name, layer)]
        elif name == "delta":
            if st is not self.base:
                raise Unreadable("delta inside a derivative")
            vec = self.delta(layer)
        elif name == "d" and layer == self.m.depth:
            vec = self.m.d
        elif name == "b" and self.m.bias:
            vec = st["params"][self.m._param("b", layer)]
        else:
            raise Unreadable(f"quantity {name}")
        if vector:
            return np.asarray(vec, dtype=float).reshape(-1, 1)
        if i in at:
            return float(vec[at[i]])
        raise Unreadable(f"free index {i} in {expr}")

    def f_layer(self, name: str) -> int:
        """Note 004 writes f for the hidden activation and g for a different output one."""
        acts = self.m.activations
        if name == "g":
            return self.m.depth
        return 1 if len(set(acts)) > 1 and self.m.depth == 2 else 0

    def apply_f(self, layer: int, arg, at, st, vector, prime: bool):
        if isinstance(arg, sp.Symbol) and arg.name in self.reals:
            # the header's f(x): a layer's activation (f: the first layer) at a point
            z = np.array([self.reals[arg.name]])
            use = layer or 1
            act = self.m.activations[use - 1]
            return float((self.fprime(use, z) if prime else oracle.activate(act, z))[0])
        if isinstance(arg, sp.Symbol) and arg.name.startswith("net^("):
            arg_layer = int(arg.name[5:-1])
            if not vector:
                raise Unreadable("a layer's net vector in an index line")
        elif isinstance(arg, sp.Indexed) and str(arg.base) == "net":
            arg_layer = self.m.layer_of(arg.indices[0])
        else:
            raise Unreadable(f"f of {arg}")
        if layer and layer != arg_layer:
            # f^{(l)} names layer l's activation: applied to another layer's net it is
            # that activation anyway (the printed name decides)
            pass
        use = layer or arg_layer
        z = st[("net", arg_layer)]
        if prime:
            vals = self.fprime(use, z)
        else:
            act = self.m.activations[use - 1]
            vals = oracle.activate(act, z)
        if vector:
            return vals.reshape(-1, 1)
        return float(vals[at[arg.indices[0]]])

    def mul(self, expr: sp.Mul, at, st, vector):
        args = list(expr.args)
        # a layer's activation f^{(l)} or f'^{(l)} reads as a symbol times its argument
        fsyms = [a for a in args if isinstance(a, sp.Symbol) and a.name.startswith("f")]
        vals = []
        for fs in fsyms:
            name = fs.name
            prime = name.startswith("f'")
            layer = int(name.split("^(")[1].rstrip(")")) if "^(" in name else 0
            nets = [a for a in args if isinstance(a, sp.Indexed) and str(a.base) == "net"]
            nets += [a for a in args if isinstance(a, sp.Symbol) and a.name.startswith("net^(")]
            nets += [a for a in args if isinstance(a, sp.Symbol) and a.name in self.reals]
            if len(nets) != 1:
                raise Unreadable(f"which net is {name} applied to in {expr}")
            args.remove(nets[0])
            args.remove(fs)
            vals.append(self.apply_f(layer, nets[0], at, st, vector, prime))
        vals += [self.value(a, at, st, vector) for a in args]
        scalars = [v for v in vals if np.ndim(v) == 0]
        arrays = [v for v in vals if np.ndim(v) > 0]
        out = float(np.prod(scalars)) if scalars else 1.0
        if not arrays:
            return out
        if len({a.shape for a in arrays}) == 1 and all(a.shape[-1] == 1 for a in arrays):
            return out * np.prod(arrays, axis=0)  # columns side by side: elementwise
        results = []
        for order in itertools.permutations(range(len(arrays))):
            acc = arrays[order[0]]
            ok = True
            for n in order[1:]:
                if acc.shape[-1] != arrays[n].shape[0]:
                    ok = False
                    break
                acc = acc @ arrays[n]
            if ok:
                results.append(acc)
        if not results:
            raise Unreadable(f"no order of {[a.shape for a in arrays]} multiplies")
        first = results[0]
        if any(r.shape != first.shape or not np.allclose(r, first) for r in results):
            raise Unreadable("an ambiguous matrix product")
        return out * first

    def derivative(self, expr: sp.Derivative, at, st, vector: bool = False):
        if st is not self.base:
            raise Unreadable("nested derivative")
        ((var, n),) = expr.variable_count
        if n != 1:
            raise Unreadable("higher derivative")
        inner = expr.expr
        if isinstance(inner, sp.Function) and inner.func.__name__ in ("f", "g"):
            layer = self.f_layer(inner.func.__name__)
            return self.apply_f(layer, inner.args[0], at, st, vector, prime=True)
        if vector and inner == sp.Symbol("E") and isinstance(var, sp.Symbol):
            wl = self.m.weight_layer(var.name)
            if wl is not None:  # the gradient matrix
                return self.grad_matrix(wl)
            bias = re.fullmatch(r"b\^\((\d+)\)", var.name)
            if bias and self.m.bias:
                layer = int(bias[1])
                n = self.m.widths[layer]
                grad = [self.dE(("b", layer, (q,))) for q in range(n)]
                return np.array(grad).reshape(-1, 1)
        if vector:
            raise Unreadable("a derivative in a matrix line")
        target = self.target(var, at)
        return self.m.fd(lambda s: self.value(inner, at, s), target)


def _is_vector_line(lhs, rhs, model: Model) -> bool:
    inside = {s for e in (lhs, rhs) for ind in e.atoms(sp.Indexed) for s in ind.atoms(sp.Symbol)}
    names = {str(s) for e in (lhs, rhs) for s in e.atoms(sp.Symbol) - inside}
    if any(model.weight_layer(n) is not None or n.startswith("Delta ") for n in names):
        return True
    if any(re.fullmatch(r"(delta|net|O|b)\^\(\d+\)", n) for n in names):
        return True  # a layer's whole vector, named by its label
    funcs = {f.func.__name__ for e in (lhs, rhs) for f in e.atoms(sp.Function)}
    return bool(funcs & {"hadamard", "transpose"})


@dataclass
class Tally:
    held: int = 0
    failed: list = field(default_factory=list)
    unreadable: list = field(default_factory=list)
    general: int = 0
    approximate: int = 0


def check_text(
    text: str, model: Model, markdown: bool = False, reader: Reader | None = None
) -> Tally:
    """Evaluate every printed relation of ``text``; return what held."""
    reader = reader or Reader(model)
    tally = Tally()
    fns = FUNCTIONS
    for formula in find_formulas(text, markdown=markdown):
        for rel in split_relations(formula):
            if not rel.lhs:
                continue
            if rel.op not in ("=",):
                tally.approximate += 1
                continue
            pairs = [(rel.lhs, rel.rhs)]
            if "(l)" in rel.source or "(l+1)" in rel.source:
                tally.general += 1  # a general layer l: checked at every concrete layer
                pairs = [
                    (lhs, rhs)
                    for lhs, rhs in zip(
                        instances(rel.lhs, model.depth), instances(rel.rhs, model.depth)
                    )
                ]
            for pair in pairs:
                _check_relation(pair, rel.source, model, reader, tally, fns)
    return tally


def _check_relation(pair, source, model, reader, tally, fns) -> None:
    """Check one relation; the same text on the same network is checked once
    (LaTeX and Markdown print the same formulas; --steps repeats the results)."""
    if pair in reader.seen:
        verdict, detail = reader.seen[pair]
        if verdict == "held":
            tally.held += 1
        else:
            getattr(tally, verdict).append(detail)
        return
    before = (tally.held, len(tally.failed), len(tally.unreadable))
    _check_relation_once(pair, source, model, reader, tally, fns)
    if tally.held > before[0]:
        reader.seen[pair] = ("held", None)
    elif len(tally.failed) > before[1]:
        reader.seen[pair] = ("failed", tally.failed[-1])
    elif len(tally.unreadable) > before[2]:
        reader.seen[pair] = ("unreadable", tally.unreadable[-1])


def _check_relation_once(pair, source, model, reader, tally, fns) -> None:
    rel_lhs, rel_rhs = pair
    if True:
        if True:
            try:
                lhs = parse_latex(rel_lhs, layer_bases=LAYER_BASES, functions=fns)
                rhs = parse_latex(rel_rhs, layer_bases=LAYER_BASES, functions=fns)
                vector = _is_vector_line(lhs, rhs, model)
                bound = {lim[0] for e in lhs.atoms(sp.Sum) for lim in e.limits}
                free = sorted(
                    {
                        i
                        for e in lhs.atoms(sp.Indexed)
                        for i in e.indices
                        if isinstance(i, sp.Symbol) and i not in bound
                    },
                    key=str,
                )
                ranges = [] if vector else [range(model.widths[model.layer_of(i)]) for i in free]
                every = list(itertools.product(*ranges))
                reals = _real_variables(lhs, rhs)
                if reals:  # the header's f(x) = ..., f'(x) = ...: a fact about a real variable
                    _check_at_points(reals, lhs, rhs, source, reader, tally)
                    return
                # a lost parenthesis or sign shows at any entry: check at most four, spread out
                picked = (
                    every
                    if len(every) <= 4
                    else [every[n * (len(every) - 1) // 3] for n in range(4)]
                )
                for values in picked:
                    at = dict(zip(free, values))
                    a = np.asarray(reader.value(lhs, at, vector=vector), dtype=float)
                    b = np.asarray(reader.value(rhs, at, vector=vector), dtype=float)
                    if a.shape != b.shape and a.size != 1 and b.size != 1:
                        raise Unreadable(f"shapes {a.shape} and {b.shape}")
                    scale = max(1.0, float(np.max(np.abs(a))), float(np.max(np.abs(b))))
                    if not np.all(np.abs(a - b) <= 1e-5 * scale):
                        tally.failed.append((source, at, a.ravel()[:3], b.ravel()[:3]))
                        break
                else:
                    tally.held += 1
            except Unreadable as err:
                tally.unreadable.append((source, str(err)))
            except Exception as err:  # a parse error is unreadable too
                tally.unreadable.append((source, f"{type(err).__name__}: {err}"))


REAL_VARIABLES = ("x", "u", "z", "y")
POINTS = (-2.3, -0.7, 0.4, 1.6)
_COMPARE = {
    sp.StrictGreaterThan: lambda a, b: a > b,
    sp.GreaterThan: lambda a, b: a >= b,
    sp.StrictLessThan: lambda a, b: a < b,
    sp.LessThan: lambda a, b: a <= b,
}


def _real_variables(lhs, rhs) -> tuple[str, ...]:
    """The real variable of a line about an activation itself (f(x) = ...), if any."""
    inside = {s for e in (lhs, rhs) for ind in e.atoms(sp.Indexed) for s in ind.atoms(sp.Symbol)}
    names = {s.name for e in (lhs, rhs) for s in e.atoms(sp.Symbol) - inside}
    return tuple(sorted(names & set(REAL_VARIABLES)))


def _check_at_points(reals, lhs, rhs, source, reader: Reader, tally: Tally) -> None:
    """Both sides at a few values of the variable (net and O where the line names them)."""
    try:
        for point in POINTS:
            reader.reals = dict.fromkeys(reals, point)
            a, b = reader.value(lhs, {}), reader.value(rhs, {})
            if not abs(a - b) <= 1e-5 * max(1.0, abs(a), abs(b)):
                tally.failed.append((source, {"x": point}, a, b))
                return
        tally.held += 1
    finally:
        reader.reals = {}


def instances(source: str, depth: int) -> list[str]:
    """A relation about a general layer l, at every layer it speaks of (l = 1 .. L-1
    when it names l+1); a batch form (Delta^{(l)}, rows) gives none."""
    if r"\Delta^{(" in source or r"\text{rows}" in source:
        return []
    top = depth - 1 if "(l+1)" in source else depth
    out = []
    for layer in range(1, top + 1):
        text = source.replace("(l+1)", f"({layer + 1})").replace("(l-1)", f"({layer - 1})")
        out.append(text.replace("(l)", f"({layer})"))
    return out
